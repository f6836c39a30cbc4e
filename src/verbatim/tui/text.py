"""Document text made safe for the screen, and the few phrases every view shares."""

from __future__ import annotations

import re

from rich.text import Text

from verbatim.controls import TERMINAL_CONTROLS
from verbatim.types import Answer


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture", e.g. ␛ for ESC
    return "␡" if code == 0x7F else "\ufffd"


def literal(text: str, style: str = "") -> Text:
    """``text`` exactly as written: never parsed as markup, control characters made visible."""
    return Text(TERMINAL_CONTROLS.sub(_visible, text), style=style)


def citation(answer: Answer) -> str:
    """The answer as a quotation with its sources, for the clipboard and exports."""
    sources = "; ".join(s.label for s in answer.sources)
    return f"“{answer.text}” ({sources})"


def highlighted_context(answer: Answer, width: int = 300) -> Text:
    """The answer inside its context, the answer emphasised, the context trimmed around it at
    word boundaries; the sentence just before the answer (which often names what "he" or "it"
    is) is kept whole when it fits."""
    context = answer.context
    start = context.find(answer.text)
    if start < 0:
        return _sentence(answer)
    end = start + len(answer.text)
    spare = max(width - len(answer.text), 0)
    left = max(start - spare // 2, 0)
    before = _SENTENCE_END.search(context[: max(start - 1, 0)][::-1])
    previous_start = start - 1 - before.start() if before else 0
    if start - spare <= previous_start < left:
        left = previous_start
    right = min(end + spare - (start - left), len(context))
    left, right = _word_start(context, left, start), _word_end(context, right, end)
    text = Text()
    if left > 0:
        text.append("… ", "dim")
    text.append_text(literal(context[left:start], "dim"))
    text.append_text(_sentence(answer))
    text.append_text(literal(context[end:right], "dim"))
    if right < len(context):
        text.append(" …", "dim")
    return text


def answer_first(answer: Answer, width: int = 300) -> Text:
    """The answer sentence, then (dim) the context around it, "[…]" where the answer stands:
    what answers is read first, what leads up to it after."""
    text = _sentence(answer)
    around = highlighted_context(answer, width)
    start = around.plain.find(answer.text)
    if start < 0:
        return text
    before, after = around[:start], around[start + len(answer.text) :]
    if before.plain.strip() or after.plain.strip():
        text.append("\n")
        text.append_text(before)
        text.append("[…]", "dim")
        text.append_text(after)
    return text


# A sentence end read backwards: a space after ".", "!" or "?" (reversed: " ." etc.).
_SENTENCE_END = re.compile(r" [.!?]")


def _word_start(text: str, position: int, limit: int) -> int:
    """``position`` moved forward to the start of a word, at most to ``limit``."""
    if position == 0 or text[position - 1].isspace():
        return position
    space = text.find(" ", position, limit)
    return limit if space < 0 else space + 1


def _word_end(text: str, position: int, limit: int) -> int:
    """``position`` moved back to the end of a word, at least to ``limit``."""
    if position >= len(text) or text[position].isspace():
        return position
    space = text.rfind(" ", limit, position)
    return limit if space < 0 else space


def _sentence(answer: Answer) -> Text:
    """The answer sentence in bold, the span that answers the question also underlined."""
    text = literal(answer.text, "bold")
    if answer.highlight is not None:
        text.stylize("underline", *answer.highlight)
    return text
