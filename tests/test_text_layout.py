"""Plain-text layout as real documentation writes it: FAQs with numbered or standalone question
headings, tables of contents, indented code with comments, separators, aligned lists."""

from __future__ import annotations

from pathlib import Path

from verbatim.ingest import load
from verbatim.ingest.parse import parse_extracted
from verbatim.types import Document

# An 80-column FAQ in the manner of old Usenet FAQs: a mail header, a centred title, a table of
# contents that repeats the numbered headings, answers indented below their questions.
FAQ = """\
Archive-Name: tools-faq/widget
Maintainer: Ada Lovelace (ada@example.org)

                          THE WIDGET FAQ

CONTENTS

1. GENERAL INFORMATION
1.1. What is a widget?
1.2. Who wrote the first widget?

   GETTING STARTED
1.3. How do I install a widget on a machine with a very long name,
     or on several machines?

      - on Unix?
      - on Windows?

2. PROBLEMS
2.1. Why does my widget hum?

------------------------------

1. GENERAL INFORMATION

1.1. What is a widget?

   A widget is a small tool that turns text into other text. It reads
   its input line by line.

1.2. Who wrote the first widget?

   The first widget was written by Grace Hopper in 1952, on a machine
   that filled a room.

       # comment: the machine is the one from 1.1
       widget --from input.txt   # the input file
       widget --to output.txt    # the output file

1.3. How do I install a widget on a machine with a very long name, or on
several machines?

   Copy the binary to every machine.

2. PROBLEMS

2.1. Why does my widget hum?

   Its fan is dusty. Clean the fan with a soft brush:

       mkdir brush
       ---------------------------------------------------------------
       clean --fan

   Limits of the fan:

      Fan model:      3 speeds
      Turbo fan:      5 speeds
"""

# Questions standing alone above tab-indented answers, as in the procps FAQ.
QUESTIONS = """\
Why does the widget complain about a bogus '-'?

\tThe standards ask the widget to read the dash as an option. The
\twarning breaks you of the habit.

Where do I send bug reports?

\tSend them to bugs@example.org instead.
"""

# Tab-separated numbers, ".0" chapters and a question that wraps onto a second line.
TABBED = """\
\t\tFrequently Asked Questions about gizmo

Table of Contents:

1.0\tGeneral Concepts
1.1\tGizmo -- what is it?
1.2\tWhy can't I get the sum reported in
\tREADME.gizmo?
______________________________________________________________________

1.0\tGeneral Concepts

1.1\tGizmo -- what is it?

\tGizmo is a tool.  Its name stands for GIZmo MOdule.

\t1.  Don't use a gizmo compiled for one version of a dialect
\t    on another.  Patches change the dialect.

\t2.  Use the same patches everywhere.

1.2\tWhy can't I get the sum reported in
\tREADME.gizmo?

\tThe sum is computed with the old algorithm.
"""


def parse(tmp_path: Path, name: str, text: str) -> Document:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_extracted(name, load(path))


def sections(document: Document) -> dict[str, str]:
    """Sentence text → the section path of its passage."""
    return {s.text: p.section for p in document.passages for s in p.sentences}


def test_numbered_questions_head_their_answers(tmp_path: Path) -> None:
    found = sections(parse(tmp_path, "widget.txt", FAQ))
    assert found["A widget is a small tool that turns text into other text."] == (
        "1. GENERAL INFORMATION › 1.1. What is a widget?"
    )
    grace = "The first widget was written by Grace Hopper in 1952, on a machine that filled a room."
    assert found[grace] == "1. GENERAL INFORMATION › 1.2. Who wrote the first widget?"
    # A heading wrapped onto a second line is one heading.
    assert found["Copy the binary to every machine."] == (
        "1. GENERAL INFORMATION › 1.3. How do I install a widget on a machine with a very long "
        "name, or on several machines?"
    )
    assert found["Its fan is dusty."] == "2. PROBLEMS › 2.1. Why does my widget hum?"
    assert not any("?" in text for text in found)  # no question competes with its answer


def test_code_comments_and_separators_make_no_section(tmp_path: Path) -> None:
    found = sections(parse(tmp_path, "widget.txt", FAQ))
    hum = "2. PROBLEMS › 2.1. Why does my widget hum?"
    assert found["clean --fan"] == hum  # not under "mkdir brush", whose "underline" is a rule
    assert found["Fan model: 3 speeds"] == hum
    comment = next(text for text in found if text.startswith("# comment"))
    assert found[comment] == "1. GENERAL INFORMATION › 1.2. Who wrote the first widget?"


def test_table_of_contents_is_left_out(tmp_path: Path) -> None:
    document = parse(tmp_path, "widget.txt", FAQ)
    texts = [s.text for p in document.passages for s in p.sentences]
    for entry in ("CONTENTS", "GETTING STARTED", "on Unix?", "or on several machines?"):
        assert not any(entry in text for text in texts)
    assert document.title == "THE WIDGET FAQ"
    assert document.passages[0].section == "THE WIDGET FAQ"  # the mail header


def test_standalone_questions_head_their_indented_answers(tmp_path: Path) -> None:
    document = parse(tmp_path, "widget-FAQ.txt", QUESTIONS)
    found = sections(document)
    assert found["Send them to bugs@example.org instead."] == "Where do I send bug reports?"
    assert found["The warning breaks you of the habit."] == (
        "Why does the widget complain about a bogus '-'?"
    )
    assert len(found) == 3
    assert document.title == "widget-FAQ"  # a question is no title


