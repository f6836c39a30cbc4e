"""Saved web pages with Beautiful Soup: the main content, headings kept as the section path.

Navigation, headers, footers, side bars, forms, scripts, styles, hidden elements and permalink
anchors are dropped; when the page marks its main content (``<main>``, ``<article>``,
``role="main"``), only that is read. Menus, tables of contents and indexes that are not marked
up as navigation are told by their link density and left out too, with a heading that only
labels them. Tables used for page layout are read cell by cell. A definition's term (and a list
item's emphasised lead-in) is the innermost section of what follows it, so that its sentences
are read with it. Text is read as a browser shows it, and paragraphs that one sentence runs
through are joined. Lines count lines of the extracted text, which the chat app's source pane
shows.

The tree is walked with an explicit stack, so deeply nested pages cannot exhaust Python's
recursion limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verbatim.ingest.decoding import read_text
from verbatim.ingest.extracted import Extracted, LayoutBuilder
from verbatim.ingest.structure import BlockKind

_DROPPED = (
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "button", "iframe", "svg", "canvas", "dialog", "menu",
)  # fmt: skip
_DROPPED_ROLES = ["navigation", "banner", "contentinfo"]
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCKS = {"p": BlockKind.PARAGRAPH, "li": BlockKind.LIST_ITEM, "dt": BlockKind.PARAGRAPH,
           "dd": BlockKind.PARAGRAPH, "blockquote": BlockKind.PARAGRAPH,
           "figcaption": BlockKind.PARAGRAPH, "pre": BlockKind.CODE}  # fmt: skip
# Elements that break the flow of text: they are walked into, never read as inline text.
_BLOCK_LEVEL = frozenset({
    *_HEADINGS, *_BLOCKS, "div", "section", "article", "main", "body", "table", "thead",
    "tbody", "tfoot", "tr", "td", "th", "caption", "ul", "ol", "dl", "figure", "details",
    "summary", "center", "address", "fieldset", "hgroup",
})  # fmt: skip
# A block of at least this many links whose text is mostly link text is a menu, a table of
# contents or an index, not content (the link-density rule of boilerplate detection).
_MIN_LINKS = 3
_MAX_LINK_DENSITY = 0.5
# Less text than this left outside links once a box's menus are left out is their labels ("Main
# Menu"), not content (such as a title page beside a table of contents).
_LABEL_CHARS = 30
_TERM_LEVEL = 7  # section level of a definition list's terms: below every heading (h1-h6)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def sniff(head: bytes) -> bool:
    start = head.lstrip()[:512].lower()
    return start.startswith((b"<!doctype html", b"<html")) or b"<html" in start


def load(path: Path) -> Extracted:
    from bs4 import BeautifulSoup

    # An XHTML page's XML declaration means nothing to an HTML parser (browsers read such pages
    # as HTML too); left in, it only makes Beautiful Soup warn that XML is parsed as HTML.
    soup = BeautifulSoup(_XML_DECLARATION.sub("", read_text(path), count=1), "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    root = _main_content(soup) or soup.body or soup
    builder = LayoutBuilder()
    _Reader(builder, _Stats.of(root)).read(root)
    return builder.build(title)


def _main_content(soup: Any) -> Any:
    """Drop what is not the page's text (page furniture, hidden elements, permalink anchors
    such as ``#`` or ``¶`` after headings); return the element marked as the main content
    (``<main>``, else ``role="main"``, else ``<article>``), if any. One pass over the tree, as
    Beautiful Soup's searches are slow on very large pages."""
    doomed, marked = [], []
    for tag in soup.descendants:
        name = getattr(tag, "name", None)
        if name is None:
            continue
        if name in _DROPPED or tag.get("role") in _DROPPED_ROLES or _is_hidden(tag):
            doomed.append(tag)
        elif name == "a":
            if _is_permalink(tag):
                doomed.append(tag)
        elif name in ("main", "article") or tag.get("role") == "main":
            marked.append(tag)
    for element in doomed:
        if not element.decomposed:  # not already gone with an ancestor
            element.decompose()
    kept = [tag for tag in marked if not tag.decomposed]
    return (
        next((tag for tag in kept if tag.name == "main"), None)
        or next((tag for tag in kept if tag.get("role") == "main"), None)
        or next(iter(kept), None)  # an <article>
    )


def _is_hidden(tag: Any) -> bool:
    return (
        tag.has_attr("hidden")
        or tag.get("aria-hidden") == "true"
        or bool(_HIDDEN_STYLE.search(tag.get("style") or ""))
    )


def _is_permalink(link: Any) -> bool:
    """A link to a place on the page that says nothing (``#``, ``¶``, an icon)."""
    href = link.get("href") or ""
    return href.startswith("#") and not any(character.isalnum() for character in _text(link))


