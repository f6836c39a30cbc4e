"""Saved web pages with Beautiful Soup: the main content, headings kept as the section path.

Navigation, headers, footers, side bars, forms, scripts and styles are dropped; when the page
marks its main content (``<main>``, ``<article>``, ``role="main"``), only that is read. Lines
count lines of the extracted text, which is what the chat app's source pane shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from verbatim.ingest.extracted import Extracted, LayoutBuilder
from verbatim.ingest.files import read_text
from verbatim.ingest.structure import BlockKind

_DROPPED = (
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "button", "iframe", "svg", "canvas", "dialog", "menu",
)  # fmt: skip
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCKS = {"p": BlockKind.PARAGRAPH, "li": BlockKind.LIST_ITEM, "dt": BlockKind.PARAGRAPH,
           "dd": BlockKind.PARAGRAPH, "blockquote": BlockKind.PARAGRAPH,
           "figcaption": BlockKind.PARAGRAPH, "pre": BlockKind.CODE}  # fmt: skip
_CONTAINERS = frozenset({"div", "section", "article", "main", "body", "td", "th"})


def sniff(head: bytes) -> bool:
    start = head.lstrip()[:512].lower()
    return start.startswith((b"<!doctype html", b"<html")) or b"<html" in start


def load(path: Path) -> Extracted:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(read_text(path), "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for element in soup.find_all(_DROPPED):
        element.decompose()
    for element in soup.find_all(True, attrs={"role": ["navigation", "banner", "contentinfo"]}):
        element.decompose()
    root = soup.find("main") or soup.find(True, attrs={"role": "main"}) or soup.find("article")
    builder = LayoutBuilder()
    _walk(root or soup.body or soup, builder)
    return builder.build(title)


def _walk(element: Any, builder: LayoutBuilder) -> None:
    """Read ``element``'s children in order: headings, blocks, tables, and loose text."""
    loose: list[str] = []  # text standing directly in a container, outside any block

    def flush() -> None:
        builder.block(" ".join(loose))
        loose.clear()

    for child in element.children:
        name = getattr(child, "name", None)
        if name is None:
            if type(child).__name__ == "NavigableString":  # not a comment or doctype
                loose.append(str(child))
            continue
        if name in _HEADINGS:
            flush()
            builder.heading(_HEADINGS[name], child.get_text(" "))
        elif name == "table":
            flush()
            _table(child, builder)
        elif name == "pre":
            flush()
            builder.block(child.get_text(), BlockKind.CODE)
        elif name in _BLOCKS and not child.find(["p", "ul", "ol", "table", "pre", *_HEADINGS]):
            flush()
            builder.block(child.get_text(" "), _BLOCKS[name])
        elif name in _BLOCKS or name in _CONTAINERS or name in ("ul", "ol", "dl"):
            flush()
            _walk(child, builder)
        else:  # inline: <a>, <b>, <span>, ...
            loose.append(child.get_text(" "))
    flush()


def _table(table: Any, builder: LayoutBuilder) -> None:
    rows = [
        [cell.get_text(" ") for cell in row.find_all(["th", "td"], recursive=False)]
        for row in table.find_all("tr")
    ]
    first = table.find("tr")
    has_header = bool(table.find("thead")) or (
        first is not None and not first.find("td", recursive=False)
    )
    builder.table([row for row in rows if row], has_header)
