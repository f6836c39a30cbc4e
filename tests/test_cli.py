"""The `verbatim` command: the JSON contract, batch mode, status and one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from verbatim.assistant import Assistant
from verbatim.cli import cli
from verbatim.evaluate import normalise

from .conftest import BUNDLED_CORPUS


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


@pytest.fixture(scope="module")
def bundled_args(bundled: Assistant) -> list[str]:
    return ["--corpus", str(BUNDLED_CORPUS), "--index", str(bundled.settings.index)]


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("verbatim: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_ask_json_follows_the_contract(bundled_args: list[str]) -> None:
    question = (
        "Which town did hundreds of Iranian soldiers help the Peshmerga retake in August 2014?"
    )
    result = run(*bundled_args, "ask", "--json", "-k", "5", question)
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    reply = json.loads(line)
    assert set(reply) >= {"question", "abstained", "confidence", "answers"}
    assert reply["question"] == question and reply["abstained"] is False
    assert 0.0 <= reply["confidence"] <= 1.0
    assert 1 <= len(reply["answers"]) <= 5
    scores = [a["score"] for a in reply["answers"]]
    assert scores == sorted(scores, reverse=True)
    assert "Jalawla" in reply["answers"][0]["text"]
    for answer in reply["answers"]:
        assert {"text", "score", "context", "sources"} <= set(answer)
        assert isinstance(answer["score"], float) and answer["sources"]
        assert normalise(answer["text"]) in normalise(answer["context"])
        for source in answer["sources"]:
            assert set(source) >= {"path", "section", "line_start", "line_end"}
            lines = (BUNDLED_CORPUS / source["path"]).read_text(encoding="utf-8").split("\n")
            held = " ".join(lines[source["line_start"] - 1 : source["line_end"]])
            # The sentence stands in those lines (citation markers and spacing aside).
            assert normalise(answer["text"]).replace(" ", "") in normalise(held).replace(" ", "")


def test_the_same_sentence_in_several_files_is_one_answer_with_all_sources(
    bundled_args: list[str],
) -> None:
    question = (
        "When did the Defence Ministers of Iran and Iraq sign a military pact to combat ISIS?"
    )
    reply = json.loads(run(*bundled_args, "ask", "--json", question).stdout)
    top = reply["answers"][0]
    assert "31 December 2014" in top["text"]
    paths = {s["path"] for s in top["sources"]}
    assert len(paths) >= 2
    texts = [normalise(a["text"]) for a in reply["answers"]]
    assert len(texts) == len(set(texts))


def test_k_caps_the_number_of_answers(bundled_args: list[str]) -> None:
    reply = json.loads(run(*bundled_args, "ask", "--json", "-k", "1", "Quds Force").stdout)
    assert len(reply["answers"]) == 1


def test_abstains_when_the_documents_do_not_hold_the_answer(bundled_args: list[str]) -> None:
    result = run(*bundled_args, "ask", "--json", "Which programming language did Guido create?")
    reply = json.loads(result.stdout)
    assert reply["abstained"] is True and reply["answers"] == []
    human = run(*bundled_args, "ask", "What is the capital of Australia?")
    assert "Not found in your documents" in human.stdout


def test_batch_mode_answers_one_json_line_per_question(
    bundled_args: list[str], tmp_path: Path
) -> None:
    questions = tmp_path / "qs.jsonl"
    lines = [
        {"question": "Who survived an assassination attempt with an explosive drone?"},
        {"question": "What is the capital of Australia?", "id": 7},
        {"question": "For how many days was the town of Amirli besieged by ISIL?"},
    ]
    questions.write_text("\n".join(json.dumps(q) for q in lines) + "\n\n")
    result = run(*bundled_args, "ask", "--json", "--questions", str(questions))
    assert result.exit_code == 0, result.output
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in replies] == [q["question"] for q in lines]
    assert [r["abstained"] for r in replies] == [False, True, False]
    stdin = run(*bundled_args, "ask", "--json", "--questions", "-", input=json.dumps(lines[2]))
    assert json.loads(stdin.stdout)["answers"][0]["text"] == replies[2]["answers"][0]["text"]


def test_a_broken_question_line_names_the_line(bundled_args: list[str], tmp_path: Path) -> None:
    questions = tmp_path / "qs.jsonl"
    questions.write_text('{"question": "Who is Hadi al-Amiri?"}\n{"question": oops}\n')
    result = run(*bundled_args, "ask", "--json", "--questions", str(questions))
    assert result.exit_code == 2
    assert "line 2" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_human_output_shows_answers_with_their_sources(bundled_args: list[str]) -> None:
    result = run(*bundled_args, "ask", "Which IRGC brigadier general was killed in Samarra?")
    assert result.exit_code == 0
    assert "Hamid Taqavi" in result.stdout
    assert "↳ iranian-intervention-in-iraq." in result.stdout and "line" in result.stdout


def test_ask_builds_a_missing_index_with_progress_on_stderr(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "note.md").write_text("# Note\n\nThe spare key is under the blue flowerpot.\n")
    args = ["--corpus", str(corpus), "--index", str(tmp_path / "idx")]
    result = run(*args, "ask", "--json", "Where is the spare key?")
    assert result.exit_code == 0, result.output
    assert "Built the index" in result.stderr
    reply = json.loads(result.stdout)  # stdout holds nothing but the JSON
    assert reply["answers"][0]["sources"][0] == {
        "path": "note.md",
        "section": "Note",
        "line_start": 3,
        "line_end": 3,
    }
    (corpus / "later.md").write_text("# Later\n\nThe bicycle is in the garden shed.\n")
    stale = run(*args, "status")
    assert "1 new" in stale.stdout and "later.md" in stale.stdout
    again = run(*args, "ask", "--json", "Where is the bicycle?")
    assert "Updated the index: 1 added" in again.stderr
    assert "shed" in json.loads(again.stdout)["answers"][0]["text"]


def test_index_and_status_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Alpha is the first letter of the Greek alphabet.\n")
    monkeypatch.setenv("VERBATIM_CORPUS", str(corpus))
    monkeypatch.setenv("VERBATIM_INDEX", str(tmp_path / "idx"))
    built = run("index")
    assert built.exit_code == 0 and "1 added" in built.stderr
    assert "(1 passage and 1 sentence embedded in" in built.stderr
    status = json.loads(run("status", "--json").stdout)
    assert status["documents"] == 1 and status["sentences"] == 1
    assert status["stale"] is False and status["model_matches"] is True
    rebuilt = run("index", "--rebuild")
    assert rebuilt.exit_code == 0 and "Built the index: 1 added" in rebuilt.stderr


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--corpus", "/nonexistent/docs", "index"], ["/nonexistent/docs", "does not exist"]),
        (["ask"], ["give a question"]),
        (["ask", "-k", "0", "x"], ["-k"]),
        (["ask", "--frobnicate", "x"], ["--frobnicate"]),
        (["--model", "/nonexistent/model", "status"], ["/nonexistent/model"]),
    ],
)
def test_user_errors_are_one_line_with_exit_code_2(
    args: list[str], fragments: list[str], tmp_path: Path
) -> None:
    assert_one_line_error(run("--index", str(tmp_path / "idx"), *args), *fragments)


def test_status_without_an_index_says_how_to_build_one(tmp_path: Path) -> None:
    assert_one_line_error(run("--index", str(tmp_path / "none"), "status"), "verbatim index")


def test_a_damaged_index_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Alpha is the first letter of the Greek alphabet.\n")
    args = ["--corpus", str(corpus), "--index", str(tmp_path / "idx")]
    assert run(*args, "index").exit_code == 0
    (tmp_path / "idx" / "manifest.json").write_text("][")
    assert_one_line_error(run(*args, "ask", "alpha"), "damaged", "--rebuild")


def test_an_index_is_never_repurposed_for_another_corpus(tmp_path: Path) -> None:
    """`--corpus B` on A's index is a one-line error naming both; A's documents stay indexed
    until `--rebuild` repurposes the index."""
    first, second, index = tmp_path / "first", tmp_path / "second", tmp_path / "idx"
    for corpus, text in ((first, "Alpha is a Greek letter."), (second, "Bravo is a word.")):
        corpus.mkdir()
        (corpus / f"{corpus.name}.txt").write_text(text + "\n")
    of_first = ["--corpus", str(first), "--index", str(index)]
    of_second = ["--corpus", str(second), "--index", str(index)]
    assert run(*of_first, "index").exit_code == 0
    for command in (["ask", "What is Bravo?"], ["index"], ["index", "--dry-run"]):
        refused = run(*of_second, *command)
        assert_one_line_error(refused, str(first), str(second), "--index", "--rebuild")
    status = json.loads(run(*of_second, "status", "--json").stdout)
    assert status["index_corpus"] == str(first.resolve()) and status["corpus_matches"] is False
    assert "belongs to another corpus" in run(*of_second, "status").stdout
    kept = json.loads(run(*of_first, "status", "--json").stdout)
    assert kept["documents"] == 1 and kept["corpus_matches"] is True and not kept["stale"]
    assert f"Serves:   {first.resolve()}" in run(*of_first, "status").stdout
    shutil.copytree(index, tmp_path / "copied")  # an index moved alone stays its corpus's
    copied = run("--corpus", str(first), "--index", str(tmp_path / "copied"), "ask", "Alpha")
    assert copied.exit_code == 0 and "Alpha is a Greek letter." in copied.stdout

    assert run(*of_second, "index", "--rebuild").exit_code == 0
    status = json.loads(run(*of_second, "status", "--json").stdout)
    assert status["index_corpus"] == str(second.resolve()) and status["documents"] == 1
    moved = tmp_path / "moved"  # corpus and index moved together stay paired
    moved.mkdir()
    second.rename(moved / "second")
    index.rename(moved / "idx")
    reply = run("--corpus", str(moved / "second"), "--index", str(moved / "idx"), "ask", "Bravo")
    assert reply.exit_code == 0 and "Bravo is a word." in reply.stdout


def test_an_index_from_before_corpora_were_recorded_adopts_the_corpus(tmp_path: Path) -> None:
    corpus, index = tmp_path / "docs", tmp_path / "idx"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Alpha is the first letter of the Greek alphabet.\n")
    args = ["--corpus", str(corpus), "--index", str(index)]
    assert run(*args, "index").exit_code == 0
    manifest = json.loads((index / "manifest.json").read_text())
    del manifest["corpus"], manifest["corpus_relative"]
    (index / "manifest.json").write_text(json.dumps(manifest))
    assert json.loads(run(*args, "status", "--json").stdout)["index_corpus"] is None
    reply = run(*args, "ask", "--json", "What is alpha?")
    assert (
        reply.exit_code == 0 and "Greek alphabet" in json.loads(reply.stdout)["answers"][0]["text"]
    )
    status = json.loads(run(*args, "status", "--json").stdout)
    assert status["index_corpus"] == str(corpus.resolve()) and status["documents"] == 1
