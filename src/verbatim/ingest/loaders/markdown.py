"""Markdown with markdown-it-py (CommonMark plus tables): the layout read from its syntax tree.

Front matter is ignored; fenced and indented code blocks are kept whole, as written (a ``#``
line in code is no heading, ``[1]`` in code no citation). Spans point into the file itself, so
line numbers are the file's own.
"""

from __future__ import annotations

import re
from pathlib import Path

from verbatim.ingest.extracted import Extracted
from verbatim.ingest.files import read_text
from verbatim.ingest.structure import Block, BlockKind, Layout, Sections

_MARKER = re.compile(r"\s*(?:(?:>\s?)+\s*)?(?:(?:[-*+]|\d{1,9}[.)])\s+)?")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*$")


def sniff(head: bytes) -> bool:
    return False  # Markdown is text; only its extension tells it apart


def load(path: Path) -> Extracted:
    text = read_text(path)
    return Extracted(text, parse(text))


def parse(text: str) -> Layout:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    tokens = MarkdownIt("commonmark").enable("table").use(front_matter_plugin).parse(text)
    lines = text.splitlines(keepends=True) or [""]
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def span(first: int, last: int) -> tuple[int, int]:
        """Offsets of lines ``first``..``last - 1``, without the final line break."""
        last = min(max(last, first + 1), len(lines))
        return starts[first], starts[last - 1] + len(lines[last - 1].rstrip("\r\n"))

    sections = Sections()
    blocks: list[Block] = []
    in_item = 0
    header: tuple[int, int] | None = None
    for number, token in enumerate(tokens):
        kind = token.type
        if kind == "list_item_open":
            in_item += 1
        elif kind == "list_item_close":
            in_item -= 1
        elif kind == "heading_open":
            sections.enter(int(token.tag[1]), tokens[number + 1].content.strip())
        elif kind == "paragraph_open" and token.map:
            start, end = span(*token.map)
            marker = _MARKER.match(text, start, end)  # always matches, maybe empty
            start = marker.end() if marker else start
            block_kind = BlockKind.LIST_ITEM if in_item else BlockKind.PARAGRAPH
            blocks.append(Block(block_kind, start, end, sections.path))
        elif kind in ("fence", "code_block") and token.map:
            first, last = token.map
            if kind == "fence":
                first += 1
                if last - 1 >= first and _FENCE.match(lines[last - 1]):
                    last -= 1
            if last > first:
                blocks.append(Block(BlockKind.CODE, *span(first, last), sections.path))
        elif kind == "thead_open":
            header = None
        elif kind == "tr_open" and token.map:
            if tokens[number - 1].type == "thead_open":
                header = span(*token.map)
            else:
                blocks.append(Block(BlockKind.TABLE_ROW, *span(*token.map), sections.path, header))
    return Layout(sections.title, tuple(blocks))
