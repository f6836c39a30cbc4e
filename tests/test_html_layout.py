"""HTML pages as real documentation sites write them: menus and tables of contents that are not
marked up as navigation, table layouts, definition lists, permalink anchors, XHTML, deep nesting."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from verbatim.ingest import UnreadableFileError, load
from verbatim.ingest.parse import parse_extracted
from verbatim.types import Document

MENU = "".join(
    f'<li><a href="{name.lower()}.html">{name}</a></li>'
    for name in ("Home", "Introduction", "Downloads", "News", "Bindings", "Internals")
)

# An old site: page layout by nested tables, the menu in a side cell, the headings in a banner.
TABLE_LAYOUT = f"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Frequently asked</title></head><body>
<table><tr><td><a href="/"><img src="logo.png" alt="logo"/></a></td>
<td><table><tr><td><h1>The Widget library</h1><h2>Frequently asked</h2></td></tr></table></td>
</tr></table>
<table><tr><td><table><tr><td><center><b>Main Menu</b></center></td></tr>
<tr><td><ul>{MENU}</ul></td></tr></table></td>
<td><table><tr><td><ol>
<li><em>Troubles compiling programs</em>
<p>Use <code>widget-config --cflags</code> to get the compilation flags.</p>
<p>See the <a href="a.html">build notes</a>, the <a href="b.html">porting guide</a> and
the <a href="c.html">mailing list archive</a> for more about building on your system.</p></li>
</ol></td></tr></table></td></tr></table>
<p>Jane Doe</p>
</body></html>
"""


def write(tmp_path: Path, html: str, name: str = "page.html") -> Path:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


def parse(path: Path) -> Document:
    return parse_extracted(path.name, load(path))


def sections(document: Document) -> dict[str, str]:
    """Sentence text → section path."""
    return {s.text: p.section for p in document.passages for s in p.sentences}


