"""Indexing throughput: `verbatim index --rebuild` against the bare model encoding the same texts.

The baseline is sentence-transformers' `encode` (which sorts by length itself) over exactly the
passages and sentences Verbatim embeds, with Verbatim's batch size, in the same process and run;
Verbatim's figure is the whole rebuild (reading, parsing, embedding with the model's 8-bit ONNX
export, SQLite, FAISS, commit):

    PYTHONPATH=src nice -n 10 .venv/bin/python benchmarks/indexing.py [--corpus DIR] [--rounds 2]

The default corpus is the squad-dev articles in ../shared/eval (about 3 minutes a round here).
Target: Verbatim >= 0.9x the baseline.

benchmarks/update_cost.py prices adding one document to a large index.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from verbatim.config import packaged_model_path
from verbatim.index.embed import BATCH_SIZE, Embedder
from verbatim.index.indexer import texts_of, update
from verbatim.ingest import discover, read_text
from verbatim.ingest.parse import parse_document
from verbatim.types import Document

SQUAD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "squad-dev" / "corpus"


def documents(corpus: Path) -> list[Document]:
    return [parse_document(p, read_text(corpus / p)) for p in discover(corpus).files]


def raw(embedder: Embedder, passages: list[str], sentences: list[str]) -> float:
    started = time.perf_counter()
    for batch in (passages, sentences):
        embedder.model.encode(
            batch, batch_size=BATCH_SIZE, normalize_embeddings=True, show_progress_bar=False
        )
    return time.perf_counter() - started


def verbatim(embedder: Embedder, corpus: Path, index: Path) -> float:
    return update(corpus, index, embedder, rebuild=True).seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=SQUAD)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    parsed = documents(args.corpus)
    passages, sentences = texts_of(parsed)
    with tempfile.TemporaryDirectory(prefix="verbatim-indexing-") as folder:
        index = Path(folder) / "index"
        # as an assistant makes it: documents are encoded by the export beside the index
        embedder = Embedder(packaged_model_path(), index)
        verbatim(embedder, args.corpus, index)  # warm-up: model load, question-encoder export
        times: dict[str, list[float]] = {"raw encode": [], "verbatim index --rebuild": []}
        for _ in range(args.rounds):  # interleaved, so the machine's noise hits both alike
            times["raw encode"].append(raw(embedder, passages, sentences))
            times["verbatim index --rebuild"].append(verbatim(embedder, args.corpus, index))
    print(
        f"{args.corpus}: {len(passages)} passages, {len(sentences)} sentences, "
        f"median of {args.rounds} rounds; target: verbatim >= 0.9x raw\n"
    )
    print("| pipeline | seconds | passages/s | sentences/s | x raw |")
    print("|---|---|---|---|---|")
    baseline = statistics.median(times["raw encode"])
    for name, runs in times.items():
        seconds = statistics.median(runs)
        print(
            f"| {name} | {seconds:.1f} | {len(passages) / seconds:.1f} | "
            f"{len(sentences) / seconds:.1f} | {baseline / seconds:.2f} |"
        )


if __name__ == "__main__":
    main()
