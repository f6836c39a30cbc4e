"""Parsing what a loader read: layout blocks → sentences → passages, with spans into the text."""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePosixPath

from verbatim.ingest.chunk import Unit, chunk
from verbatim.ingest.clean import cites
from verbatim.ingest.extracted import Extracted
from verbatim.ingest.sentences import LineIndex, block_sentences, header_text
from verbatim.ingest.structure import BlockKind, Layout, parse_layout, with_title
from verbatim.types import Document, Passage


def parse_document(path: str, text: str) -> Document:
    """Parse one file's text into a :class:`Document`; ``path`` is relative to the corpus."""
    return parse_extracted(path, Extracted(text))


def parse_extracted(path: str, extracted: Extracted) -> Document:
    """Parse what a loader read from one file; ``path`` is relative to the corpus."""
    text = extracted.text
    layout: Layout = extracted.layout or with_title(parse_layout(text), text)
    title = extracted.title or layout.title or PurePosixPath(path).stem
    lines = LineIndex(text)
    cited = cites(text)  # else "argv[1]" is code, not a reference to remove
    units = (
        Unit(
            section=block.section or title,
            is_table=block.kind is BlockKind.TABLE_ROW,
            header=header_text(text, block, cited=cited),
            sentences=tuple(
                replace(sentence, block=number)
                for sentence in block_sentences(text, block, lines, cited=cited)
            ),
        )
        for number, block in enumerate(layout.blocks)
    )
    passages = tuple(chunk(units))
    if extracted.page_starts:
        passages = tuple(_paginate(passage, extracted, lines) for passage in passages)
    return Document(path=path, title=title, passages=passages)


def _paginate(passage: Passage, extracted: Extracted, lines: LineIndex) -> Passage:
    """Give each sentence its page, and line numbers counted within that page."""
    sentences = []
    for sentence in passage.sentences:
        page = extracted.page_of(sentence.char_start)
        first = lines.line_of(extracted.page_starts[page - 1]) - 1
        sentences.append(
            replace(
                sentence,
                page=page,
                line_start=sentence.line_start - first,
                line_end=sentence.line_end - first,
            )
        )
    return replace(passage, sentences=tuple(sentences))
