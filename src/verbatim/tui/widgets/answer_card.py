"""One answer: the sentence inside its context, its score and its sources."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from verbatim.tui.text import answer_first, literal
from verbatim.types import Answer


class AnswerCard(Static, can_focus=True):
    """A focusable card; focusing it shows its source in the source pane."""

    DEFAULT_CSS = """
    AnswerCard {
        border: round $primary 50%;
        padding: 0 1;
        margin: 0 0 1 2;
        height: auto;
    }
    AnswerCard:focus { border: round $accent; background: $boost; }
    AnswerCard.nearest { border: round $surface-lighten-2; color: $text-muted; }
    """

    BINDINGS = [
        Binding("c", "copy", "Copy with citation"),
        Binding("e", "open_editor", "Open in $EDITOR"),
        Binding("down,j", "app.focus_next_answer", "Next answer", show=False),
        Binding("up,k", "app.focus_previous_answer", "Previous answer", show=False),
    ]

    @dataclass
    class Selected(Message):
        """The user moved to this answer."""

        card: AnswerCard

    @dataclass
    class CopyRequested(Message):
        card: AnswerCard

    @dataclass
    class EditRequested(Message):
        card: AnswerCard

    def __init__(self, answer: Answer, number: int, *, nearest: bool = False) -> None:
        super().__init__(self._render_answer(answer), classes="nearest" if nearest else "")
        self.answer = answer
        agree = f" · {len(answer.sources)} sources agree" if len(answer.sources) > 1 else ""
        label = "nearest" if nearest else f"{number}"
        self.border_title = f"{label} · score {answer.score:.2f}{agree}"

    @staticmethod
    def _render_answer(answer: Answer) -> Text:
        text = answer_first(answer)
        for source in answer.sources:
            text.append("\n↳ ", "dim")
            text.append_text(literal(source.label, "italic dim"))
        return text

    def on_focus(self) -> None:
        self.scroll_visible()
        self.post_message(self.Selected(self))

    def on_click(self) -> None:
        self.focus()

    def action_copy(self) -> None:
        self.post_message(self.CopyRequested(self))

    def action_open_editor(self) -> None:
        self.post_message(self.EditRequested(self))
