"""Lexical search: BM25 in segments that grow with each commit and merge as they go."""

from __future__ import annotations

import math
from pathlib import Path

import bm25s
import numpy as np
import pytest

from verbatim.index import lexical
from verbatim.index.directory import FORMAT, Index, Manifest, new_store_name, now
from verbatim.index.lexical import LexicalIndex, Postings, query_terms, terms
from verbatim.types import Document, Passage, Sentence

WORDS = "cat dog bird fish horse cow sheep goat lion tiger bear wolf fox owl hawk crow".split()


def _document(number: int, texts: list[str]) -> Document:
    sentences = tuple(
        Sentence(text, 0, len(text), line, line) for line, text in enumerate(texts, start=1)
    )
    return Document(f"doc-{number}.txt", f"doc {number}", (Passage("Animals", sentences),))


def _random_texts(rng: np.random.Generator, count: int) -> list[str]:
    return [" ".join(rng.choice(WORDS, size=rng.integers(3, 12))) for _ in range(count)]


@pytest.fixture
def index(tmp_path: Path) -> Index:
    manifest = Manifest(FORMAT, new_store_name(), "test", "0" * 16, 4, 3, now(), now())
    return Index.create(tmp_path, manifest)


def _commit(index: Index, documents: list[Document]) -> None:
    rng = np.random.default_rng(len(documents))
    with index.store.transaction():
        for document in documents:
            added = index.store.add_document(document, document.path, 1, 1)
            for vectors, ids in (
                (index.passage_vectors, added.passage_ids),
                (index.sentence_vectors, added.sentence_ids),
            ):
                vectors.add(ids, rng.normal(size=(len(ids), 4)).astype(np.float32))
        index.commit()


def test_terms_are_stemmed_content_words() -> None:
    assert terms("The cats were running to Iran's borders") == ["cat", "run", "iran", "border"]
    assert query_terms("cats, cat and CATS") == ["cat"]


def test_scores_are_bm25_as_bm25s_computes_them() -> None:
    """One segment scores as bm25s does with the same parameters (a library checks the sums)."""
    texts = _random_texts(np.random.default_rng(1), 300)
    postings = Postings.build(list(range(1, 301)), texts)
    ours = LexicalIndex([lexical.Segment("s", {"sentences": postings}, {}, {})])
    reference = bm25s.BM25(method="lucene", k1=lexical.K1, b=lexical.B)
    reference.index([terms(t) for t in texts], show_progress=False)
    query = query_terms("horses and wolves near the owl")
    expected = reference.get_scores(query) * (lexical.K1 + 1)  # Lucene drops BM25's (k1 + 1)
    found = dict(ours.search("sentences", query, 300))
    assert found, "the query matched nothing"
    for row, score in enumerate(expected, start=1):
        assert math.isclose(found.get(row, 0.0), score, rel_tol=1e-4, abs_tol=1e-5)


def test_the_best_rows_are_cut_at_a_tie_by_id() -> None:
    """Of rows tied at the limit, the first ids make it, whatever the order of selection."""
    texts = ["wolf"] * 300 + ["wolf fox"] * 5 + ["owl"] * 10
    postings = Postings.build(list(range(1, len(texts) + 1)), texts)
    ours = LexicalIndex([lexical.Segment("s", {"sentences": postings}, {}, {})])
    found = [row for row, _ in ours.search("sentences", query_terms("wolf fox"), 12)]
    assert found == [301, 302, 303, 304, 305, 1, 2, 3, 4, 5, 6, 7]


def test_segments_merge_to_logarithmically_many_and_search_as_one(index: Index) -> None:
    rng = np.random.default_rng(2)
    documents = [_document(n, _random_texts(rng, 10)) for n in range(64)]
    for document in documents:
        _commit(index, [document])
    assert len(index.lexical.segments) <= math.log2(64) + 1
    whole = Index.create(index.directory / "whole", index.manifest)
    _commit(whole, documents)
    assert len(whole.lexical.segments) == 1
    query = query_terms("tiger wolf owl")
    pieces = dict(index.lexical.search("sentences", query, 1000))
    one = dict(whole.lexical.search("sentences", query, 1000))
    assert pieces.keys() == one.keys()
    # Document frequencies are the whole index's; only the average length is each segment's.
    for row, score in one.items():
        assert pieces[row] == pytest.approx(score, rel=0.1)


def test_deleted_rows_go_when_their_segment_is_rewritten(index: Index) -> None:
    rng = np.random.default_rng(3)
    _commit(index, [_document(n, _random_texts(rng, 10)) for n in range(8)])
    _commit(index, [_document(99, ["zebra zebra"])])
    assert index.lexical.search("sentences", ["zebra"], 5)
    with index.store.transaction():
        for record in list(index.store.documents().values())[:7]:
            index.delete_document(record.id)
        index.commit()
    live = {i for i, _ in index.lexical.search("sentences", query_terms(" ".join(WORDS)), 1000)}
    assert live <= set(index.store.sentences(live))  # nothing deleted is found
    assert len(live) == 10  # the one document left of the first eight
    assert [i for i, _ in index.lexical.search("sentences", ["zebra"], 5)]


def test_an_index_reopens_with_its_segments(index: Index) -> None:
    rng = np.random.default_rng(4)
    for n in range(3):
        _commit(index, [_document(n, _random_texts(rng, 5))])
    index.publish()
    query = query_terms("cat dog")
    expected = index.lexical.search("passages", query, 10)
    reopened = Index.open(index.directory)
    assert reopened.lexical.search("passages", query, 10) == expected
    names = {p.name for p in index.directory.iterdir() if ".lex-" in p.name}
    assert names == {
        name for name, _ in reopened.segment_list()
    }  # merged-away segments were deleted
