"""Text cues the ranker reads, on sentences written for each case (no model needed)."""

from __future__ import annotations

import pytest

from verbatim.answer.features import (
    _cases,
    _code,
    _has_code,
    _Reading,
    asks_default,
    question_type,
    states_default,
)
from verbatim.answer.units import announces, read_whole, refers_back
from verbatim.index.lexical import query_terms, words

QUESTION = "Who commanded the Quds Force?"


def reading(text: str, question: str = QUESTION) -> _Reading:
    return _Reading(text, query_terms(question))


def test_the_question_terms_standing_together_read_closer_than_spread_out() -> None:
    together = reading("From 1998 he was the commander of the Quds Force.").proximity
    spread = reading("The Quds Force is like the Joint Special Operations Command.").proximity
    assert together == 1.0 and 0 < spread < 0.5
    assert reading("Nothing here matches at all.").proximity == 0.0


def test_a_term_held_only_inside_a_name_is_not_held_in_the_question_s_sense() -> None:
    asked = _cases(words(QUESTION))
    assert reading("He was the commander of the Quds Force.").cased(asked) == [True] * 3
    assert reading("It is like the Joint Special Operations Command of the Quds Force.").cased(
        asked
    ) == [False, True, True]
    # The first word tells nothing: "Commanders" there may be any sense.
    assert reading("Commanders of the Quds Force met.").cased(asked) == [True] * 3


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("Set `hide_input=True` for passwords.", ["`hide_input=True`", "hide_input=True"]),
        ("Run it with --stringparam to pass a string.", ["--stringparam"]),
        ("FC_DEBUG selects the messages.", ["FC_DEBUG"]),
        ("Call typer.Exit() to stop.", ["Exit()", "typer.Exit"]),
        (
            "Type /RMRECONNS to stop, or see /etc/leafnode/config.",
            ["/RMRECONNS", "/etc/leafnode/config"],
        ),
        ("The U.S. Army sent a well-known general.", []),
        ("Prices rose 3/4 and/or fell.", []),
        ("Plain prose, nothing more.", []),
    ],
)
def test_code_in_documentation_is_found_and_prose_is_not(text: str, pieces: list[str]) -> None:
    assert sorted(_code(text)) == sorted(pieces)
    assert _has_code(text) is bool(pieces)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which option passes a string?", "option"),
        ("Since which release are locals hidden?", "version"),
        ("What address can I send bug reports to?", "address"),
        ("How many keys are read?", "count"),
        ("Who wrote the original sed?", "who"),
        ("Which image tag tests alpha builds?", "option"),
        ("How can I start JED so that it shows a key's escape sequence?", "option"),
        ("What should I add to the server entry?", "option"),
        ("Why does lsof show another process?", "other"),
        ("How did the army take the city?", "other"),
    ],
)
def test_question_types(question: str, kind: str) -> None:
    assert question_type(question) == kind


def test_what_a_sentence_leans_on() -> None:
    assert announces("There are two ways to do this:")
    assert announces("How do I recover a damaged file?")
    assert announces("XML_CONTEXT_BYTES")
    assert not announces("Larger blocks compress better.")
    assert refers_back("From 1998 until his death, he was the commander.")
    assert not refers_back("Qasem Soleimani said he would come.")  # the name comes first
    assert read_whole("Tesla was born in Smiljan.", "He spoke eight languages.", "Later.") == (
        "Tesla was born in Smiljan. He spoke eight languages."
    )
    assert read_whole("", "Two ways:", "use a flag.") == "Two ways: use a flag."


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("What's the default value of the creation factor?", True),
        ("By default, how many connections can a pool open?", True),
        ("How long does it keep my password unless I change it?", True),
        ("Which port does it use if I don't give one?", True),
        ("What level does it use when I don't pass one?", True),
        ("How do I change the port?", False),
        ("Who wrote the original sed?", False),
    ],
)
def test_questions_about_defaults(question: str, asks: bool) -> None:
    assert asks_default(question) is asks


def test_sentences_that_state_a_default() -> None:
    for text in (
        "Defaults to 60.",
        "Number of seconds (default: 900).",
        "Port (defaulting to 3306).",
        "Default is -6 if not given.",
    ):
        assert states_default(text)
    assert not states_default("Set the creation/deletion cost fudge factor to <percent>.")
