"""The chat transcript: each question followed by its answers, or by an honest "not found"."""

from __future__ import annotations

from typing import Any

from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.layout import DockArrangeResult
from textual.widgets import Static

from verbatim.tui.text import literal
from verbatim.tui.widgets.answer_card import AnswerCard
from verbatim.types import Reply

NOT_FOUND = "Not found in your documents."
# Exchanges kept on screen. Each reply lays out the whole screen, at ~0.4 ms per exchange on
# it (reply → answers drawn: 42 ms at 20 exchanges, 84 ms at 90), so older ones are taken off
# it, TAKEN_OFF_AT_ONCE at a time; the session export keeps them all.
SHOWN_AT_MOST = 30
TAKEN_OFF_AT_ONCE = 10


class Exchange(Vertical):
    """One question and, once they arrive, its answers."""

    DEFAULT_CSS = """
    Exchange { height: auto; }
    Exchange > .question { color: $text; text-style: bold; margin: 1 0 0 0; }
    Exchange > .about { color: $text-muted; text-style: italic; margin: 0 0 0 2; }
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
    # What a follow-up was understood to refer to, so that a wrong reading shows.
    widgets: list[Static] = []
    if reply.about:
        widgets.append(Static(literal(f"about: {reply.about}"), classes="about"))
    if not reply.abstained:
        return widgets + [AnswerCard(a, i) for i, a in enumerate(reply.answers, 1)]
    widgets.append(Static(NOT_FOUND, classes="not-found"))
    if reply.nearest:
        widgets.append(Static("Nearest passages, for a look:", classes="nearest-label"))
        widgets += [AnswerCard(a, i, nearest=True) for i, a in enumerate(reply.nearest, 1)]
    return widgets


class Transcript(VerticalScroll):
    """All exchanges of the session, newest at the bottom; the oldest are taken off the screen
    (but kept) once there are more than ``SHOWN_AT_MOST``."""

    DEFAULT_CSS = """
    Transcript { padding: 0 1; }
    Transcript > .welcome { color: $text-muted; margin: 1 0; }
    Transcript > .taken-off { color: $text-muted; margin: 0 0 1 0; display: none; }
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # what was taken off the screen, oldest first: questions and replies, not the widgets
        self.taken_off: list[tuple[str, Reply | None]] = []
        # The newest exchange is kept with its question at the top of the view as it is laid
        # out, and again as its answers or the scrollbar reflow it, until the view is scrolled.
        self._pinned: Exchange | None = None
        self._pinned_at: float | None = None  # the scroll position the pin last set

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(
            "Ask a question about your documents. Answers are sentences quoted verbatim, "
            "each with its source. Press F1 for keys.",
            classes="welcome",
        )
        yield Static(classes="taken-off")  # shown once exchanges are taken off the screen

    async def add(self, exchange: Exchange) -> int:
        """Show ``exchange`` at the bottom (mounted once), scrolled so that its question is at
        the top of the view, or as near as the end allows, once what it holds is laid out.
        Returns how many of the oldest exchanges were taken off the screen to make room."""
        self._pinned, self._pinned_at = exchange, None
        oldest: list[Exchange] = []
        if not exchange.is_attached:
            await self.mount(exchange)
            shown = self.shown()
            if len(shown) > SHOWN_AT_MOST:
                oldest = shown[:TAKEN_OFF_AT_ONCE]
                self.taken_off += [(e.question, e.reply) for e in oldest]
                self.remove_children(oldest)
                self._note_taken_off()
        self.refresh(layout=True)
        return len(oldest)

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        """Lay out the exchanges, and scroll the pinned one to the top in the same pass: its
        answers are drawn in view in the frame that lays them out, not a frame later."""
        arrangement = super().arrange(size, optimal)
        if self._pinned_at is not None and self.scroll_y != self._pinned_at:
            self._pinned = self._pinned_at = None  # scrolled since: the view stays where it is
        placed = [p.region.y for p in arrangement.placements if p.widget is self._pinned]
        if placed:
            lowest = arrangement.total_region.bottom - size.height
            y = max(0, min(placed[0], lowest))
            self.set_reactive(Transcript.scroll_y, y)
            self.set_reactive(Transcript.scroll_target_y, y)
            self.vertical_scrollbar.position = y
            self._pinned_at = y
        return arrangement

    def _note_taken_off(self) -> None:
        note, count = self.query_one(".taken-off", Static), len(self.taken_off)
        note.display = count > 0
        note.update(
            f"{count} earlier exchanges were taken off the screen to keep it quick; "
            "ctrl+s exports the whole session."
        )

    def session(self) -> list[tuple[str, Reply | None]]:
        """Every question of the session with its reply (None until it comes), oldest first,
        those taken off the screen included."""
        return self.taken_off + [(e.question, e.reply) for e in self.shown()]

    def shown(self) -> list[Exchange]:
        """The exchanges on the screen, oldest first."""
        return list(self.query(Exchange))

    def cards(self) -> list[AnswerCard]:
        return list(self.query(AnswerCard))

    def clear(self) -> None:
        self.query(Exchange).remove()
        self.taken_off.clear()
        self._note_taken_off()