_HAS_BLOCK, _HAS_TABLE, _HAS_HEADING = 1, 2, 4
_LISTS = frozenset({"ul", "ol"})
# Blocks of running text: a few links in them never make them boilerplate.
_TEXT_BLOCKS = frozenset({*_HEADINGS, *_BLOCKS})


@dataclass(slots=True)
class _Counts:
    text: int = 0  # non-space characters
    linked: int = 0  # of which inside <a>
    links: int = 0
    letters: int = 0  # outside <a>
    inside: int = 0  # _HAS_* flags of the descendants

    def add(self, other: _Counts) -> None:
        self.text += other.text
        self.linked += other.linked
        self.links += other.links
        self.letters += other.letters

    def add_text(self, text: str) -> None:
        self.text += sum(1 for character in text if not character.isspace())
        self.letters += sum(1 for character in text if character.isalpha())

    def is_dense(self) -> bool:
        return self.links >= _MIN_LINKS and self.linked > _MAX_LINK_DENSITY * self.text


class _Stats:
    """Text and link counts of every element below a root, and the elements that are link
    boilerplate, from one bottom-up pass (so nothing is counted twice, however deep the page)."""

    def __init__(self) -> None:
        self._all: dict[int, _Counts] = {}  # everything inside the element
        self._kept: dict[int, _Counts] = {}  # what is left once its boilerplate is dropped
        self._boilerplate: set[int] = set()

    @classmethod
    def of(cls, root: Any) -> _Stats:
        from bs4 import NavigableString, Tag

        stats = cls()
        nodes = list(root.descendants)
        for tag in (root, *(node for node in nodes if isinstance(node, Tag))):
            stats._all[id(tag)], stats._kept[id(tag)] = _Counts(), _Counts()
        for node in reversed(nodes):  # every child before its parent
            parent, kept = stats._all[id(node.parent)], stats._kept[id(node.parent)]
            if type(node) is NavigableString:
                parent.add_text(node)
                kept.add_text(node)
            elif isinstance(node, Tag):
                stats._count(node, parent, kept)
        return stats

    def _count(self, tag: Any, parent: _Counts, parent_kept: _Counts) -> None:
        counts, kept = self._all[id(tag)], self._kept[id(tag)]
        if tag.name == "a" and _is_link(tag):
            for own in (counts, kept):
                own.linked, own.links, own.letters = own.text, own.links + 1, 0
        parent.add(counts)
        parent.inside |= counts.inside | _flags(tag.name)
        if self._is_boilerplate(tag, counts, kept):
            self._boilerplate.add(id(tag))
        else:
            parent_kept.add(kept)

    def _is_boilerplate(self, tag: Any, counts: _Counts, kept: _Counts) -> bool:
        """A menu, table of contents or index: a list most of whose items are links and nothing
        else (no word outside them), or a container mostly of link text that stays so, or keeps
        little more than labels, once the menus inside it are left out (a container of a menu
        and the content is kept, and so is any part of the page holding a heading)."""
        if tag.name in _LISTS:
            items = [self._all[id(item)] for item in tag.find_all("li", recursive=False)]
            only_links = sum(1 for item in items if item.links and not item.letters)
            return only_links >= _MIN_LINKS and only_links > _MAX_LINK_DENSITY * len(items)
        if tag.name in _TEXT_BLOCKS or counts.inside & _HAS_HEADING:
            return False  # running text, or a section of the page
        if not (tag.name in _BLOCK_LEVEL or counts.inside & _HAS_BLOCK):
            return False  # inline
        return counts.is_dense() and (kept.is_dense() or _unlinked(kept) < _LABEL_CHARS)

    def __call__(self, tag: Any) -> _Counts:
        return self._all[id(tag)]

    def is_boilerplate(self, tag: Any) -> bool:
        return id(tag) in self._boilerplate


def _is_link(anchor: Any) -> bool:
    """A link that leads somewhere: not a named anchor, nor an e-mail address (a list of
    authors with their addresses is content, not a menu)."""
    href = anchor.get("href")
    return bool(href) and not str(href).lower().startswith("mailto:")


def _unlinked(counts: _Counts) -> int:
    return counts.text - counts.linked


def _flags(name: str) -> int:
    flags = _HAS_BLOCK if name in _BLOCK_LEVEL else 0
    if name == "table":
        flags |= _HAS_TABLE
    if name in _HEADINGS:
        flags |= _HAS_HEADING
    return flags


@dataclass(slots=True)
class _Frame:
    """An element being read: its remaining children and the loose text met so far."""

    children: Iterator[Any]
    loose: list[str] = field(default_factory=list)  # text outside any block, to be joined
    on_exit: Callable[[], None] | None = None


