"""Terminal controls in untrusted text: removed from documents, escaped on the way out.

A document (or a file name, or a question) may hold escape sequences that retitle a terminal
window, clear the screen, write the clipboard (OSC 52) or colour what follows, and bidirectional
overrides that make a terminal show characters in another order than they stand (a quote would
read other than its text, as in "Trojan Source"). Document text loses them at ingest, with a
map from old offsets to new, so a loader's layout still points at the right characters;
whatever reaches a terminal edge is escaped again by :func:`escaped`, because an index built
before, a file name or an error message may still carry one.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

# Bidirectional embeddings, overrides and isolates, as the range of a character class.
_BIDIRECTIONAL = "\u202a-\u202e\u2066-\u2069"
# What a terminal would act on instead of showing: each alternative is removed whole.
_REMOVED = re.compile(
    # CSI (colours, cursor moves, clearing): ESC [ or its 8-bit form, parameters, a final byte.
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    # OSC, DCS, SOS, PM, APC: a string up to its terminator (BEL or ST), at most to the line's
    # end, so an unterminated one cannot swallow the rest of a document.
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"
    # Any other escape: ESC, intermediate bytes, a final byte (ESC 7, ESC c, ESC ( B ...).
    r"|\x1b[ -/]*[0-~]"
    # Backspace overstrike, as man pages and grotty write bold (N\bN) and underline (_\bx):
    # the letter stays, the overstruck character and the backspace go.
    r"|_\x08|[^\n\x08]\x08(?=[^_])|(?<=[^\n\x08])\x08_"
    # Every other control character (tab, line feed, and carriage return before a line feed stay).
    r"|[\x00-\x08\x0e-\x1f\x7f-\x9f]"
    # Bidirectional embeddings, overrides and isolates (the marks LRM and RLM, which reorder
    # nothing, stay).
    rf"|[{_BIDIRECTIONAL}]"
)
# Controls that are layout, not commands: a line break or a space of the same length.
_AS_WHITESPACE = str.maketrans({"\x0b": " ", "\x0c": " "})
_LONE_CARRIAGE_RETURN = re.compile(r"\r(?!\n)")
# What a terminal would act on, or reorder, rather than show: every C0 and C1 control but tab
# and line feed, and the bidirectional controls. :func:`escaped` shows each as an escape, the
# chat app as a symbol, `--json` as a JSON escape.
TERMINAL_CONTROLS = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDIRECTIONAL}]")


@dataclass(frozen=True, slots=True)
class Stripped:
    """Text without terminal controls, and where its characters stood before."""

    text: str
    removed: tuple[tuple[int, int], ...]  # spans of the original text left out, in order
    _ends: tuple[int, ...] = ()  # end of each removed span
    _before: tuple[int, ...] = ()  # characters removed up to the end of each span

    def offset(self, original: int) -> int:
        """The offset in :attr:`text` of what stood at ``original`` (or of the next character
        kept, when ``original`` was removed)."""
        run = bisect_right(self._ends, original)
        removed = self._before[run - 1] if run else 0
        if run < len(self.removed):
            start, _ = self.removed[run]
            removed += max(0, original - start)
        return original - removed


def strip_controls(text: str) -> Stripped:
    """``text`` as a terminal shows it: escape sequences and control characters removed,
    overstrike reduced to its letter, a lone carriage return made a line break and vertical
    tab and form feed spaces (so lines and words stay where they were)."""
    text = _LONE_CARRIAGE_RETURN.sub("\n", text.translate(_AS_WHITESPACE))
    removed = tuple(match.span() for match in _REMOVED.finditer(text))
    if not removed:
        return Stripped(text, ())
    pieces, position, ends, before, total = [], 0, [], [], 0
    for start, end in removed:
        pieces.append(text[position:start])
        position = end
        total += end - start
        ends.append(end)
        before.append(total)
    pieces.append(text[position:])
    return Stripped("".join(pieces), removed, tuple(ends), tuple(before))


def without_controls(text: str) -> str:
    """A label (title, section, question) as a terminal shows it."""
    return strip_controls(text).text


def one_line(text: str) -> str:
    """A question as one line: terminal controls pasted in with it and runs of white space
    left out."""
    return " ".join(without_controls(text).split())


def escaped(text: str) -> str:
    """``text`` safe to write to a terminal: each control character but tab and line feed is
    shown as a Python-style escape (``\\x1b``, ``\\u202e``) instead of being acted on."""
    return TERMINAL_CONTROLS.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
