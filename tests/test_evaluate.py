"""`verbatim eval`: question sets and conversations scored on the bundled corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from verbatim.assistant import Assistant
from verbatim.cli import cli
from verbatim.config import Settings
from verbatim.errors import QuestionError
from verbatim.evaluate import load_questions, score
from verbatim.types import Answer, Reply, Source

from .conftest import BUNDLED_CORPUS, TEST_DATA, MakeCorpus


@pytest.fixture(scope="module")
def bundled_args(bundled: Assistant) -> list[str]:
    return ["--corpus", str(BUNDLED_CORPUS), "--index", str(bundled.settings.index)]


@pytest.fixture
def settings_args(write_files: MakeCorpus, settings: Settings) -> list[str]:
    """A one-file corpus that has no index yet."""
    write_files({"owls.txt": "Barn owls nest in barns and church towers.\n\nCats sleep a lot.\n"})
    return ["--corpus", str(settings.corpus), "--index", str(settings.index)]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_eval_scores_the_seed_questions(bundled_args: list[str]) -> None:
    path = TEST_DATA / "seed-questions.jsonl"
    result = run(*bundled_args, "eval", "--json", str(path))
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["questions"] == 16 and scores["unanswerable"] >= 1
    assert scores["answerable"] + scores["unanswerable"] == 16
    assert scores["answer_at_1"] >= 0.9 and scores["answer_at_3"] >= 0.95
    assert scores["mrr_at_10"] >= scores["answer_at_1"]
    assert scores["abstained_on_unanswerable"] == 1.0 and scores["wrongly_abstained"] == 0.0
    assert 0 < scores["latency_ms_p50"] <= scores["latency_ms_p95"]
    assert scores["index_seconds"] is None  # the index was up to date: nothing to time
    assert scores["later_turns"] == 0


def test_eval_asks_each_conversation_in_one_session(bundled_args: list[str]) -> None:
    path = TEST_DATA / "conversations.jsonl"
    chats = [json.loads(line)["turns"] for line in path.read_text().splitlines() if line]
    turns = sum(len(chat) for chat in chats)
    result = run(*bundled_args, "eval", "--json", str(path))
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["questions"] == turns
    assert scores["later_turns"] == turns - len(chats)
    assert scores["later_turns_answer_at_1"] == 1.0
    # The same follow-ups asked alone, in the same run: these lean on their conversation.
    assert scores["later_turns_alone_answer_at_1"] <= 0.75


def test_eval_prints_every_figure_for_people(bundled_args: list[str], tmp_path: Path) -> None:
    questions = tmp_path / "mixed.jsonl"
    questions.write_text(
        (TEST_DATA / "seed-questions.jsonl").read_text(encoding="utf-8")
        + (TEST_DATA / "conversations.jsonl").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    result = run(*bundled_args, "eval", "-k", "5", str(questions))
    assert result.exit_code == 0, result.output
    for label in (
        "answer@1",
        "answer@3",
        "context@5",
        "MRR@10",
        "abstention on unanswerable",
        "wrong abstention on answerable",
        "turns after the first: answer@1",
        "(asked alone: ",
        "citation right",
        "highlight overlap",
        "p95",
        "index time",
    ):
        assert label in result.stdout


def test_eval_times_the_index_it_builds(settings_args: list[str], tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "Where do owls nest?", "answers": ["barns"]}\n')
    result = run(*settings_args, "eval", "--json", str(questions))
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["index_seconds"] > 0 and scores["answer_at_1"] == 1.0
    assert "Built the index" in result.stderr


def test_a_broken_line_is_one_error_naming_the_file_and_line(tmp_path: Path) -> None:
    questions = tmp_path / "broken.jsonl"
    questions.write_text(
        '{"question": "Who?", "answers": ["x"]}\n\n{"question": "What?", "answers": [\n'
    )
    result = run("--corpus", str(tmp_path), "--index", str(tmp_path / "i"), "eval", str(questions))
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("verbatim: error: ") and "broken.jsonl, line 3" in line
    assert not (tmp_path / "i").exists()  # the file is read before any indexing


@pytest.mark.parametrize(
    "line",
    [
        '{"turns": []}',
        '{"turns": [{"answers": ["x"]}]}',
        '{"question": 3}',
        "[1, 2]",
        '{"question": "  "}',
        '{"question": "Caf\xe9?"}',
    ],
)
def test_malformed_question_lines_are_rejected(tmp_path: Path, line: str) -> None:
    """The lines `ask --questions` refuses (tests/test_bad_questions.py), `eval` refuses too."""
    path = tmp_path / "q.jsonl"
    path.write_bytes(line.encode("latin-1") + b"\n")
    with pytest.raises(QuestionError, match=r"q\.jsonl, line 1: "):
        load_questions(path)


def test_both_formats_are_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"question": "A?", "answers": ["a"]}\n'
        '{"turns": [{"question": "B?", "answers": ["b"]}, {"question": "C?", "answers": []}]}\n'
        '{"question": "D?", "answers": [], "answerable": false}\n'
    )
    questions = load_questions(path)
    assert [(q.question, q.conversation, q.turn) for q in questions] == [
        ("A?", None, 1),
        ("B?", 2, 1),
        ("C?", 2, 2),
        ("D?", None, 1),
    ]
    assert [q.answerable for q in questions] == [True, True, True, False]


def test_highlight_overlap_and_exact_match_against_gold_answers(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "When?", "answers": ["31 December 2014"]}\n')
    text = "The pact was signed on 31 December 2014 in Baghdad."

    def reply(highlight: tuple[int, int] | None) -> Reply:
        answer = Answer(text, 1.0, text, (), highlight=highlight)
        return Reply("When?", (answer,), abstained=False)

    start = text.index("31")
    cases = [(start, start + 16), (start + 3, len(text) - 1), (0, 3), None]
    scores = [score(load_questions(path), [reply(case)], [0.01]) for case in cases]
    assert [(s.highlight_overlap, s.highlight_exact) for s in scores] == [
        (1.0, 1.0),
        (1.0, 0.0),
        (0.0, 0.0),
        (0.0, 0.0),
    ]
    assert all(s.highlights_checked == 1 for s in scores)


def test_a_citation_is_right_when_the_first_answer_holds_a_gold_and_cites_its_file_and_page(
    tmp_path: Path,
) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"question": "Which level?", "answers": ["level 9"], "file": "m.pdf", "page": 4}\n'
        '{"question": "Who?", "answers": ["Ada"], "file": "a.md"}\n'
        '{"question": "Where?", "answers": ["Paris"]}\n'
    )
    questions = load_questions(path)
    assert [(q.file, q.page) for q in questions] == [("m.pdf", 4), ("a.md", None), (None, None)]

    def reply(text: str, *sources: Source) -> Reply:
        return Reply("?", (Answer(text, 1.0, text, sources),), abstained=False)

    def citation_right(*replies: Reply) -> float:
        scores = score(questions, [*replies, reply("Paris")], [0.01] * 3)
        assert scores.cited == 2  # the third question names no file
        return scores.citation_right

    right = reply("Use level 9.", Source("m.pdf", "s", 1, 1, page=4))
    other_page = reply("Use level 9.", Source("m.pdf", "s", 1, 1, page=5))
    both = reply("Ada wrote it.", Source("b.md", "s", 1, 1), Source("a.md", "s", 3, 3))
    no_gold = reply("Someone wrote it.", Source("a.md", "s", 3, 3))
    assert citation_right(right, both) == 1.0
    assert citation_right(other_page, both) == 0.5
    assert citation_right(right, no_gold) == 0.5


def test_a_file_or_page_of_the_wrong_type_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "A?", "answers": ["a"], "file": "m.pdf", "page": "4"}\n')
    with pytest.raises(QuestionError, match="page"):
        load_questions(path)
