"""Markdown with markdown-it-py (CommonMark plus tables): the layout read from its syntax tree.

Front matter is ignored; fenced and indented code blocks are kept whole, as written (a ``#``
line in code is no heading, ``[1]`` in code no citation). Spans point into the file itself, so
line numbers are the file's own.

Documentation sites add syntax of their own (MkDocs and its extensions), which CommonMark
reads as text: admonitions and tabs (``/// tip`` ... ``///``, ``!!! note "Title"``,
``=== "Tab"`` with an indented body) and include lines (``{* file *}``, ``--8<-- "file"``).
Their marks are left out, their bodies read as Markdown, a titled one as a section of its own.
Inline HTML tags (``<abbr title=...>``, ``<kbd>``) and link destinations are left out of the
text shown.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from verbatim.ingest.decoding import read_text
from verbatim.ingest.extracted import Extracted
from verbatim.ingest.structure import Block, BlockKind, Layout, Sections, with_title

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_MARKER = re.compile(r"\s*(?:(?:>\s?)+\s*)?(?:(?:[-*+]|\d{1,9}[.)])\s+)?")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*$")
_FENCE_OPEN = re.compile(r"^\s*(`{3,}|~{3,})")
# "/// tip", "/// note | Title", "//// tab | Linux": a block up to the "///" closing it.
_BLOCK = re.compile(r"^(/{3,})[ \t]*(?:([\w-]+)[ \t]*)?(?:\|[ \t]*(.*?))?[ \t]*$")
# '!!! note "Title"', '??? tip', '=== "Python 3.8+"': a block whose body is indented below it.
_INDENTED_BLOCK = re.compile(
    r'^(?:(?:!!!|\?\?\?\+?)[ \t]+[\w-]+(?:[ \t]+"(.*)")?|===\+?[ \t]+"(.*)")[ \t]*$'
)
# A line that only includes another file or a template value: nothing to read here.
_INCLUDE = re.compile(r"^[ \t]*(?:\{\*.*\*\}|\{%.*%\}|\{\{.*\}\}|\{!.*!\}|-{2,}8<-{2,}.*)[ \t]*$")
_TAG_LINE = re.compile(r"^\s*(?:<[^<>]*>\s*)+$")  # a line of HTML tags and nothing else
_TAG_NAME = re.compile(r"</?([A-Za-z][\w-]*)")
# Tags that only style words: left out even between two letters ("<b>foo</b>bar" reads foobar).
_INLINE_TAGS = frozenset(
    "a abbr b big cite code del dfn em font i ins kbd mark q s samp small span strong sub sup"
    " tt u var".split()
)
ASIDE_LEVEL = 7  # an admonition's title: a section below every heading


def sniff(head: bytes) -> bool:
    return False  # Markdown is text; only its extension tells it apart


def load(path: Path) -> Extracted:
    text = read_text(path)
    return Extracted(text, parse(text))


def parse(text: str) -> Layout:
    reader = _Reader(text)
    reader.read(0, len(reader.lines), 0, 0)
    return with_title(Layout(reader.sections.title, tuple(reader.blocks)), text)


def _dedent(line: str, columns: int) -> str:
    """``line`` without up to ``columns`` columns of its indentation (a tab is 4)."""
    position = width = 0
    while position < len(line) and width < columns and line[position] in " \t":
        width += 4 if line[position] == "\t" else 1
        position += 1
    return line[position:]


class _Reader:
    """Reads a Markdown text into blocks: MkDocs blocks by lines, the rest with markdown-it."""

    def __init__(self, text: str) -> None:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.front_matter import front_matter_plugin

        self.text = text
        self.lines = text.splitlines(keepends=True) or [""]
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.sections = Sections()
        self.blocks: list[Block] = []
        self.markdown: MarkdownIt = MarkdownIt("commonmark").enable("table")
        self.top = MarkdownIt("commonmark").enable("table").use(front_matter_plugin)

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Offsets of lines ``first``..``last - 1``, without the final line break."""
        last = min(max(last, first + 1), len(self.lines))
        return self.starts[first], self.starts[last - 1] + len(self.lines[last - 1].rstrip("\r\n"))

    def read(self, first: int, last: int, indent: int, depth: int) -> None:
        """Read lines ``first``..``last - 1``, each without ``indent`` columns of indentation;
        MkDocs blocks and include lines split it into runs that markdown-it reads."""
        run = index = first
        fence = ""
        while index < last:
            line = _dedent(self.lines[index], indent).rstrip("\r\n")
            inside, fence = bool(fence), _fence_after(fence, line)
            aside = None if inside or fence else self.aside(index, last, indent, line)
            if aside is None:
                index += 1
                continue
            self.parse(run, index, indent, depth)
            end, title, body = aside
            if title:
                self.sections.enter(ASIDE_LEVEL + depth, title.strip())
            if body is not None:
                self.read(*body, depth + 1)
            if title:
                self.sections.leave(ASIDE_LEVEL + depth)
            run = index = end
        self.parse(run, last, indent, depth)

    def aside(
        self, index: int, last: int, indent: int, line: str
    ) -> tuple[int, str | None, tuple[int, int, int] | None] | None:
        """The MkDocs block or include line at ``index``: the index after it, its title and
        its body (lines and indent), or None."""
        if _INCLUDE.match(line):
            return index + 1, None, None
        block, indented = _BLOCK.match(line), _INDENTED_BLOCK.match(line)
        if block:
            close = self.closing(index + 1, last, indent, block.group(1))
            if close is None or not (block.group(2) or block.group(3)):
                return index + 1, None, None  # a stray mark
            return close + 1, block.group(3), (index + 1, close, indent)
        if indented:
            end = stop = index + 1
            while stop < last and (
                not self.lines[stop].strip() or _dedent(self.lines[stop], indent)[:1] in " \t"
            ):
                stop += 1
                end = stop if self.lines[stop - 1].strip() else end
            return end, indented.group(1) or indented.group(2), (index + 1, end, indent + 4)
        return None

    def closing(self, index: int, last: int, indent: int, mark: str) -> int | None:
        """The line that closes a ``///`` block opened with ``mark``, outside code."""
        fence = ""
        for number in range(index, last):
            line = _dedent(self.lines[number], indent).rstrip("\r\n")
            inside, fence = bool(fence), _fence_after(fence, line)
            if not inside and not fence and line.strip() == mark:
                return number
        return None

    def parse(self, first: int, last: int, indent: int, depth: int) -> None:
        """Blocks from markdown-it's tokens for lines ``first``..``last - 1``."""
        if first >= last:
            return
        source = "".join(_dedent(line, indent) for line in self.lines[first:last])
        tokens = (self.top if first == 0 else self.markdown).parse(source)
        in_item = 0
        header: tuple[int, int] | None = None
        for number, token in enumerate(tokens):
            kind = token.type
            lines = (token.map[0] + first, token.map[1] + first) if token.map else None
            if kind == "list_item_open":
                in_item += 1
            elif kind == "list_item_close":
                in_item -= 1
            elif kind == "heading_open":
                self.sections.enter(int(token.tag[1]), _heading_name(tokens[number + 1]))
            elif kind == "paragraph_open" and lines:
                self.paragraph(lines, tokens[number + 1], in_item > 0)
            elif kind in ("fence", "code_block") and lines:
                self.code(kind, *lines)
            elif kind == "html_block" and lines:
                self.html(*lines, indent, depth)
            elif kind == "thead_open":
                header = None
            elif kind == "tr_open" and lines:
                if tokens[number - 1].type == "thead_open":
                    header = self.span(*lines)
                else:
                    path = self.sections.path
                    self.blocks.append(Block(BlockKind.TABLE_ROW, *self.span(*lines), path, header))

    def paragraph(self, lines: tuple[int, int], inline: Token, in_item: bool) -> None:
        start, end = self.span(*lines)
        marker = _MARKER.match(self.text, start, end)  # always matches, maybe empty
        start = marker.end() if marker else start
        hidden = _hidden_markup(self.text, inline, start, end)
        kind = BlockKind.LIST_ITEM if in_item else BlockKind.PARAGRAPH
        self.blocks.append(Block(kind, start, end, self.sections.path, hidden=hidden))

    def code(self, kind: str, first: int, last: int) -> None:
        if kind == "fence":
            first += 1
            if last - 1 >= first and _FENCE.match(self.lines[last - 1]):
                last -= 1
        if last > first:
            self.blocks.append(Block(BlockKind.CODE, *self.span(first, last), self.sections.path))

    def html(self, first: int, last: int, indent: int, depth: int) -> None:
        """An HTML block: the lines between its opening and closing tag lines are Markdown
        (a console block in a ``<div class="termy">`` written without blank lines)."""
        inner_first, inner_last = first, last
        while inner_first < inner_last and _TAG_LINE.match(self.lines[inner_first]):
            inner_first += 1
        while inner_last > inner_first and _TAG_LINE.match(self.lines[inner_last - 1]):
            inner_last -= 1
        if inner_first < inner_last and (inner_first, inner_last) != (first, last):
            self.read(inner_first, inner_last, indent, depth)


