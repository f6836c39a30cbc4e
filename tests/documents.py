"""Fixture documents written by the tests themselves: PDF (fpdf2), DOCX (python-docx), HTML."""

from __future__ import annotations

from pathlib import Path

# (outline level, heading) or a paragraph, page by page.
PageContent = list[tuple[int, str] | str]


def write_pdf(path: Path, pages: list[PageContent], title: str = "") -> Path:
    """A PDF with one page per item of ``pages``; headings are bookmarked in the outline."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    if title:
        pdf.set_title(title)
    for content in pages:
        pdf.add_page()
        for item in content:
            if isinstance(item, tuple):
                level, heading = item
                pdf.start_section(heading, level=level)
                pdf.multi_cell(0, 6, heading, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.multi_cell(0, 5, item, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(3)
    pdf.output(str(path))
    return path


def write_docx(path: Path, title: str, body: list[tuple[str, object]]) -> Path:
    """A Word file: ``body`` items are ("heading1".."heading3", text), ("paragraph", text),
    ("bullet", text) or ("table", rows)."""
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading(title, level=0)
    for kind, content in body:
        if kind.startswith("heading"):
            document.add_heading(str(content), level=int(kind[-1]))
        elif kind == "bullet":
            document.add_paragraph(str(content), style="List Bullet")
        elif kind == "table":
            rows: list[list[str]] = content  # type: ignore[assignment]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for row, values in zip(table.rows, rows, strict=True):
                for cell, value in zip(row.cells, values, strict=True):
                    cell.text = value
        else:
            document.add_paragraph(str(content))
    document.save(str(path))
    return path


def write_docx_bomb(path: Path, megabytes: int = 300) -> Path:
    """A .docx whose document part inflates to ``megabytes`` from a few hundred kilobytes."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"<w:p><w:r><w:t>boom</w:t></w:r></w:p>" * 27_000  # ~1 MB
            for _ in range(megabytes):
                part.write(chunk)
        archive.writestr("[Content_Types].xml", "<Types/>")
    return path


WEB_PAGE = """<!DOCTYPE html>
<html><head><title>Harbour guide</title>
<style>body { color: red; } .hidden-style-text {}</style>
<script>var trackingScriptText = "do not index me";</script></head>
<body>
<nav><a href="/">Home</a> <a href="/menu">Navigation menu link</a></nav>
<header>Site banner text</header>
<main>
<h1>Harbour guide</h1>
<p>The old harbour was rebuilt in 1887 after the great storm.</p>
<h2>Ferries</h2>
<p>The first ferry leaves the north pier at <b>six o'clock</b> every morning.</p>
<ul><li>Tickets are sold on board.</li><li>Bicycles travel free.</li></ul>
<h3>Fares</h3>
<table><thead><tr><th>Route</th><th>Fare</th></tr></thead>
<tbody><tr><td>North pier to island</td><td>4 euros</td></tr></tbody></table>
<pre>ferry --route north
# not a heading</pre>
</main>
<footer>Copyright footer text</footer>
</body></html>
"""
