"""Citation-marker (and markup) removal that remembers where every kept character came from."""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

# Wikipedia-style reference markers ([26], [26][27], [a], [note 3]) and maintenance tags
# ([citation needed], [ dubious – discuss ], 2010[update] ...). Editorial text such as "[sic]" or
# a bracketed word in prose ("[bold]") is kept: it belongs to the sentence.
_NUMBERS = r"\d{1,4}(?:\s*[,–-]\s*\d{1,4})*"
_REFERENCE = rf"{_NUMBERS}|[a-z]|(?:note|nb|n|lower-alpha|upper-alpha)\s*\d{{1,3}}"
_TAG = (
    r"citation needed|dubious\s*[–—-]\s*discuss|clarification needed|verification needed"
    r"|failed verification|better source needed|page needed|full citation needed"
    r"|not in citation given|dead link|update|needs update|when\?|who\?|which\?|why\?"
    r"|by whom\?|according to whom\?|where\?|original research\?|unreliable source\?"
    r"|improper synthesis\?|vague|specify|disputed\s*[–—-]\s*discuss|clarify"
)
CITATION_MARKER = re.compile(rf"\[\s*(?:{_REFERENCE}|{_TAG})\s*\]", re.IGNORECASE)
_TAG_MARKER = re.compile(rf"\[\s*(?:{_TAG})\s*\]", re.IGNORECASE)
# A numbered marker that cannot be code: after a space or the start of a line ("tanks [20]"),
# or after punctuation ("advisers.[2]", "in 2014.[1]"); "argv[1]" and "m[0][1]" are not. (A
# version glob such as "AIX 5.[123]" counts too: two of them and the brackets go, as before.)
_LOOSE_NUMBERED = re.compile(rf"(?:^|(?<=\s)|(?<=[.,;:]))\[\s*{_NUMBERS}\s*\]", re.MULTILINE)
_CITING = 2  # loose markers that show a document cites the Wikipedia way


def cites(text: str) -> bool:
    """Whether a document cites the Wikipedia way (at least :data:`_CITING` markers that cannot
    be code): only then is a bracketed number or letter right after a word ("capital[4]") a
    reference to remove; elsewhere it is code or a version ("argv[1]", "x[i]") and stays."""
    return len(list(itertools.islice(_LOOSE_NUMBERED.finditer(text), _CITING))) == _CITING


@dataclass(frozen=True, slots=True)
class CleanText:
    """Text with markers removed, plus a map from each kept character to the original text.

    The map is stored as runs (clean offset, original offset) so it stays small for huge files.
    """

    text: str
    clean_starts: tuple[int, ...]
    original_starts: tuple[int, ...]

    def to_original(self, index: int) -> int:
        """Original offset of the kept character at ``index`` of :attr:`text`."""
        run = bisect_right(self.clean_starts, index) - 1
        return self.original_starts[run] + (index - self.clean_starts[run])

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` span of the non-empty clean span ``[start, end)``."""
        return self.to_original(start), self.to_original(end - 1) + 1


def strip_citations(
    text: str, offset: int = 0, hidden: Sequence[tuple[int, int]] = (), *, cited: bool = True
) -> CleanText:
    """Remove citation markers from ``text``, whose first character is at ``offset`` originally,
    and the original spans ``hidden`` (markup a loader found, such as inline HTML tags); unless
    ``cited`` (the document :func:`cites`), only the maintenance tags are markers."""
    removed = [(start - offset, end - offset) for start, end in hidden]
    markers = CITATION_MARKER if cited else _TAG_MARKER
    removed += [match.span() for match in markers.finditer(text)]
    pieces: list[str] = []
    clean_starts: list[int] = [0]
    original_starts: list[int] = [offset]
    kept = 0
    position = 0
    for start, end in sorted(removed):
        if end <= position:
            continue  # inside a span already removed
        start = max(start, position)
        pieces.append(text[position:start])
        kept += start - position
        position = end
        clean_starts.append(kept)
        original_starts.append(offset + position)
    pieces.append(text[position:])
    return CleanText("".join(pieces), tuple(clean_starts), tuple(original_starts))