def test_layout_tables_are_read_cell_by_cell_and_their_menu_is_left_out(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an XHTML page parses without any warning
        document = parse(write(tmp_path, TABLE_LAYOUT))
    found = sections(document)
    assert document.title == "Frequently asked"
    # A list item's emphasised lead-in is the section of the blocks after it.
    question = "Frequently asked › Troubles compiling programs"
    assert found["Use widget-config --cflags to get the compilation flags."] == question
    assert found["Troubles compiling programs"] == question
    # A paragraph with a few links is content; the menu (and its label) is not.
    assert any(text.startswith("See the build notes, the porting guide") for text in found)
    assert found["Jane Doe"] == "Frequently asked"
    indexed = " ".join(found)
    assert "Downloads" not in indexed and "Main Menu" not in indexed


def test_link_lists_and_link_boxes_are_left_out_but_lists_that_say_things_stay(
    tmp_path: Path,
) -> None:
    contents = "".join(
        f'<li><a href="#s{n}">Section {n}</a><ul><li><a href="#t{n}">Topic {n}</a></li></ul></li>'
        for n in range(8)
    )
    typed = (
        '<li><code>buffer</code> <a href="#t"><code>&lt;string&gt;</code></a> | '
        '<a href="#b"><code>&lt;Buffer&gt;</code></a> | <a href="#a"><code>&lt;Array&gt;'
        "</code></a> The bytes to decode.</li><li>Returns: "
        '<a href="#t"><code>&lt;string&gt;</code></a></li>'
    )
    addresses = [f"{name}@users.example.org" for name in ("Ann", "Bob", "Cy")]
    authors = "".join(
        f'<li>{address.split("@")[0]} &lt;<a href="mailto:{address}">{address}</a>&gt;</li>'
        for address in addresses
    )
    types = " | ".join(f'<a href="#{t}"><code>&lt;{t}&gt;</code></a>' for t in ("string", "Buffer"))
    parameters = "".join(f"<li><code>{name}</code> {types}</li>" for name in ("iv", "id", "n"))
    signatures = "".join(f'<li><a href="#s{n}">net.connect({n})</a></li>' for n in "abc")
    dl_contents = "".join(f'<dt><a href="c{n}.html">Chapter {n}</a></dt>' for n in range(30))
    page = f"""<html><head><title>Parser</title></head><body>
    <h2>Table of Contents</h2><ul>{contents}</ul>
    <div class="sidebar"><p>Versions</p><a href="/v1">v1.0</a> <a href="/v2">v2.0</a>
    <a href="/v3">v3.0</a> <a href="/v4">v4.0</a></div>
    <h2>Overview</h2><p>The parser reads XML in a single pass.</p>
    <ul><li><a href="x.html">XML_Parse</a> parses a piece of the document.</li>
    <li><a href="y.html">XML_Stop</a> stops the parser in a handler.</li>
    <li><a href="z.html">XML_Resume</a> resumes a stopped parser.</li>
    <li><b>Note</b> the parser is not reentrant.<p>Use one parser per thread.</p></li></ul>
    <ul>{typed}</ul>
    <div><ul>{MENU}{MENU}</ul><div><p><a href="a">Ann Lee</a> maintains the Windows port.</p>
    <p><a href="b">Bob Stone</a> wrote the <a href="c">Python bindings</a>.</p>
    <p>Thanks to everyone who sent patches over the years.</p></div></div>
    <ul>{authors}</ul><ul>{parameters}</ul>
    <section><h3>net.connect()</h3><p>Aliases to <a href="#c">net.createConnection()</a>
    (<a href="#k">net.Socket</a>, <a href="#s">net.Server</a>).</p>
    <ul>{signatures}</ul></section>
    <div class="book"><div class="titlepage"><h1>Parser Manual</h1>
    <p>Release 3.19.0, 11 April 2022</p></div>
    <div class="toc"><p><b>Table of Contents</b></p><dl>{dl_contents}</dl></div></div>
    </body></html>"""
    found = sections(parse(write(tmp_path, page)))
    indexed = " ".join(found)
    for boilerplate in ("Section 3", "Topic 5", "v2.0", "Versions"):
        assert boilerplate not in indexed
    assert found["XML_Stop stops the parser in a handler."] == "Overview"
    assert found["Use one parser per thread."] == "Overview"  # no lead-in: text follows <b>
    assert "buffer <string> | <Buffer> | <Array> The bytes to decode." in indexed
    # Mostly links as a whole, but not once its menu is left out: the rest is content.
    assert "Ann Lee maintains the Windows port." in found and "Internals" not in indexed
    assert "Bob <Bob@users.example.org>" in found  # e-mail addresses are not a menu
    assert "iv <string> | <Buffer>" in found  # a word outside the links: not a menu
    # A part of the page with a heading is never left out whole, only the menus in it.
    aliases = "Aliases to net.createConnection() (net.Socket, net.Server)."
    assert found[aliases] == "Overview › net.connect()"
    assert "net.connect(b)" not in indexed
    # A title page beside a table of contents: the contents go, the title page stays.
    assert "Release 3.19.0, 11 April 2022" in found and "Chapter 4" not in indexed


def test_a_definition_is_read_under_its_term(tmp_path: Path) -> None:
    page = """<html><head><title>Building</title></head><body>
    <dl><dt>Early term</dt><dd>Defined before any heading.</dd></dl>
    <p>Stands before the first heading.</p>
    <h2>Configuring</h2><p>The symbols are:</p>
    <dl><dt>XML_DTD</dt><dd>Include DTD support.</dd>
    <dt>XML_CONTEXT_BYTES</dt><dd>The size of the context buffer. This is normally set to
    1024, and must be positive.</dd>
    <dt><code>-k</code></dt><dt><code>--keep</code></dt><dd><p>Keep the input files.</p>
    <dl><dt>Note</dt><dd>Nested definitions go one level deeper.</dd></dl>
    <p>Back under the option.</p></dd></dl>
    <p>After the list.</p></body></html>"""
    found = sections(parse(write(tmp_path, page)))
    assert found["Defined before any heading."] == "Early term"
    assert found["Stands before the first heading."] == "Building"
    assert found["This is normally set to 1024, and must be positive."] == (
        "Configuring › XML_CONTEXT_BYTES"
    )
    assert found["XML_CONTEXT_BYTES"] == "Configuring › XML_CONTEXT_BYTES"
    assert found["Include DTD support."] == "Configuring › XML_DTD"
    assert found["Keep the input files."] == "Configuring › -k, --keep"
    assert found["Nested definitions go one level deeper."] == "Configuring › -k, --keep › Note"
    assert found["Back under the option."] == "Configuring › -k, --keep"
    assert found["After the list."] == "Configuring"


def test_permalinks_copy_buttons_and_hidden_text_are_not_read(tmp_path: Path) -> None:
    page = """<html><head><title>Corepack | Docs</title></head><body><div role="main">
    <h2>Corepack<span><a class="mark" href="#corepack">#</a></span></h2>
    <h3>Enabling the feature<a class="headerlink" href="#enabling">\u00b6</a></h3>
    <p>Run <code>corepack enable</code> to set it up.</p>
    <pre><code>corepack enable</code> <button class="copy-button">copy</button></pre>
    <pre><input type="checkbox"><code class="mjs">import a from 'a';</code><code class="cjs">const a = require('a');</code></pre>
    <p style="display: none">Hidden text.</p><p aria-hidden="true">Decoration.</p>
    <p>See <a href="#c1">C#</a>.</p><p>Call <a href="#f"><code>f</code>()</a> first.</p>
    </div></body></html>"""  # noqa: E501
    extracted = load(write(tmp_path, page))
    found = sections(parse_extracted("page.html", extracted))
    assert found["Run corepack enable to set it up."] == "Corepack › Enabling the feature"
    assert found["corepack enable"] == "Corepack › Enabling the feature"
    assert found["import a from 'a';\nconst a = require('a');"] == "Corepack › Enabling the feature"
    assert "See C#." in found and "Call f() first." in found  # links to a place, with words
    for junk in ("#\n", "\u00b6", "copy", "Hidden", "Decoration"):
        assert junk not in extracted.text


def test_a_page_without_h1_takes_its_title_from_the_title_element(tmp_path: Path) -> None:
    page = """<html><head><title>Punycode | Node.js</title></head><body>
    <p>Read before any heading.</p><h2>punycode.decode(string)</h2><p>Decodes it.</p>
    </body></html>"""
    document = parse(write(tmp_path, page))
    assert document.title == "Punycode | Node.js"
    found = sections(document)
    assert found["Read before any heading."] == "Punycode | Node.js"
    assert found["Decodes it."] == "punycode.decode(string)"


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("<div>", "</div>"), ("<ul><li>", "</li></ul>"), ("<table><tr><td>", "</td></tr></table>")],
)
def test_a_deeply_nested_page_is_read(tmp_path: Path, opening: str, closing: str) -> None:
    depth = 5000
    page = (
        "<html><head><title>Deep</title></head><body>"
        + opening * depth
        + "<p>The bottom is reached.</p>"
        + closing * depth
        + "<p>After the nesting.</p></body></html>"
    )
    try:
        found = sections(parse(write(tmp_path, page)))
    except UnreadableFileError as error:  # the only acceptable failure: a reason, no crash
        pytest.fail(f"unreadable: {error}")
    assert "The bottom is reached." in found and "After the nesting." in found


def test_paragraphs_that_one_sentence_runs_through_are_one_paragraph(tmp_path: Path) -> None:
    page = """<html><head><title>FAQ</title></head><body>
    <p>Use</p><p><code>widget-config --cflags</code></p><p>to get the compilation flags.</p>
    <p>Usually this is done from the Makefile.</p><p>It works.</p>
    <p>Run this first:</p><p><code>make check</code></p></body></html>"""
    found = sections(parse(write(tmp_path, page)))
    assert "Use widget-config --cflags to get the compilation flags." in found
    # A finished sentence, a capital or a colon ends the paragraph as written.
    assert {"Usually this is done from the Makefile.", "It works.", "make check"} <= set(found)


def test_a_heading_over_nothing_but_a_menu_goes_with_the_menu(tmp_path: Path) -> None:
    page = f"""<html><head><title>npm-docs</title></head><body><main>
    <section><h2>Table of contents</h2><div><ul>{MENU}</ul></div></section>
    <h3>Synopsis</h3><p>Run it with a package name.</p></main></body></html>"""
    extracted = load(write(tmp_path, page))
    found = sections(parse_extracted("page.html", extracted))
    assert found["Run it with a package name."] == "Synopsis"
    assert "Table of contents" not in extracted.text
