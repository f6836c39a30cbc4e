"""Answer quality when the answers are drowned in unrelated text: squad-dev's held-out questions
asked of squad-dev's index plus N real distractor passages.

The distractors are distinct lines of prose found on this machine, with their real MiniLM vectors
(``benchmarks/real_texts.py`` embeds them under /tmp/verbatim-bench/real): each line is a
one-sentence passage, its vector both the passage's and the sentence's, so no embedding is done
here. squad-dev's documents are copied with their vectors from the quality index
(``benchmarks/answer_quality.py`` builds it). The index is written as Verbatim writes one (the
same store, FAISS and lexical code), into ``--target``, and its corpus folder holds the files, so
the index is fresh for it.

    .venv/bin/python benchmarks/distractors.py [--distractors 0,100000] [--target DIR]
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import numpy as np
from _domains import INDEXES, SQUAD
from answer_quality import cell, row, squad_held_out
from real_texts import TEXTS, VECTORS, done_rows
from synthetic_index import _documents, add_file, create_like

from verbatim.assistant import Assistant
from verbatim.config import Settings, packaged_model_path
from verbatim.evaluate import ask_all, score
from verbatim.types import Document, Passage, Sentence

LINES_PER_FILE = 1_000


def build(count: int, target: Path) -> None:
    """Write squad-dev's index plus ``count`` distractor passages into ``target``/index, for
    the corpus ``target``/corpus."""
    source = SQUAD.assistant(INDEXES).index
    corpus, directory = target / "corpus", target / "index"
    shutil.rmtree(target, ignore_errors=True)
    corpus.mkdir(parents=True)
    index = create_like(source, corpus, directory)
    with index.store.transaction():
        for document, passage_vectors, sentence_vectors in _documents(source):
            link = corpus / document.path
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to((SQUAD.corpus / document.path).resolve())
            added = add_file(index, document, link)
            index.passage_vectors.add(added.passage_ids, passage_vectors)
            index.sentence_vectors.add(added.sentence_ids, sentence_vectors)
        lines, vectors = _distractors(count)
        for start in range(0, count, LINES_PER_FILE):
            chunk = lines[start : start + LINES_PER_FILE]
            path = corpus / "distractors" / f"{start // LINES_PER_FILE:05d}.txt"
            path.parent.mkdir(exist_ok=True)
            path.write_text("\n".join(chunk) + "\n", encoding="utf-8")
            added = add_file(index, _one_line_passages(path.relative_to(corpus), chunk), path)
            chosen = np.ascontiguousarray(vectors[start : start + len(chunk)], dtype=np.float32)
            index.passage_vectors.add(added.passage_ids, chosen)
            index.sentence_vectors.add(added.sentence_ids, chosen)
        index.commit()
    index.publish()
    index.close()


def _distractors(count: int) -> tuple[list[str], np.ndarray]:
    if done_rows() < count:
        raise SystemExit(f"only {done_rows():,} texts are embedded: run benchmarks/real_texts.py")
    with TEXTS.open(encoding="utf-8") as handle:
        lines = [handle.readline().rstrip("\n") for _ in range(count)]
    return lines, np.load(VECTORS, mmap_mode="r")


def _one_line_passages(path: Path, lines: list[str]) -> Document:
    """A document of one passage a line, each one sentence."""
    passages = tuple(
        Passage("", (Sentence(line, 0, len(line), number, number, block=number),))
        for number, line in enumerate(lines, 1)
    )
    return Document(str(path), lines[0][:80], passages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--distractors", default="0,100000", help="comma-separated counts")
    parser.add_argument("--target", type=Path, default=Path("/tmp/verbatim-bench/distractors"))
    args = parser.parse_args()
    questions = squad_held_out()
    for number, count in enumerate(int(n) for n in args.distractors.split(",")):
        started = time.perf_counter()
        build(count, args.target)
        built = time.perf_counter() - started
        assistant = Assistant(
            Settings(args.target / "corpus", args.target / "index", packaged_model_path())
        )
        replies, _ = ask_all(assistant, questions, k=10)
        assistant.close()
        scores = row(f"{count:,}", score(questions, replies, [0.0] * len(replies)))
        if number == 0:
            print("build s | " + " | ".join(scores))
        cells = [cell(value) for value in scores.values()]
        print(f"{built:.0f} | " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
