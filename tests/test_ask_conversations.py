"""`verbatim ask --questions`: a line with "turns" is asked as one conversation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from verbatim.assistant import Assistant
from verbatim.cli import cli
from verbatim.config import Settings
from verbatim.evaluate import contains_answer

from .conftest import BUNDLED_CORPUS, TEST_DATA, record_searches


@pytest.fixture(scope="module")
def bundled_args(bundled: Assistant) -> list[str]:
    return ["--corpus", str(BUNDLED_CORPUS), "--index", str(bundled.settings.index)]


def ask_file(args: list[str], path: Path) -> Result:
    return CliRunner().invoke(cli, [*args, "ask", "--json", "--questions", str(path)])


def test_turns_are_answered_in_one_conversation(bundled_args: list[str], tmp_path: Path) -> None:
    follow_up = "When was he assassinated?"
    lines = [
        {"question": follow_up},
        {
            "turns": [
                {"question": "Who was the commander of Iran's Quds Force during the intervention?"},
                {"question": follow_up},
            ]
        },
        {"turns": [{"question": "Who is Hadi al-Amiri?"}]},
    ]
    path = tmp_path / "chats.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = ask_file(bundled_args, path)
    assert result.exit_code == 0, result.output
    alone, first, second, other = [json.loads(line) for line in result.stdout.splitlines()]
    assert "turn" not in alone and "conversation" not in alone
    assert "resolved_question" not in alone  # a question alone never carries context
    # What each turn was understood as: a follow-up with what it refers to spelt out.
    assert first["resolved_question"] == first["question"] and first["about"] is None
    assert second["about"] and "Soleimani" in second["about"]
    assert second["resolved_question"] == "When was Soleimani assassinated?"
    assert [(r["conversation"], r["turn"]) for r in (first, second, other)] == [
        (1, 1),
        (1, 2),
        (2, 1),
    ]
    assert second["question"] == follow_up
    # Only inside the conversation does "he" find the Quds Force commander.
    assert "Quds Force" in second["answers"][0]["text"]
    assert not alone["answers"] or "Quds Force" not in alone["answers"][0]["text"]


def test_the_seed_conversations_run_as_a_batch(bundled_args: list[str]) -> None:
    path = TEST_DATA / "conversations.jsonl"
    chats = [json.loads(line)["turns"] for line in path.read_text().splitlines() if line]
    result = ask_file(bundled_args, path)
    assert result.exit_code == 0, result.output
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    turns = [turn for chat in chats for turn in chat]
    assert len(replies) == len(turns)
    for reply, turn in zip(replies, turns, strict=True):
        assert reply["question"] == turn["question"]
        assert contains_answer(reply["answers"][0]["text"], turn["answers"]), turn["question"]


@pytest.mark.parametrize("line", ['{"turns": []}', '{"turns": [{"question": 1}]}'])
def test_a_broken_conversation_line_names_the_line(
    bundled_args: list[str], tmp_path: Path, line: str
) -> None:
    path = tmp_path / "chats.jsonl"
    path.write_text(line + "\n")
    result = ask_file(bundled_args, path)
    assert result.exit_code == 2 and result.stdout == ""
    (error,) = result.stderr.strip().splitlines()
    assert error.startswith("verbatim: error: ") and "chats.jsonl, line 1" in error


def test_a_question_answered_ahead_is_searched_again_only_if_it_or_the_index_changed(
    cats_indexed: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = Assistant(cats_indexed)
    chat, searched = assistant.conversation(), record_searches(assistant, monkeypatch)
    question = "Where was the cat domesticated?"
    chat.foresee(question)
    assert searched == [question] and chat.turns == []
    assert chat.foreseen(question) and not chat.foreseen("Where do cats come from?")
    reply = chat.ask(question)
    assert searched == [question] and chat.turns == [reply]  # the reply found ahead
    assert "Near East" in reply.answers[0].text

    chat.foresee(question)
    chat.ask("Where was the domestic cat domesticated?")  # typed on before enter
    assert len(searched) == 3

    chat.foresee(question)
    (cats_indexed.corpus / "dogs.md").write_text("# Dogs\n\nDogs descend from wolves.\n")
    assistant.update_index()
    assert not chat.foreseen(question)
    chat.ask(question)  # answered from the updated index, not from the one foreseen with
    assert (
        searched
        == [question, question, "Where was the domestic cat domesticated?"] + [question] * 2
    )
    assistant.close()
