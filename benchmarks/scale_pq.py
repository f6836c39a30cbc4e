"""The compressed index of the 100M class against exact search, at 1M vectors and more.

By default the vectors are DERIVED FROM REAL ONES, not embedded: the squad-dev corpus is
embedded once with the packaged MiniLM model (its passages and sentences, cached under /tmp)
and each vector made here is a blend of two of those real vectors, random weights (the second
weighs 0 to ``--blend``), plus Gaussian noise of norm ``--noise``, normalised: points spread
along the segments between real neighbours instead of tight copies of a few thousand of them
(``--blend 0`` makes the copies of benchmarks/scale.py). The queries are real squad-dev
questions, embedded by the same model. With ``--real`` the vectors are real embeddings of
distinct texts instead, as many as benchmarks/real_texts.py has embedded so far, and the last
``--queries`` of them are the queries.

Each index is built with `VectorIndex` (the code Verbatim runs) the way an index grows, a batch
of ``BATCH`` vectors at a time, written as Verbatim's commits write it (whole when
:meth:`VectorIndex.needs_whole_write`, else as a delta), then opened and queried one question at
a time in a fresh single-threaded process, which reports open time, latency, recall@10 against
exact search and resident memory:

    PYTHONPATH=src nice -n 10 .venv/bin/python benchmarks/scale_pq.py [--sizes 1000000]

Bytes a vector in memory are the index file's size (IVF lists of codes and ids, the coarse
centroids), which the process maps and touches as it searches; the exact vectors beside it, on
disk, are counted apart, as is the store. Peak memory was 5.0 GiB at 1M vectors with
``--reference`` and 6.6 GiB at 2M without; each run took 5–6 minutes here (2026-12-01).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import real_texts
from _probe import K, probe, recall
from _real_vectors import real_vectors

from verbatim.index import vectors
from verbatim.index.vectors import ExactVectors, VectorIndex

BATCH = 10_000  # vectors an indexing batch adds: ~1,000 passages and their sentences
TARGETS = "bytes/vector in memory <= 64, recall@10 >= 0.95, p95 <= 20 ms"
CHOICES = {  # name: the factory string's template, {lists} and {codes} (dimension / 8) filled
    "PQ, 8 bits x d/8 (the default)": "IVF{lists},PQ{codes}np",
    "PQ, 8 bits x d/12": "IVF{lists},PQ{codes12}np",
    "OPQ + PQ, 8 bits x d/12": "OPQ{codes12},IVF{lists},PQ{codes12}np",
    "fast-scan PQ, 4 bits x d/4": "IVF{lists},PQ{codes4}x4fs",
    "fast-scan PQ, 4 bits x d/8": "IVF{lists},PQ{codes}x4fs",
}


def blend(base: np.ndarray, size: int, weight: float, noise: float, seed: int) -> np.ndarray:
    """``size`` unit vectors: a row of ``base`` blended with another (which weighs up to
    ``weight``), plus noise of norm ~``noise``."""
    rng = np.random.default_rng(seed)
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    sigma = noise / np.sqrt(base.shape[1])
    for start in range(0, size, 100_000):
        count = min(size, start + 100_000) - start
        first = base[rng.integers(0, len(base), count)]
        second = base[rng.integers(0, len(base), count)]
        share = rng.uniform(0, weight, (count, 1)).astype(np.float32)
        rows = (1 - share) * first + share * second
        rows += rng.normal(0, sigma, rows.shape).astype(np.float32)
        out[start : start + count] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def exact_neighbours(data: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """The ids (positions) of the ``K`` nearest rows to each query, by brute force."""
    best = np.zeros((len(queries), 0), np.int64)
    scores = np.zeros((len(queries), 0), np.float32)
    for start in range(0, len(data), 200_000):
        chunk = queries @ data[start : start + 200_000].T
        top = np.argpartition(-chunk, K, axis=1)[:, :K]
        scores = np.hstack([scores, np.take_along_axis(chunk, top, 1)])
        best = np.hstack([best, top + start])
        keep = np.argsort(-scores, axis=1)[:, :K]
        scores, best = np.take_along_axis(scores, keep, 1), np.take_along_axis(best, keep, 1)
    return best


def build(data: np.ndarray, template: str | None, path: Path) -> tuple[VectorIndex, dict]:
    """Build as Verbatim grows an index, committing every batch; ``template`` None builds the
    half-precision IVF of today for reference."""
    dimension = data.shape[1]
    if template is None:
        vectors.COMPRESSED_FROM = 1 << 62
    else:
        vectors.COMPRESSED_FROM = 1
        vectors.compressed_factory = lambda _, lists: template.format(
            lists=lists,
            codes=dimension // 8,
            codes4=dimension // 4,
            codes12=dimension // 12,
        )
    vectors.APPROXIMATE_FROM = 1
    started = time.perf_counter()
    index = VectorIndex.empty(dimension)
    writes = 0
    first = min(len(data), 50_000)  # the size at which Verbatim's index becomes IVF
    batches = [
        (0, first),
        *((s, min(len(data), s + BATCH)) for s in range(first, len(data), BATCH)),
    ]
    for start, stop in batches:
        index.add(range(start, stop), data[start:stop])
        if index.needs_whole_write():  # a commit, as Index.commit makes it
            index.save(path)
            writes += 1
        else:
            index.take_delta()  # written as a delta file; replayed only on opening
    index.save(path)  # the benchmark opens the whole file: no deltas to replay
    seconds = time.perf_counter() - started
    assert index.is_approximate and index.is_compressed == (template is not None)
    return index, {"build": seconds, "writes": writes + 1}


def memory_use(rss: dict[str, float]) -> str:
    return f"{rss['VmHWM']:.0f} ({rss['RssAnon']:.0f} + {rss['RssFile']:.0f})"


def rerank(result: dict, template: str | None) -> str:
    return f"x{result['rerank']}" if template else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--choices", default="0", help="numbers in CHOICES, e.g. 0,1,2")
    parser.add_argument(
        "--reference", action="store_true", help="also the half-precision IVF, at each nprobe"
    )
    parser.add_argument("--nprobes", default="16,32")
    parser.add_argument("--reranks", default="8,16,32", help="candidates re-ranked per result")
    parser.add_argument("--blend", type=float, default=0.5, help="largest weight of the second")
    parser.add_argument("--noise", type=float, default=0.3, help="norm of the added noise")
    parser.add_argument(
        "--real",
        action="store_true",
        help="real embeddings of distinct texts (benchmarks/real_texts.py) instead of blends; "
        "the last --queries of them held out as queries",
    )
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    if args.real:
        base = real_texts.embedded()
        queries = np.array(base[len(base) - args.queries :])
        base = base[: len(base) - args.queries]
    else:
        base, questions = real_vectors()
        queries = questions[rng.choice(len(questions), args.queries, replace=False)]
    settings = [(int(n), int(r)) for n in args.nprobes.split(",") for r in args.reranks.split(",")]
    names = list(CHOICES)
    chosen: list[tuple[str, str | None]] = [
        (names[int(i)], CHOICES[names[int(i)]]) for i in args.choices.split(",") if i
    ]
    if args.reference:
        chosen.append(("half-precision IVF (today's)", None))
    print(
        f"{len(base):,} real MiniLM vectors of distinct prose lines (benchmarks/real_texts.py); "
        f"{len(queries)} more of them as queries"
        if args.real
        else f"vectors DERIVED FROM {len(base):,} REAL MiniLM vectors of squad-dev (blends of two, "
        f"the second weighing up to {args.blend}, plus noise of norm {args.noise}); "
        f"{len(queries)} real squad-dev questions as queries"
    )
    print(
        f"targets: {TARGETS}; defaults: nprobe {vectors.COMPRESSED_NPROBE}, "
        f"re-rank x{vectors.RERANK_FACTOR}\n"
    )
    print(
        "| size | index | nprobe | re-rank | bytes/vector in memory | exact on disk | build s "
        "| open s | p50 ms | p95 ms | recall@10 | peak RSS MiB (anonymous + files at the end) "
        "| remove 1k s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="verbatim-scale-pq-", dir="/tmp") as folder:
        query_file = Path(folder) / "queries.npy"
        np.save(query_file, queries)
        for size in (int(s) for s in args.sizes.split(",")):
            if args.real and size > len(base):
                raise SystemExit(f"only {len(base):,} real vectors: run benchmarks/real_texts.py")
            data = (
                np.array(base[:size])
                if args.real
                else blend(base, size, args.blend, args.noise, seed=size)
            )
            truth = exact_neighbours(data, queries)
            for name, template in chosen:
                path = Path(folder) / "index.faiss"
                index, built = build(data, template, path)
                lists = vectors._inverted_file(index._index).nlist
                factory = (
                    vectors.compressed_factory(data.shape[1], lists)
                    if template
                    else f"IVF{lists},SQfp16"
                )
                memory = path.stat().st_size / size
                on_disk = (
                    sum(p.stat().st_size for p in ExactVectors.paths(path)) / size
                    if template
                    else 0.0
                )
                sample = rng.choice(size, 1000, replace=False)
                drift = np.abs(np.einsum("ij,ij->i", index.vectors(sample), data[sample]) - 1)
                started = time.perf_counter()
                index.remove(rng.choice(size, 1000, replace=False))
                removal = time.perf_counter() - started
                del index
                report = probe(
                    path,
                    query_file,
                    settings if template else sorted({(n, 1) for n, _ in settings}),
                    warm_up=20,
                )
                for result in report["results"]:
                    print(
                        f"| {size:,} | {name}: {factory} | {result['nprobe']} | "
                        f"{rerank(result, template)} | {memory:.1f} | "
                        f"{on_disk:.0f} | {built['build']:.0f} | {report['open']:.2f} | "
                        f"{result['p50'] * 1e3:.1f} | {result['p95'] * 1e3:.1f} | "
                        f"{recall(result['found'], truth):.3f} | {memory_use(report['rss'])} | "
                        f"{removal:.2f} |",
                        flush=True,
                    )
                print(
                    f"|  | (written whole {built['writes']} times while built; stored vector vs "
                    f"original: max 1 - cosine {drift.max():.1e}) ||||||||||||",
                    flush=True,
                )
                for part in (path, *ExactVectors.paths(path)):
                    part.unlink(missing_ok=True)
            del data


if __name__ == "__main__":
    main()
