"""Cold start: one `verbatim ask` from a fresh process, against the naive script beside it.

Builds the index of the bundled corpus first (once), then times whole processes, wall clock,
median of ``--runs`` each, all in this one run:

- `verbatim ask "..."` in-process (no server running);
- `verbatim ask "..."` while `verbatim serve` is running (the same question, a warm server);
- the naive script: import sentence-transformers, load all-MiniLM-L6-v2, encode the question,
  search the index's own sentence vectors with FAISS, print the best sentences;
- `verbatim --help` and `verbatim status`.

Run from the repository root (with the shared virtualenv, `PYTHONPATH=src` for a checkout):

    nice -n 10 .venv/bin/python benchmarks/cold_ask.py [--runs 5] [--index DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from verbatim.config import packaged_model_path
from verbatim.index.vectors import ExactVectors

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
QUESTION = "Who was the commander of Iran's Quds Force during the intervention?"
CLI = [sys.executable, "-c", "from verbatim.cli import main; main()"]

NAIVE = """
import sqlite3, sys
import faiss
import numpy as np
from sentence_transformers import SentenceTransformer
model_path, ids_path, rows_path, store_path, question = sys.argv[1:]
model = SentenceTransformer(model_path, device="cpu")
vector = model.encode([question], normalize_embeddings=True, convert_to_numpy=True)
rows = np.load(rows_path).astype(np.float32)
index = faiss.IndexFlatIP(rows.shape[1])
index.add(rows)
scores, found = index.search(vector, 3)
ids = np.load(ids_path)
db = sqlite3.connect(store_path)
for i, s in zip(ids[found[0]], scores[0]):
    (text,) = db.execute("SELECT text FROM sentences WHERE id = ?", (int(i),)).fetchone()
    print(f"{s:.2f} {text}")
"""


def wall(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of ``runs`` runs of ``command``.

    CPU time shows what a busy, shared machine hides: it hardly changes with the load."""
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times), statistics.median(cpu)


def naive_command(index: Path) -> list[str]:
    """The naive script over the very sentence vectors and texts of the built index."""
    import json

    store = json.loads((index / "manifest.json").read_text())["store"]
    stem = Path(store).stem
    (vectors,) = sorted(index.glob(f"{stem}.g*.sentences.json"))
    ids, rows = (str(path) for path in ExactVectors.paths(vectors))
    model = str(packaged_model_path())
    return [sys.executable, "-c", NAIVE, model, ids, rows, str(index / store), QUESTION]


def start_server(places: list[str]) -> subprocess.Popen[bytes]:
    """`verbatim serve` in the background, returned once it accepts questions."""
    from verbatim.serve.client import is_serving

    server = subprocess.Popen([*CLI, *places, "serve"], stderr=subprocess.PIPE)
    while not is_serving(Path(places[3])):
        if server.poll() is not None:
            raise SystemExit(f"verbatim serve failed: {server.stderr.read().decode()}")  # type: ignore[union-attr]
        time.sleep(0.05)
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--index", type=Path, default=Path("/tmp/verbatim-bench/bundled"))
    args = parser.parse_args()
    places = ["--corpus", str(CORPUS), "--index", str(args.index)]
    subprocess.run([*CLI, *places, "index"], check=True)  # nothing to do when already built
    ask = [*CLI, *places, "ask", QUESTION]

    cold = wall(ask, args.runs)
    naive = wall(naive_command(args.index), args.runs)
    helped = wall([*CLI, "--help"], args.runs)
    status = wall([*CLI, *places, "status"], args.runs)
    server = start_server(places)
    try:
        served = wall(ask, args.runs)
    finally:
        server.terminate()
        server.wait()

    load = os.getloadavg()[0]
    print(f"\nWhole processes, median of {args.runs}; {os.cpu_count()} CPUs, load {load:.1f}\n")
    print("| command | wall s | CPU s | target | naive ÷ this (wall) |\n|---|---|---|---|---|")
    rows = [
        ("naive script (baseline)", naive, ""),
        ("`verbatim ask` (cold, in-process)", cold, "≤ 1.0 s, ≥ 10×"),
        ("`verbatim ask` (server running)", served, ""),
        ("`verbatim --help`", helped, "≤ 0.3 s"),
        ("`verbatim status`", status, "≤ 0.3 s"),
    ]
    for name, (seconds, cpu), target in rows:
        print(f"| {name} | {seconds:.2f} | {cpu:.2f} | {target} | {naive[0] / seconds:.1f}× |")


if __name__ == "__main__":
    main()
