"""Reading a document's layout: headings, paragraphs, list items and table rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

WIKI_HEADING = re.compile(r"^(={1,6})\s*(.+?)\s*\1\s*$")
MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.+?)(?:\s+#+)?\s*$")
SETEXT_UNDERLINE = re.compile(r"^(=+|-+)\s*$")
LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+(?=\S)")
TABLE_SEPARATOR = re.compile(r"^[\s|:+-]*-[\s|:+-]*$")

SECTION_SEPARATOR = " › "


class BlockKind(Enum):
    PARAGRAPH = "paragraph"
    LIST_ITEM = "item"
    TABLE_ROW = "row"
    CODE = "code"  # a code block: one unit, kept as written


@dataclass(frozen=True, slots=True)
class Block:
    """A run of original text ``[start, end)`` under one heading path."""

    kind: BlockKind
    start: int
    end: int
    section: str
    table_header: tuple[int, int] | None = None  # span of the header row of a table row


@dataclass(frozen=True, slots=True)
class Layout:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class _Line:
    start: int
    end: int  # excludes the line break
    text: str


def _lines(text: str) -> list[_Line]:
    lines = []
    start = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        lines.append(_Line(start, start + len(body), body))
        start += len(raw)
    return lines


def _heading(line: str) -> tuple[int, str] | None:
    match = WIKI_HEADING.match(line) or MARKDOWN_HEADING.match(line)
    if match:
        return len(match.group(1)), match.group(2).strip()
    return None


def _is_table_row(line: str) -> bool:
    stripped = line.strip()
    return stripped.count("|") >= 2 and (stripped.startswith("|") or stripped.endswith("|"))


class Sections:
    """The heading path in force; the first level-1 heading is the document's title."""

    def __init__(self) -> None:
        self.title = ""
        self._stack: list[tuple[int, str]] = []

    def enter(self, level: int, name: str) -> None:
        if level == 1 and not self.title:
            self.title = name
            self._stack = []
            return
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, name))

    @property
    def path(self) -> str:
        return SECTION_SEPARATOR.join(name for _, name in self._stack)


WRAP_WIDTH = 120


def _is_hard_wrapped(lines: list[_Line]) -> bool:
    """True when the text is wrapped at a fixed width, so a line break inside a paragraph is
    just wrapping. In text with one long line per paragraph (and often no blank lines between
    them), every line break ends a paragraph instead."""
    lengths = sorted(len(line.text) for line in lines if line.text.strip())
    return not lengths or lengths[int(len(lengths) * 0.95)] <= WRAP_WIDTH


def parse_layout(text: str) -> Layout:
    """Split ``text`` into blocks, each tagged with the heading path it stands under."""
    lines = _lines(text)
    wrapped = _is_hard_wrapped(lines)
    sections = Sections()
    blocks: list[Block] = []
    paragraph: list[_Line] = []
    table_header: tuple[int, int] | None = None

    def end_paragraph() -> None:
        if paragraph:
            blocks.append(
                Block(BlockKind.PARAGRAPH, paragraph[0].start, paragraph[-1].end, sections.path)
            )
            paragraph.clear()

    for index, line in enumerate(lines):
        stripped = line.text.strip()
        following = lines[index + 1].text if index + 1 < len(lines) else ""
        heading = _heading(stripped)
        if (
            heading is None
            and stripped
            and not paragraph
            and SETEXT_UNDERLINE.match(following)
            and not _is_table_row(stripped)
            and not LIST_ITEM.match(line.text)
        ):
            heading = (1 if following.strip().startswith("=") else 2, stripped)
        if heading is not None:
            end_paragraph()
            sections.enter(*heading)
            table_header = None
            continue
        if not stripped or SETEXT_UNDERLINE.match(stripped):
            end_paragraph()  # a blank line, a rule, or the underline of a setext heading
            continue
        if _is_table_row(stripped) or ("|" in stripped and TABLE_SEPARATOR.match(stripped)):
            end_paragraph()
            if TABLE_SEPARATOR.match(stripped):
                # The row above a separator line is the table's header.
                if blocks and blocks[-1].kind is BlockKind.TABLE_ROW:
                    header = blocks.pop()
                    table_header = (header.start, header.end)
                continue
            blocks.append(
                Block(BlockKind.TABLE_ROW, line.start, line.end, sections.path, table_header)
            )
            continue
        table_header = None
        item = LIST_ITEM.match(line.text)
        if item:
            end_paragraph()
            blocks.append(
                Block(BlockKind.LIST_ITEM, line.start + item.end(), line.end, sections.path)
            )
            continue
        if not wrapped:
            end_paragraph()
        paragraph.append(line)
    end_paragraph()
    return Layout(sections.title, tuple(blocks))
