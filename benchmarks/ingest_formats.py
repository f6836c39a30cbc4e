"""Indexing speed per format on one long document (a few hundred pages), written by this script.

The same generated text is written as .txt (the baseline), .md, .html, .docx and .pdf; each is
read and parsed by its loader (best of a few runs). Every format yields the same sentences, so
embedding time depends on them alone: the passages and sentences of the PDF's first
``--embed-pages`` pages are embedded and the throughput given, with the time for all pages:

    nice -n 10 .venv/bin/python benchmarks/ingest_formats.py [--pages 300] [--embed-pages 20]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.documents

from tests.documents import write_docx, write_pdf
from verbatim.config import packaged_model_path
from verbatim.index.embed import Embedder
from verbatim.ingest import load
from verbatim.ingest.parse import parse_extracted

WORDS = (
    "harbour ferry survey committee river valley council report budget station market school "
    "bridge museum library tower garden village mill canal road winter summer autumn spring "
    "engineer farmer teacher captain mayor doctor clerk merchant builder keeper pilot"
).split()
VERBS = "built visited measured repaired opened closed counted reviewed extended moved".split()


def sentence(rng: random.Random) -> str:
    a, b = rng.sample(WORDS, 2)
    return f"The {a} {rng.choice(VERBS)} the {b} in {rng.randint(1800, 2020)}."


def pages(count: int, rng: random.Random) -> list[tuple[str, list[str]]]:
    """(heading, paragraphs) per page: about 300 words a page, a new chapter every 10 pages."""
    return [
        (
            f"Chapter {number // 10 + 1}" if number % 10 == 0 else "",
            [" ".join(sentence(rng) for _ in range(12)) for _ in range(4)],
        )
        for number in range(count)
    ]


def write_all(folder: Path, content: list[tuple[str, list[str]]]) -> list[Path]:
    markdown = ["# Long report\n"]
    html = ["<html><body><h1>Long report</h1>"]
    body: list[tuple[str, object]] = []
    pdf_pages = []
    for heading, paragraphs in content:
        page: list[tuple[int, str] | str] = []
        if heading:
            markdown.append(f"\n## {heading}\n")
            html.append(f"<h2>{heading}</h2>")
            body.append(("heading1", heading))
            page.append((0, heading))
        for paragraph in paragraphs:
            markdown.append(f"\n{paragraph}\n")
            html.append(f"<p>{paragraph}</p>")
            body.append(("paragraph", paragraph))
            page.append(paragraph)
        pdf_pages.append(page)
    html.append("</body></html>")
    (folder / "report.txt").write_text("".join(markdown), encoding="utf-8")
    (folder / "report.md").write_text("".join(markdown), encoding="utf-8")
    (folder / "report.html").write_text("\n".join(html), encoding="utf-8")
    write_docx(folder / "report.docx", "Long report", body)
    write_pdf(folder / "report.pdf", pdf_pages, title="Long report")
    return [folder / f"report.{suffix}" for suffix in ("txt", "md", "html", "docx", "pdf")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--embed-pages", type=int, default=20)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        files = write_all(Path(folder), pages(options.pages, random.Random(7)))
        print(
            f"{options.pages} pages, about 300 words each; read+parse is the best of "
            f"{options.runs} runs"
        )
        print(
            f"{'format':8} {'size':>9} {'read+parse':>11} {'vs txt':>7} {'passages':>9} "
            f"{'sentences':>10}"
        )
        baseline = 0.0
        documents = {}
        for path in files:
            best = float("inf")
            for _ in range(options.runs):
                started = time.perf_counter()
                document = parse_extracted(path.name, load(path))
                best = min(best, time.perf_counter() - started)
            baseline = baseline or best
            documents[path.suffix] = document
            sentences = sum(len(p.sentences) for p in document.passages)
            print(
                f"{path.suffix[1:]:8} {path.stat().st_size / 1e3:8.0f}k {best:10.2f}s "
                f"{best / baseline:6.1f}x {len(document.passages):9} {sentences:10}"
            )
        passages = [p for p in documents[".pdf"].passages if (p.page or 0) <= options.embed_pages]
        sentences = [s.text for p in passages for s in p.sentences]
        embedder = Embedder(packaged_model_path())
        embedder.encode(["warm up"])
        started = time.perf_counter()
        embedder.encode([p.text for p in passages])
        embedder.encode(sentences)
        seconds = time.perf_counter() - started
        total = sum(len(p.sentences) for p in documents[".pdf"].passages)
        print(
            f"embedding {len(passages)} passages and {len(sentences)} sentences of the PDF's first "
            f"{options.embed_pages} pages: {seconds:.1f}s ({len(sentences) / seconds:.0f} "
            f"sentences/s; all {options.pages} pages at that rate: "
            f"{seconds * total / len(sentences):.0f}s)"
        )


if __name__ == "__main__":
    main()
