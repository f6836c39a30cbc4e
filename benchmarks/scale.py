"""Exact against approximate vector search at 100k, 200k and 1M passages, in one run.

Real MiniLM embeddings of the squad-dev corpus (a few thousand passages and sentences, embedded
once and cached under /tmp) are replicated with small Gaussian noise up to each size, so the
vectors keep the structure real ones have; the queries are real squad-dev questions. Each index
is built with `VectorIndex` (the code Verbatim runs) the way an index grows, saved, then opened
and queried one question at a time in a fresh process, which reports the open time, latency and
resident memory:

    PYTHONPATH=src nice -n 10 .venv/bin/python benchmarks/scale.py [--sizes 100000,1000000]

Peak memory is about 4.5 GiB at 1M; the whole run took 2 minutes here (10–20 on a slower,
busier day).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _probe import K, probe, recall
from _real_vectors import real_vectors

from verbatim.index import vectors
from verbatim.index.vectors import VectorIndex

THRESHOLD = vectors.APPROXIMATE_FROM
BATCH = 10_000  # vectors an indexing batch adds: ~1,000 passages and their sentences
TARGETS = "recall@10 >= 0.95, p95 <= 100 ms, RSS <= 2048 MiB, open <= 2 s"


def replicate(base: np.ndarray, size: int, noise: float, seed: int) -> np.ndarray:
    """``size`` unit vectors: copies of ``base`` rows plus noise of norm ~``noise``."""
    rng = np.random.default_rng(seed)
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    sigma = noise / np.sqrt(base.shape[1])
    for start in range(0, size, 100_000):
        stop = min(size, start + 100_000)
        rows = base[rng.integers(0, len(base), stop - start)]
        rows = rows + rng.normal(0, sigma, rows.shape).astype(np.float32)
        out[start:stop] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def build(data: np.ndarray, approximate: bool, path: Path) -> tuple[VectorIndex, float]:
    """Build as Verbatim grows an index: the switch to IVF trains on the first ``THRESHOLD``
    vectors (or all, for a smaller size), the rest is added in batches."""
    vectors.APPROXIMATE_FROM = 1 if approximate else 1 << 62
    started = time.perf_counter()
    index = VectorIndex.empty(data.shape[1])
    first = min(len(data), THRESHOLD)
    index.add(range(first), data[:first])
    for start in range(first, len(data), BATCH):
        index.add(range(start, min(len(data), start + BATCH)), data[start : start + BATCH])
    seconds = time.perf_counter() - started
    assert index.is_approximate == approximate
    index.save(path)
    return index, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,200000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--nprobes", default="8,16,32,64")
    parser.add_argument("--noise", type=float, default=0.5, help="norm of the added noise")
    args = parser.parse_args()
    base, questions = real_vectors()
    rng = np.random.default_rng(1)
    queries = questions[rng.choice(len(questions), args.queries, replace=False)]
    nprobes = [int(n) for n in args.nprobes.split(",")]
    print(f"{len(base)} real vectors replicated with noise {args.noise}; {len(queries)} queries")
    print(f"targets: {TARGETS}; exact = the baseline; nprobe {vectors.NPROBE} is the default\n")
    print("| size | index | nprobe | build s | open s | p50 ms | p95 ms | recall@10 | RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="verbatim-scale-") as folder:
        query_file = Path(folder) / "queries.npy"
        np.save(query_file, queries)
        for size in (int(s) for s in args.sizes.split(",")):
            data = replicate(base, size, args.noise, seed=size)
            exact, exact_build = build(data, False, Path(folder) / "exact.faiss")
            truth = exact._index.search(queries, K)[1]
            del exact
            approximate, approximate_build = build(data, True, Path(folder) / "ivf.faiss")
            sample = rng.choice(size, 1000, replace=False)
            drift = np.abs(
                np.einsum("ij,ij->i", approximate.vectors(sample.tolist()), data[sample]) - 1
            )
            lists = approximate._index.nlist
            del approximate, data
            for name, seconds, path, probes in (
                ("exact", exact_build, "exact.faiss", [0]),
                (f"IVF{lists},SQfp16", approximate_build, "ivf.faiss", nprobes),
            ):
                report = probe(Path(folder) / path, query_file, [(n, None) for n in probes])
                for result in report["results"]:
                    print(
                        f"| {size:,} | {name} | {result['nprobe'] or '-'} | "
                        f"{seconds:.1f} | {report['open']:.2f} | {result['p50'] * 1e3:.1f} | "
                        f"{result['p95'] * 1e3:.1f} | {recall(result['found'], truth):.3f} | "
                        f"{report['rss']['VmHWM']:.0f} |",
                        flush=True,
                    )
                (Path(folder) / path).unlink()
            print(f"|  | (stored vector vs original: max 1 - cosine {drift.max():.1e}) |||||||")


if __name__ == "__main__":
    main()
