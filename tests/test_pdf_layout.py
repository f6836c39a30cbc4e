"""PDF layout read from where lines stand: paragraphs, terms, running heads, contents, words.

The PDFs are written line by line at set positions and sizes, as TeX and DocBook set them:
justified lines that end at the right margin, space or an indent between paragraphs, a running
head on every page, hyphenated words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from verbatim.ingest import load
from verbatim.ingest.parse import parse_extracted
from verbatim.types import Document

LEFT, RIGHT = 20.0, 190.0  # mm: the text block's margins
MM_PER_POINT = 25.4 / 72


@dataclass(frozen=True)
class Line:
    """One printed line: ``full`` stretches it to the right margin (justified text)."""

    text: str
    indent: float = 0.0  # mm from the left margin
    size: float = 10.0  # points
    full: bool = False
    space: float = 0.0  # extra space above it, in points
    at: float | None = None  # mm from the top of the page, instead of below the line before
    bookmark: tuple[int, str] | None = None  # (level, title): an entry of the outline


def write_lines(path: Path, pages: list[list[Line]]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    for lines in pages:
        pdf.add_page()
        y = 25.0
        for line in lines:
            pdf.set_font("helvetica", size=line.size)
            y = (
                line.at
                if line.at is not None
                else y + (line.size * 1.2 + line.space) * MM_PER_POINT
            )
            if line.bookmark is not None:
                pdf.set_y(y)
                pdf.start_section(line.bookmark[1], level=line.bookmark[0])
            x = LEFT + line.indent
            spacing = 0.0  # points after each character
            if line.full:
                spacing = (RIGHT - x - pdf.get_string_width(line.text)) / len(line.text)
            pdf.set_char_spacing(spacing / MM_PER_POINT)
            pdf.text(x, y, line.text)
            pdf.set_char_spacing(0)
    pdf.output(str(path))
    return path


def sentences(document: Document) -> dict[str, tuple[str, int | None, int, int]]:
    """Sentence text → (section, page, first line, last line)."""
    return {
        s.text: (p.section, s.page, s.line_start, s.line_end)
        for p in document.passages
        for s in p.sentences
    }


def read(path: Path) -> dict[str, tuple[str, int | None, int, int]]:
    """The sentences of a PDF, each checked to stand on the lines of the page it cites."""
    extracted = load(path)
    found = sentences(parse_extracted(path.name, extracted))
    for text, (_, page, first, last) in found.items():
        assert page is not None
        lines = extracted.page_text(page).splitlines()
        assert text.split()[0] in lines[first - 1] and text.split()[-1] in lines[last - 1], text
    return found


def blocks(path: Path) -> list[str]:
    """The text of each block of a PDF's layout, whitespace collapsed."""
    extracted = load(path)
    assert extracted.layout is not None
    return [" ".join(extracted.text[b.start : b.end].split()) for b in extracted.layout.blocks]


def test_hyphenated_words_and_broken_names_read_whole(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "manual.pdf",
        [
            [
                Line("Each run performs a trial decompres-", full=True),
                Line("sion and throws the output away. To set the key, call aes128_", full=True),
                Line("set_key before any other function of the library is called.", full=True),
                Line("Written by Niels M\u00a8oller."),
            ]
        ],
    )
    extracted = load(path)
    assert "\x02" not in extracted.text and "\u00a8" not in extracted.text
    found = read(path)
    assert found["Each run performs a trial decompression and throws the output away."][2:] == (
        1,
        2,
    )
    assert found[
        "To set the key, call aes128_set_key before any other function of the library is called."
    ][2:] == (2, 3)
    assert "Written by Niels Möller." in found
    assert len(extracted.page_text(1).splitlines()) == 4  # every printed line keeps its place


def test_running_heads_page_numbers_and_contents_are_not_indexed(tmp_path: Path) -> None:
    body = "The ferry to the island leaves the north pier every hour in summer."
    pages = [
        [
            Line("Contents"),
            Line("1 Ferries . . . . . . . . . . . . . . . . . . . . . . . . . . . . 2"),
            Line("2 Timetables and fares for the island ferries"),
            Line("and the harbour buses ...................... 5", indent=5),
            Line("i", at=285),
        ]
    ]
    chapters = [(1, "Ferries"), (1, "Ferries"), (1, "Ferries"), (2, "Fares"), (3, "Index")]
    for page, (chapter, name) in enumerate(chapters, start=2):
        pages.append(
            [
                Line(f"Chapter {chapter}: {name} {page}", at=12),
                Line(f"Page {page} of the guide tells of {name.lower()}.", at=30),
                Line(body if page == 2 else "There is little more to say here."),
                Line(str(page), at=285),
            ]
        )
    path = write_lines(tmp_path / "guide.pdf", pages)
    found = read(path)
    assert found[body][1:] == (2, 3, 3)
    assert found["Page 2 of the guide tells of ferries."][1:] == (2, 2, 2)
    # The head of a one-page chapter goes too (it stands where the others stand), not its text.
    assert found["Page 6 of the guide tells of index."][1:] == (6, 2, 2)
    assert not any("Chapter" in text or ". . ." in text or "...." in text for text in found)
    assert not any(text.isdigit() or text in ("i", "and the harbour buses") for text in found)
    assert extracted_line(path, 2, 1) == "Chapter 1: Ferries 2"  # left in the text


