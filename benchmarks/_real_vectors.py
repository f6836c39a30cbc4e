"""Real MiniLM embeddings of the squad-dev corpus (passages and sentences) and of its questions,
made once with the packaged model and cached under /tmp for the scale benchmark."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from verbatim.config import packaged_model_path
from verbatim.index.embed import Embedder
from verbatim.index.indexer import texts_of
from verbatim.ingest import discover, read_text
from verbatim.ingest.parse import parse_document

SQUAD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "squad-dev"
CACHE = Path("/tmp/verbatim-bench/squad-dev-vectors.npz")


def real_vectors(corpus: Path = SQUAD / "corpus") -> tuple[np.ndarray, np.ndarray]:
    """(corpus vectors: passages then sentences, question vectors), unit float32 rows."""
    if CACHE.is_file():
        cached = np.load(CACHE)
        return cached["corpus"], cached["questions"]
    documents = [parse_document(p, read_text(corpus / p)) for p in discover(corpus).files]
    passages, sentences = texts_of(documents)
    lines = (SQUAD / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines]
    embedder = Embedder(packaged_model_path())
    vectors = embedder.encode(passages + sentences)
    question_vectors = embedder.encode(questions)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.savez(CACHE, corpus=vectors, questions=question_vectors)
    return vectors, question_vectors


if __name__ == "__main__":
    corpus_vectors, question_vectors = real_vectors()
    print(corpus_vectors.shape, question_vectors.shape)
