"""Two writers, readers during a write: the index lock and readers that follow new generations."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from verbatim.assistant import Assistant
from verbatim.cli import cli
from verbatim.config import Settings
from verbatim.errors import IndexBusyError
from verbatim.index import lock
from verbatim.index.directory import Index
from verbatim.tui.app import VerbatimApp
from verbatim.tui.widgets.transcript import Transcript

from .test_tui import SIZE, ask, settle

RIVERS = "# Rivers\n\nThe Danube flows through ten countries before reaching the Black Sea.\n"
CATS_QUESTION = "When was the cat domesticated?"
RIVERS_QUESTION = "How many countries does the Danube flow through?"

HOLD_LOCK = """
import sys, time
from pathlib import Path
from verbatim.index import lock
with lock.writing(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(600)
"""


def latest_answer(app: VerbatimApp) -> str:
    reply = app.query_one(Transcript).shown()[-1].reply
    assert reply is not None and reply.answers
    return reply.answers[0].text


def top_answer(assistant: Assistant, question: str) -> str:
    reply = assistant.ask(question)
    return reply.answers[0].text if reply.answers else ""


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_reader_answers_from_the_old_index_during_an_update_and_sees_the_new_one_after(
    cats_indexed: Settings, write_files, rebuild: bool
) -> None:
    settings = cats_indexed
    writer, reader = Assistant(settings), Assistant(settings)
    assert "7500 BC" in top_answer(reader, CATS_QUESTION)  # the reader holds the index open
    write_files({"rivers.md": RIVERS})
    (settings.corpus / "cats.md").unlink()

    during: list[tuple[str, str]] = []

    def ask_meanwhile(stage: str, done: int, total: int) -> None:
        # Called while the writer embeds; once more each stage so both halves are covered.
        if done == total:
            during.append((top_answer(reader, CATS_QUESTION), top_answer(reader, RIVERS_QUESTION)))

    report = writer.update_index(rebuild=rebuild, progress=ask_meanwhile)
    assert report.added == ["rivers.md"] and report.rebuilt is rebuild
    assert during and all("7500 BC" in cats for cats, _ in during)
    assert all("Danube" not in rivers for _, rivers in during)

    assert "Danube" in top_answer(reader, RIVERS_QUESTION)  # published: the reader reopened
    assert all("7500 BC" not in a.text for a in reader.ask(CATS_QUESTION, k=5).answers)
    reader.close()
    writer.close()


def test_a_second_writer_is_refused_and_a_killed_writer_leaves_no_stale_lock(
    cats_indexed: Settings, write_files
) -> None:
    settings = cats_indexed
    write_files({"rivers.md": RIVERS})
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(settings.index)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        args = ["--corpus", str(settings.corpus), "--index", str(settings.index)]
        refused = CliRunner().invoke(cli, [*args, "index"])
        assert refused.exit_code == 2
        (line,) = refused.stderr.splitlines()
        assert line.startswith("verbatim: error: another `verbatim index` is updating")
        assert "wait for it to finish" in line
    finally:
        holder.send_signal(signal.SIGKILL)  # dies holding the lock, as on a crash
        holder.wait()
    assert Path(settings.index / "index.lock").exists()  # the file stays; the lock does not
    built = CliRunner().invoke(cli, [*args, "index"])
    assert built.exit_code == 0, built.output
    assert "1 added, 0 updated, 0 removed, 1 unchanged" in built.stderr


async def test_the_chat_app_answers_during_another_writer_and_sees_its_update(
    cats_indexed: Settings, write_files
) -> None:
    app = VerbatimApp(cats_indexed)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, CATS_QUESTION)
        assert "7500 BC" in latest_answer(app)
        write_files({"rivers.md": RIVERS})
        with lock.writing(cats_indexed.index):  # another `verbatim index` is running
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert any("another `verbatim index`" in n.message for n in app._notifications)
            await ask(pilot, CATS_QUESTION)  # still answered, from the current index
            assert "7500 BC" in latest_answer(app)
        publish_as_another_writer(cats_indexed)
        assert "rivers.md" in Index.documents_in(cats_indexed.index)[1]
        await ask(pilot, RIVERS_QUESTION)
        assert "Danube" in latest_answer(app)


def publish_as_another_writer(settings: Settings) -> None:
    """Update the index from outside the app, waiting while the app's own corpus watcher (which
    sees the new file too) holds the write lock."""
    deadline = time.monotonic() + 120
    while True:
        try:
            Assistant(settings).update_index()
            return
        except IndexBusyError:
            assert time.monotonic() < deadline, "the app's watcher kept the index locked"
            time.sleep(0.1)