class _Output:
    """What the reader writes, handed to a :class:`LayoutBuilder`: it knows the sections in
    force (to return to them after a definition list), joins paragraphs that one sentence runs
    through, and holds the last heading back until something follows it (a heading followed
    only by a menu is the menu's label and goes with it)."""

    def __init__(self, builder: LayoutBuilder) -> None:
        self._builder = builder
        self._path: list[tuple[int, str]] = []  # the sections entered, as the builder has them
        self._titled = False  # the first level-1 heading is the title, not a section
        self._heading: tuple[int, str, Any] | None = None  # held back: level, name, element
        self._paragraph: list[str] = []  # paragraphs read so far that one sentence runs through

    def heading(self, level: int, text: str, element: Any) -> None:
        name = " ".join(text.split())
        if name:
            self._end_paragraph()
            self._put_heading()
            self._heading = (level, name, element)

    def dropped(self, element: Any) -> None:
        """``element`` is left out as boilerplate: a heading right before it labelled it."""
        if self._heading is not None and self._heading[2].find_next_sibling(True) is element:
            self._heading = None

    def section(self, level: int, name: str) -> None:
        """Enter a section whose name is written nowhere (a definition's term)."""
        self._end_paragraph()
        self._put_heading()
        self._builder.section(level, name)
        self._remember(level, name)

    def leave(self, level: int) -> None:
        """Return to the sections in force before the ones at ``level`` and below."""
        self._end_paragraph()
        self._put_heading()
        while self._path and self._path[-1][0] >= level:
            self._path.pop()
        # Re-entering the innermost section drops the ones below it; with none, an empty name
        # leaves the path empty (blocks then stand under the page's title).
        self._builder.section(*(self._path[-1] if self._path else (level, "")))

    def paragraph(self, text: str) -> None:
        """A ``<p>``; one that goes on with the sentence the paragraph before it left
        unfinished (``<p>Use</p><p><code>cc -O2</code></p><p>to optimise.</p>``) is read as
        part of that paragraph."""
        text = " ".join(text.split())
        if text:
            if not (self._paragraph and _continues(self._paragraph[-1], text)):
                self._end_paragraph()
            self._paragraph.append(text)

    def block(self, text: str, kind: BlockKind = BlockKind.PARAGRAPH) -> None:
        if text.strip():
            self._end_paragraph()
            self._put_heading()
            self._builder.block(text, kind)

    def table(self, rows: list[list[str]], has_header: bool) -> None:
        self._end_paragraph()
        self._put_heading()
        self._builder.table(rows, has_header)

    def close(self) -> None:
        self._end_paragraph()
        self._put_heading()

    def _end_paragraph(self) -> None:
        if self._paragraph:
            self._put_heading()
            self._builder.block(" ".join(self._paragraph))
            self._paragraph.clear()

    def _put_heading(self) -> None:
        if self._heading is None:
            return
        level, name, _ = self._heading
        self._heading = None
        self._builder.heading(level, name)
        if level == 1 and not self._titled:
            self._titled = True
            self._path = []
        else:
            self._remember(level, name)

    def _remember(self, level: int, name: str) -> None:
        while self._path and self._path[-1][0] >= level:
            self._path.pop()
        self._path.append((level, name))


class _Reader:
    """Reads an element tree into an :class:`_Output`, depth first, without recursion."""

    def __init__(self, builder: LayoutBuilder, stats: _Stats) -> None:
        self._out = _Output(builder)
        self._stats = stats
        self._term_levels: list[int] = []  # section level of the terms of each open <dl>

    def read(self, root: Any) -> None:
        stack = [_Frame(iter(root.children))]
        while stack:
            frame = stack[-1]
            child = next(frame.children, None)
            if child is None:
                self._flush(frame.loose)
                stack.pop()
                if frame.on_exit is not None:
                    frame.on_exit()
                continue
            inner = self._visit(child, frame.loose)
            if inner is not None:
                self._flush(frame.loose)
                stack.append(inner)
        self._out.close()

    def _visit(self, child: Any, loose: list[str]) -> _Frame | None:
        """Read one child; returns the frame to read next when it is a container."""
        name = getattr(child, "name", None)
        if name is None:
            if type(child).__name__ == "NavigableString":  # not a comment or doctype
                loose.append(str(child))
            return None
        counts = self._stats(child)
        if name not in _BLOCK_LEVEL and not counts.inside & _HAS_BLOCK:
            loose.append(_text(child))  # inline: <a>, <b>, <span>, ...
            return None
        self._flush(loose)
        if self._stats.is_boilerplate(child):
            self._out.dropped(child)
        elif name in _HEADINGS:
            self._out.heading(_HEADINGS[name], _text(child), child)
        elif name == "pre":
            self._out.block(_code(child), BlockKind.CODE)
        elif name == "table" and not _is_layout_table(child, counts):
            _table(child, self._out)
        elif name == "dl":
            return self._with_terms(child)
        else:
            if name == "dt" and self._term_levels and _starts_terms(child):
                self._out.section(self._term_levels[-1], _terms(child))
            if name == "p" and not counts.inside & _HAS_BLOCK:
                self._out.paragraph(_text(child))
            elif name in _BLOCKS and not counts.inside & _HAS_BLOCK:
                self._out.block(_text(child), _BLOCKS[name])
            elif name == "li" and (lead := _lead_in(child)):
                return self._with_terms(child, lead)
            else:
                return _Frame(iter(child.children))
        return None

    def _flush(self, loose: list[str]) -> None:
        self._out.block("".join(loose))
        loose.clear()

    def _with_terms(self, element: Any, term: str = "") -> _Frame:
        """Read a ``<dl>``, whose each term becomes the innermost section of its definitions, or
        a list item under its lead-in ``term``; leaving it returns to the sections before it."""
        level = self._term_levels[-1] + 1 if self._term_levels else _TERM_LEVEL
        self._term_levels.append(level)
        if term:
            self._out.section(level, term)

        def leave() -> None:
            self._term_levels.pop()
            self._out.leave(level)

        return _Frame(iter(element.children), on_exit=leave)


