"""The status bar: what is indexed, with which model, how fresh, and indexing progress."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from verbatim.assistant import Status
from verbatim.tui.text import literal


class StatusBar(Horizontal):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; padding: 0 1; }
    StatusBar > #status-text { width: 1fr; }
    StatusBar > ProgressBar { width: 44; display: none; }
    StatusBar.busy > ProgressBar { display: block; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("Starting…", id="status-text")
        yield ProgressBar(show_eta=False, id="progress")

    def show_message(self, message: str) -> None:
        self.query_one("#status-text", Static).update(literal(message))

    def show_status(self, status: Status, model_name: str) -> None:
        manifest = status.manifest
        text = literal(f"{status.corpus} · {manifest.documents} documents · ")
        text.append_text(literal(f"{manifest.passages} passages · {model_name} · "))
        if not status.model_matches:
            text.append("model changed: ctrl+r rebuilds", "bold red")
        elif status.is_stale:
            changes = len(status.new) + len(status.changed) + len(status.deleted)
            text.append(f"{changes} file(s) changed since indexing: ctrl+r", "bold yellow")
        else:
            text.append("index fresh", "green")
        self.query_one("#status-text", Static).update(text)

    def show_progress(self, stage: str, done: int, total: int) -> None:
        self.add_class("busy")
        self.query_one("#status-text", Static).update(Text(f"{stage.capitalize()}…"))
        self.query_one(ProgressBar).update(total=total, progress=done)

    def done(self) -> None:
        self.remove_class("busy")
