"""Bounds that keep one odd file from swamping an index: a size limit per file and a longest
sentence, for text that never ends a sentence (a log line, a minified dump)."""

from __future__ import annotations

import os
from collections.abc import Iterator

from verbatim.errors import CorpusError

MAX_FILE_ENV = "VERBATIM_MAX_FILE_MB"
# 20 MB of text is ~3 million words: about an hour of embedding on a laptop CPU. Larger files
# are most often logs or dumps, not documents to quote; the variable raises the limit.
DEFAULT_MAX_FILE_MB = 20.0
MAX_SENTENCE_CHARS = 1000  # longer runs without a sentence end are cut at a space


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