def _lead_in(item: Any) -> str:
    """The emphasised words a list item opens with, right before its first block: the item's
    title, as in ``<li><em>Troubles linking</em><p>Usually the problem...</p></li>``."""
    nodes = [node for node in item.children if getattr(node, "name", None) or str(node).strip()]
    if (
        len(nodes) > 1
        and getattr(nodes[0], "name", None) in ("b", "strong", "em", "i")
        and getattr(nodes[1], "name", None) in _BLOCK_LEVEL
    ):
        return " ".join(_text(nodes[0]).split())
    return ""


def _continues(before: str, after: str) -> bool:
    """Whether ``after`` goes on with a sentence that ``before`` leaves unfinished."""
    return before[-1] not in ".!?:;" and after[0].islower()


def _is_layout_table(table: Any, counts: _Counts) -> bool:
    """A table that lays out the page rather than holding data: marked as presentation, holding
    other tables or headings, or a single row or column of cells without header cells (a box
    around content). Its cells are then read as containers, not as rows."""
    if counts.inside & (_HAS_TABLE | _HAS_HEADING) or table.get("role") in ("presentation", "none"):
        return True
    rows = [row.find_all(["td", "th"], recursive=False) for row in table.find_all("tr")]
    single = len(rows) <= 1 or max(len(cells) for cells in rows) <= 1
    return single and not table.find("th")


def _starts_terms(dt: Any) -> bool:
    previous = dt.find_previous_sibling(True)
    return previous is None or previous.name != "dt"


def _terms(dt: Any) -> str:
    """The text of ``dt`` and of the terms right after it, which share one definition."""
    names = [_text(dt)]
    for sibling in dt.next_siblings:
        if getattr(sibling, "name", None) == "dt":
            names.append(_text(sibling))
        elif getattr(sibling, "name", None) is not None or str(sibling).strip():
            break
    return ", ".join(" ".join(name.split()) for name in names)


_END = object()  # marks where a block element ends, in _text's stack


def _text(element: Any) -> str:
    """The text of ``element`` as a browser shows it: inline elements run on without a
    separator (``<code>enable</code>,`` reads ``enable,``), block elements stand apart and a
    ``<br>`` breaks the line. Iterative, so any depth is read."""
    parts: list[str] = []
    stack: list[Any] = [element]
    while stack:
        node = stack.pop()
        name = getattr(node, "name", None)
        if node is _END or name == "br":
            parts.append(" " if node is _END else "\n")
        elif name is None:
            if type(node).__name__ == "NavigableString":  # not a comment
                parts.append(str(node))
        else:
            if name in _BLOCK_LEVEL:
                parts.append(" ")
                stack.append(_END)
            stack.extend(reversed(node.contents))
    return "".join(parts)


def _code(pre: Any) -> str:
    """A code block's text; listings side by side in one block (a page showing one of them at
    a time, such as the same example in two module systems) each start on a line of their own."""
    listings = pre.find_all("code", recursive=False)
    if len(listings) < 2:
        return str(pre.get_text())
    return "\n".join(listing.get_text().rstrip("\n") for listing in listings)


def _table(table: Any, out: _Output) -> None:
    rows = [
        [_text(cell) for cell in row.find_all(["th", "td"], recursive=False)]
        for row in table.find_all("tr")
    ]
    first = table.find("tr")
    has_header = bool(table.find("thead")) or (
        first is not None and not first.find("td", recursive=False)
    )
    out.table([row for row in rows if row], has_header)
