"""Ingest: files → documents (layout, sentences, passages), with spans into the original text."""

from __future__ import annotations

from pathlib import PurePosixPath

from verbatim.ingest.chunk import Unit, chunk
from verbatim.ingest.files import UnreadableFileError, discover, read_text
from verbatim.ingest.sentences import LineIndex, block_sentences, header_text
from verbatim.ingest.structure import BlockKind, parse_layout
from verbatim.types import Document

# Bump when parsing, cleaning or chunking changes what is indexed: old indexes then need a rebuild.
CHUNKER_VERSION = 2

__all__ = ["CHUNKER_VERSION", "UnreadableFileError", "discover", "parse_document", "read_text"]


def parse_document(path: str, text: str) -> Document:
    """Parse one file's text into a :class:`Document`; ``path`` is relative to the corpus."""
    layout = parse_layout(text)
    title = layout.title or PurePosixPath(path).stem
    lines = LineIndex(text)
    units = (
        Unit(
            section=block.section or title,
            is_table=block.kind is BlockKind.TABLE_ROW,
            header=header_text(text, block),
            sentences=tuple(block_sentences(text, block, lines)),
        )
        for block in layout.blocks
    )
    return Document(path=path, title=title, passages=tuple(chunk(units)))
