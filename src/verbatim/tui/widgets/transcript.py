"""The chat transcript: each question followed by its answers, or by an honest "not found"."""

from __future__ import annotations

from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.layout import DockArrangeResult
from textual.widgets import Static

from verbatim.tui.text import literal
from verbatim.tui.widgets.answer_card import AnswerCard
from verbatim.types import Reply

NOT_FOUND = "Not found in your documents."


class Exchange(Vertical):
    """One question and, once they arrive, its answers."""

    DEFAULT_CSS = """
    Exchange { height: auto; }
    Exchange > .question { color: $text; text-style: bold; margin: 1 0 0 0; }
    Exchange > .pending { color: $text-muted; margin: 0 0 0 2; }
    Exchange > .not-found { color: $warning; margin: 0 0 0 2; }
    Exchange > .nearest-label { color: $text-muted; margin: 0 0 0 2; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question
        self.reply: Reply | None = None
        self.error: str | None = None
        self._composed = False

    def compose(self):  # type: ignore[no-untyped-def]
        # An exchange may be mounted only once its reply came (a fast answer shows no
        # "Searching…" first), so it composes whatever it already holds.
        self._composed = True
        yield Static(literal(f"› {self.question}"), classes="question")
        if self.reply is not None:
            yield from _reply_widgets(self.reply)
        elif self.error is not None:
            yield Static(literal(self.error), classes="not-found")
        else:
            yield Static("Searching your documents…", classes="pending")

    def show_reply(self, reply: Reply) -> None:
        self.reply = reply
        if self._composed:
            self.query(".pending").remove()
            self.mount_all(_reply_widgets(reply))

    def show_error(self, message: str) -> None:
        self.error = message
        if self._composed:
            self.query(".pending").remove()
            self.mount(Static(literal(message), classes="not-found"))


def _reply_widgets(reply: Reply) -> list[Static]:
    if not reply.abstained:
        return [AnswerCard(a, i) for i, a in enumerate(reply.answers, 1)]
    widgets: list[Static] = [Static(NOT_FOUND, classes="not-found")]
    if reply.nearest:
        widgets.append(Static("Nearest passages, for a look:", classes="nearest-label"))
        widgets += [AnswerCard(a, i, nearest=True) for i, a in enumerate(reply.nearest, 1)]
    return widgets


class Transcript(VerticalScroll):
    """All exchanges of the session, newest at the bottom."""

    DEFAULT_CSS = """
    Transcript { padding: 0 1; }
    Transcript > .welcome { color: $text-muted; margin: 1 0; }
    """

    _pinned: Exchange | None = None  # brought to the top of the view once laid out

    def on_mount(self) -> None:
        self.mount(
            Static(
                "Ask a question about your documents. Answers are sentences quoted verbatim, "
                "each with its source. Press F1 for keys.",
                classes="welcome",
            )
        )

    def add(self, exchange: Exchange) -> None:
        """Show ``exchange`` at the bottom (mounted once), scrolled so that its question is at
        the top of the view, or as near as the end allows, once what it holds is laid out."""
        self._pinned = exchange
        if not exchange.is_attached:
            self.mount(exchange)
        self.refresh(layout=True)

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        """Lay out the exchanges, and scroll the pinned one to the top in the same pass: its
        answers are drawn in view in the frame that lays them out, not a frame later."""
        arrangement = super().arrange(size, optimal)
        exchange = self._pinned
        placed = [p.region.y for p in arrangement.placements if p.widget is exchange]
        if exchange is not None and placed:
            lowest = arrangement.total_region.bottom - size.height
            y = max(0, min(placed[0], lowest))
            self.set_reactive(Transcript.scroll_y, y)
            self.set_reactive(Transcript.scroll_target_y, y)
            self.vertical_scrollbar.position = y
            if all(child.is_mounted for child in exchange.children):
                self._pinned = None  # laid out whole: the user scrolls freely from here
        return arrangement

    def exchanges(self) -> list[Exchange]:
        return list(self.query(Exchange))

    def cards(self) -> list[AnswerCard]:
        return list(self.query(AnswerCard))

    def clear(self) -> None:
        self.query(Exchange).remove()