def _fence_after(fence: str, line: str) -> str:
    """The code fence open after ``line`` ("" if none), given the one open before it."""
    match = _FENCE_OPEN.match(line)
    if not fence:
        return match.group(1) if match else ""
    mark = match.group(1) if match else ""
    closes = line.strip() == mark and mark[:1] == fence[0] and len(mark) >= len(fence)
    return "" if closes else fence


def _heading_name(inline: Token) -> str:
    """A heading's words as read: code keeps its backticks, emphasis and tags are left out."""
    parts = []
    for child in inline.children or []:
        if child.type == "code_inline":
            parts.append(f"{child.markup}{child.content}{child.markup}")
        elif child.type in ("text", "softbreak"):
            parts.append(child.content or " ")
    return " ".join("".join(parts).split()) or inline.content.strip()


def _hidden_markup(text: str, inline: Token, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """The spans of ``text[start:end]`` holding a paragraph's inline HTML tags and its links'
    brackets and destinations, found in the order markdown-it read them: what is left reads
    as the rendered text. A tag between two letters stays unless it only styles words."""
    hidden: list[tuple[int, int]] = []
    cursor = start
    for child in inline.children or []:
        if child.type in ("link_open", "link_close") and child.markup != "autolink":
            mark = _link_mark(text, cursor, end, child.type == "link_open")
            if mark is not None:
                hidden.append(mark)
                cursor = mark[1]
            continue
        if child.type == "code_inline":
            opened = text.find(child.markup, cursor, end)
            closed = text.find(child.markup, opened + len(child.markup), end) if opened >= 0 else -1
            cursor = closed + len(child.markup) if closed >= 0 else cursor
            continue
        found = text.find(child.content, cursor, end) if child.content else -1
        if found < 0:
            continue  # text read with escapes or entities: not as written
        cursor = found + len(child.content)
        name = _TAG_NAME.match(child.content) if child.type == "html_inline" else None
        glued = found > 0 and text[found - 1].isalnum() and text[cursor : cursor + 1].isalnum()
        if name and (name.group(1).lower() in _INLINE_TAGS or not glued):
            hidden.append((found, cursor))
    return tuple(hidden)


def _link_mark(text: str, cursor: int, end: int, opening: bool) -> tuple[int, int] | None:
    """The span of a link's ``[`` (``opening``), or of its ``]`` with the destination or
    reference after it, at ``cursor`` (after spaces); None if it is not there."""
    while cursor < end and text[cursor].isspace():
        cursor += 1
    if not text.startswith("[" if opening else "]", cursor):
        return None
    if opening or not text.startswith(("(", "["), cursor + 1):
        return cursor, cursor + 1
    closer, depth = ("]", 0) if text[cursor + 1] == "[" else (")", 0)
    for position in range(cursor + 1, end):
        depth += text[position] == text[cursor + 1]
        depth -= text[position] == closer
        if depth == 0:
            return cursor, position + 1
    return None
