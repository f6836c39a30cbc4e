"""Grouping sentences into passages: sentence-aligned, 100–200 words, never across a heading."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from verbatim.types import Passage, Sentence

MIN_WORDS = 100
MAX_WORDS = 200


@dataclass(frozen=True, slots=True)
class Unit:
    """The sentences of one layout block, with what a passage needs to know about the block."""

    section: str
    is_table: bool
    header: str
    sentences: tuple[Sentence, ...]


def _words(sentence: Sentence) -> int:
    return len(sentence.text.split())


def chunk(units: Iterable[Unit]) -> Iterator[Passage]:
    """Greedy packing: close a passage at a block end once it has MIN_WORDS, or before a
    sentence would take it past MAX_WORDS; always close it at a heading or a table edge."""
    current: list[Sentence] = []
    words = 0
    key: tuple[str, bool, str] | None = None

    def close() -> Iterator[Passage]:
        nonlocal words
        if current and key is not None:
            yield Passage(section=key[0], sentences=tuple(current), header=key[2])
        current.clear()
        words = 0

    for unit in units:
        unit_key = (unit.section, unit.is_table, unit.header)
        if unit_key != key:
            yield from close()
            key = unit_key
        for sentence in unit.sentences:
            size = _words(sentence)
            if current and words + size > MAX_WORDS:
                yield from close()
            current.append(sentence)
            words += size
        if words >= MIN_WORDS:
            yield from close()
    yield from close()
