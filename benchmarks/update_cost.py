"""What adding one document to a 100k-passage index costs, and how much of it grows with the index.

On the synthetic index (make it first with benchmarks/synthetic_index.py), in one run:

1. a squad-dev article is added to the corpus and `Assistant.update_index` runs: the update
   embeds it, and its commit writes the vector changes as a delta and the new lexical segment;
2. it is removed again, with the vector files forced to be written whole: the baseline, what
   every update paid before deltas;
3. the index is opened (as a fresh `verbatim ask` would) after each.

    nice -n 10 .venv/bin/python benchmarks/update_cost.py [--target /tmp/verbatim-bench/synthetic]

The index is changed and changed back: it holds the same documents afterwards.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from verbatim.assistant import Assistant
from verbatim.config import Settings
from verbatim.index import vectors
from verbatim.index.directory import Index

SQUAD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "squad-dev" / "corpus"
DOCUMENT = SQUAD / "Normans.txt"  # a mid-sized article: 23 passages


def timed_commits() -> list[float]:
    """Seconds each `Index.commit` takes from now on."""
    seconds: list[float] = []
    commit = Index.commit

    def timed(index: Index) -> None:
        started = time.perf_counter()
        commit(index)
        seconds.append(time.perf_counter() - started)

    Index.commit = timed  # type: ignore[method-assign]
    return seconds


def open_seconds(settings: Settings) -> float:
    started = time.perf_counter()
    Index.open(settings.index).close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=Path, default=Path("/tmp/verbatim-bench/synthetic"))
    args = parser.parse_args()
    settings = Settings.resolve(args.target / "corpus", args.target / "index")
    assistant = Assistant(settings)
    _, passages, sentences = assistant.index.store.counts()
    assistant.embedder.encode(["a warm model"])  # loading it is no part of an update's cost
    commits = timed_commits()
    added = settings.corpus / "added" / DOCUMENT.name
    added.parent.mkdir(exist_ok=True)
    shutil.copy(DOCUMENT, added)

    report = assistant.update_index()
    delta_open = open_seconds(settings)
    added.unlink()
    vectors.REWRITE_SHARE = -1.0  # the baseline: every commit writes the vector files whole
    assistant.update_index()
    whole_open = open_seconds(settings)
    assistant.close()

    print(
        f"\nAdding {DOCUMENT.name} ({report.passages_embedded} passages, "
        f"{report.sentences_embedded} sentences) to an index of {passages:,} passages and "
        f"{sentences:,} sentences\n"
    )
    print("| cost | seconds |\n|---|---|")
    print(f"| the whole update | {report.seconds:.2f} |")
    print(f"| its commit: vector delta + lexical segment | {commits[0]:.2f} |")
    print(f"| baseline commit: vector files written whole | {commits[1]:.2f} |")
    print(f"| opening the index after the delta (replayed) | {delta_open:.2f} |")
    print(f"| opening the index written whole | {whole_open:.2f} |")


if __name__ == "__main__":
    main()
