"""Ingest: layout, sentences, passages and the spans that lead back to the original text."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verbatim.errors import CorpusError
from verbatim.ingest import UnreadableFileError, discover, read_text
from verbatim.ingest.chunk import MAX_WORDS
from verbatim.ingest.clean import strip_citations
from verbatim.ingest.parse import parse_document
from verbatim.types import Document, Sentence

from .conftest import BUNDLED_CORPUS

WIKITEXT = """\
= Iranian intervention =

Infobox
- Conflict: Iranian intervention in Iraq
- Commander1: Qassem Soleimani (until 2020), Hadi al-Amiri

The intervention began in 2014.[1] Iran sent advisers.[2][3]

==Intervention==

===Timeline===

====August 2014====
On 21–22 August, Iranian soldiers helped Peshmerga to take back Jalawla.[ dubious – discuss ]

==Casualties==
| Name | Rank | Date |
| Hamid Taqavi | Brigadier General, Quds Force[7] | 28 December 2014 |
"""


def sentences(document: Document) -> list[Sentence]:
    return [s for p in document.passages for s in p.sentences]


def section_of(document: Document, fragment: str) -> str:
    for passage in document.passages:
        if any(fragment in s.text for s in passage.sentences):
            return passage.section
    raise AssertionError(f"no sentence holds {fragment!r}")


def test_wikitext_headings_become_section_paths() -> None:
    document = parse_document("war.txt", WIKITEXT)
    assert document.title == "Iranian intervention"
    assert section_of(document, "Jalawla") == "Intervention › Timeline › August 2014"
    assert section_of(document, "Hamid Taqavi") == "Casualties"
    assert section_of(document, "began in 2014") == "Iranian intervention"  # the lead section


def test_markdown_and_setext_headings() -> None:
    text = "Guide\n=====\n\nIntro text here.\n\n## Install\n\nRun it.\n\nUsage\n-----\nCall it.\n"
    document = parse_document("guide.md", text)
    assert document.title == "Guide"
    assert section_of(document, "Run it") == "Install"
    assert section_of(document, "Call it") == "Usage"


def test_passages_never_cross_a_heading() -> None:
    text = "# T\n\n## A\n\nOne. Two.\n\n## B\n\nThree. Four.\n"
    document = parse_document("t.md", text)
    assert [(p.section, p.text) for p in document.passages] == [
        ("A", "One. Two."),
        ("B", "Three. Four."),
    ]


def test_citation_markers_are_removed_but_spans_keep_them() -> None:
    document = parse_document("war.txt", WIKITEXT)
    texts = [s.text for s in sentences(document)]
    assert "The intervention began in 2014." in texts
    assert "Iran sent advisers." in texts
    jalawla = next(s for s in sentences(document) if "Jalawla" in s.text)
    assert "[" not in jalawla.text
    assert WIKITEXT[jalawla.char_start : jalawla.char_end].startswith("On 21–22 August")


def test_brackets_of_code_stay_in_a_document_that_does_not_cite() -> None:
    """A manual's "argv[1]" is quoted as written; only a document that cites the Wikipedia
    way (markers after spaces or punctuation: "advisers.[2]") loses "capital[4]"."""
    manual = (
        "# Arguments\n\nThe first argument is `sys.argv[1]`, a pixel is img[3][4] and x[i] "
        "an item [citation needed].\n"
    )
    texts = [s.text for s in sentences(parse_document("args.md", manual))]
    assert texts == ["The first argument is `sys.argv[1]`, a pixel is img[3][4] and x[i] an item ."]
    cited = "Paris\n\nParis is the capital[4] of France.[5] It is old [6] and big.[7][8]\n"
    texts = [s.text for s in sentences(parse_document("paris.txt", cited))]
    assert texts == ["Paris is the capital of France.", "It is old and big."]


def test_infobox_lines_and_table_rows_are_readable_units() -> None:
    texts = [s.text for s in sentences(parse_document("war.txt", WIKITEXT))]
    assert "Commander1: Qassem Soleimani (until 2020), Hadi al-Amiri" in texts
    assert "Hamid Taqavi | Brigadier General, Quds Force | 28 December 2014" in texts
    assert not any(set(t) <= set("|- ") for t in texts)


def test_table_header_row_gives_context_to_its_passage() -> None:
    text = "| Name | Rank |\n|---|---|\n| Ali | Colonel |\n| Reza | General |\n"
    (passage,) = parse_document("t.md", text).passages
    assert passage.header == "Name | Rank"
    assert [s.text for s in passage.sentences] == ["Ali | Colonel", "Reza | General"]


def test_line_numbers_are_one_based_and_inclusive() -> None:
    text = "Title line.\n\nFirst sentence spans\ntwo lines. Second one.\n"
    found = {s.text: (s.line_start, s.line_end) for s in sentences(parse_document("a.txt", text))}
    assert found["First sentence spans two lines."] == (3, 4)
    assert found["Second one."] == (4, 4)


@pytest.mark.parametrize("path", sorted(p.name for p in BUNDLED_CORPUS.glob("*.txt")))
def test_every_sentence_maps_back_to_its_source_text(path: str) -> None:
    text = read_text(BUNDLED_CORPUS / path)
    document = parse_document(path, text)
    lines = text.split("\n")
    for sentence in sentences(document):
        original = text[sentence.char_start : sentence.char_end]
        shown = " ".join(strip_citations(original).text.split())
        if " | " in sentence.text:  # a table row: its cells, in order
            shown = " | ".join(c.strip() for c in shown.split("|") if c.strip())
        assert shown == sentence.text
        held = "\n".join(lines[sentence.line_start - 1 : sentence.line_end])
        assert original in held


def test_bundled_passages_are_sentence_aligned_and_bounded() -> None:
    for path in BUNDLED_CORPUS.glob("*.txt"):
        document = parse_document(path.name, read_text(path))
        for passage in document.passages:
            words = len(passage.text.split())
            assert words <= MAX_WORDS or len(passage.sentences) == 1
            starts = [s.char_start for s in passage.sentences]
            assert starts == sorted(starts)


@given(st.lists(st.sampled_from(["word", " ", "[12]", "[ dubious – discuss ]", ".", "é", "\n"])))
def test_stripping_citations_maps_every_kept_character_back(pieces: list[str]) -> None:
    text = "".join(pieces)
    clean = strip_citations(text, offset=5)
    assert "[12]" not in clean.text
    for index, char in enumerate(clean.text):
        assert text[clean.to_original(index) - 5] == char


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Café au lait.".encode(), "Café au lait."),
        (
            "Café au lait, déjà vu à Montréal.".encode("latin-1"),
            "Café au lait, déjà vu à Montréal.",
        ),
        (codecs.BOM_UTF16_LE + "Ünïcode text.".encode("utf-16-le"), "Ünïcode text."),
        (codecs.BOM_UTF8 + b"With a BOM.", "With a BOM."),
    ],
)
def test_files_are_decoded_sensibly(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "file.txt"
    path.write_bytes(data)
    assert read_text(path) == expected


def test_binary_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(UnreadableFileError):
        read_text(path)


def test_discover_finds_text_and_markdown_recursively(tmp_path: Path) -> None:
    for name in ["a.txt", "sub/b.md", "sub/deeper/c.txt", ".hidden.txt", ".git/x.txt",
                 "notes.txt~", ".#lock.txt", "#draft.md", "#drafts/d.md", "sub/#x.md#",
                 "image.png", "ATTRIBUTION"]:  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert discover(tmp_path).files == ["a.txt", "sub/b.md", "sub/deeper/c.txt"]


def test_missing_corpus_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        discover(tmp_path / "nowhere")


def test_wrapped_lines_join_but_long_lines_are_paragraphs_of_their_own() -> None:
    wrapped = "A sentence that is wrapped\nacross two lines. Another.\n"
    first, second = sentences(parse_document("w.txt", wrapped))
    assert (first.text, first.line_start, first.line_end) == (
        "A sentence that is wrapped across two lines.",
        1,
        2,
    )
    assert second.text == "Another."
    long_line = "Iran sent advisers to Baghdad in June 2014 to organise a counterattack. " * 3
    unwrapped = f"This section needs to be updated.(January 2022) |\n{long_line.strip()}\n"
    found = sentences(parse_document("u.txt", unwrapped))
    assert found[0].text == "This section needs to be updated.(January 2022) |"
    assert (found[0].line_end, found[1].line_start) == (1, 2)
