"""Warm answers: question → answers with everything loaded, at 100k passages.

Times, in one run over the same index and questions (p50 / p95 over rounds × questions):

- `Assistant.ask` in this process, warm (what the chat app does);
- `verbatim serve` in a subprocess, asked through `verbatim.serve.client` (what `verbatim ask` does
  when a server runs: socket, freshness check, JSON);
- baseline: the naive warm pipeline, sentence-transformers encode + an exact FAISS search of the
  same sentence vectors + the texts from SQLite;
- the stages of the question path, to show where the time goes.

Make the index first (see benchmarks/synthetic_index.py), then, from the repository root:

    nice -n 10 .venv/bin/python benchmarks/warm_latency.py [--target /tmp/verbatim-bench/synthetic]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import faiss
from _questions import BUNDLED as QUESTIONS

from verbatim.allocator import warm_for_many_questions
from verbatim.answer.retrieve import Retriever
from verbatim.assistant import Assistant
from verbatim.config import Settings
from verbatim.index import indexer
from verbatim.index.lexical import query_terms
from verbatim.serve.client import Client, is_serving


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return statistics.median(samples) * 1000, cuts[18] * 1000


def timed(function: Callable[[str], object], rounds: int) -> tuple[float, float, float]:
    """p50 and p95 wall milliseconds, and p50 CPU milliseconds of this thread (which a busy,
    shared machine hardly inflates; zero for work done in another process)."""
    for question in QUESTIONS:  # one untimed pass: caches and lazy loads
        function(question)
    samples, cpu = [], []
    for _ in range(rounds):
        for question in QUESTIONS:
            started, started_cpu = time.perf_counter(), time.thread_time()
            function(question)
            samples.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - started_cpu)
    return (*percentiles(samples), statistics.median(cpu) * 1000)


def served(settings: Settings, rounds: int) -> tuple[float, float, float]:
    places = ["--corpus", str(settings.corpus), "--index", str(settings.index)]
    command = [sys.executable, "-c", "from verbatim.cli import main; main()", *places, "serve"]
    server = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    try:
        while not is_serving(settings.index):
            if server.poll() is not None:
                raise SystemExit("verbatim serve did not start")
            time.sleep(0.05)
        client = Client.connect(settings)
        assert client is not None

        def ask(question: str) -> None:
            if client.ask(question, 3) is None:
                raise SystemExit("the server sent the question back: is the index fresh?")

        return timed(ask, rounds)
    finally:
        server.terminate()
        server.wait()


def naive(assistant: Assistant, rounds: int) -> tuple[float, float, float]:
    """Warm sentence-transformers + an exact FAISS index of the same sentence vectors (as a
    simple script builds one), texts from SQLite."""
    model = assistant.embedder.model
    stored = assistant.index.sentence_vectors
    ids = stored.ids()
    vectors = faiss.IndexFlatIP(stored.dimension)
    vectors.add(stored.vectors(ids))
    database = sqlite3.connect(assistant.index.store.path)

    def ask(question: str) -> None:
        vector = model.encode([question], normalize_embeddings=True, convert_to_numpy=True)
        for i in vectors.search(vector, 3)[1][0]:
            database.execute("SELECT text FROM sentences WHERE id = ?", (int(ids[i]),)).fetchone()

    return timed(ask, rounds)


def stages(assistant: Assistant, rounds: int) -> dict[str, tuple[float, float, float]]:
    index = assistant.index
    encode = assistant.question_encoder.encode
    vector = encode([QUESTIONS[0]])[0]
    retriever = Retriever(index, encode)  # a benchmark may time a step of it
    nearest = [i for i, _ in index.passage_vectors.search(vector, 20)]
    return {
        "encode the question (ONNX)": timed(lambda q: encode([q]), rounds),
        "FAISS: 20 nearest passages": timed(
            lambda q: index.passage_vectors.search(vector, 20), rounds
        ),
        "their sentences (SQLite) and 50 nearest (their vectors)": timed(
            lambda q: retriever._nearest_sentences(vector, nearest), rounds
        ),
        "BM25: 200 best sentences": timed(
            lambda q: index.lexical.search("sentences", query_terms(q), 200), rounds
        ),
        "BM25: 200 best passages": timed(
            lambda q: index.lexical.search("passages", query_terms(q), 200), rounds
        ),
        "corpus freshness check (server)": timed(
            lambda q: indexer.is_stale(assistant.settings.corpus, index), rounds
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=Path, default=Path("/tmp/verbatim-bench/synthetic"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    settings = Settings.resolve(args.target / "corpus", args.target / "index")
    assistant = Assistant(settings)
    warm_for_many_questions(assistant)  # as `verbatim serve` and the chat app do
    _, passages, sentences = assistant.index.store.counts()

    warm = timed(lambda q: assistant.ask(q), args.rounds)
    through_server = served(settings, args.rounds)
    breakdown = stages(assistant, args.rounds)
    baseline = naive(assistant, args.rounds)

    samples = args.rounds * len(QUESTIONS)
    load = os.getloadavg()[0]
    print(f"\n{passages} passages, {sentences} sentences; {samples} questions; load {load:.1f}\n")
    print("| path | p50 ms | p95 ms | CPU p50 ms | target |\n|---|---|---|---|---|")
    rows = {
        "naive warm: sentence-transformers + FAISS (baseline)": (baseline, ""),
        "`Assistant.ask`, warm (chat app)": (warm, "p95 ≤ 50"),
        "`verbatim serve`, via the client (CPU: client only)": (through_server, "p95 ≤ 50"),
        **{f"stage: {name}": (figures, "") for name, figures in breakdown.items()},
    }
    for name, ((p50, p95, cpu), target) in rows.items():
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {cpu:.1f} | {target} |")
    assistant.close()


if __name__ == "__main__":
    main()
