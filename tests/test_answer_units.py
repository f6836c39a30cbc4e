"""Answer units: neighbouring sentences ranked near the top are one answer, and a sentence that
only leads in to the next is quoted with it, verbatim, with lines that cover all of it."""

from __future__ import annotations

import pytest

from verbatim.answer.rank import (
    MAX_UNIT_SENTENCES,
    Ranked,
    answer_units,
    build_answers,
    unit_text,
)
from verbatim.answer.retrieve import Candidate, Retriever
from verbatim.answer.units import LIST_ITEMS
from verbatim.assistant import Assistant
from verbatim.types import Answer

from .conftest import MakeCorpus

GUIDE = """# Compression

There are two ways to choose how hard the compressor works:

- pass a flag from -1 to -9 on the command line;
- set the BZIP2 environment variable before you run it.

Larger blocks give better compression. They also take more memory.
Block sizes run from 100k to 900k.
Smaller blocks decompress faster.

How do I recover a damaged file?

Run the recovery tool on it and keep the blocks that check out.
"""
LONG_LIST = "# Codes\n\nThe exit codes are these:\n\n" + "".join(
    f"- code {n} means outcome number {n};\n" for n in range(1, 13)
)
IMAGES = """# Images

- `latest_prerelease` is the tag of each alpha release.
  Recommended for users who want to test alpha versions.

Maybe your upstream server supports neither of the two commands. Add nodesc=1 to its entry.
Then run the fetch again.
"""
COPY = """# Notes

Larger blocks give better compression. They also take more memory.
"""


@pytest.fixture
def indexed(assistant: Assistant, write_files: MakeCorpus) -> Assistant:
    write_files({"guide.md": GUIDE, "notes.md": COPY, "codes.md": LONG_LIST, "images.md": IMAGES})
    assistant.update_index()
    return assistant


def candidates(assistant: Assistant, path: str = "guide.md") -> dict[str, Candidate]:
    """The candidates from ``path`` of a question that finds every sentence, by text."""
    found = Retriever(assistant.index, assistant.question_encoder.encode).candidates(
        "compression blocks memory flag damaged file recover environment variable exit codes"
        " alpha release tag upstream server commands fetch"
    )
    return {c.sentence.text: c for c in found if c.passage.path == path}


def answers(
    assistant: Assistant,
    order: list[str],
    k: int = 3,
    scores: list[float] | None = None,
    path: str = "guide.md",
    question: str = "",
) -> list[Answer]:
    """The answers built when the ranker puts the sentences ``order`` of ``path`` first, in that
    order (scored 1/2, 1/3, ... unless ``scores`` are given), for ``question``."""
    index = assistant.index
    own = candidates(assistant, path)
    scores = scores or [1 / (n + 2) for n in range(len(order))]
    ranked = [Ranked(own[text], score, 0.0, 0.0) for text, score in zip(order, scores, strict=True)]
    return build_answers(index.store, answer_units(index.store, ranked, k, question))


def test_a_lead_in_is_quoted_with_the_list_it_introduces(indexed: Assistant) -> None:
    lead_in = "There are two ways to choose how hard the compressor works:"
    first = answers(indexed, [lead_in])[0]
    assert first.text == (
        f"{lead_in} pass a flag from -1 to -9 on the command line;"
        " set the BZIP2 environment variable before you run it."
    )  # and not the paragraph after the list
    (source,) = first.sources
    assert (source.path, source.line_start, source.line_end) == ("guide.md", 3, 6)
    # The ranker's labels read the lead-in as its answer quotes it.
    assert unit_text(candidates(indexed)[lead_in]) == first.text


def test_a_long_list_is_quoted_up_to_its_limit(indexed: Assistant) -> None:
    lead_in = "The exit codes are these:"
    first = answers(indexed, [lead_in], path="codes.md")[0]
    items = [f"code {n} means outcome number {n};" for n in range(1, LIST_ITEMS + 1)]
    assert first.text == " ".join([lead_in, *items])
    assert (first.sources[0].line_start, first.sources[0].line_end) == (3, 5 + LIST_ITEMS - 1)
    assert unit_text(candidates(indexed, "codes.md")[lead_in]) == first.text


def test_a_question_line_is_quoted_with_its_answer(indexed: Assistant) -> None:
    first = answers(indexed, ["How do I recover a damaged file?"])[0]
    assert first.text.endswith("Run the recovery tool on it and keep the blocks that check out.")
    assert (first.sources[0].line_start, first.sources[0].line_end) == (12, 14)


