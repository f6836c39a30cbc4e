"""Real texts and their real embeddings for the 100M-class index benchmark, at 1M and more.

The texts are distinct lines of prose found on this machine: the comments and docstring lines of
the installed Python packages and the standard library, and the lines of their documentation
files and of /usr/share/doc (40 to 300 characters, six words or more, mostly letters), shuffled
once with a fixed seed. They are embedded with the packaged MiniLM
model into a memory-mapped file under /tmp, ``CHUNK`` rows at a time; a run stopped part-way
keeps what it embedded and the next run goes on from there (the embedding takes hours here):

    PYTHONPATH=src nice -n 10 .venv/bin/python benchmarks/real_texts.py [--count 1100000]

`benchmarks/scale_pq.py --real` then measures on the rows embedded so far.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import sys
import sysconfig
import time
from pathlib import Path

import numpy as np

FOLDER = Path("/tmp/verbatim-bench/real")
TEXTS = FOLDER / "texts.txt"
VECTORS = FOLDER / "vectors.npy"
DONE = FOLDER / "done.json"
CHUNK = 10_000
_COMMENT = re.compile(r"^\s*#+\s*(.+?)\s*$", re.MULTILINE)
_DOCSTRING = re.compile(r'"""(.*?)"""|\'\'\'(.*?)\'\'\'', re.DOTALL)
DOCUMENTS = ("*.md", "*.rst", "*.txt", "*.html", "*.gz")  # documentation files, read whole


def prose(line: str) -> bool:
    """Whether a line reads as a sentence of prose rather than code or a table."""
    line = line.strip()
    letters = sum(c.isalpha() or c == " " for c in line)
    return 40 <= len(line) <= 300 and len(line.split()) >= 6 and letters >= 0.8 * len(line)


def collect() -> list[str]:
    """The distinct prose lines of the Python and documentation files here, in a fixed
    shuffled order."""
    roots = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"]})
    found: dict[str, None] = {}
    for path in sorted(p for root in roots for p in Path(root).rglob("*.py")):
        source = _read(path)
        lines = _COMMENT.findall(source)
        lines += [
            line for pair in _DOCSTRING.findall(source) for b in pair for line in b.splitlines()
        ]
        found.update((" ".join(line.split()), None) for line in lines if prose(line))
    for root in [*roots, "/usr/share/doc"]:
        for pattern in DOCUMENTS:
            for path in sorted(Path(root).rglob(pattern)):
                lines = _read(path).splitlines()
                found.update((" ".join(line.split()), None) for line in lines if prose(line))
    texts = list(found)
    random.Random(0).shuffle(texts)
    return texts


def _read(path: Path) -> str:
    """A file's text ("" if it cannot be read as UTF-8); a .gz file's uncompressed."""
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile):
        return ""


def done_rows() -> int:
    return int(json.loads(DONE.read_text())["rows"]) if DONE.is_file() else 0


def embedded() -> np.ndarray:
    """The rows embedded so far (memory-mapped, read-only)."""
    return np.load(VECTORS, mmap_mode="r")[: done_rows()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--count", type=int, default=1_100_000, help="embed the texts up to this one"
    )
    args = parser.parse_args()
    FOLDER.mkdir(parents=True, exist_ok=True)
    if not TEXTS.is_file():
        texts = collect()
        TEXTS.write_text("\n".join(texts) + "\n", encoding="utf-8")
    texts = TEXTS.read_text(encoding="utf-8").splitlines()
    count = min(args.count, len(texts))
    print(f"{len(texts):,} distinct prose lines found; embedding {count:,}", flush=True)
    from verbatim.config import packaged_model_path
    from verbatim.index.embed import Embedder

    embedder = Embedder(packaged_model_path())
    if not VECTORS.is_file():  # room for every text; --count only says how far to go now
        np.lib.format.open_memmap(VECTORS, "w+", np.float32, (len(texts), embedder.dimension))
    vectors = np.load(VECTORS, mmap_mode="r+")
    start, started = done_rows(), time.perf_counter()
    for begin in range(start, count, CHUNK):
        end = min(begin + CHUNK, count)
        vectors[begin:end] = embedder.encode(texts[begin:end])
        vectors.flush()
        staging = DONE.with_suffix(".tmp")
        staging.write_text(json.dumps({"rows": end}))
        os.replace(staging, DONE)
        rate = (end - start) / (time.perf_counter() - started)
        print(f"{end:,}/{count:,} embedded, {rate:,.0f} texts/s", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
