"""Word documents (.docx) with python-docx: headings, paragraphs, list items and tables, in order.

Word's "Title" style is the document title; "Heading N" styles make the section path. Lines
count lines of the extracted text, which is what the chat app's source pane shows.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from verbatim.errors import UnreadableFileError
from verbatim.ingest.extracted import Extracted, LayoutBuilder
from verbatim.ingest.limits import MARKUP_PER_TEXT, Budget
from verbatim.ingest.structure import BlockKind

_HEADING_STYLE = re.compile(r"^heading (\d)$", re.IGNORECASE)


def sniff(head: bytes) -> bool:
    # A .docx is a ZIP archive whose first entry is usually [Content_Types].xml; other ZIPs
    # (.xlsx, .odt, ...) have other parts, so only a word/ part claims the file.
    return head.startswith(b"PK\x03\x04") and b"word/" in head


def load(path: Path) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    _check_unpacked_size(path)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise UnreadableFileError(f"not a readable Word document ({error})") from error
    builder = LayoutBuilder()
    style_name = _style_names(document)
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows = [_cells(row) for row in item.rows]
            builder.table(rows, has_header=True)
            continue
        style = style_name(item._p.style)
        heading = _HEADING_STYLE.match(style)
        if style.casefold() == "title":
            builder.heading(1, item.text)
        elif heading:
            builder.heading(int(heading.group(1)) + 1, item.text)
        elif style.casefold().startswith("list") or _is_numbered(item):
            builder.block(item.text, BlockKind.LIST_ITEM)
        else:
            builder.block(item.text)
    return builder.build(document.core_properties.title or "")


def _check_unpacked_size(path: Path) -> None:
    """Skip a document whose parts unpack to more than the markup limit, before any is read.

    The sizes a ZIP declares are the most Python's zipfile will ever inflate (a part that
    inflates further fails its checksum), so checking them bounds the memory used.
    """
    budget = Budget("unpacked, its parts", per_text=MARKUP_PER_TEXT)
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                budget.spend(member.file_size)
    except zipfile.BadZipFile as error:
        raise UnreadableFileError(f"not a readable Word document ({error})") from error


def _style_names(document: object) -> Callable[[str | None], str]:
    """The paragraph style's name for a paragraph's style id (None: no style of its own), as
    ``paragraph.style.name`` gives it. Asking python-docx per paragraph searched all styles for
    the default each time: 94% of the time spent reading a 300-page document."""
    from docx.enum.style import WD_STYLE_TYPE

    styles = document.styles  # type: ignore[attr-defined]
    names = {
        style.style_id: style.name or ""
        for style in styles
        if style.type == WD_STYLE_TYPE.PARAGRAPH
    }
    default = styles.default(WD_STYLE_TYPE.PARAGRAPH)
    fallback = (default.name or "") if default is not None else ""
    return lambda style_id: names.get(style_id, fallback) if style_id else fallback


def _cells(row: object) -> list[str]:
    """A row's cell texts, a merged cell once (python-docx repeats it for each grid column)."""
    seen: set[int] = set()
    texts = []
    for cell in row.cells:  # type: ignore[attr-defined]
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            texts.append(cell.text)
    return texts


def _is_numbered(paragraph: object) -> bool:
    properties = paragraph._p.pPr  # type: ignore[attr-defined]
    return properties is not None and properties.numPr is not None