def extracted_line(path: Path, page: int, line: int) -> str:
    return load(path).page_text(page).splitlines()[line - 1]


def test_paragraphs_from_space_indents_and_short_lines(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "notes.pdf",
        [
            [
                Line("The harbour was rebuilt in 1887 after the great storm of that", full=True),
                Line("winter, and its walls were raised by two metres"),
                Line("New quays followed in 1910, when the ferries grew larger and", full=True),
                Line("needed deeper water at every state of the tide.", space=0),
                Line(
                    "The fish market moved to the east quay in 1925 and stayed there",
                    indent=6,
                    full=True,
                    space=4,
                ),
                Line("until the new market hall opened", space=0),
                Line("Boats are moored on the west side:", space=4),
                Line(
                    "\u00b7 Sailing boats on the outer pontoons, where the water is deep", full=True
                ),
                Line("enough for their keels.", indent=4),
                Line("\u00b7 Fishing boats on the long pontoon by the market hall", full=True),
                Line("\u00b7 Motor boats on the inner pontoons."),
            ]
        ],
    )
    found = read(path)
    harbour = "The harbour was rebuilt in 1887 after the great storm of that winter, and its walls"
    assert found[f"{harbour} were raised by two metres"][2:] == (1, 2)  # the short line ends it
    quays = "New quays followed in 1910, when the ferries grew larger and needed deeper water"
    assert found[f"{quays} at every state of the tide."][2:] == (3, 4)
    market = "The fish market moved to the east quay in 1925 and stayed there until the new"
    assert found[f"{market} market hall opened"][2:] == (5, 6)  # an indented first line
    assert found["Boats are moored on the west side:"][2:] == (7, 7)
    sailing = "Sailing boats on the outer pontoons, where the water is deep enough for their keels."
    assert found[sailing][2:] == (8, 9)  # an item runs on under its text
    assert found["Fishing boats on the long pontoon by the market hall"][2:] == (10, 10)
    assert found["Motor boats on the inner pontoons."][2:] == (11, 11)


def test_a_term_is_read_with_its_indented_definition(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "install.pdf",
        [
            [
                Line("The configure script takes options that choose what is built and", full=True),
                Line(
                    "how; the script prints them all when run with the option that asks", full=True
                ),
                Line("for help. Some of the more interesting options are:"),
                Line("--enable-mini-gmp", space=3),
                Line(
                    "Use the smaller and slower bignum code instead of the GMP",
                    indent=15,
                    full=True,
                    space=2,
                ),
                Line("library. It suits small embedded systems.", indent=15),
                Line("--disable-shared", space=3),
                Line("Omit building the shared libraries.", indent=15, space=2),
                Line("void pier_open (int pier) [Function]", full=True, space=6),
                Line("void pier_close (int pier) [Function]", full=True),  # each a head
                Line("Opens or closes the gates of a pier.", indent=15),
            ]
        ],
    )
    found = read(path)
    assert found[
        "--enable-mini-gmp Use the smaller and slower bignum code instead of the GMP library."
    ][2:] == (4, 6)
    assert "It suits small embedded systems." in found
    assert "--disable-shared Omit building the shared libraries." in found
    assert "void pier_open (int pier) [Function]" in found
    assert "void pier_close (int pier) [Function] Opens or closes the gates of a pier." in found
    assert "Some of the more interesting options are:" in found  # not with the term


