"""A large index made from the bundled corpus's real passages, without embedding anything.

Embedding 100k passages would take about 1.5 hours here. Instead each document of a built index
is copied many times into a new index (the same store, FAISS and manifest code the indexer
uses): each copy's sentences carry a copy number, so no two copies are verbatim duplicates,
and each vector is the original's plus a little Gaussian noise, renormalised (cosine ≈ 0.98).
The corpus folder holds a symbolic link per copied document, so the index is fresh for it.

    .venv/bin/python benchmarks/synthetic_index.py --passages 100000 [--source DIR --target DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from verbatim.index.directory import Index, new_store_name, now
from verbatim.index.store import AddedRows
from verbatim.types import Document, Passage, Sentence

NOISE = 0.01  # per dimension: |noise| ≈ 0.2 for 384 dimensions


def build(source: Index, corpus: Path, target: Path, corpus_out: Path, passages: int) -> None:
    """Write an index of at least ``passages`` passages into ``target`` for ``corpus_out``."""
    originals = _documents(source)
    per_copy = sum(len(document.passages) for document, _, _ in originals)
    copies = -(-passages // per_copy)
    shutil.rmtree(target, ignore_errors=True)
    shutil.rmtree(corpus_out, ignore_errors=True)
    index = create_like(source, corpus_out, target)
    noise = np.random.default_rng(0)
    with index.store.transaction():
        for number in range(copies):
            for document, passage_vectors, sentence_vectors in originals:
                path = f"copy-{number:04d}/{document.path}"
                link = corpus_out / path
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to((corpus / document.path).resolve())
                added = add_file(index, _numbered(document, path, number), link)
                index.passage_vectors.add(added.passage_ids, _near(passage_vectors, noise))
                index.sentence_vectors.add(added.sentence_ids, _near(sentence_vectors, noise))
        index.commit()
    index.publish()
    index.close()


def create_like(source: Index, corpus: Path, directory: Path) -> Index:
    """A new, empty index in ``directory`` for ``corpus``, made by the model and chunker that
    made ``source``, with its question-encoder export (questions are encoded the same way)."""
    manifest = replace(
        source.manifest, store=new_store_name(), built_at=now(), updated_at=now()
    ).for_corpus(corpus, directory)
    index = Index.create(directory, manifest)
    for encoder in source.directory.glob("encoder-*"):
        shutil.copytree(encoder, directory / encoder.name)
    return index


def add_file(index: Index, document: Document, file: Path) -> AddedRows:
    """Store ``document`` as the corpus file ``file`` holds it (its size and time, so the index
    is fresh for it; a digest of its path, as no content is compared)."""
    stat = file.stat()
    digest = hashlib.sha256(document.path.encode()).hexdigest()
    return index.store.add_document(document, digest, stat.st_size, stat.st_mtime_ns)


def _documents(index: Index) -> list[tuple[Document, np.ndarray, np.ndarray]]:
    """Each document of ``index`` with its passage and sentence vectors, in document order."""
    store = index.store
    result = []
    for record in store.documents().values():
        passage_ids = store._ids(  # a benchmark may read the store directly
            "SELECT id FROM passages WHERE document_id = ? ORDER BY position", record.id
        )
        records = store.passages(passage_ids)
        sentences = sorted(
            store.sentences_of_passages(passage_ids),
            key=lambda s: (records[s.passage_id].position, s.position),
        )
        passages = tuple(
            Passage(
                section=records[pid].section,
                header=records[pid].header,
                sentences=tuple(
                    Sentence(s.text, 0, 0, s.line_start, s.line_end, block=s.block)
                    for s in sentences
                    if s.passage_id == pid
                ),
            )
            for pid in passage_ids
        )
        document = Document(record.path, records[passage_ids[0]].title, passages)
        result.append(
            (
                document,
                index.passage_vectors.vectors(passage_ids),
                index.sentence_vectors.vectors([s.id for s in sentences]),
            )
        )
    return result


def _numbered(document: Document, path: str, number: int) -> Document:
    """The document with copy ``number`` written after each sentence, so copies differ."""
    passages = tuple(
        replace(
            passage,
            sentences=tuple(replace(s, text=f"{s.text} ({number})") for s in passage.sentences),
        )
        for passage in document.passages
    )
    return Document(path, document.title, passages)


def _near(vectors: np.ndarray, noise: np.random.Generator) -> np.ndarray:
    near = vectors + noise.normal(0.0, NOISE, vectors.shape).astype(np.float32)
    return np.ascontiguousarray(near / np.linalg.norm(near, axis=1, keepdims=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--source", type=Path, default=Path("/tmp/verbatim-bench/bundled"))
    parser.add_argument("--corpus", type=Path, default=Path(__file__).parents[1] / "corpus")
    parser.add_argument("--target", type=Path, default=Path("/tmp/verbatim-bench/synthetic"))
    args = parser.parse_args()
    started = time.perf_counter()
    source = Index.open(args.source)
    build(source, args.corpus, args.target / "index", args.target / "corpus", args.passages)
    source.close()
    built = Index.open(args.target / "index")
    documents, passages, sentences = built.store.counts()
    print(
        f"{documents} documents, {passages} passages, {sentences} sentences in "
        f"{args.target} ({time.perf_counter() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
