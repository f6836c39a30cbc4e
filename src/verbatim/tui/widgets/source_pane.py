"""The source pane: the answer read in place, in the lines of its original file."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from verbatim.assistant import Excerpt
from verbatim.tui.text import literal


class SourcePane(VerticalScroll):
    DEFAULT_CSS = """
    SourcePane {
        width: 45%;
        border-left: vkey $primary 40%;
        padding: 0 1;
        scrollbar-gutter: stable;  /* no re-wrap, so no jump, when the scrollbar appears */
    }
    SourcePane > #source-title { text-style: bold; margin: 0 0 1 0; }
    SourcePane > #source-answer { background: $accent 20%; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="source-title")
        yield Static(id="source-before")
        yield Static(id="source-answer")
        yield Static(id="source-after")

    def on_mount(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Back to "Select an answer…", as before any answer was selected."""
        self.add_class("unselected")
        self.query_one("#source-title", Static).update("Source")
        self.query_one("#source-before", Static).update(
            Text("Select an answer to read it in its file.", style="dim")
        )
        for part in ("#source-answer", "#source-after"):
            self.query_one(part, Static).update("")
        self.query_one("#source-answer").display = False

    def show(self, excerpt: Excerpt) -> None:
        """Show the excerpt's lines, numbered, the answer's own lines marked and in view."""
        source = excerpt.source
        before, answer, after = Text(), Text(), Text()
        width = len(str(excerpt.first_line + len(excerpt.lines)))
        for number, line in enumerate(excerpt.lines, start=excerpt.first_line):
            inside = source.line_start <= number <= source.line_end
            part = answer if inside else before if number < source.line_start else after
            part.append(f"{number:>{width}} ", "reverse" if inside else "dim")
            part.append_text(literal(line + "\n", "bold" if inside else ""))
        for part in (before, answer, after):
            part.rstrip()
        self.query_one("#source-title", Static).update(literal(source.label))
        self.query_one("#source-before", Static).update(before)
        self.query_one("#source-answer", Static).update(answer)
        self.query_one("#source-after", Static).update(after)
        self.query_one("#source-answer", Static).display = True
        self.remove_class("unselected")
        self.call_after_refresh(self._bring_answer_into_view)

    def _bring_answer_into_view(self) -> None:
        """Scroll so the answer stands a few rows below the top, its lead-in still visible."""
        marked = self.query_one("#source-answer", Static)
        self.scroll_to(y=max(marked.virtual_region.y - 6, 0), animate=False)
