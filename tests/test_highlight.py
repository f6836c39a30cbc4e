"""The span of an answer sentence that answers the question: in the library and in `ask --json`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from verbatim.answer.highlight import Want, highlight, wanted
from verbatim.assistant import Assistant
from verbatim.cli import cli
from verbatim.evaluate import load_questions, run

from .conftest import BUNDLED_CORPUS, TEST_DATA


@pytest.mark.parametrize(
    ("question", "sentence", "span"),
    [
        (
            "When did the Defence Ministers of Iran and Iraq sign a military pact?",
            "On 31 December 2014, the Defence Ministers of Iran and Iraq signed a military pact.",
            "31 December 2014",
        ),
        (
            "How much did Iran spend on military aid to Iraq?",
            "By the end of 2014, Iran had spent $1 billion on military aid to Iraq.",
            "$1 billion",
        ),
        (
            "How many soldiers were killed in Tikrit?",
            "In 2015, around 2,500 soldiers were killed in the battle of Tikrit.",
            "2,500",
        ),
        (
            "Who commanded the Quds Force?",
            "The Quds Force was commanded by Qasem Soleimani until 2020.",
            "Qasem Soleimani",
        ),
        ("Where was Tesla born?", "Tesla was born in Smiljan, in the Austrian Empire.", "Smiljan"),
        (
            "What language did Tesla study at school?",
            "At school Tesla studied German, arithmetic and religion.",
            "German",
        ),
        (
            "Whose forces retook Jalawla?",
            "The forces of the Peshmerga's allies retook Jalawla in 2014.",
            "Peshmerga",
        ),
    ],
)
def test_the_span_of_the_wanted_kind_near_the_question_words(
    question: str, sentence: str, span: str
) -> None:
    found = highlight(question, sentence)
    assert found is not None
    start, end = found
    assert sentence[start:end] == span


def test_a_sentence_that_only_repeats_the_question_has_no_highlight() -> None:
    assert highlight("Who commanded the Quds Force?", "The Quds Force.") is None
    assert highlight("What is it?", "") is None


def test_why_and_how_questions_have_no_highlight() -> None:
    """Their answer is a clause: a short span would mark the wrong words."""
    sentence = "The last Song emperor drowned in 1279, bringing an end to the Song dynasty."
    assert highlight("How did the last Song emperor die?", sentence) is None
    assert highlight("Why did the Song dynasty end?", sentence) is None
    assert highlight("When did the last Song emperor drown?", sentence) is not None


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("In what year did the war end?", Want.DATE),
        ("When was he assassinated?", Want.DATE),
        ("How many militias took part?", Want.NUMBER),
        ("What percentage of voters agreed?", Want.NUMBER),
        ("Who led the offensive?", Want.PERSON),
        ("Where did the battle take place?", Want.PLACE),
        ("Which city did they retake?", Want.PLACE),
        ("Which militia fought in Tikrit?", Want.NAMED),
        ("What did the report recommend?", Want.THING),
        ("How did he die?", Want.CLAUSE),
        ("Why did the offensive stall?", Want.CLAUSE),
    ],
)
def test_the_question_says_what_kind_of_answer_it_wants(question: str, want: Want) -> None:
    assert wanted(question) is want


def test_ask_json_gives_the_highlight_as_offsets_into_the_text(bundled: Assistant) -> None:
    question = (
        "When did the Defence Ministers of Iran and Iraq sign a military pact to combat ISIS?"
    )
    args = ["--corpus", str(BUNDLED_CORPUS), "--index", str(bundled.settings.index)]
    result = CliRunner().invoke(cli, [*args, "ask", "--json", "-k", "5", question])
    assert result.exit_code == 0, result.output
    answers = json.loads(result.stdout)["answers"]
    start, end = answers[0]["highlight"]
    assert answers[0]["text"][start:end] == "31 December 2014"
    for answer in answers:  # every answer has the field: a span of its text, or null
        if answer["highlight"] is not None:
            start, end = answer["highlight"]
            assert 0 <= start < end <= len(answer["text"])


def test_highlights_on_the_seed_questions(bundled: Assistant) -> None:
    scores = run(bundled, load_questions(TEST_DATA / "seed-questions.jsonl"))
    print(scores.to_dict())
    assert scores.highlights_checked >= 10
    assert scores.highlight_overlap >= 0.5
