"""Turning layout blocks into sentences whose spans point into the original text."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator

from verbatim.ingest.clean import CleanText, strip_citations
from verbatim.ingest.limits import bounded
from verbatim.ingest.structure import Block, BlockKind
from verbatim.types import Sentence


class LineIndex:
    """Maps character offsets of a text to 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self._starts = [0]
        self._starts.extend(i + 1 for i, char in enumerate(text) if char == "\n")

    def line_of(self, offset: int) -> int:
        return bisect_right(self._starts, offset)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _has_words(text: str) -> bool:
    return any(char.isalnum() for char in text)


def block_sentences(
    text: str, block: Block, lines: LineIndex, *, cited: bool = True
) -> Iterator[Sentence]:
    """The sentences of one block, citation markers (those of a ``cited`` document: see
    :func:`verbatim.ingest.clean.cites`) and hidden markup removed, spans mapped to ``text``."""
    if block.kind is BlockKind.CODE:
        yield from _code(text, block, lines)
        return
    clean = strip_citations(text[block.start : block.end], block.start, block.hidden, cited=cited)
    spans = _row_cells(clean) if block.kind is BlockKind.TABLE_ROW else _sentence_spans(clean)
    for shown, start, end in spans:
        if not _has_words(shown):
            continue
        original_start, original_end = clean.span_to_original(start, end)
        yield Sentence(
            text=shown,
            char_start=original_start,
            char_end=original_end,
            line_start=lines.line_of(original_start),
            line_end=lines.line_of(original_end - 1),
        )


def _code(text: str, block: Block, lines: LineIndex) -> Iterator[Sentence]:
    """A code block as one unit, exactly as written: brackets are code, not citations."""
    code = text[block.start : block.end].rstrip()
    if _has_words(code):
        end = block.start + len(code)
        yield Sentence(code, block.start, end, lines.line_of(block.start), lines.line_of(end - 1))


def _sentence_spans(clean: CleanText) -> Iterator[tuple[str, int, int]]:
    # Line breaks inside a paragraph are wrapping, not sentence ends; same length keeps offsets.
    flat = clean.text.replace("\r", " ").replace("\n", " ")
    if not flat.strip():
        return
    import blingfire  # not at the top: it imports numpy, which `verbatim status` never needs

    _, offsets = blingfire.text_to_sentences_and_offsets(flat)
    for start, end in offsets:
        piece = flat[start:end]
        start += len(piece) - len(piece.lstrip())
        end -= len(piece) - len(piece.rstrip())
        for part_start, part_end in bounded(flat, start, end):
            yield _collapse(flat[part_start:part_end]), part_start, part_end


def _row_cells(clean: CleanText) -> Iterator[tuple[str, int, int]]:
    """A table row as one readable unit: its non-empty cells joined by `` | ``."""
    cells: list[tuple[int, int]] = []
    position = 0
    for cell in clean.text.split("|"):
        stripped = cell.strip()
        if stripped:
            start = position + cell.index(stripped)
            cells.append((start, start + len(stripped)))
        position += len(cell) + 1
    if cells:
        shown = " | ".join(_collapse(clean.text[s:e]) for s, e in cells)
        yield shown, cells[0][0], cells[-1][1]


def header_text(text: str, block: Block, *, cited: bool = True) -> str:
    """The readable header row of a table row's table, or ``""``."""
    if block.table_header is None:
        return ""
    start, end = block.table_header
    clean = strip_citations(text[start:end], cited=cited)
    return next((shown for shown, _, _ in _row_cells(clean)), "")
