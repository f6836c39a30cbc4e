"""Hostile files cost little: a Word decompression bomb beside a real document.

Writes a .docx of a few hundred kilobytes whose document part inflates to ``--megabytes``
(300 by default, as in the untrusted-documents issue) next to one ordinary text file, then, each
in a fresh process:

- reads the bomb alone with the loader (`verbatim.ingest.load`): seconds and peak RSS;
- runs `verbatim index` on the text file alone, then on both files: seconds, peak RSS (most of
  both is loading the embedding model), and that the text file was indexed while the bomb was
  skipped.

Run from the repository root:

    nice -n 10 .venv/bin/python benchmarks/hostile_files.py [--megabytes 300]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.documents import write_docx_bomb  # noqa: E402

# Each child reports its own peak RSS (KiB) as its last line on stderr, however it exits.
_PEAK = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
    " file=sys.stderr))\n"
)
_LOAD = """
from pathlib import Path
from verbatim.ingest import UnreadableFileError, load
try:
    load(Path(sys.argv[1]))
    print("read")
except UnreadableFileError as error:
    print(f"skipped: {error}")
"""
_CLI = "from verbatim.cli import main\nmain()\n"


def _run(code: str, *args: str) -> tuple[float, float, str]:
    """Seconds, peak RSS (MiB) of a fresh Python running ``code``, and what it printed."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK + code, *args], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    *said, peak = done.stderr.strip().splitlines()
    return seconds, int(peak) / 1024, "\n".join([done.stdout.strip(), *said]).strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=300)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder, "corpus")
        corpus.mkdir()
        bomb = write_docx_bomb(corpus / "bomb.docx", options.megabytes)
        (corpus / "notes.txt").write_text("The observatory on Mount Kell opened in 1902.\n")
        print(
            f"bomb.docx: {bomb.stat().st_size / 1e3:,.0f} kB on disk, "
            f"{options.megabytes} MB-class document part"
        )
        seconds, peak, said = _run(_LOAD, str(bomb))
        print(f"load(bomb.docx):  {seconds:6.2f} s, peak RSS {peak:6.0f} MiB  {said}")
        plain = Path(folder, "plain")
        plain.mkdir()
        (plain / "notes.txt").write_text((corpus / "notes.txt").read_text())
        for label, folder_indexed in (("text file alone", plain), ("text file + bomb", corpus)):
            index = ["--corpus", str(folder_indexed), "--index", str(folder_indexed) + ".index"]
            seconds, peak, said = _run(_CLI, *index, "index")
            print(f"verbatim index, {label}: {seconds:6.2f} s, peak RSS {peak:6.0f} MiB")
            for line in said.splitlines():
                print(f"  {line}")


if __name__ == "__main__":
    main()
