"""`verbatim index` SIGKILLed at random moments leaves a usable index that the next run repairs.

The moments are chosen at random among every file operation, embedding step and SQLite commit
of a real run (see kill_driver.py), plus a few at random times; the seed is printed and can be
fixed with VERBATIM_KILL_SEED to replay a failure.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verbatim.assistant import Assistant
from verbatim.config import Settings
from verbatim.index.directory import Index

DRIVER = Path(__file__).with_name("kill_driver.py")
MOMENT_KILLS = {False: 5, True: 3}  # per kind of run: update, rebuild
TIMED_KILLS = 2

RIVERS = (
    "# Rivers\n\n"
    + " ".join(
        f"The river number {n} flows through {n + 2} countries before reaching the sea."
        for n in range(12)
    )
    + "\n\nThe Danube flows through ten countries before reaching the Black Sea.\n"
)
VOLCANOES = (
    "# Volcanoes\n\n"
    + " ".join(f"Volcano number {n} last erupted {n + 3} years ago." for n in range(8))
    + "\n\nMount Etna is the most active volcano in Europe.\n"
)


def driver(settings: Settings, kill_at: int, rebuild: bool) -> subprocess.Popen[str]:
    command = [sys.executable, str(DRIVER), str(settings.corpus), str(settings.index)]
    command += [str(kill_at), *(["--rebuild"] if rebuild else [])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)


def check_usable_then_repair(settings: Settings, what: str) -> None:
    assistant = Assistant(settings)
    try:
        reply = assistant.ask("When was the cat domesticated?")
        assert "7500 BC" in reply.answers[0].text, what
        assistant.update_index()  # `verbatim index`
        index = Index.open(settings.index)  # checks that vectors and rows agree
        assert sorted(index.store.documents()) == ["cats.md", "rivers.md", "volcanoes.md"], what
        assert index.is_published(), what  # the manifest is current, no stale files are left
        index.close()
        reply = assistant.ask("Which river reaches the Black Sea?")
        assert "Danube" in reply.answers[0].text, what
    finally:
        assistant.close()


@pytest.mark.slow
def test_index_killed_at_random_moments_keeps_the_old_index_and_is_repaired(
    cats_indexed: Settings, tmp_path: Path
) -> None:
    seed = int(os.environ.get("VERBATIM_KILL_SEED") or random.randrange(1_000_000))
    print(f"kill test seed: {seed} (VERBATIM_KILL_SEED={seed} replays it)")
    chooser = random.Random(seed)
    (cats_indexed.corpus / "rivers.md").write_text(RIVERS, encoding="utf-8")
    (cats_indexed.corpus / "volcanoes.md").write_text(VOLCANOES, encoding="utf-8")
    pristine = tmp_path / "pristine"
    shutil.copytree(cats_indexed.index, pristine)

    def fresh() -> None:
        shutil.rmtree(cats_indexed.index)
        shutil.copytree(pristine, cats_indexed.index)

    for rebuild, kills in MOMENT_KILLS.items():
        fresh()
        counting = driver(cats_indexed, 0, rebuild)
        out, _ = counting.communicate()
        moments = out.splitlines()[1:]
        assert counting.returncode == 0 and moments, out
        for kill_at in sorted(chooser.sample(range(1, len(moments) + 1), kills)):
            fresh()
            what = f"seed {seed}: killed at {moments[kill_at - 1]!r} ({kill_at}/{len(moments)})"
            print(what, "rebuild" if rebuild else "update")
            killed = driver(cats_indexed, kill_at, rebuild)
            killed.communicate()
            assert killed.returncode == -signal.SIGKILL, what
            check_usable_then_repair(cats_indexed, what)

    for _ in range(TIMED_KILLS):
        fresh()
        rebuild = chooser.random() < 0.5
        run = driver(cats_indexed, 0, rebuild)
        assert run.stdout is not None and run.stdout.readline() == "started\n"
        delay = chooser.uniform(0.0, 1.0)
        time.sleep(delay)
        run.send_signal(signal.SIGKILL)
        run.communicate()
        what = f"seed {seed}: killed {delay:.2f} s into a {'rebuild' if rebuild else 'update'}"
        print(what, "(finished first)" if run.returncode == 0 else "")
        check_usable_then_repair(cats_indexed, what)
