"""Properties of ingest that must hold for any text, checked with hypothesis."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from verbatim.ingest.chunk import MAX_WORDS, Unit, chunk
from verbatim.ingest.clean import cites, strip_citations
from verbatim.ingest.limits import MAX_SENTENCE_CHARS
from verbatim.ingest.parse import parse_document
from verbatim.types import Sentence

# Pieces that exercise the layout: headings of both kinds, tables, lists, citation markers,
# blank lines, other scripts, CRLF, stray brackets and very long words.
PIECES = [
    "The cat sat.", "Dr. Smith arrived at 5 p.m. on Monday!", "Why?", "word", " ", "  ",
    "\n", "\n\n", "\r\n", "\t", "[12]", "[ dubious – discuss ]", "[citation needed]", "[sic]",
    "= Title =\n", "== Section ==\n", "# Heading\n", "## Sub\n", "Setext\n===\n",
    "| a | b |\n", "| Name | Rank[7] |\n", "- Key: value\n", "* item\n", "é", "中文句子。",
    "نص عربي.", "x" * 300, "…", '"Quoted," he said.', "|", "[", "]",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
prose = st.lists(
    st.sampled_from(["word", "other", "é", "x42", " ", ".", ",", "?", "\n"]), max_size=400
).map("".join)  # no line starts as a list item ("42. "): its marker is layout, not text


def all_sentences(text: str) -> list[Sentence]:
    return [s for p in parse_document("t.txt", text).passages for s in p.sentences]


def shown(original: str, table: bool, cited: bool = True) -> str:
    """What a span of the original text looks like as a sentence: markers out (those of a
    ``cited`` document), spaces collapsed, a table row's cells joined by `` | ``."""
    text = " ".join(strip_citations(original, cited=cited).text.split())
    if table:
        return " | ".join(c.strip() for c in text.split("|") if c.strip())
    return text


def is_table_row(line: str) -> bool:
    """Two pipes or more, and one at either end: other pipes are text, kept as they are."""
    line = line.strip()
    return line.count("|") >= 2 and (line.startswith("|") or line.endswith("|"))


@settings(max_examples=300, deadline=None)
@given(texts)
def test_every_sentence_and_passage_maps_back_to_its_source_characters(text: str) -> None:
    document = parse_document("t.txt", text)
    previous_end = 0
    for passage in document.passages:
        assert passage.text == " ".join(s.text for s in passage.sentences)
        for sentence in passage.sentences:
            original = text[sentence.char_start : sentence.char_end]
            lines = text.split("\n")[sentence.line_start - 1 : sentence.line_end]
            table = any(is_table_row(line) for line in lines)
            assert shown(original, table, cites(text)) == sentence.text
            assert sentence.char_start >= previous_end  # in order, never overlapping
            previous_end = sentence.char_end
            assert sentence.line_start == text.count("\n", 0, sentence.char_start) + 1
            assert sentence.line_end == text.count("\n", 0, sentence.char_end - 1) + 1
        assert text[passage.char_start : passage.char_end].startswith(
            text[passage.sentences[0].char_start : passage.sentences[0].char_end]
        )


@settings(max_examples=200, deadline=None)
@given(prose)
def test_plain_prose_loses_and_duplicates_no_word(text: str) -> None:
    words = [w for w in text.split() if any(c.isalnum() for c in w)]
    found = [w for s in all_sentences(text) for w in s.text.split()]
    assert [w for w in found if any(c.isalnum() for c in w)] == words


sentence_lists = st.lists(
    st.integers(min_value=1, max_value=120).map(lambda n: " ".join(["w"] * n)), max_size=12
)


@given(st.lists(st.tuples(st.sampled_from(["A", "B"]), st.booleans(), sentence_lists), max_size=8))
def test_chunking_never_loses_duplicates_or_mixes_sentences(
    blocks: list[tuple[str, bool, list[str]]],
) -> None:
    position = 0
    units = []
    for section, is_table, texts_ in blocks:
        sentences = []
        for sentence_text in texts_:
            sentences.append(Sentence(sentence_text, position, position + 1, 1, 1))
            position += 1
        units.append(Unit(section, is_table, "", tuple(sentences)))
    passages = list(chunk(units))
    assert [s for p in passages for s in p.sentences] == [s for u in units for s in u.sentences]
    owner = {s.char_start: (u.section, u.is_table) for u in units for s in u.sentences}
    for passage in passages:
        assert len({owner[s.char_start] for s in passage.sentences}) == 1  # one block kind
        words = sum(len(s.text.split()) for s in passage.sentences)
        assert words <= MAX_WORDS or len(passage.sentences) == 1


@given(
    st.lists(st.sampled_from(["ab", " ", "[3]", "[12][13]", "[ dubious – discuss ]", ".", "\n"])),
    st.integers(min_value=0, max_value=50),
    st.data(),
)
def test_citation_stripping_keeps_every_span_offset_right(
    pieces: list[str], offset: int, data: st.DataObject
) -> None:
    text = "".join(pieces)
    clean = strip_citations(text, offset)
    if not clean.text:
        return
    start = data.draw(st.integers(min_value=0, max_value=len(clean.text) - 1))
    end = data.draw(st.integers(min_value=start + 1, max_value=len(clean.text)))
    original_start, original_end = clean.span_to_original(start, end)
    original = text[original_start - offset : original_end - offset]
    assert strip_citations(original).text == clean.text[start:end]


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=4000), st.sampled_from([" ", "", "\n"]))
def test_sentences_without_an_end_are_bounded_and_lose_nothing(count: int, gap: str) -> None:
    text = gap.join(["tok"] * count)
    found = all_sentences(text)
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in found)
    assert "".join("".join(s.text.split()) for s in found) == "".join(text.split())
