"""The help screen: every key, in one place."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("enter", "ask the question in the box"),
    ("up / down (in the box)", "earlier / later questions"),
    ("escape", "move to the latest answers"),
    ("down, j / up, k (on an answer)", "next / previous answer"),
    ("c (on an answer)", "copy the answer with its citation"),
    ("e (on an answer)", "open the source file in $EDITOR at the line"),
    ("/ or i", "back to the question box"),
    ("ctrl+s", "export the session as Markdown with citations"),
    ("ctrl+l", "new conversation (clears the chat)"),
    ("ctrl+r", "re-index the corpus (rebuild when the index is damaged)"),
    ("ctrl+p", "command palette: every action by name"),
    ("f1 or ?", "this help"),
    ("ctrl+q", "quit"),
]


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 76; height: auto; border: thick $primary; background: $surface; padding: 1 2;
    }
    HelpScreen .title { text-style: bold; margin: 0 0 1 0; }
    """

    BINDINGS = [Binding("escape,f1,question_mark,q", "dismiss", "Close help")]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for key, what in KEYS:
            table.add_row(key, what)
        with Vertical():
            yield Static("Verbatim · keys", classes="title")
            yield Static(table)
            yield Static("\nAnswers are sentences quoted verbatim from your documents.")
