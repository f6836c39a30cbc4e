"""PDF with PDFium (pypdfium2): the text of each page, its layout read from where lines stand.

A PDF's text has no markup for paragraphs or headings, and PDFium gives each page as lines with
no blank line between paragraphs. Where each line starts, ends and sits, and its font size, tell
the blocks apart: space wider than the line spacing, a change of size, an indented first line,
a short line in justified text, a bullet, a short row of figures. A term on its own line (an
option, a function prototype) is read with the definition indented under it; a table drawn with
a rule of dashes gives a block per row, read with its header.

Sections come from the document outline (bookmarks) when it has one: a section starts at the line
of its page that prints its title, or at the top of the page when no line does. Without an
outline, lines set larger than the body text are the headings.

Running heads and footers (lines at the top or bottom of many pages, page numbers) and table of
contents lines (dot leaders and a page number) stay in the text, so that lines keep their numbers,
but are not indexed. Words hyphenated across a line end are made whole on the line where they
start. Lines are numbered within each page.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from statistics import median
from typing import Any

from verbatim.errors import UnreadableFileError
from verbatim.ingest.extracted import Extracted, LayoutBuilder
from verbatim.ingest.limits import MAX_PAGES, Budget
from verbatim.ingest.structure import BlockKind

MAX_OUTLINE_DEPTH = 6
_LEVEL_OFFSET = 2  # outline level 0 is a section, not the document title (level 1)

# PDFium joins a word hyphenated across a line end and marks the dropped hyphen with \x02.
_SOFT_HYPHEN = "\x02"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\ufffe\uffff]")  # not \t\n\r
# TeX fonts draw an accent as a glyph of its own before the letter ("M¨oller" is "Möller").
_SPACING_ACCENTS = {
    "\u00a8": "\u0308",  # diaeresis
    "\u00b4": "\u0301",  # acute
    "\u02c6": "\u0302",  # circumflex
    "\u02dc": "\u0303",  # tilde
    "\u02c7": "\u030c",  # caron
    "\u02d8": "\u0306",  # breve
    "\u02da": "\u030a",  # ring
    "\u02dd": "\u030b",  # double acute
}
_ACCENTED = re.compile(f"([{''.join(_SPACING_ACCENTS)}])([A-Za-z])")
_BROKEN_IDENTIFIER = re.compile(r"[A-Za-z0-9]_$")  # TeX breaks `aes128_set_key` after the `_`
# Bullets as PDFs give them, Word's Symbol and Wingdings ones included; numbered and lettered items.
_BULLET = re.compile(r"^\s*(?:[•◦▪‣●○■□∙·\uf0b7\uf0a7]|\d{1,3}[.)]|[a-z][.)])\s+(?=\S)")
# Texinfo sets a definition's category right of its head line: "void f (int x) [Function]".
_DEFINITION = re.compile(r"\s\[[A-Z][A-Za-z ]{1,30}\]$")
_SENTENCE_END = re.compile(r"[.!?:;]['\"’”)]*$")
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*(?:\d{1,4}|[ivxlcdm]{1,8})\s*$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,7})(?:\s+(?:of|/)\s+\d{1,4})?$|^[-–—]\s*\d{1,4}\s*[-–—]$",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"(?<!\S)(?=\S*\d)\S+")  # a word with a digit in it
_RULE = re.compile(r"^\s*[-=_–—]{5,}\s*$")
_NOT_ALNUM = re.compile(r"[\W_]+")
_HEADING_NUMBER = re.compile(r"^\s*(?:\d{1,3}(?:\.\d{1,3})*|[A-Z](?:\.\d{1,3})+)\.?\s+(?=\S)")
_SECTION_NUMBER = re.compile(r"^(?:chapter\s+|appendix\s+)?(?:\d{1,3}|[A-Z])(?:\.\d{1,3})*\.?\s+")


@dataclass(slots=True)
class _Line:
    """One printed line of a page: its text, where it stands (PDF points, y upwards), its size."""

    text: str
    left: float = math.nan
    right: float = math.nan
    base: float = math.nan  # the baseline's height on the page
    size: float = math.nan  # font size (of most of it)
    skip: bool = False  # running head, page number, table of contents line: not indexed
    row: str = ""  # in a table drawn with text: "start" of a row, or "more" of its last cell
    header: _Line | None = None  # a table row's header line
    at: int = -1  # where the line starts in the document's text, once written

    @property
    def placed(self) -> bool:
        return not math.isnan(self.base)


@dataclass(slots=True)
class _Page:
    lines: list[_Line]
    outline: list[tuple[int, str]]  # (level, title) of the outline's entries for this page


def sniff(head: bytes) -> bool:
    return head.startswith(b"%PDF-")


def load(path: Path) -> Extracted:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as error:
        raise UnreadableFileError(f"not a readable PDF ({error})") from error
    try:
        if len(document) > MAX_PAGES:
            raise UnreadableFileError(f"{len(document):,} pages, over the {MAX_PAGES:,}-page limit")
        outline = _outline(document)
        pages = []
        budget = Budget("its text")
        for number in range(len(document)):
            page = document[number]
            text_page = page.get_textpage()
            pages.append(_Page(_read_lines(text_page, budget), outline.get(number, [])))
            text_page.close()
            page.close()
        title = str(document.get_metadata_dict().get("Title") or "").strip()
    finally:
        document.close()
    return _build(pages, title, has_outline=bool(outline))


def _outline(document: Any) -> dict[int, list[tuple[int, str]]]:
    """Outline entries (level, title) by 0-based page."""
    outline: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for bookmark in document.get_toc(max_depth=MAX_OUTLINE_DEPTH):
        destination = bookmark.get_dest()
        title = bookmark.get_title().strip()
        if destination is not None and title and destination.get_index() is not None:
            outline[destination.get_index()].append((bookmark.level, title))
    return outline


# --- Reading a page's lines -------------------------------------------------------------------


def _read_lines(text_page: Any, budget: Budget) -> list[_Line]:
    """The printed lines of one page, each with where it stands when PDFium says so."""
    raw = text_page.get_text_bounded()
    budget.spend(len(raw))
    pieces = list(_printed_lines(raw))
    lines = [_Line(text) for text, _, _ in pieces]
    unclean = bool(_CONTROL.search(raw.replace(_SOFT_HYPHEN, "")) or _ACCENTED.search(raw))
    for line, (_, first, last) in zip(lines, pieces, strict=True):
        _place(line, text_page, raw, first, last)
        line.text = _clean(line.text) if unclean else line.text.replace("\t", " ")
    return lines


def _printed_lines(raw: str) -> Iterator[tuple[str, int, int]]:
    """(text, index of its first and last character in ``raw``) for each printed line.

    A hyphenated word is made whole on the line where it starts, so words read whole and each
    line keeps its place."""
    position = 0
    for text in re.split(r"\r\n|\r|\n", raw):
        start = position
        position += len(text) + (2 if raw.startswith("\r\n", position + len(text)) else 1)
        pieces = text.split(_SOFT_HYPHEN)
        line, first = pieces[0], start
        offset = start + len(pieces[0]) + 1
        for piece in pieces[1:]:
            word = next((i for i, char in enumerate(piece) if char.isspace()), len(piece))
            yield line + piece[:word], first, offset - 1
            line, first = piece[word:].lstrip(), offset
            offset += len(piece) + 1
        if line or len(pieces) == 1:
            yield line, first, start + len(text) - 1


def _place(line: _Line, text_page: Any, raw: str, first: int, last: int) -> None:
    """Where ``line`` stands: from PDFium's boxes of its first and last characters."""
    import ctypes

    import pypdfium2.raw as pdfium

    if not line.text.strip():
        return
    while first < last and raw[first].isspace():
        first += 1
    start = pdfium.FPDFText_GetCharIndexFromTextIndex(text_page, first)
    end = pdfium.FPDFText_GetCharIndexFromTextIndex(text_page, last)
    if start < 0 or end < 0 or pdfium.FPDFText_GetUnicode(text_page, start) != ord(raw[first]):
        return  # the text and the characters do not line up: read the text alone
    x, y = ctypes.c_double(), ctypes.c_double()
    if not pdfium.FPDFText_GetCharOrigin(text_page, start, x, y):
        return
    # A line may mix fonts (a prototype's bold name): its size is the middle one of five.
    font_size = pdfium.FPDFText_GetFontSize
    sizes = sorted(font_size(text_page, start + (end - start) * part // 4) for part in range(5))
    sizes = [size for size in sizes if size > 0]
    if not sizes:
        return
    line.size = round(sizes[len(sizes) // 2], 1)
    line.left, line.base = x.value, y.value
    line.right = text_page.get_charbox(end)[2]


def _join_broken_identifiers(page: _Page, metrics: _Metrics | None, number: int) -> None:
    """``aes128_`` / ``set_key`` → ``aes128_set_key``: the rest of a name broken after an
    underscore at the end of a full line moves up to it."""
    for line, following in pairwise(page.lines):
        rest = following.text.lstrip()
        full = metrics is None or not line.placed or metrics.full(line, number)
        if full and _BROKEN_IDENTIFIER.search(line.text) and rest[:1].isalnum():
            word = next((i for i, char in enumerate(rest) if char.isspace()), len(rest))
            line.text += rest[:word]
            following.text = rest[word:].lstrip()


def _clean(text: str) -> str:
    """No control characters; TeX accents joined to their letters."""
    text = _CONTROL.sub("", text.replace("\t", " "))
    return _ACCENTED.sub(_accented, text)


def _accented(match: re.Match[str]) -> str:
    joined = unicodedata.normalize("NFC", match.group(2) + _SPACING_ACCENTS[match.group(1)])
    return joined if len(joined) == 1 else match.group(0)


# --- What the body text looks like ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Metrics:
    """The body text of a document: its font size, line spacing and margins (by page parity)."""

    size: float
    pitch: float  # distance between the baselines of two lines of a paragraph
    left: tuple[float, float]  # left margin of even and odd pages (0-based)
    right: tuple[float, float]
    justified: bool  # lines of a paragraph end at the right margin

    def full(self, line: _Line, number: int) -> bool:
        """Whether ``line`` (on 0-based page ``number``) runs to the right margin."""
        return line.right >= self.right[number % 2] - self.slack

    @property
    def slack(self) -> float:
        """How far short of a full line a line may end and still be full."""
        return 0.05 * (self.right[0] - self.left[0])


def _metrics(pages: list[_Page]) -> _Metrics | None:
    """How the body text is set, from the lines of the whole document (None: no positions)."""
    placed = [line for page in pages for line in page.lines if line.placed]
    sizes = Counter(round(line.size * 2) / 2 for line in placed)
    if not sizes:
        return None
    size = sizes.most_common(1)[0][0]
    body = [[line for line in page.lines if line.placed and abs(line.size - size) <= 0.3]
            for page in pages]  # fmt: skip
    drops = [a.base - b.base for lines in body for a, b in pairwise(lines)]
    drops = [drop for drop in drops if 0 < drop < 3 * size]
    pitch = size * 1.2
    if drops:
        usual = Counter(round(drop) for drop in drops).most_common(1)[0][0]
        pitch = median(drop for drop in drops if abs(drop - usual) <= 0.75)
    # Odd and even pages may set the text block apart; each needs lines enough to say so.
    by_parity = [[line for lines in body[parity::2] for line in lines] for parity in (0, 1)]
    whole = _margins([line for lines in body for line in lines])
    left, right = zip(*(_margins(lines, 20) or whole for lines in by_parity), strict=True)
    metrics = _Metrics(size, pitch, left, right, justified=False)
    # Justified text: the long lines end right at the margin (ragged lines end all over).
    ends = [metrics.right[n % 2] - line.right for n, lines in enumerate(body) for line in lines]
    long = [end for end in ends if end <= 2 * metrics.slack]
    return replace(metrics, justified=sum(abs(end) <= 1.5 for end in long) >= 0.5 * len(long))


def _margins(lines: list[_Line], least: int = 1) -> tuple[float, float] | None:
    """The usual left edge and the right edge (90th percentile) of body lines (None: fewer than
    ``least`` lines)."""
    if len(lines) < max(least, 1):
        return None
    left = Counter(round(line.left) for line in lines).most_common(1)[0][0]
    rights = sorted(line.right for line in lines)
    return float(left), rights[int(len(rights) * 0.9)]


# --- Lines that are not indexed ---------------------------------------------------------------


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _mark_contents(page: _Page) -> None:
    """Table of contents and index entries (dot leaders and a page number) are not indexed, nor
    the line just above an entry (the first line of an entry wrapped over two lines, or the
    title of the contents), nor an index's letters."""
    lines = [line for line in page.lines if line.text.strip()]
    for line in lines:
        line.skip = bool(_DOT_LEADER.search(line.text))
    entries = sum(line.skip for line in lines)
    for line, following in pairwise(lines):
        if following.skip and not _SENTENCE_END.search(line.text.rstrip()):
            line.skip = True  # the contents' title, or an entry's first line
    if entries >= 0.5 * len(lines):
        for line in lines:
            line.skip = line.skip or len(_collapse(line.text)) <= 2


def _edges(page: _Page, metrics: _Metrics | None) -> list[_Line]:
    """The first and the last line of a page that hold text and are not left out yet, if set
    apart from the text next to them."""
    lines = [line for line in page.lines if line.text.strip() and not line.skip]
    if len(lines) < 2:
        return lines
    ends = ((lines[0], lines[1]), (lines[-1], lines[-2]))
    return [line for line, near in ends if _apart(line, near, metrics)]


def _apart(line: _Line, near: _Line, metrics: _Metrics | None) -> bool:
    """Whether more than a line's space parts ``line`` from ``near`` (yes if unknown)."""
    if metrics is None or not (line.placed and near.placed):
        return True
    return abs(line.base - near.base) > 1.5 * metrics.pitch


def _mark_running(pages: list[_Page], metrics: _Metrics | None) -> None:
    """Running heads and footers: a page number alone at the top or bottom of a page; a first or
    last line set apart from the text, above or below all the other lines of the document, that
    recurs on several pages (digits read alike, so "Chapter 7: Reference 22" recurs) in its
    usual size; and such a line set where recurring ones are, in their size (the head of a
    one-page chapter)."""
    for page in pages:
        for line in _edges(page, None):
            line.skip = bool(_PAGE_NUMBER.match(_collapse(line.text)))
    edges = [_edges(page, metrics) for page in pages]  # a head may stand under the page number
    outside = _outside(pages, edges)
    keys = Counter(key for lines in edges for key in {_running_key(line) for line in lines})
    sizes: dict[str, Counter[float]] = defaultdict(Counter)
    for line in (line for lines in edges for line in lines):
        sizes[_running_key(line)][line.size] += 1
    places: set[tuple[float, float]] = set()
    for line in (line for lines in edges for line in lines if outside(line)):
        key = _running_key(line)
        usual = sizes[key].most_common(1)[0][0]
        if keys[key] >= (2 if len(pages) <= 4 else 3) and abs(line.size - usual) <= 0.6:
            line.skip = True
            places.add((round(line.base, 1), line.size))
    for line in (line for lines in edges for line in lines if outside(line)):
        line.skip = line.skip or any(
            abs(line.base - base) <= 1.5 and abs(line.size - size) <= 0.6 for base, size in places
        )


def _outside(pages: list[_Page], edges: list[list[_Line]]) -> Callable[[_Line], bool]:
    """Whether a line stands above or below all the indexed lines of the document between the
    first and the last of their page (always, if positions are unknown)."""
    ends = {id(line) for lines in edges for line in lines}
    bases = [
        line.base
        for page in pages
        for line in page.lines
        if line.placed and not line.skip and id(line) not in ends
    ]
    if not bases:
        return lambda line: True
    low, high = min(bases), max(bases)
    return lambda line: not line.placed or not low - 1 <= line.base <= high + 1


def _running_key(line: _Line) -> str:
    return re.sub(r"\d+", "#", _collapse(line.text).casefold())


# --- Tables drawn with text ----------------------------------------------------------------


def _mark_tables(pages: list[_Page], metrics: _Metrics) -> None:
    """Tables drawn with text: a header of a few words over a rule of dashes that runs past it,
    then rows. A row starts at the table's left edge; a line further right goes on the row's last
    cell. The header is read with each row, not as text of its own. A table ends at space, at
    another size or left of its edge, and runs on at the top of the next page."""
    header: _Line | None = None
    last: _Line | None = None  # the table's last line (the rule, at first)
    left = math.nan  # the table's left edge, from its first row
    for page in pages:
        above: _Line | None = None  # the line above, on this page
        for line in page.lines:
            if line.skip or not line.placed or not line.text.strip():
                continue
            if last and header and _in_table(last, line, above, left, metrics):
                left = line.left if math.isnan(left) else left
                line.row, line.header = "start" if line.left <= left + 3 else "more", header
                above = last = line
                continue
            last = None
            if above is not None and _RULE.match(line.text) and _heads_table(above, line):
                above.skip = line.skip = True
                header, last, left = above, line, math.nan
            above = line


def _heads_table(header: _Line, rule: _Line) -> bool:
    """Whether ``header`` (two words or more, no sentence) is a table's header over ``rule``,
    which runs well past it (a heading's underline is as long as the heading)."""
    words = len(header.text.split())
    ends = _SENTENCE_END.search(header.text.rstrip())
    past = rule.right - header.right > 0.1 * (rule.right - rule.left)
    return words >= 2 and not ends and past and abs(header.left - rule.left) <= 3


def _in_table(
    last: _Line, line: _Line, above: _Line | None, left: float, metrics: _Metrics
) -> bool:
    """Whether ``line`` goes on the table whose last line is ``last`` (``above``: the line above
    ``line`` on its page, if any)."""
    if _bigger(last, line) or _bigger(line, last) or line.left < left - 3:  # False if left is nan
        return False
    if above is None:  # the top of a page: the table runs on if it ended the page before
        return True
    drop = last.base - line.base
    return above is last and 0 < drop <= 1.15 * metrics.pitch * line.size / metrics.size


# --- Headings ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Heading:
    line: int  # index of the page's line where the section starts
    level: int
    name: str
    lines: int = 0  # how many lines print the heading (0: none, the section starts there)
    indexed: bool = False  # its lines are indexed as text too


def _key(text: str) -> str:
    """Letters and digits only: outline titles drop punctuation the printed heading keeps."""
    return _NOT_ALNUM.sub("", text.casefold())


def _outline_headings(page: _Page) -> list[_Heading]:
    """Where the outline's sections of this page start: at the line (or two lines) that print
    the title, perhaps after a section number; at the top of the page if none does."""
    keys = [("", "") if line.skip else (_key(line.text), _key(_SECTION_NUMBER.sub("", line.text)))
            for line in page.lines]  # fmt: skip
    headings: list[_Heading] = []
    start = 0
    for level, title in page.outline:
        found = _find_title(keys, start, _key(title))
        if found is None:
            headings.append(_Heading(start, level + _LEVEL_OFFSET, title))
            continue
        index, count = found
        name = _collapse(" ".join(line.text for line in page.lines[index : index + count]))
        headings.append(_Heading(index, level + _LEVEL_OFFSET, name, count))
        start = index + count
    return headings


def _find_title(keys: list[tuple[str, str]], start: int, title: str) -> tuple[int, int] | None:
    """(index, line count) of the first line from ``start`` that prints ``title``, alone or
    with the next line; ``keys`` holds each line's key, and its key without a section number."""
    for index in range(start, len(keys) if title else 0):
        key, unnumbered = keys[index]
        if title in (key, unnumbered):
            return index, 1
        following = keys[index + 1][0] if key and index + 1 < len(keys) else ""
        if following and title in (key + following, unnumbered + following):
            return index, 2
    return None


def _size_headings(pages: list[_Page], metrics: _Metrics) -> dict[int, list[_Heading]]:
    """Without an outline: lines set larger than the body text, in a size used on more than one
    page, are headings, larger ones higher; a heading may run over a few lines of the same size.
    They are indexed as text too (a title page's title says what it is and which version)."""
    pages_of = defaultdict(set)
    for number, page in enumerate(pages):
        for line in page.lines:
            if _heading_line(line, metrics):
                pages_of[line.size].add(number)
    sizes = sorted((size for size, used in pages_of.items() if len(used) > 1), reverse=True)
    found: dict[int, list[_Heading]] = defaultdict(list)
    for number, page in enumerate(pages):
        index = 0
        while index < len(page.lines):
            line, count = page.lines[index], 1
            if line.size not in sizes or not _heading_line(line, metrics):
                index += 1
                continue
            while count < 3 and _heading_goes_on(page.lines[index + count - 1 :]):
                count += 1
            name = _collapse(" ".join(x.text for x in page.lines[index : index + count]))
            level = min(sizes.index(line.size), 4) + _LEVEL_OFFSET
            found[number].append(_Heading(index, level, name, count, indexed=True))
            index += count
    return found


def _heading_line(line: _Line, metrics: _Metrics) -> bool:
    text = _collapse(line.text)
    return line.size > 1.15 * metrics.size and not line.skip and 0 < len(text) <= 100


def _heading_goes_on(lines: list[_Line]) -> bool:
    """Whether the heading line ``lines[0]`` goes on on the next line (same size, just below)."""
    if len(lines) < 2:
        return False
    line, following = lines[0], lines[1]
    drop = line.base - following.base
    return following.size == line.size and not following.skip and 0 < drop < 2 * line.size


def _bigger(line: _Line, other: _Line) -> bool:
    """Whether ``line`` is set clearly larger than ``other`` (no when a size is unknown)."""
    return line.size > 1.15 * other.size


# --- Blocks ---------------------------------------------------------------------------------


def _continues(block: list[_Line], line: _Line, metrics: _Metrics | None, number: int) -> bool:
    """Whether ``line`` goes on ``block`` (the lines before it, on 0-based page ``number``) or
    starts a block."""
    last = block[-1]
    if _BULLET.match(line.text) or _DEFINITION.search(line.text):
        return False
    if metrics is None or not (last.placed and line.placed):
        return True  # only the text to go by: lines run on, as in hard-wrapped text
    drop = last.base - line.base
    pitch = metrics.pitch * max(last.size, line.size) / metrics.size
    if _bigger(last, line) or _bigger(line, last) or drop <= 0:
        return False  # another size (a heading, a title page), or the next column
    if _is_row(last, metrics, number) or _is_row(line, metrics, number):
        return False
    indent = line.left - last.left
    if line.left > block[0].left + 3 and drop <= 2.5 * pitch and _is_term(block, indent):
        return True  # a definition under its term, or a bullet's item running on under its text
    if drop > 1.15 * pitch or indent > 3:
        return False  # space between paragraphs; an indented first line, quote or code
    if indent < -3:  # back to the margin: only after a paragraph's indented first line
        return len(block) == 1 and indent > -30 and _runs_on(block, line, metrics, number)
    # In justified text only a paragraph's last line stops short of the margin.
    return not metrics.justified or _runs_on(block, line, metrics, number)


def _runs_on(block: list[_Line], line: _Line, metrics: _Metrics, number: int) -> bool:
    """Whether the block's last line runs to the right margin, or ends where the lines of a
    narrower measure end (a quotation), so that its paragraph goes on."""
    last = block[-1]
    if metrics.full(last, number):
        return True
    return any(abs(last.right - other.right) <= 1.5 for other in (*block[:-1], line))


def _is_term(block: list[_Line], indent: float) -> bool:
    """Whether ``block`` reads as a term whose definition is indented under it (an option, a
    prototype, a bullet), so that the definition is read with its term: no sentence ends in it,
    or it is a bullet's first line and the item runs on under its text."""
    if len(block) == 1 and _BULLET.match(block[0].text):
        return indent > 0
    return not any(_SENTENCE_END.search(line.text.rstrip()) for line in block)


def _is_row(line: _Line, metrics: _Metrics, number: int) -> bool:
    """A row of a table of figures: a short line of mostly numbers, read on its own."""
    if metrics.full(line, number):
        return False
    words = len(line.text.split())
    return words >= 3 and len(_FIGURE.findall(line.text)) >= 0.6 * words


def _page_blocks(
    page: _Page, headings: list[_Heading], metrics: _Metrics | None, number: int
) -> Iterator[_Heading | tuple[BlockKind, int, int, int]]:
    """The page's sections as they start, and its blocks in order: kind, first and last line,
    and how many characters of the first line it leaves out."""
    by_line: dict[int, list[_Heading]] = defaultdict(list)
    for heading in headings:
        by_line[heading.line].append(heading)
    block: list[_Line] = []
    kind, first, marker = BlockKind.PARAGRAPH, 0, 0
    cut = unindexed = 0  # a block starts at line `cut`; lines before `unindexed` are a heading
    for index, line in enumerate(page.lines):
        starts = index in by_line or index == cut
        for heading in by_line.get(index, []):
            if block:
                yield kind, first, index - 1, marker
                block = []
            yield heading
            cut = index + heading.lines
            unindexed = cut if not heading.indexed else unindexed
        ends = index < unindexed or line.skip or not line.text.strip()
        if block and (ends or starts or not _joins(block, line, index < cut, metrics, number)):
            yield kind, first, index - 1, marker
            block = []
        if ends:
            continue
        if not block:
            (kind, marker), first = _block_start(line, index < cut), index
        block.append(line)
    if block:
        yield kind, first, len(page.lines) - 1, marker


def _block_start(line: _Line, heading: bool) -> tuple[BlockKind, int]:
    """The kind of block ``line`` starts (``heading``: it prints a heading indexed as text), and
    how many of its characters the block leaves out: a bullet, a heading's number, spaces."""
    if line.row:
        return BlockKind.TABLE_ROW, len(line.text) - len(line.text.lstrip())
    marker = (_HEADING_NUMBER if heading else _BULLET).match(line.text)
    if marker is None:
        return BlockKind.PARAGRAPH, len(line.text) - len(line.text.lstrip())
    return BlockKind.PARAGRAPH if heading else BlockKind.LIST_ITEM, marker.end()


def _joins(
    block: list[_Line], line: _Line, heading: bool, metrics: _Metrics | None, number: int
) -> bool:
    """Whether ``line`` goes on ``block``: a table row's lines make its block, nothing else
    does; so do a heading's lines (``heading``: it is one of them); else see :func:`_continues`."""
    if line.row or block[-1].row:
        return line.row == "more"
    return heading or _continues(block, line, metrics, number)


def _write_page(
    builder: LayoutBuilder,
    page: _Page,
    headings: list[_Heading],
    metrics: _Metrics | None,
    number: int,
) -> None:
    """Write one page's text line for line, then its sections and blocks."""
    starts = [builder.raw_text("".join(line.text + "\n" for line in page.lines))]
    for line in page.lines:
        line.at = starts[-1]
        starts.append(starts[-1] + len(line.text) + 1)
    for item in _page_blocks(page, headings, metrics, number):
        if isinstance(item, _Heading):
            builder.section(item.level, item.name)
            continue
        kind, first, last, marker = item
        end = starts[last] + len(page.lines[last].text.rstrip())
        header = page.lines[first].header
        span = None if header is None else (header.at, header.at + len(header.text.rstrip()))
        builder.span(kind, starts[first] + marker, end, span)


def _build(pages: list[_Page], title: str, has_outline: bool) -> Extracted:
    """The document's text, page by page, with its sections and blocks."""
    metrics = _metrics(pages)
    for number, page in enumerate(pages):
        _join_broken_identifiers(page, metrics, number)
        _mark_contents(page)
    _mark_running(pages, metrics)
    if metrics:
        _mark_tables(pages, metrics)
    if has_outline:
        headings = {number: _outline_headings(page) for number, page in enumerate(pages)}
    else:
        headings = _size_headings(pages, metrics) if metrics else {}
    builder = LayoutBuilder()
    for number, page in enumerate(pages):
        builder.new_page()
        _write_page(builder, page, headings.get(number, []), metrics, number)
    return builder.build(title)
