"""Reading a document's layout: headings, paragraphs, list items and table rows.

Plain text marks its headings in many ways: Markdown or wiki marks, an underline, a section
number ("4.10. How do I ...?", "1.0 General Concepts"), or a question standing alone above its
answer, as in FAQs. A line counts as a heading only when it also reads like one (short, not
code, not part of a paragraph), so a code comment or a separator line makes no section. A
table of contents that repeats the headings of the text below is left out: its entries would
compete with the real headings and their answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from itertools import pairwise

WIKI_HEADING = re.compile(r"^(={1,6})\s*(.+?)\s*\1\s*$")
MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.+?)(?:\s+#+)?\s*$")
SETEXT_UNDERLINE = re.compile(r"^\s*(=+|-+)\s*$")
RULE = re.compile(r"^\s*([-=_*~#])(?:\s?\1){2,}\s*$")  # a separator line: no words, no layout
LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+(?=\S)")
TABLE_SEPARATOR = re.compile(r"^[\s|:+-]*-[\s|:+-]*$")
# "4.10.", "1.0", "3.1.2", "A.1": a section number, then the heading's name (after any space:
# text made from DocBook puts a no-break space there).
OUTLINE = re.compile(r"^(?P<number>(?:\d{1,3}|[A-Z](?=\.\d))(?:\.\d{1,3})*\.?)\s+(?P<name>\S.*)$")
MARKED_QUESTION = re.compile(r"^Q\d*[:.)]\s")  # "Q: ...", "Q1. ...": a FAQ's question
MARKED_ANSWER = re.compile(r"^\s*A\d*[:.)]\s")  # and its answer, "A: ..."
QUESTION = re.compile(r"^(?:Q\d*[:.)]\s*)?[\"'“(]?[A-Z].*\?[\"'”)]?\s*$")
# A table-of-contents line: a leader of dots, then a page number.
DOT_LEADER = re.compile(r"\S\s*(?:\.\s?){4,}\s*\d{1,4}\s*$")
_COLUMNS = re.compile(r"\S(?: {3,}|\t)\S")  # text in aligned columns: a table, not a heading
_ROW = re.compile(r"\S(?: {4,}|\t)\S")  # a line of a table or list aligned in columns
RECORD = re.compile(r"^[^\s:=]+(?: [^\s:=]+){0,3} *[:=] +\S")  # "Key: value", "name = meaning"
_CODE_MARKS = re.compile(r"/\*|\*/|==|&&|\|\||[{}]|^\$ ")

SECTION_SEPARATOR = " › "
QUESTION_LEVEL = 7  # a question heading is a leaf: it nests under every numbered heading
MAX_HEADING_WORDS = 30
MAX_TITLE_WORDS = 12  # an underlined or first-line title
MAX_QUESTION_LINES, MAX_QUESTION_WORDS = 4, 60  # of a FAQ question marked "Q:"


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
    hidden: tuple[tuple[int, int], ...] = ()  # spans of markup left out of the text shown


@dataclass(frozen=True, slots=True)
class Layout:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class _Line:
    start: int
    end: int  # excludes the line break
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def indented(self) -> bool:
        return self.text[:1].isspace()


@dataclass(frozen=True, slots=True)
class _Heading:
    level: int
    name: str
    end: int  # the index of the first line after the heading (its underline included)


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


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _title_like(name: str, max_words: int = MAX_HEADING_WORDS) -> bool:
    """Whether ``name`` reads like a heading: a few words, mostly letters, not code, not
    columns of a table, not a clause that runs on."""
    words = name.split()
    if not words or len(words) > max_words or _COLUMNS.search(name.strip()):
        return False
    if name.rstrip()[-1] in ",;:([{\\=&|" or _CODE_MARKS.search(name):
        return False
    letters = sum(char.isalpha() for char in name)
    words_and_numbers = sum(char.isalnum() for char in name)
    return letters >= 2 and words_and_numbers >= 0.6 * sum(not char.isspace() for char in name)


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
        self.leave(level)
        self._stack.append((level, name))

    def leave(self, level: int) -> None:
        """End the sections of ``level`` and deeper."""
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()

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


def _breaks(lines: list[_Line], index: int) -> bool:
    """Whether a block may start at ``index``: at the top, or after a blank line or a rule."""
    return index == 0 or lines[index - 1].blank or bool(RULE.match(lines[index - 1].text))


def _ends(lines: list[_Line], index: int) -> bool:
    """Whether a block ends before ``index``: at the end, or at a blank line or a rule."""
    return index >= len(lines) or lines[index].blank or bool(RULE.match(lines[index].text))


def _marked(lines: list[_Line], index: int) -> _Heading | None:
    """A Markdown (``## Name``) or wiki (``== Name ==``) heading, written from the first
    column: an indented ``# ...`` line is a comment in code. In plain text a ``#`` heading
    stands alone, blank lines around it, and does not end as a sentence or a lead-in does:
    ``# ...`` within a block, or ending in "." or ":", is a comment in a configuration file or
    a shell session."""
    text = lines[index].text
    found = _heading(text.strip()) if text[:1] in ("#", "=") else None
    if found is None:
        return None
    if text[:1] == "#" and not (
        _breaks(lines, index) and _ends(lines, index + 1) and not found[1].endswith((".", ":"))
    ):
        return None
    return _Heading(found[0], found[1], index + 1)


def _setext(lines: list[_Line], index: int) -> _Heading | None:
    """A short title-like line over an underline of about its length; a longer or shorter
    rule is a separator (or the rule under a table's header)."""
    under = SETEXT_UNDERLINE.match(lines[index + 1].text) if index + 1 < len(lines) else None
    name = lines[index].text.strip()
    if not under or not _title_like(name, MAX_TITLE_WORDS):
        return None
    if not max(3, len(name) / 2) <= len(under.group(1)) <= 1.5 * len(name) + 2:
        return None
    return _Heading(1 if under.group(1)[0] == "=" else 2, name, index + 2)


def _heading_end(lines: list[_Line], index: int) -> int | None:
    """The line after a numbered heading that stands alone (a blank line or a rule follows),
    or None. It may wrap onto up to two more lines: indented ones, or any that end the
    question it asks. A question may be followed by its answer directly."""
    end = index + 1
    if _ends(lines, end) or lines[index].text.rstrip().endswith("?"):
        return end
    while end < len(lines) and end - index <= 2 and not lines[end].blank:
        end += 1
        if not lines[end - 1].indented and not lines[end - 1].text.rstrip().endswith("?"):
            return None
    return end if _ends(lines, end) else None


def _numbered_item(lines: list[_Line], index: int, step: int, number: int) -> bool:
    """Whether the nearest non-blank line ``step`` away is item ``number`` of a list."""
    index += step
    while 0 <= index < len(lines) and lines[index].blank:
        index += step
    if not 0 <= index < len(lines):
        return False
    found = re.match(r"\s*(\d{1,3})[.)]\s", lines[index].text)
    return found is not None and int(found.group(1)) == number


def _outline(lines: list[_Line], index: int) -> _Heading | None:
    """A numbered heading: "1.2.3 Name", "4.10. How do I ...?", "A.1 Name", "1. NAME".
    "1.0" is chapter 1; a lone number ("1.") must not be one item of a numbered list."""
    match = OUTLINE.match(lines[index].text)
    end = _heading_end(lines, index) if match else None
    if match is None or end is None:
        return None
    wrapped = " ".join(line.text for line in lines[index + 1 : end])
    name = _collapse(f"{match['name']} {wrapped}")
    parts = match["number"].rstrip(".").split(".")
    while len(parts) > 1 and parts[-1] == "0":
        parts.pop()
    if len(parts) == 1:
        number = int(parts[0])
        asks = name.endswith("?") and name.count("?") == 1  # one question: FAQs ask at length
        longest = MAX_HEADING_WORDS if asks else MAX_TITLE_WORDS
        if name.endswith(".") or not _title_like(name, longest):
            return None
        if _numbered_item(lines, index, -1, number - 1) or _numbered_item(
            lines, index, 1, number + 1
        ):
            return None
    elif not _title_like(name):
        return None
    full = _collapse(" ".join(line.text for line in lines[index:end]))
    return _Heading(min(len(parts) + 1, 6), full, end)


def _question(lines: list[_Line], index: int) -> _Heading | None:
    """A question standing alone above its answer, which follows after a blank line or
    indented below it (FAQs)."""
    line = lines[index]
    if MARKED_QUESTION.match(line.text) and (marked := _marked_question(lines, index)):
        return marked
    if line.indented or not QUESTION.match(line.text) or not _title_like(line.text):
        return None
    after = index + 1
    if not _ends(lines, after) and not lines[after].indented:
        return None
    return _Heading(QUESTION_LEVEL, line.text.strip(), after)


def _marked_question(lines: list[_Line], index: int) -> _Heading | None:
    """A FAQ's question marked "Q:" (a few lines, a question mark or not) whose answer, marked
    "A:", follows it."""
    end = index + 1
    while end - index < MAX_QUESTION_LINES and not _ends(lines, end):
        end += 1
    after = end
    while after < len(lines) and lines[after].blank:
        after += 1
    if not _ends(lines, end) or after >= len(lines) or not MARKED_ANSWER.match(lines[after].text):
        return None
    name = _collapse(" ".join(line.text for line in lines[index:end]))
    return _Heading(QUESTION_LEVEL, name, end) if _title_like(name, MAX_QUESTION_WORDS) else None


def _headings(lines: list[_Line]) -> dict[int, _Heading]:
    """The headings of a plain text, by the index of their first line."""
    found: dict[int, _Heading] = {}
    index = 0
    while index < len(lines):
        heading = None if lines[index].blank else _marked(lines, index)
        if heading is None and not lines[index].blank and _breaks(lines, index):
            heading = _setext(lines, index) or _outline(lines, index) or _question(lines, index)
        if heading is not None:
            found[index] = heading
        index = heading.end if heading is not None else index + 1
    return found


MIN_CONTENTS = 3  # entries of a table of contents
MAX_CONTENTS_GAP = 10  # lines between two entries (wrapped entries, group labels, sub-lists)


def _key(text: str) -> str:
    """What a table-of-contents entry shares with its heading: the section number, else the
    text (the wording of an entry often differs from its heading's)."""
    match = OUTLINE.match(text)
    return match["number"].rstrip(".") if match else _collapse(text).casefold()


def _filler(lines: list[_Line], start: int, stop: int) -> bool:
    """Whether ``lines[start:stop]`` holds no body text: at most a few lines, none of them
    two prose lines in a row (a wrapped entry, a group label, a list of sub-entries)."""
    shown = [line for line in lines[start:stop] if not line.blank]
    if len(shown) > MAX_CONTENTS_GAP:
        return False
    prose = [
        not (line.blank or LIST_ITEM.match(line.text) or OUTLINE.match(line.text))
        for line in lines[start:stop]
    ]
    return not any(a and b for a, b in pairwise(prose))


def _contents(lines: list[_Line], headings: dict[int, _Heading]) -> set[int]:
    """The lines of a table of contents: a run of numbered or question lines that each name
    a heading further down, with no body text between them, and the short label above the
    run. (Other repeated headings, such as "Bug fixes" under each release, are no entries.)"""
    last = {_key(lines[index].text): index for index in headings}
    entries = [
        index
        for index, line in enumerate(lines)
        if (OUTLINE.match(line.text) or QUESTION.match(line.text))
        and last.get(_key(line.text), -1) > index
    ]
    runs: list[list[int]] = []
    for entry in entries:
        if runs and _filler(lines, runs[-1][-1] + 1, entry):
            runs[-1].append(entry)
        else:
            runs.append([entry])
    skipped: set[int] = set()
    for run in runs:
        if len(run) >= MIN_CONTENTS:
            end = run[-1] + 1
            while end < len(lines) and end - run[-1] <= 2 and lines[end].indented:
                end += 1  # the last entry, wrapped
            skipped.update(range(_label(lines, run[0]), end))
    return skipped


def _label(lines: list[_Line], first: int) -> int:
    """Where a table of contents starts: at its label ("Contents") if a short line alone
    stands above its first entry, else at that entry."""
    above = first - 1
    while above >= 0 and lines[above].blank:
        above -= 1
    if above >= 0 and _breaks(lines, above):
        text = lines[above].text
        if len(text.split()) <= 4 and not OUTLINE.match(text) and not RULE.match(text):
            return above
    return first


@dataclass(slots=True)
class _Open:
    """The block being read: its kind, start, the indent and shape of its first line."""

    kind: BlockKind
    start: int
    indent: int
    shape: str  # "item", "row" (text in columns), "record" ("Key: value") or "prose"


class _Reader:
    """Reads lines into blocks, in order, under the headings found beforehand."""

    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self.wrapped = _is_hard_wrapped(lines)
        self.headings = _headings(lines)
        self.skipped = _contents(lines, self.headings)
        self.sections = Sections()
        self.blocks: list[Block] = []
        self.table_header: tuple[int, int] | None = None
        self.open: _Open | None = None
        self.end = 0  # the end of the open block's last line

    def read(self) -> Layout:
        index = 0
        while index < len(self.lines):
            index = self.step(index)
        self.close()
        return Layout(self.sections.title, tuple(self.blocks))

    def close(self) -> None:
        if self.open is not None:
            block = Block(self.open.kind, self.open.start, self.end, self.sections.path)
            self.blocks.append(block)
            self.open = None

    def step(self, index: int) -> int:
        """Read the line at ``index``; the index of the next line to read."""
        line = self.lines[index]
        heading = self.headings.get(index)
        if index in self.skipped or line.blank or RULE.match(line.text):
            self.close()  # a blank line, a rule or a table of contents: no block
        elif DOT_LEADER.search(line.text):
            self.close()  # a line of a table of contents with page numbers
        elif heading is not None:
            self.close()
            self.sections.enter(heading.level, heading.name)
            self.table_header = None
            return heading.end
        elif _is_table_row(line.text) or ("|" in line.text and TABLE_SEPARATOR.match(line.text)):
            self.row(line)
        else:
            self.text(line)
        return index + 1

    def row(self, line: _Line) -> None:
        self.close()
        if TABLE_SEPARATOR.match(line.text):
            # The row above a separator line is the table's header.
            if self.blocks and self.blocks[-1].kind is BlockKind.TABLE_ROW:
                header = self.blocks.pop()
                self.table_header = (header.start, header.end)
            return
        path = self.sections.path
        self.blocks.append(
            Block(BlockKind.TABLE_ROW, line.start, line.end, path, self.table_header)
        )

    def text(self, line: _Line) -> None:
        """A line of a paragraph or list item: it starts a block or continues the open one."""
        self.table_header = None
        stripped = line.text.lstrip()
        indent = len(line.text) - len(stripped)
        item = LIST_ITEM.match(line.text)
        shape = _shape(stripped, bool(item))
        if self.open is not None and not self.continues(shape, indent):
            self.close()
        elif self.open is not None and self.open.shape == "record":
            self.open.shape = shape  # a "Key: value" line that wraps on is prose, not a record
        if self.open is None:
            kind = BlockKind.LIST_ITEM if item else BlockKind.PARAGRAPH
            start = line.start + (item.end() if item else indent)
            self.open = _Open(kind, start, indent, shape)
        self.end = line.end

    def continues(self, shape: str, indent: int) -> bool:
        """Whether a line of ``shape`` continues the open block: in hard-wrapped text, prose
        continues prose; a list item or a row of columns continues on lines indented deeper
        (its wrapped text); each item, row or record of a run is a block of its own."""
        assert self.open is not None
        if not self.wrapped or shape == "item":
            return False
        if self.open.shape in ("item", "row"):
            return shape == "prose" and indent > self.open.indent
        return self.open.shape == "prose" or shape == "prose"


def _shape(stripped: str, item: bool) -> str:
    if item:
        return "item"
    if _ROW.search(stripped):
        return "row"
    return "record" if RECORD.match(stripped) else "prose"


def parse_layout(text: str) -> Layout:
    """Split ``text`` into blocks, each tagged with the heading path it stands under."""
    return _Reader(_lines(text)).read()


TITLE_LINES = 10  # a title stands among the first lines of a file


def with_title(layout: Layout, text: str) -> Layout:
    """``layout`` with a title when it has none: its first short, title-like line standing
    alone near the top ("THE SED FAQ" under a mail header), taken out of the blocks."""
    if layout.title:
        return layout
    for number, block in enumerate(layout.blocks):
        if text.count("\n", 0, block.start) >= TITLE_LINES or block.section:
            break
        line = text[block.start : block.end].strip()
        if block.kind is BlockKind.PARAGRAPH and "\n" not in line and _is_title(line):
            return Layout(_collapse(line), layout.blocks[:number] + layout.blocks[number + 1 :])
    return Layout(_table_title(text), layout.blocks)


def _table_title(text: str) -> str:
    """The title a web page's extract puts in its first table row, a cell alone ("Iranian
    intervention in Iraq (2014–present) | ||||"), or ``""``."""
    first = text.lstrip().split("\n", 1)[0]
    cells = [cell.strip() for cell in first.split("|") if cell.strip()]
    if "|" in first and len(cells) == 1 and _is_title(cells[0]):
        return _collapse(cells[0])
    return ""


def _is_title(line: str) -> bool:
    return (
        _title_like(line, MAX_TITLE_WORDS)
        and (line[0].isupper() or line[0].isdigit())
        and line[-1] not in ".?!"
        and not RECORD.match(line)
    )
