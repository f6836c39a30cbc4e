"""Terminal controls: removed from document text with offsets kept, escaped at output edges."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from verbatim.controls import escaped, strip_controls, without_controls
from verbatim.ingest import load
from verbatim.ingest.parse import parse_extracted

SEQUENCES = [
    "\x1b[31m", "\x1b[0m", "\x1b[2J", "\x1b]0;title\x07", "\x1b]52;c;aGk=\x1b\\", "\x9b1;2H",
    "\x1bPq#0\x1b\\", "\x1b7", "\x1b(B", "\x00", "\x7f", "\x85", "\x08", "\u202e", "\u2066",
]  # fmt: skip


def test_sequences_go_whole_and_what_a_terminal_shows_stays() -> None:
    text = "A \x1b]0;PWNED\x07red \x1b[1;31mword\x1b[0m\x1b[2J and \x1b]52;c;ZWNobw==\x07done."
    assert strip_controls(text).text == "A red word and done."
    assert without_controls("B\x08Bo\x08ol\x08ld _\x08u_\x08n x\x08_") == "Bold un x"
    # An unterminated string sequence ends at its line, not at the end of the document.
    assert strip_controls("a\x1b]0;never ends\nnext line").text == "a\nnext line"
    # Lines stay where they were: a lone carriage return is a line break, CRLF is kept.
    assert strip_controls("one\rtwo\r\nthree\x0cfour").text == "one\ntwo\r\nthree four"


@given(
    st.lists(
        st.one_of(st.text(alphabet="ab \n_", min_size=1, max_size=5), st.sampled_from(SEQUENCES)),
        max_size=30,
    )
)
def test_every_kept_character_is_found_at_its_new_offset(pieces: list[str]) -> None:
    text = "".join(pieces)
    stripped = strip_controls(text)
    removed = {i for start, end in stripped.removed for i in range(start, end)}
    kept = [i for i in range(len(text)) if i not in removed]
    assert "".join(text[i] for i in kept) == stripped.text
    assert [stripped.offset(i) for i in kept] == list(range(len(stripped.text)))
    assert stripped.offset(len(text)) == len(stripped.text)
    # What was removed maps to where the next kept character now stands.
    for i in removed:
        assert stripped.offset(i) == len([k for k in kept if k < i])
    assert not any(char in stripped.text for char in "\x1b\x07\x00\x7f\x85\x9b\u202e\u2066")


def test_a_layout_keeps_pointing_at_its_text(tmp_path: Path) -> None:
    """HTML's blocks are spans of the extracted text: they move with what is removed, so a
    page reads as the same page without its escapes."""
    page = (
        "<html><head><title>Guide{0}</title></head><body>"
        "<h1>Set{1}up{2}</h1><p>First {3}step{2} here.</p>"
        "<h2>U{1}se</h2><p>Second{4} step there.</p><table><tr><th>Key{1}</th></tr>"
        "<tr><td>Value{3}</td></tr></table></body></html>"
    )
    hostile, plain = tmp_path / "hostile.html", tmp_path / "plain.html"
    hostile.write_text(page.format("\x1b]0;x\x07", "\x1b[1m", "\x1b[0m", "\x1b[31m", "\x07"))
    plain.write_text(page.format(*[""] * 5))

    def read(path: Path) -> list[tuple[str, str, str, int, int]]:
        text = load(path).text
        document = parse_extracted("page.html", load(path))
        return [
            (
                s.text,
                text[s.char_start : s.char_end],
                p.section + p.header,
                s.line_start,
                s.line_end,
            )
            for p in document.passages
            for s in p.sentences
        ]

    assert read(hostile) == read(plain)
    assert len(read(plain)) == 3 and load(hostile).title == "Guide"


def test_output_shows_each_control_as_an_escape() -> None:
    assert escaped("a\x1b]0;x\x07b\x9bc\td\ne") == "a\\x1b]0;x\\x07b\\x9bc\td\ne"
    # A bidirectional override would show what follows it reversed: it is shown as an escape.
    assert escaped("pay \u202eeulav\u2069 now") == "pay \\u202eeulav\\u2069 now"


def test_bidirectional_overrides_go_and_the_marks_stay() -> None:
    """An override makes a terminal show "lav\u202eeulav" as "lavvalue": the quoted text would
    read other than it is. The marks LRM and RLM reorder nothing and stay."""
    text = "Set \u202etlusni\u202c the key; \u2067isolated\u2069 and \u200fmarked\u200e."
    assert without_controls(text) == "Set tlusni the key; isolated and \u200fmarked\u200e."
