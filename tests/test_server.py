"""`verbatim serve`: `verbatim ask` answers through it exactly as it answers in-process."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from verbatim.assistant import Assistant
from verbatim.index import indexer
from verbatim.serve.client import identity, is_serving, rebuild, runtime_directory, socket_path
from verbatim.serve.server import Server
from verbatim.types import Reply

CLI = "import sys\nfrom verbatim.cli import cli\ncli.main(sys.argv[1:])\n"
# Whether the asking process loaded the index itself: only then does it import FAISS.
REPORT = "print('in-process' if 'faiss' in sys.modules else 'served', file=sys.stderr)\n"
STARTUP_LIMIT = 120.0  # seconds; only a bound on waiting, not a measurement


def places(assistant: Assistant) -> list[str]:
    return ["--corpus", str(assistant.settings.corpus), "--index", str(assistant.settings.index)]


def ask(assistant: Assistant, *args: str) -> tuple[str, str]:
    """`verbatim ask ARGS` in a fresh process: its stdout, and "served" or "in-process"."""
    result = subprocess.run(
        [sys.executable, "-c", CLI + REPORT, *places(assistant), "ask", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout, result.stderr.strip().splitlines()[-1]


@contextmanager
def serving(assistant: Assistant, idle: float = 600) -> Iterator[subprocess.Popen[str]]:
    """`verbatim serve` in a subprocess, stopped (and checked to clean up) afterwards."""
    command = [sys.executable, "-c", CLI, *places(assistant), "serve", f"--idle-timeout={idle}"]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + STARTUP_LIMIT
        while not is_serving(assistant.settings.index):
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        yield server
    finally:
        if server.poll() is None:
            server.terminate()
        server.communicate(timeout=STARTUP_LIMIT)
    assert server.returncode == 0
    assert not socket_path(assistant.settings.index).exists()


def test_answers_through_the_server_are_identical(bundled: Assistant, tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        "".join(
            json.dumps({"question": q}) + "\n"
            for q in (
                "Which town did Iranian soldiers help the Peshmerga retake in August 2014?",
                "What is the boiling point of liquid nitrogen?",  # abstains
                "When did the Defence Ministers of Iran and Iraq sign a military pact?",
            )
        )
    )
    asks = [
        ("--json", "-k", "5", "Who commanded the Quds Force?"),
        ("How much did Iran spend on military aid to Iraq?",),
        ("--json", "--questions", str(questions)),
    ]
    alone = [ask(bundled, *args) for args in asks]
    assert {how for _, how in alone} == {"in-process"}

    with serving(bundled) as server:
        served = [ask(bundled, *args) for args in asks]
        second = subprocess.run(
            [sys.executable, "-c", CLI, *places(bundled), "serve"], capture_output=True, text=True
        )
        assert server.poll() is None

    assert {how for _, how in served} == {"served"}
    assert [out for out, _ in served] == [out for out, _ in alone]
    assert len(alone[2][0].splitlines()) == 3 and '"abstained": true' in alone[2][0]
    assert second.returncode == 2 and "already running" in second.stderr
    assert len(second.stderr.splitlines()) == 1


def test_the_server_stops_when_idle(bundled: Assistant) -> None:
    with serving(bundled, idle=1) as server:
        # returns only once the server stopped by itself (else it times out and fails)
        assert server.wait(timeout=STARTUP_LIMIT) == 0


def test_a_stale_socket_is_ignored_then_replaced(bundled: Assistant) -> None:
    path = socket_path(bundled.settings.index)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))  # as a server killed without cleaning up leaves it
    stale.close()
    assert path.exists()

    output, how = ask(bundled, "--json", "Who commanded the Quds Force?")
    assert how == "in-process" and json.loads(output)["answers"]
    with serving(bundled):
        assert ask(bundled, "--json", "Who commanded the Quds Force?") == (output, "served")


def test_the_server_reopens_an_updated_index(assistant: Assistant, write_files) -> None:
    write_files({"ferry.txt": "The ferry to Hydra leaves at nine in the morning.\n"})
    assistant.update_index()
    question = "When does the ferry to Hydra leave?"
    with serving(assistant):
        output, how = ask(assistant, "--json", question)
        assert how == "served" and "nine" in json.loads(output)["answers"][0]["text"]

        write_files({"ferry.txt": "The ferry to Hydra leaves at ten in the evening.\n"})
        assistant.update_index()
        output, how = ask(assistant, "--json", question)
        assert how == "served" and "ten" in json.loads(output)["answers"][0]["text"]


def test_the_server_leaves_other_corpora_and_stale_ones_to_the_asker(
    assistant: Assistant, write_files
) -> None:
    write_files({"ferry.txt": "The ferry to Hydra leaves at nine in the morning.\n"})
    assistant.update_index()
    server = Server(assistant, fresh_for=0)
    request = {"protocol": 1, **identity(assistant.settings), "question": "Ferry?", "k": 3}
    reply = server.answer(request)
    assert rebuild(Reply, reply["reply"]).to_dict() == reply["json"]

    elsewhere = {**request, "corpus": str(assistant.settings.corpus.parent)}
    assert "another corpus" in server.answer(elsewhere)["fallback"]
    assert "protocol" in server.answer({**request, "protocol": 0})["fallback"]
    assert "empty" in server.answer({**request, "question": " "})["fallback"]
    write_files({"bus.txt": "The bus leaves from the harbour.\n"})
    assert "changed" in server.answer(request)["fallback"]


def test_a_reply_crosses_the_socket_whole(bundled: Assistant) -> None:
    for question in ("Who commanded the Quds Force?", "What is the boiling point of nitrogen?"):
        reply = bundled.ask(question, k=5)
        data = json.loads(json.dumps(dataclasses.asdict(reply)))
        assert rebuild(Reply, data) == reply


def test_a_long_index_path_gets_a_socket_in_a_private_runtime_folder(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 6)
    path = socket_path(deep)
    assert path.parent == runtime_directory()
    assert len(os.fsencode(path)) <= 100
    assert socket_path(deep) == path and socket_path(tmp_path) == tmp_path / "serve.sock"


def test_a_watched_corpus_is_looked_at_only_after_it_changes(
    assistant: Assistant, write_files, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files({"ferry.txt": "The ferry to Hydra leaves at nine in the morning.\n"})
    assistant.update_index()
    looks = []
    is_stale = indexer.is_stale
    monkeypatch.setattr(indexer, "is_stale", lambda *a: looks.append(1) or is_stale(*a))
    server = Server(assistant, fresh_for=0)  # unwatched, it would look at every question
    server.start_watching()
    try:
        watched_within(server, 30)
        looks.clear()
        request = {"protocol": 1, **identity(assistant.settings), "question": "Ferry?", "k": 3}
        for _ in range(5):
            assert "reply" in server.answer(request)
        assert len(looks) == 1  # the first question looked; the corpus has not changed since
        write_files({"bus.txt": "The bus leaves from the harbour.\n"})
        deadline = time.monotonic() + 30
        while "reply" in (answer := server.answer(request)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "changed" in answer["fallback"]
    finally:
        server.close()


def test_a_change_made_while_the_watch_is_set_up_is_not_missed(
    assistant: Assistant, write_files, slow_watch: None
) -> None:
    """Until the corpus watch is set up, questions look at the corpus as an unwatched server
    does; a change made meanwhile, which the watch never sees, is found by the next look."""
    write_files({"ferry.txt": "The ferry to Hydra leaves at nine in the morning.\n"})
    assistant.update_index()
    server = Server(assistant, fresh_for=600)  # unwatched, one look lasts ten minutes
    server.start_watching()
    try:
        request = {"protocol": 1, **identity(assistant.settings), "question": "Ferry?", "k": 3}
        assert "reply" in server.answer(request)  # looked: the corpus matches the index
        write_files({"bus.txt": "The bus leaves from the harbour.\n"})
        watched_within(server, 30)
        assert "changed" in server.answer(request)["fallback"]
    finally:
        server.close()


def watched_within(server: Server, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not server.watching:
        assert time.monotonic() < deadline, "the corpus watch was never set up"
        time.sleep(0.02)
