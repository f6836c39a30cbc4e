"""A long session: memory and open files stay flat over many questions and index updates.

benchmarks/soak.py runs the full 10,000-question soak; this is its shorter CI version.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from verbatim.assistant import Assistant
from verbatim.config import Settings

QUESTIONS = 1000
UPDATE_EVERY = 250
MAX_GROWTH_MIB = 25.0


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def open_files() -> set[str]:
    """What this process's file descriptors point at."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the descriptor listdir used, closed meanwhile
            found.add(os.readlink(f"/proc/self/fd/{fd}"))
    return found


@pytest.mark.slow
def test_memory_and_open_files_stay_flat_over_many_questions(
    cats_indexed: Settings, write_files
) -> None:
    write_files({"rivers.md": "# Rivers\n\nThe Danube flows through ten countries.\n"})
    asker, writer = Assistant(cats_indexed), Assistant(cats_indexed)
    writer.update_index()
    questions = ["When was the cat domesticated?", "Which river crosses ten countries?"]
    questions += [f"What happened in the year {year}?" for year in range(1900, 1950)]
    for question in questions:  # warm up: every question once, the index opened
        asker.ask(question)
    files, rss = open_files(), rss_mib()

    for number in range(1, QUESTIONS + 1):
        asker.ask(questions[number % len(questions)])
        if number % UPDATE_EVERY == 0:  # another writer publishes: the asker reopens
            write_files({f"note-{number}.md": f"# Note\n\nNote number {number} was written.\n"})
            writer.update_index()

    growth = rss_mib() - rss
    print(f"RSS {rss:.0f} MiB -> {rss + growth:.0f} MiB over {QUESTIONS} questions")
    assert growth < MAX_GROWTH_MIB
    # The asker follows the writer: the note published last is in what it answers from.
    assert "Note number 1000" in asker.ask("Was note number 1000 written?").answers[0].text
    # The vector files of the generation in use stay mapped (and so open); none of an older
    # one, deleted when the writer published, may be kept open.
    # (Its own folder's: other tests' assistants in this process hold files of theirs.)
    held = {f for f in open_files() if f.startswith(f"{cats_indexed.index}/")}
    assert held, "the generation in use is mapped"
    missing = {f for f in held if not Path(f).exists()}
    assert not missing, missing
    assert len(open_files()) <= len(files) + 1  # at most the listing's own descriptor
    writer.close()
    asker.close()
