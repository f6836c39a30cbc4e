"""The question box, with the questions asked before a key press away."""

from __future__ import annotations

from textual.binding import Binding
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class ChatInput(Input):
    """An input whose up/down keys walk through earlier questions."""

    BINDINGS = [
        Binding("up", "history(-1)", "Earlier question", show=False),
        Binding("down", "history(1)", "Later question", show=False),
    ]
    # Textual's Input resizes its virtual size to its text at every key press, and a widget's
    # virtual size lays out the whole screen again (10 ms with 20 answered questions, growing
    # with the transcript, and competing with the search for the interpreter). An input's
    # virtual size only bounds its own horizontal scrolling: repainting it is enough.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0))

    def __init__(self) -> None:
        super().__init__(placeholder="Ask a question about your documents…", id="question")
        self.history: list[str] = []
        self._position = 0

    def remember(self, question: str) -> None:
        if not self.history or self.history[-1] != question:
            self.history.append(question)
        self._position = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._position = min(max(self._position + step, 0), len(self.history))
        self.value = self.history[self._position] if self._position < len(self.history) else ""
        self.cursor_position = len(self.value)
