"""Loaders per format: text extracted, sections and pages right, references to the right place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from verbatim.assistant import Assistant
from verbatim.cli import cli
from verbatim.ingest import UnreadableFileError, discover, load
from verbatim.ingest.parse import parse_extracted
from verbatim.types import Document

from .documents import WEB_PAGE, write_docx, write_pdf

FILLER = "The committee met in the spring and reviewed the accounts of the year. " * 6
PDF_PAGES = [
    [(0, "Introduction"), FILLER, "The survey covered four hundred farms in the valley."],
    [(0, "Methods"), FILLER, (1, "Sampling"), "Soil samples were taken at a depth of 30 cm."],
    [FILLER, "Every sample was dried for two days before weighing."],
]


def sentences(document: Document) -> dict[str, tuple[str, int | None, int, int]]:
    """Sentence text → (section, page, line_start, line_end)."""
    return {
        s.text: (p.section, s.page, s.line_start, s.line_end)
        for p in document.passages
        for s in p.sentences
    }


def parse(path: Path) -> Document:
    return parse_extracted(path.name, load(path))


def test_pdf_pages_sections_and_lines_within_the_page(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "report.pdf", PDF_PAGES, title="Soil report")
    document = parse(path)
    assert document.title == "Soil report"
    found = sentences(document)
    assert found["The survey covered four hundred farms in the valley."][:2] == ("Introduction", 1)
    assert found["Soil samples were taken at a depth of 30 cm."][:2] == ("Methods › Sampling", 2)
    # A section runs on over the page break until the next heading.
    weighed = found["Every sample was dried for two days before weighing."]
    assert weighed[:2] == ("Methods › Sampling", 3)
    extracted = load(path)
    for text, (_, page, first, last) in found.items():
        assert page is not None
        lines = extracted.page_text(page).splitlines()
        assert text.split()[0] in lines[first - 1] and text.split()[-1] in lines[last - 1]


def test_html_main_content_only_with_headings_as_sections(tmp_path: Path) -> None:
    path = tmp_path / "harbour.html"
    path.write_text(WEB_PAGE, encoding="utf-8")
    extracted = load(path)
    for dropped in ("trackingScriptText", "hidden-style-text", "Navigation menu", "banner",
                    "footer"):  # fmt: skip
        assert dropped not in extracted.text
    document = parse(path)
    assert document.title == "Harbour guide"
    found = sentences(document)
    assert found["The old harbour was rebuilt in 1887 after the great storm."][0] == "Harbour guide"
    ferry = "The first ferry leaves the north pier at six o'clock every morning."
    assert found[ferry][0] == "Ferries"
    assert found["Bicycles travel free."][0] == "Ferries"
    assert found["North pier to island | 4 euros"][0] == "Ferries › Fares"
    assert found["ferry --route north\n# not a heading"][0] == "Ferries › Fares"
    table = next(p for p in document.passages if p.header)
    assert table.header == "Route | Fare"
    # Lines count lines of the extracted text, which the source pane shows.
    _, _, line, _ = found[ferry]
    assert ferry.split()[0] in extracted.text.splitlines()[line - 1]


def test_docx_headings_paragraphs_lists_and_tables(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "handbook.docx",
        "Staff handbook",
        [
            ("paragraph", "Welcome to the team."),
            ("heading1", "Leave"),
            ("paragraph", "Annual leave is twenty-five days."),
            ("heading2", "Sick leave"),
            ("bullet", "Call your manager before nine."),
            ("table", [["Grade", "Allowance"], ["Junior", "300 euros"], ["Senior", "500 euros"]]),
        ],
    )
    document = parse(path)
    assert document.title == "Staff handbook"
    found = sentences(document)
    assert found["Welcome to the team."][:2] == ("Staff handbook", None)
    assert found["Annual leave is twenty-five days."][0] == "Leave"
    assert found["Call your manager before nine."][0] == "Leave › Sick leave"
    assert found["Senior | 500 euros"][0] == "Leave › Sick leave"
    assert "Grade | Allowance" not in found  # the header row is the rows' context
    assert {p.header for p in document.passages} >= {"Grade | Allowance"}


def test_markdown_front_matter_ignored_and_code_kept_as_code(tmp_path: Path) -> None:
    text = (
        "---\ntitle: Not indexed\ntags: [x]\n---\n# Tool guide\n\nRun it once a day [1].\n\n"
        "## Install\n\n- Download the archive.\n- Unpack it\n  anywhere.\n\n"
        "```sh\n# this is a comment, not a heading\ntool --fix a[26]\n```\n\nDone here.\n"
    )
    path = tmp_path / "guide.md"
    path.write_text(text, encoding="utf-8")
    document = parse(path)
    assert document.title == "Tool guide"
    found = sentences(document)
    assert not any("Not indexed" in s or "tags" in s for s in found)
    # one bracketed number does not make a document cite the Wikipedia way: it stays
    assert found["Run it once a day [1]."][:3] == ("Tool guide", None, 7)
    assert found["Unpack it anywhere."][0] == "Install"
    code = "# this is a comment, not a heading\ntool --fix a[26]"
    assert found[code] == ("Install", None, 16, 17)
    assert found["Done here."][0] == "Install"  # the comment did not open a section
    lines = text.splitlines()
    assert lines[16 - 1].startswith("# this is a comment")


def test_formats_are_sniffed_from_content_and_discovered(tmp_path: Path) -> None:
    write_pdf(tmp_path / "mislabelled.txt", [["A page of a PDF named as text."]])
    assert "A page of a PDF" in load(tmp_path / "mislabelled.txt").text
    (tmp_path / "page.htm").write_text(WEB_PAGE, encoding="utf-8")
    write_docx(tmp_path / "a.docx", "A", [("paragraph", "x")])
    assert discover(tmp_path).files == ["a.docx", "mislabelled.txt", "page.htm"]


def test_a_broken_file_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really a pdf")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 nothing of a zip")
    for name in ("broken.pdf", "broken.docx"):
        with pytest.raises(UnreadableFileError):
            load(tmp_path / name)


def test_answers_cite_the_page_and_heading(assistant: Assistant, write_files) -> None:
    corpus = write_files({"notes.txt": "The canteen opens at noon.\n"})
    write_pdf(corpus / "report.pdf", PDF_PAGES, title="Soil report")
    (corpus / "harbour.html").write_text(WEB_PAGE, encoding="utf-8")
    report = assistant.update_index()
    assert sorted(report.added) == ["harbour.html", "notes.txt", "report.pdf"]
    answer = assistant.ask("How deep were the soil samples taken?").answers[0]
    assert answer.text == "Soil samples were taken at a depth of 30 cm."
    source = answer.sources[0]
    assert (source.path, source.page, source.section) == ("report.pdf", 2, "Methods › Sampling")
    assert source.label.startswith("report.pdf › p. 2 › Methods › Sampling › line")
    excerpt = assistant.excerpt(source)
    shown = excerpt.lines[source.line_start - excerpt.first_line]
    assert "Soil samples were taken" in shown
    assert all("four hundred farms" not in line for line in excerpt.lines)  # page 1 is not shown

    args = ["--corpus", str(corpus), "--index", str(assistant.settings.index)]
    assistant.close()
    result = CliRunner().invoke(cli, [*args, "ask", "--json", "When does the first ferry leave?"])
    assert result.exit_code == 0, result.output
    sources = json.loads(result.stdout)["answers"][0]["sources"]
    assert sources[0]["path"] == "harbour.html" and sources[0]["section"] == "Ferries"
    assert "page" not in sources[0]
    result = CliRunner().invoke(cli, [*args, "ask", "--json", "How deep were the soil samples?"])
    assert json.loads(result.stdout)["answers"][0]["sources"][0]["page"] == 2