def test_neighbouring_sentences_ranked_near_the_top_are_one_answer(indexed: Assistant) -> None:
    found = answers(
        indexed,
        [
            "They also take more memory.",
            "Larger blocks give better compression.",
            "set the BZIP2 environment variable before you run it.",
            "Run the recovery tool on it and keep the blocks that check out.",
        ],
    )
    assert [a.text for a in found] == [
        "Larger blocks give better compression. They also take more memory.",
        "set the BZIP2 environment variable before you run it.",
        "Run the recovery tool on it and keep the blocks that check out.",
    ]
    # The two sentences stand together in notes.md too: both places are sources.
    assert [(s.path, s.line_start, s.line_end) for s in found[0].sources] == [
        ("guide.md", 8, 8),
        ("notes.md", 3, 3),
    ]
    assert found[0].score == pytest.approx(1 / 2 + 1 / 3)


def test_sentences_a_sentence_apart_are_one_answer_with_the_one_between(
    indexed: Assistant,
) -> None:
    found = answers(
        indexed,
        ["Larger blocks give better compression.", "Block sizes run from 100k to 900k."],
    )
    assert found[0].text == (
        "Larger blocks give better compression. They also take more memory."
        " Block sizes run from 100k to 900k."
    )
    assert [(s.path, s.line_start, s.line_end) for s in found[0].sources] == [("guide.md", 8, 9)]
    assert len(found) == 1
    # Two sentences apart, they stay two answers.
    apart = answers(
        indexed, ["Larger blocks give better compression.", "Smaller blocks decompress faster."]
    )
    assert [a.text for a in apart] == [
        "Larger blocks give better compression.",
        "Smaller blocks decompress faster.",
    ]


def test_a_unit_never_grows_past_its_limit(indexed: Assistant) -> None:
    (first,) = answers(
        indexed,
        [
            "They also take more memory.",
            "Larger blocks give better compression.",
            "Block sizes run from 100k to 900k.",
            "Smaller blocks decompress faster.",
        ],
        k=2,
    )
    assert len(first.text.split(". ")) == MAX_UNIT_SENTENCES == 3
    assert first.text.startswith("Larger blocks") and first.text.endswith("900k.")
    # The fourth neighbour is not an answer of its own either: the first one's context has it.
    assert "Smaller blocks decompress faster." in first.context


def test_a_weak_neighbour_neither_joins_nor_stands_alone(indexed: Assistant) -> None:
    found = answers(
        indexed,
        [
            "Larger blocks give better compression.",
            "They also take more memory.",
            "Run the recovery tool on it and keep the blocks that check out.",
        ],
        scores=[0.8, 0.05, 0.1],
    )
    assert [a.text for a in found] == [
        "Larger blocks give better compression.",
        "Run the recovery tool on it and keep the blocks that check out.",
    ]


def test_a_single_sentence_keeps_every_place_it_stands(indexed: Assistant) -> None:
    found = answers(
        indexed,
        [
            "Larger blocks give better compression.",
            "Run the recovery tool on it and keep the blocks that check out.",
        ],
        k=2,
    )
    assert found[0].text == "Larger blocks give better compression."
    assert sorted(s.path for s in found[0].sources) == ["guide.md", "notes.md"]


def test_an_answer_without_what_was_asked_takes_the_neighbour_that_has_it(
    indexed: Assistant,
) -> None:
    # A tag is asked for: the sentence the question matches names none, the one before it does.
    described = "Recommended for users who want to test alpha versions."
    tag = answers(indexed, [described], path="images.md", question="Which tag tests alpha builds?")
    assert tag[0].text == f"`latest_prerelease` is the tag of each alpha release. {described}"
    assert (tag[0].sources[0].line_start, tag[0].sources[0].line_end) == (3, 4)
    # What to add is asked for: the sentence after the problem says it.
    problem = "Maybe your upstream server supports neither of the two commands."
    fix = answers(indexed, [problem], path="images.md", question="What should I add to the entry?")
    assert fix[0].text == f"{problem} Add nodesc=1 to its entry."
    # Asked nothing of a kind (or the sentence has it), the sentence stands alone.
    alone = answers(indexed, [problem], path="images.md", question="Why does the fetch fail?")
    assert alone[0].text == problem
    assert answers(indexed, [problem], path="images.md")[0].text == problem


def test_a_candidate_read_alone_takes_the_neighbour_with_what_was_asked(
    indexed: Assistant,
) -> None:
    own = candidates(indexed, "images.md")
    problem = own["Maybe your upstream server supports neither of the two commands."]
    assert unit_text(problem, "What should I add to the entry?").endswith(
        "Add nodesc=1 to its entry."
    )
    assert unit_text(problem, "Why does the fetch fail?") == problem.sentence.text