def test_tab_numbered_chapters_and_wrapped_list_items(tmp_path: Path) -> None:
    document = parse(tmp_path, "gizmo.txt", TABBED)
    found = sections(document)
    assert document.title == "Frequently Asked Questions about gizmo"
    assert found["Its name stands for GIZmo MOdule."] == (
        "1.0 General Concepts › 1.1 Gizmo -- what is it?"
    )
    assert found["The sum is computed with the old algorithm."] == (
        "1.0 General Concepts › 1.2 Why can't I get the sum reported in README.gizmo?"
    )
    # A list item's wrapped lines are part of it: the sentence is whole.
    assert "Don't use a gizmo compiled for one version of a dialect on another." in found
    assert "Table of Contents:" not in found


def test_numbered_list_items_are_not_headings(tmp_path: Path) -> None:
    text = "Steps\n=====\n\n1. Unpack the archive\n\n2. Run the installer\n\n3. Restart\n"
    found = sections(parse(tmp_path, "steps.txt", text))
    assert found == {
        "Unpack the archive": "Steps",
        "Run the installer": "Steps",
        "Restart": "Steps",
    }


def test_a_file_without_headings_is_titled_by_its_first_line(tmp_path: Path) -> None:
    text = "Widget Release Notes\n\nThe widget now hums less.\n"
    document = parse(tmp_path, "notes.txt", text)
    assert document.title == "Widget Release Notes"
    assert sections(document) == {"The widget now hums less.": "Widget Release Notes"}
    sentence = parse(tmp_path, "notes.txt", "The widget hums.\n\nIt is fine.\n")
    assert sentence.title == "notes"  # a sentence is no title: the file name stays


def test_a_web_extract_is_titled_by_the_lone_cell_of_its_first_table_row(tmp_path: Path) -> None:
    extract = "Widget (2014–present) | ||||\n---|---|---|---|\nPart of | the widget family ||||\n"
    assert parse(tmp_path, "widget.web-extract.txt", extract).title == "Widget (2014–present)"
    columns = "Name | Weight | Colour |\n---|---|---|\nWidget | 3 kg | red |\n"
    assert parse(tmp_path, "widgets.txt", columns).title == "widgets"  # a header of columns


def test_dot_leaders_of_a_table_of_contents_are_not_sentences(tmp_path: Path) -> None:
    text = (
        "Manual\n======\n\nCompressed cat pages ........ 14\n2.3. DESCRIPTION . . . . . . . 3\n\n"
        "Cat pages are compressed with gzip.\n"
    )
    found = sections(parse(tmp_path, "manual.txt", text))
    assert list(found) == ["Cat pages are compressed with gzip."]


def test_repeated_plain_headings_are_no_table_of_contents(tmp_path: Path) -> None:
    releases = "# Release notes\n\n" + "".join(
        f"## Version {n}\n\n### Fixes\n\n- fix {n}\n\n### Features\n\n- feature {n}\n\n"
        f"### Notes\n\n- note {n}\n\n"
        for n in (2, 1)
    )
    found = sections(parse(tmp_path, "NEWS.txt", releases))
    assert found["fix 2"] == "Version 2 › Fixes"
    assert found["note 2"] == "Version 2 › Notes"


# Three more ways real text documentation writes its headings: a manual made from DocBook (a
# no-break space after each section number, configuration examples with "#" comments at the
# first column), and FAQs with "Q:"/"A:" pairs or long numbered questions.
MANUAL = """\
1.\u00a0Mailboxes

Mutt can watch many mailboxes.

1.1.\u00a0Polling

Polling a server for new mail can be slow. Reasonable values are:

set mail_check=90

# Strip the list name from subjects
subjectrx '\\[[^]]*\\] *' '%L%R'

# Use a variable inside backticks.

set my_folder=`echo $HOME`
"""

PAIRS = """\
Q: Why does the pager beep?

   It beeps at the end of a file.

Q:   When you start the pager a page of text comes up to  start  you
     off.  Is there a way to get rid of this text by using a switch of
     some sort.

A:   Put this line in your ~/.pagerrc:
         startup_message off

1. The compiler seems to issue warnings about "loop not entered at top", is
   that a problem?

	No, no problem at all, it just means I wrote the code.
"""


def test_a_manual_made_from_docbook_keeps_its_numbered_sections(tmp_path: Path) -> None:
    found = sections(parse(tmp_path, "mutt-manual.txt", MANUAL))
    assert found["Mutt can watch many mailboxes."] == "1. Mailboxes"
    assert found["set mail_check=90"] == "1. Mailboxes › 1.1. Polling"
    # A comment above a line of configuration is no heading.
    comment = next(text for text in found if text.startswith("# Strip"))
    assert found[comment] == "1. Mailboxes › 1.1. Polling"
    # Nor is a comment that stands alone but ends as a sentence does.
    assert found["set my_folder=`echo $HOME`"] == "1. Mailboxes › 1.1. Polling"


def test_faq_questions_marked_q_or_numbered_at_length_head_their_answers(
    tmp_path: Path,
) -> None:
    found = sections(parse(tmp_path, "pager-FAQ.txt", PAIRS))
    marked = next(text for text in found if text.startswith("A: Put this line"))
    assert found[marked] == (
        "Q: When you start the pager a page of text comes up to start you off. Is there a way "
        "to get rid of this text by using a switch of some sort."
    )
    assert found["No, no problem at all, it just means I wrote the code."] == (
        '1. The compiler seems to issue warnings about "loop not entered at top", is that a '
        "problem?"
    )
    # A "Q:" question whose answer is not marked "A:" heads it as any question line does.
    assert found["It beeps at the end of a file."] == "Q: Why does the pager beep?"
    assert not any(text.startswith(("Q:", "1. The compiler")) for text in found)
