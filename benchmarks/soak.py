"""Soak: many questions through one Assistant, with the index updated now and then meanwhile.

Reports resident memory (RSS) and open file descriptors after a warm-up and at the end:
both must stay flat. Usage:

    PYTHONPATH=src python benchmarks/soak.py [--questions 10000] [--update-every 2000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from verbatim.assistant import Assistant
from verbatim.config import Settings, packaged_model_path

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
WARM_UP = 200


def rss_mib() -> float:
    """Resident memory of this process, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def questions_from(assistant: Assistant) -> list[str]:
    """A question per indexed sentence: its first words, so each one differs."""
    store = assistant.index.store
    sentences = store.sentences(range(1, store.counts()[2] + 1)).values()
    return [" ".join(s.text.split()[:8]) + "?" for s in sentences if len(s.text.split()) > 3]


def soak(settings: Settings, count: int, update_every: int) -> dict[str, float]:
    """Ask ``count`` questions; every ``update_every`` another assistant adds a file to the
    corpus and updates the index, which the asking assistant must reopen."""
    assistant = Assistant(settings)
    writer = Assistant(settings)
    assistant.ensure_index()
    questions = questions_from(assistant)

    def update(number: int) -> None:
        note = settings.corpus / f"soak-{number}.md"
        note.write_text(f"# Soak\n\nThe soak test asked {number} questions so far.\n")
        writer.update_index()

    update(0)  # the writer's model is loaded before the first measurement
    started = time.perf_counter()
    figures: dict[str, float] = {}
    for number in range(1, count + 1):
        assistant.ask(questions[number % len(questions)])
        if number == min(WARM_UP, count):
            figures |= {"rss_start_mib": rss_mib(), "files_start": open_files()}
        if update_every and number % update_every == 0:
            update(number)
    figures |= {"rss_end_mib": rss_mib(), "files_end": open_files()}
    figures["ms_per_question"] = (time.perf_counter() - started) * 1000 / count
    writer.close()
    assistant.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--update-every", type=int, default=2_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        corpus = Path(root, "corpus")
        shutil.copytree(CORPUS, corpus)
        settings = Settings(corpus, Path(root, "index"), packaged_model_path())
        figures = soak(settings, options.questions, options.update_every)
    print(
        f"{options.questions} questions, index updated every {options.update_every}: "
        f"{figures['ms_per_question']:.1f} ms per question; "
        f"RSS {figures['rss_start_mib']:.0f} MiB after {WARM_UP} -> "
        f"{figures['rss_end_mib']:.0f} MiB at the end; "
        f"open files {figures['files_start']:.0f} -> {figures['files_end']:.0f}"
    )


if __name__ == "__main__":
    main()
