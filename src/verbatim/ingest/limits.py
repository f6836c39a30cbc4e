"""Bounds that keep one odd (or hostile) file from swamping an index or the machine: a size
limit per file, on disk and on what it unpacks to as it is read, and a longest sentence, for
text that never ends a sentence (a log line, a minified dump)."""

from __future__ import annotations

import os
from collections.abc import Iterator

from verbatim.errors import CorpusError, UnreadableFileError

MAX_FILE_ENV = "VERBATIM_MAX_FILE_MB"
# 20 MB of text is ~3 million words: about an hour of embedding on a laptop CPU. Larger files
# are most often logs or dumps, not documents to quote; the variable raises the limit.
DEFAULT_MAX_FILE_MB = 20.0
MAX_SENTENCE_CHARS = 1000  # longer runs without a sentence end are cut at a space
# A file may be small on disk and huge unpacked (a .docx is a ZIP of XML; a ZIP can inflate a
# thousandfold). Markup around the text may take this many times the text limit.
MARKUP_PER_TEXT = 5
MAX_PAGES = 10_000  # thousands of pages beyond any manual: read page by page, they cost time


def max_file_bytes() -> int:
    """The largest corpus file indexed, from VERBATIM_MAX_FILE_MB (megabytes)."""
    value = os.environ.get(MAX_FILE_ENV, "").strip()
    try:
        megabytes = float(value) if value else DEFAULT_MAX_FILE_MB
    except ValueError:
        megabytes = -1.0
    if not megabytes > 0:
        raise CorpusError(f"{MAX_FILE_ENV} must be a positive number of megabytes, not {value!r}")
    return int(megabytes * 1_000_000)


def too_large(size: int) -> str | None:
    """Why a file of ``size`` bytes is not indexed, or None."""
    limit = max_file_bytes()
    if size <= limit:
        return None
    return (
        f"{size / 1e6:,.0f} MB is over the {limit / 1e6:g} MB limit for one file "
        f"(set {MAX_FILE_ENV} to raise it)"
    )


class Budget:
    """What one file may still yield as it is read: a loader spends what it unpacks or
    extracts, and once the limit is passed reading stops and the file is skipped."""

    def __init__(self, what: str, per_text: int = 1) -> None:
        self.what = what  # what is counted, as the reason names it: "its text"
        self.limit = max_file_bytes() * per_text
        self.spent = 0

    def spend(self, amount: int) -> None:
        """Count ``amount`` more characters (or bytes); raise :class:`UnreadableFileError`
        once the limit is passed."""
        self.spent += amount
        if self.spent > self.limit:
            raise UnreadableFileError(
                f"{self.what} passes {self.limit / 1e6:g} MB, over the limit for one file "
                f"(set {MAX_FILE_ENV} to raise it)"
            )


def bounded(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """``[start, end)`` of ``text`` cut into spans of at most MAX_SENTENCE_CHARS, at spaces
    where there are any, each stripped of surrounding whitespace."""
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + 1, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        stop = cut
        while stop > start and text[stop - 1].isspace():
            stop -= 1
        yield start, stop
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield start, end
