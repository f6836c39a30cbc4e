"""Query a saved vector index in a fresh single-threaded process, as the scale benchmarks do:
open time, per-query latency at each setting, the ids found, and resident memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

K = 10  # neighbours asked per query

# Runs in a fresh interpreter: open a saved index, query it one vector at a time, report.
_SCRIPT = """
import json, pathlib, sys, time
import faiss  # imported before the clock starts: opening is what is timed
import numpy as np
from verbatim.index import vectors
from verbatim.index.vectors import VectorIndex
path, queries_path, k = sys.argv[1], sys.argv[2], int(sys.argv[4])
settings, warm_up = json.loads(sys.argv[3]), int(sys.argv[5])
queries = np.load(queries_path)
started = time.perf_counter()
index = VectorIndex.load(pathlib.Path(path))
opened = time.perf_counter() - started
results = []
for nprobe, rerank in settings:
    if nprobe:
        vectors._inverted_file(index._index).nprobe = nprobe
    if rerank:
        vectors.RERANK_FACTOR = rerank
    for query in queries[:warm_up]:  # the pages a query touches first come from disk
        index.search(query, k)
    times, found = [], []
    for query in queries:
        started = time.perf_counter()
        hits = index.search(query, k)
        times.append(time.perf_counter() - started)
        found.append([i for i, _ in hits])
    times.sort()
    results.append({"nprobe": nprobe, "rerank": rerank, "p50": times[len(times) // 2],
                    "p95": times[int(len(times) * 0.95)], "found": found})
status = pathlib.Path("/proc/self/status").read_text().split()
rss = {name: int(status[status.index(name + ":") + 1]) / 1024  # ru_maxrss counts the parent's
       for name in ("VmHWM", "RssAnon", "RssFile")}
print(json.dumps({"open": opened, "rss": rss, "results": results}))
"""


def probe(
    path: Path, queries: Path, settings: list[tuple[int, int | None]], warm_up: int = 0
) -> dict:
    """Query the index at ``path`` with the vectors in ``queries`` at each (nprobe, re-rank
    factor) of ``settings`` (0 / None: as the index opens), after ``warm_up`` unmeasured
    queries at each."""
    # One thread, as one query uses: on a loaded machine two OpenMP threads are 2x slower.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "OMP_NUM_THREADS": "1"}
    arguments = [str(path), str(queries), json.dumps(settings), str(K), str(warm_up)]
    output = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *arguments],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    return json.loads(output)


def recall(found: list[list[int]], truth: np.ndarray) -> float:
    """The share of the true neighbours (``truth``, a row per query) that were ``found``."""
    hits = sum(len(set(f) & set(t.tolist())) for f, t in zip(found, truth, strict=True))
    return hits / truth.size
