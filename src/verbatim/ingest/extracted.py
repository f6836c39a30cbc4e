"""What a loader hands on: a file's text, its layout when the format gives one, and its pages.

Formats that are not plain text (HTML, DOCX, PDF) are turned into a readable text by
:class:`LayoutBuilder`, which records each block's span as it writes, so nothing is parsed twice
and line numbers count lines of that extracted text.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace

from verbatim.controls import Stripped, strip_controls, without_controls
from verbatim.ingest.structure import Block, BlockKind, Layout, Sections


@dataclass(frozen=True, slots=True)
class Extracted:
    """One file as Verbatim reads it."""

    text: str
    layout: Layout | None = None  # None: read the layout from the text (plain text formats)
    page_starts: tuple[int, ...] = ()  # offset in ``text`` where each page begins; () if unpaged
    title: str = ""  # from the file's metadata, if it has one

    def page_of(self, offset: int) -> int:
        """The 1-based page holding ``offset`` of a paged text."""
        return bisect_right(self.page_starts, offset)

    def page_text(self, page: int) -> str:
        """The text of one page (1-based) of a paged text."""
        start = self.page_starts[page - 1]
        end = self.page_starts[page] if page < len(self.page_starts) else len(self.text)
        return self.text[start:end]

    def printable(self) -> Extracted:
        """This file as a terminal would show it: escape sequences and control characters
        left out (see :mod:`verbatim.controls`), the layout's spans moved with the text."""
        stripped = strip_controls(self.text)
        if not stripped.removed and stripped.text == self.text:
            return self
        layout = self.layout
        if layout is not None:
            blocks = (_moved(block, stripped) for block in layout.blocks)
            layout = Layout(
                without_controls(layout.title),
                tuple(block for block in blocks if block.start < block.end),
            )
        return Extracted(
            stripped.text,
            layout,
            tuple(stripped.offset(start) for start in self.page_starts),
            without_controls(self.title),
        )


def _moved(block: Block, stripped: Stripped) -> Block:
    def span(start: int, end: int) -> tuple[int, int]:
        return stripped.offset(start), stripped.offset(end)

    return replace(
        block,
        start=stripped.offset(block.start),
        end=stripped.offset(block.end),
        section=without_controls(block.section),
        table_header=span(*block.table_header) if block.table_header else None,
        hidden=tuple(span(*hidden) for hidden in block.hidden),
    )


def _collapse(text: str) -> str:
    return " ".join(text.split())


class LayoutBuilder:
    """Writes headings, blocks, table rows and pages into one text, recording the layout."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._blocks: list[Block] = []
        self._sections = Sections()
        self._page_starts: list[int] = []

    def _write(self, text: str) -> tuple[int, int]:
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        return start, start + len(text)

    def heading(self, level: int, text: str) -> None:
        """A heading of ``level`` (1 = title): it starts a section and is written as a line."""
        text = _collapse(text)
        if text:
            self.section(level, text)
            self._write(text + "\n\n")

    def section(self, level: int, name: str) -> None:
        """Start a section without writing its heading (it stands nowhere in the text)."""
        self._sections.enter(level, name)

    def block(self, text: str, kind: BlockKind = BlockKind.PARAGRAPH) -> None:
        """A paragraph, list item or code block; whitespace is collapsed except in code."""
        text = text.rstrip() if kind is BlockKind.CODE else _collapse(text)
        if text:
            start, end = self._write(text)
            self._write("\n\n")
            self._blocks.append(Block(kind, start, end, self._sections.path))

    def table(self, rows: list[list[str]], has_header: bool) -> None:
        """A table, one line per row (cells joined by `` | ``); a header row gives context to
        each row below it instead of being a row of its own, as in plain-text tables."""
        header: tuple[int, int] | None = None
        for number, cells in enumerate(rows):
            line = " | ".join(_collapse(cell).replace("|", "/") for cell in cells)
            if not _collapse(line.replace("|", "")):
                continue
            start, end = self._write(line)
            self._write("\n")
            if number == 0 and has_header and len(rows) > 1:
                header = (start, end)
            else:
                self._blocks.append(
                    Block(BlockKind.TABLE_ROW, start, end, self._sections.path, header)
                )
        self._write("\n")

    def new_page(self) -> None:
        """Start the next page; it begins on a line of its own."""
        if self._length and not self._parts[-1].endswith("\n"):
            self._write("\n")
        self._page_starts.append(self._length)

    def raw_text(self, text: str) -> int:
        """Text kept as extracted, line for line (a PDF page), whose blocks the loader gives
        with :meth:`span`; returns where it starts. It ends with a line break."""
        start, _ = self._write(text if text.endswith("\n") or not text else text + "\n")
        return start

    def span(
        self, kind: BlockKind, start: int, end: int, header: tuple[int, int] | None = None
    ) -> None:
        """A block at ``[start, end)`` of the text written so far, under the current section;
        ``header`` is the span of a table row's header row."""
        if start < end:
            self._blocks.append(Block(kind, start, end, self._sections.path, header))

    def build(self, title: str = "") -> Extracted:
        layout = Layout(self._sections.title, tuple(self._blocks))
        return Extracted("".join(self._parts), layout, tuple(self._page_starts), title)
