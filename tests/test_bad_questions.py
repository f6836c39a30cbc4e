"""Odd questions get an answer, an abstention or a one-line error: never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from verbatim.answer.retrieve import Candidate, Retriever
from verbatim.assistant import MAX_QUESTION_CHARS, Assistant
from verbatim.cli import cli
from verbatim.errors import QuestionError

from .conftest import BUNDLED_CORPUS


@pytest.fixture(scope="module")
def args(bundled: Assistant) -> list[str]:
    return ["--corpus", str(BUNDLED_CORPUS), "--index", str(bundled.settings.index)]


@pytest.mark.parametrize("question", ["", "   \t\n ", "\x1b[31m\x1b[0m", "\x00\x07\x7f"])
def test_an_empty_question_is_a_clear_error(bundled: Assistant, question: str) -> None:
    with pytest.raises(QuestionError, match="the question is empty"):
        bundled.ask(question)


QUDS = "Who commanded the Quds Force?"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (f"{QUDS} " * 3400, "Quds Force"),  # ~100,000 characters: read as far as the model reads
        ("?!... ;;; --- ***", None),  # nothing to search for
        ("من قاد فيلق القدس؟", None),  # the corpus and the model are English
        ("谁指挥了圣城旅？", None),
        (f"{QUDS}\u200f\u200d", "Qasem Soleimani"),  # invisible format characters change nothing
    ],
    ids=["100k characters", "punctuation", "Arabic", "Chinese", "format characters"],
)
def test_odd_questions_are_answered_or_abstained(
    bundled: Assistant, question: str, expected: str | None
) -> None:
    """A question the corpus answers gets its answer first; any other gets an abstention."""
    reply = bundled.ask(question)
    assert reply.question == " ".join(question.split())
    if expected is None:
        assert reply.abstained and not reply.answers
    else:
        assert not reply.abstained and expected in reply.answers[0].text


def test_control_characters_and_escapes_are_removed(bundled: Assistant, args: list[str]) -> None:
    pasted = "\x1b[1;31mWho commanded\x1b[0m the\x07 Quds\tForce?\x1b]"
    reply = bundled.ask(pasted)
    assert reply.question == QUDS
    assert reply.answers == bundled.ask(QUDS).answers
    shown = CliRunner().invoke(cli, [*args, "ask", pasted])
    assert shown.exit_code == 0 and "\x1b" not in shown.stdout and "\x07" not in shown.stdout


def test_broken_question_lines_with_and_without_keep_going(args: list[str], tmp_path: Path) -> None:
    questions = tmp_path / "qs.jsonl"
    questions.write_bytes(
        b'{"question": "Who commanded the Quds Force?"}\n'
        b'{"question": oops}\n'
        b'["a list"]\n'
        b'{"question": "   "}\n'
        b'{"question": "Caf\xe9 au lait?"}\n'
        b'{"question": "For how many days was the town of Amirli besieged by ISIL?"}\n'
    )
    command = [*args, "ask", "--json", "--questions", str(questions)]
    stopped = CliRunner().invoke(cli, command)
    assert stopped.exit_code == 2
    assert len(stopped.stdout.splitlines()) == 1  # the lines before the broken one
    (error,) = stopped.stderr.splitlines()
    assert error.startswith("verbatim: error: ") and "line 2" in error

    going = CliRunner().invoke(cli, [*command, "--keep-going"])
    assert going.exit_code == 2
    replies = [json.loads(line) for line in going.stdout.splitlines()]
    assert [r["question"] for r in replies] == [
        "Who commanded the Quds Force?",
        "For how many days was the town of Amirli besieged by ISIL?",
    ]
    errors = going.stderr.splitlines()
    assert len(errors) == 5 and all(e.startswith("verbatim: error: ") for e in errors)
    for number in (2, 3, 4):
        assert f"line {number}: expected a JSON object" in errors[number - 2]
    assert "line 5: not UTF-8 text" in errors[3]
    assert "4 question line(s) could not be answered" in errors[4]


def test_a_question_cut_to_its_end_starts_at_a_whole_word(
    bundled: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_QUESTION_CHARS only the question's end is searched: from a whole word, since
    half a word ("mander") is a word no document holds and reads as something not answered."""
    searched: list[str] = []
    candidates = Retriever.candidates

    def recorded(self: Retriever, question: str) -> list[Candidate]:
        searched.append(question)
        return candidates(self, question)

    monkeypatch.setattr(Retriever, "candidates", recorded)
    question = "Who was the commander of the Quds Force? " * 60 + "Tell me."
    cut = len(question) - MAX_QUESTION_CHARS
    assert question[cut - 1 : cut + 1].isalpha(), "the cut falls inside a word"

    bundled.ask(question)

    (query,) = searched
    assert question.endswith(query) and question[-len(query) - 1] == " "
    assert len(query) > MAX_QUESTION_CHARS - 20
