"""How an answer card trims the passage around its answer: whole words, and the sentence before
the answer kept when it fits."""

from __future__ import annotations

from verbatim.tui.text import highlighted_context, literal
from verbatim.types import Answer

BEFORE = "In 2014 the general Qasem Soleimani travelled to Baghdad with his staff."
ANSWER = "He was the commander of the Quds Force."
AFTER = " ".join(f"Later sentence number {n} follows here." for n in range(40))
FILLER = " ".join(f"Earlier sentence number {n} stands here." for n in range(40))


def shown(context: str, width: int) -> str:
    return highlighted_context(Answer(ANSWER, 1.0, context, ()), width=width).plain


def test_the_sentence_before_the_answer_is_kept_whole_when_it_fits() -> None:
    text = shown(f"{FILLER} {BEFORE} {ANSWER} {AFTER}", width=150)
    assert f"{BEFORE} {ANSWER}" in text
    assert text.startswith("… ") and text.endswith(" …")


def test_the_context_is_cut_between_words() -> None:
    context = f"{FILLER} {BEFORE} {ANSWER} {AFTER}"
    words = set(context.split())
    for width in range(len(ANSWER), 260, 7):
        text = shown(context, width).removeprefix("… ").removesuffix(" …")
        assert ANSWER in text
        assert set(text.split()) <= words, width  # no word cut in two


def test_a_short_context_is_shown_whole() -> None:
    assert shown(f"{BEFORE} {ANSWER}", width=300) == f"{BEFORE} {ANSWER}"


def test_controls_from_an_index_built_before_cleaning_are_shown_as_symbols() -> None:
    """Text of an older index may still hold controls: each is shown, one symbol for one
    character (so highlights keep their places), never sent to the terminal."""
    assert literal("a\x1b[2Jb\u202ec\x85").plain == "a␛[2Jb\ufffdc\ufffd"
