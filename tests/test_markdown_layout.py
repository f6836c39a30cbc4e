"""Markdown as documentation sites write it (MkDocs): admonitions, content tabs, include lines,
console blocks in HTML, inline HTML and links in prose."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from verbatim.ingest import load
from verbatim.ingest.clean import strip_citations
from verbatim.ingest.parse import parse_extracted
from verbatim.types import Document

MKDOCS = """\
# Options

Use the option like this:

{* docs_src/options/tutorial001_an_py310.py hl[3] *}

/// tip

Prefer the `Annotated` version.

///

/// note | Technical Details

The value goes to standard error.

//// tab | Linux, macOS

```console
$ source .venv/bin/activate
```

////

///

!!! warning "Old versions"
    Version 1 read the value twice.

    It was slow.

=== "Python 3.8+"

    ```Python
    def main(): ...
    ```

--8<-- "snippets/footer.md"

The value is kept afterwards.
"""

TERMY = """\
# Check it

<div class="termy">

```console
// Pass the name
$ python main.py Camila

Hello Camila
```

</div>

<div class="termy">
```console
// Without blank lines
$ python main.py
```
</div>
"""

INLINE = """\
# Debugging

You can print the values of the <abbr title="a variable that lives only inside a \
function">local variables</abbr> as part of the error. Hit <kbd>TAB</kbd> to complete, \
not `<kbd>`. It is [part of Python and is called "Ellipsis"](https://docs.python.org/3/\
library/constants.html#Ellipsis). One<br>two.
"""

LEAD_IN = """\
# Defaults

When you run a script it will use the app from the following priority:

* An app object from the `--app` option.
* A **Typer** app in a variable with a name of `app`, `cli`, or `main`.

```console
$ typer main.py run
```
"""


def parse(tmp_path: Path, text: str) -> Document:
    path = tmp_path / "page.md"
    path.write_text(text, encoding="utf-8")
    return parse_extracted(path.name, load(path))


def sections(document: Document) -> dict[str, str]:
    """Sentence text → the section path of its passage."""
    return {s.text: p.section for p in document.passages for s in p.sentences}


def test_mkdocs_marks_are_left_out_and_their_bodies_read(tmp_path: Path) -> None:
    found = sections(parse(tmp_path, MKDOCS))
    assert found == {
        "Use the option like this:": "Options",
        "Prefer the `Annotated` version.": "Options",
        "The value goes to standard error.": "Technical Details",
        "$ source .venv/bin/activate": "Technical Details › Linux, macOS",
        "Version 1 read the value twice.": "Old versions",
        "It was slow.": "Old versions",  # a paragraph of the admonition, not code
        "    def main(): ...": "Python 3.8+",  # the tab's code as written, without its fence
        "The value is kept afterwards.": "Options",
    }


def test_console_blocks_in_html_are_whole_code_blocks(tmp_path: Path) -> None:
    document = parse(tmp_path, TERMY)
    found = [s.text for p in document.passages for s in p.sentences]
    assert found == [
        "// Pass the name\n$ python main.py Camila\n\nHello Camila",
        "// Without blank lines\n$ python main.py",
    ]


def test_inline_html_and_link_destinations_are_not_shown(tmp_path: Path) -> None:
    path = tmp_path / "page.md"
    path.write_text(INLINE, encoding="utf-8")
    document = parse_extracted(path.name, load(path))
    found = [s for p in document.passages for s in p.sentences]
    assert [s.text for s in found] == [
        "You can print the values of the local variables as part of the error.",
        "Hit TAB to complete, not `<kbd>`.",
        'It is part of Python and is called "Ellipsis".',
        "One<br>two.",  # left out, the tag would glue two words
    ]
    source = path.read_text(encoding="utf-8")
    first = source[found[0].char_start : found[0].char_end]
    assert first.startswith("You can") and "<abbr title=" in first and first.endswith("error.")
    link = source[found[2].char_start : found[2].char_end]
    assert link.startswith("It is [part") and link.endswith("#Ellipsis).")


def test_list_items_follow_their_lead_in_in_one_passage(tmp_path: Path) -> None:
    (passage,) = parse(tmp_path, LEAD_IN).passages
    assert [s.text for s in passage.sentences] == [
        "When you run a script it will use the app from the following priority:",
        "An app object from the `--app` option.",
        "A **Typer** app in a variable with a name of `app`, `cli`, or `main`.",
        "$ typer main.py run",
    ]


@given(
    st.lists(st.sampled_from(["ab", " ", "<b>", "[3]", ".", "\n"]), max_size=30),
    st.integers(min_value=0, max_value=50),
    st.data(),
)
def test_hidden_spans_leave_every_kept_character_mapped(
    pieces: list[str], offset: int, data: st.DataObject
) -> None:
    text = "".join(pieces)
    tags, position = [], offset
    for piece in pieces:
        if piece == "<b>":
            tags.append((position, position + 3))
        position += len(piece)
    clean = strip_citations(text, offset, tags)
    assert "<b>" not in clean.text
    for index, char in enumerate(clean.text):
        assert text[clean.to_original(index) - offset] == char