def test_title_page_lines_are_sentences_of_their_own(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "tool.pdf",
        [
            [
                Line("Harbour tool, version 2.1", size=24),
                Line("A program for mooring plans", size=18),
                Line("by Ann Smith", space=20),
                Line("Version 2.1 of 3 May 2020"),
                Line("Copyright 2020 Ann Smith and the harbour board"),
            ],
            [Line("1. Introduction", size=18), Line("The tool plans moorings.", space=6)],
            [Line("2. Usage", size=18), Line("Run it once a day.", space=6)],
        ],
    )
    found = read(path)
    assert found["Version 2.1 of 3 May 2020"][1:] == (1, 4, 4)
    assert found["by Ann Smith"][1:] == (1, 3, 3)
    assert found["Copyright 2020 Ann Smith and the harbour board"][1:] == (1, 5, 5)
    assert found["Harbour tool, version 2.1"][1] == 1
    # Without an outline, larger lines are the headings; indexed too, without their number.
    assert found["The tool plans moorings."][0].endswith("1. Introduction")
    assert found["Introduction"][1:] == (2, 1, 1) and "1." not in found
    assert found["Run it once a day."][0].endswith("2. Usage")


def test_outline_titles_found_after_numbers_and_punctuation(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "conf.pdf",
        [
            [
                Line("2.3 Ferry times", size=14, bookmark=(0, "Ferry times")),
                Line("The first ferry leaves at six."),
                Line("Ferry times at a glance", size=14, space=6),  # not in the outline
                Line("The last ferry leaves at ten."),
                Line(
                    '<include ignore_missing="no">',
                    size=12,
                    space=6,
                    bookmark=(1, 'include ignoremissing="no"'),
                ),
                Line("This element names another file to read."),
            ]
        ],
    )
    found = read(path)
    assert found["The first ferry leaves at six."][0] == "2.3 Ferry times"
    assert found["The last ferry leaves at ten."][:3] == ("2.3 Ferry times", 1, 4)
    assert found["Ferry times at a glance"][2] == 3  # set larger: a block of its own
    assert found["This element names another file to read."][0] == (
        '2.3 Ferry times › <include ignore_missing="no">'
    )
    assert not any("2.3" in text or "<include" in text for text in found)  # headings, not text


def test_ragged_lines_run_on(tmp_path: Path) -> None:
    text = (
        "Tickets are sold on board and at the kiosk on the pier, which opens an hour before "
        "the first ferry of the day and closes when the last boat has left the harbour. "
        "Children under twelve travel free with an adult, and bicycles may be taken on the "
        "upper deck of the larger ferries for a small fee paid to the crew."
    )
    lines, line = [], ""
    for word in text.split():  # ragged right: each line breaks before 60 characters
        if len(line) + len(word) >= 60:
            lines.append(Line(line))
            line = ""
        line = f"{line} {word}".strip()
    apart = Line("Season tickets are sold at the kiosk only.", space=6)  # space ends a paragraph
    title = Line("Dogs on board", size=14, space=6)
    after = Line("Dogs are welcome on all ferries if kept on a lead.")  # another size
    path = write_lines(tmp_path / "ragged.pdf", [[*lines, Line(line), apart, title, after]])
    found = read(path)
    assert found[text.split(". ")[0] + "."][2:] == (1, 3)
    assert blocks(path) == [text, apart.text, title.text, after.text]


def test_tables_drawn_with_dashes_give_rows_with_their_header(tmp_path: Path) -> None:
    body = "Each bit of the value turns on one kind of message, as the table below"
    path = write_lines(
        tmp_path / "debug.pdf",
        [
            [
                Line(body, full=True),
                Line("shows for every one of them:"),
                Line("Name Value Meaning", indent=5, size=9, space=6),
                Line("-" * 70, indent=5, size=9),
                Line("MATCH 1 Brief information about font matching", indent=5, size=9),
                Line(
                    "CONFIG 1024 Monitor which configuration files are read and", indent=5, size=9
                ),
                Line("in what order", indent=40, size=9),
            ],
            [
                Line("MEMORY 512 Monitor memory usage", indent=5, size=9, at=30),
                Line("Add the values together to see more.", space=8),
                Line("Ferry times", space=12),
                Line("=" * 9),  # as long as the line above: its underline, not a table's rule
                Line("The ferry leaves at six."),
            ],
        ],
    )
    found = read(path)
    config = "CONFIG 1024 Monitor which configuration files are read and in what order"
    assert found[config][1:] == (1, 6, 7)
    assert found["MEMORY 512 Monitor memory usage"][1:] == (2, 1, 1)  # runs on over the page
    assert "Name Value Meaning" not in found and not any("----" in text for text in found)
    document = parse_extracted(path.name, load(path))
    headers = {s.text: p.header for p in document.passages for s in p.sentences}
    assert headers[config] == headers["MEMORY 512 Monitor memory usage"] == "Name Value Meaning"
    assert headers["Add the values together to see more."] == ""
    assert headers["The ferry leaves at six."] == "" and "Ferry times" in found
