"""PDF with PDFium (pypdfium2): the text of each page, sections from the document outline.

A PDF's text has no markup for headings, but most long PDFs carry an outline (bookmarks) naming
each section and its page. A section starts at the line of its page that repeats its title, or
at the top of the page when no line does. Lines are numbered within each page.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from verbatim.ingest.extracted import Extracted, LayoutBuilder
from verbatim.ingest.files import UnreadableFileError

MAX_OUTLINE_DEPTH = 6
_LEVEL_OFFSET = 2  # outline level 0 is a section, not the document title (level 1)


def sniff(head: bytes) -> bool:
    return head.startswith(b"%PDF-")


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def load(path: Path) -> Extracted:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as error:
        raise UnreadableFileError(f"not a readable PDF ({error})") from error
    try:
        outline: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for bookmark in document.get_toc(max_depth=MAX_OUTLINE_DEPTH):
            destination = bookmark.get_dest()
            title = bookmark.get_title().strip()
            if destination is not None and title and destination.get_index() is not None:
                outline[destination.get_index()].append((bookmark.level, title))
        builder = LayoutBuilder()
        for number in range(len(document)):
            page = document[number]
            text_page = page.get_textpage()
            text = text_page.get_text_bounded().replace("\r\n", "\n").replace("\r", "\n")
            text_page.close()
            page.close()
            builder.new_page()
            _page(builder, text, outline.get(number, []))
        title = str(document.get_metadata_dict().get("Title") or "").strip()
    finally:
        document.close()
    return builder.build(title)


def _page(builder: LayoutBuilder, text: str, headings: list[tuple[int, str]]) -> None:
    """One page's text, split where its outline headings stand."""
    lines = text.split("\n")
    start = 0
    for level, title in headings:
        found = next(
            (i for i in range(start, len(lines)) if _normal(lines[i]) == _normal(title)), None
        )
        if found is None:
            builder.section(level + _LEVEL_OFFSET, title)  # no line names it: it starts here
            continue
        if found > start:
            builder.text("\n".join(lines[start:found]))
        builder.heading(level + _LEVEL_OFFSET, lines[found])
        start = found + 1
    if start < len(lines):
        builder.text("\n".join(lines[start:]))
