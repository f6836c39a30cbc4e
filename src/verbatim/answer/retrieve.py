"""Hybrid retrieval: dense (FAISS) and lexical (BM25) search, pooled into candidate sentences
that each carry the evidence for them.

The dense side searches passages only: the sentences of the nearest passages, scored by their own
vectors, stand in for a search over every sentence. It finds as much (answer@1 on squad-dev's
held-out questions among 100k real distractor passages 0.750 against 0.751 with every sentence
searched; realdocs-dev 0.633 against 0.600), and the sentence vectors, ~6 a passage, are read by
id only, never searched: at 100M passages their codes would take ~32 GiB of memory.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from verbatim.answer.units import announced, reach
from verbatim.index.directory import Index
from verbatim.index.lexical import query_terms
from verbatim.index.store import PassageRecord, SentenceRecord
from verbatim.index.stored import StoredVectors
from verbatim.index.vectors import VectorIndex

if TYPE_CHECKING:
    import numpy as np

DENSE_SENTENCES = 50  # of the sentences of the nearest passages, the nearest are candidates
DENSE_PASSAGES = 20
LEXICAL_SENTENCES = 50
LEXICAL_PASSAGES = 20
LEXICAL_SCORED = 200  # lexical hits whose BM25 is kept as evidence; rows further down score 0
PASSAGES_EXPANDED = 8  # best passages whose every sentence becomes a candidate


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence that may answer the question, with the evidence for it.

    Cosines are between unit vectors (the question and the sentence, or its passage); lexical
    scores are BM25 divided by the best BM25 of any row (0 when the row is not among the best
    lexical hits).
    """

    sentence: SentenceRecord
    passage: PassageRecord
    previous: str  # the sentence before it in its passage ("" for the first): what "it" may be
    next: str  # what it would announce (units.announced): the sentence after it, or a list
    sentence_cosine: float
    passage_cosine: float
    sentence_lexical: float
    passage_lexical: float
    previous_cosine: float = 0.0  # of the sentence before it (0 for the first of its passage)
    next_cosine: float = 0.0  # of the sentence after it (0 for the last of its passage)


class Retriever:
    """Searches ``index`` for a question that ``encode`` (texts → unit vectors) embeds."""

    def __init__(self, index: Index, encode: Callable[[Sequence[str]], np.ndarray]) -> None:
        self.index = index
        self.encode = encode

    def candidates(self, question: str) -> list[Candidate]:
        """Candidate sentences for ``question``, unordered."""
        index, store = self.index, self.index.store
        # The model and FAISS release the interpreter while they work, so the dense search
        # runs on a helper thread beside the lexical one: a question costs the longer of the
        # two, not their sum (13 instead of 18 ms at 100k passages).
        dense = _dense_searcher().submit(self._dense, question)
        terms = query_terms(question)
        sentence_bm25 = index.lexical.search("sentences", terms, LEXICAL_SCORED)
        passage_bm25 = index.lexical.search("passages", terms, LEXICAL_SCORED)
        vector, dense_passages = dense.result()
        dense_sentences = self._nearest_sentences(vector, [i for i, _ in dense_passages])
        lexical_passages = [i for i, _ in passage_bm25[:LEXICAL_PASSAGES]]
        expanded = _interleave([i for i, _ in dense_passages], lexical_passages, PASSAGES_EXPANDED)
        sentence_ids = {i for i, _ in dense_sentences + sentence_bm25[:LEXICAL_SENTENCES]}
        sentences = store.sentences(sentence_ids)
        for record in store.sentences_of_passages(expanded):
            sentences[record.id] = record
        if not sentences:
            return []
        passages = store.passages({s.passage_id for s in sentences.values()})

        known = {**sentences, **store.sentences(_beside(sentences) - sentences.keys())}
        previous = _neighbours(known, sentences, -1)
        following = _neighbours(known, sentences, +1)
        sentence_ids_list = list(sentences)
        neighbour_ids = sorted(
            {n.id for n in (*previous.values(), *following.values())} - sentences.keys()
        )
        passage_ids_list = list(passages)
        cosines = _cosines(index.sentence_vectors, sentence_ids_list + neighbour_ids, vector)
        passage_cos = _cosines(index.passage_vectors, passage_ids_list, vector)
        sentence_lexical = _normalised(sentence_bm25)
        passage_lexical = _normalised(passage_bm25)
        return [
            Candidate(
                sentence=sentences[sid],
                passage=passages[sentences[sid].passage_id],
                previous=before.text if (before := previous.get(sid)) else "",
                next=" ".join(s.text for s in announced(sentences[sid], known)),
                sentence_cosine=float(cosines[sid]),
                passage_cosine=float(passage_cos[sentences[sid].passage_id]),
                sentence_lexical=sentence_lexical.get(sid, 0.0),
                passage_lexical=passage_lexical.get(sentences[sid].passage_id, 0.0),
                previous_cosine=float(cosines[before.id]) if before else 0.0,
                next_cosine=float(cosines[after.id]) if (after := following.get(sid)) else 0.0,
            )
            for sid in sentence_ids_list
        ]

    def _dense(self, question: str) -> tuple[np.ndarray, list[tuple[int, float]]]:
        """The question's vector and its nearest passages."""
        vector = self.encode([question])[0]
        return vector, self.index.passage_vectors.search(vector, DENSE_PASSAGES)

    def _nearest_sentences(
        self, vector: np.ndarray, passage_ids: list[int]
    ) -> list[tuple[int, float]]:
        """The ``DENSE_SENTENCES`` sentences of ``passage_ids`` nearest to ``vector``, with their
        cosines, best first."""
        ids = [s.id for s in self.index.store.sentences_of_passages(passage_ids)]
        cosines = _cosines(self.index.sentence_vectors, ids, vector)
        return sorted(cosines.items(), key=lambda item: -item[1])[:DENSE_SENTENCES]


def _beside(sentences: dict[int, SentenceRecord]) -> set[int]:
    """The ids of the sentences just before and after each of ``sentences`` (and after a
    lead-in, of the list it may introduce): a document's sentences are stored in order, so
    they have the ids just below and above."""
    return {
        i + step
        for i, s in sentences.items()
        for step in range(-1, reach(s.text) + 1)
        if step and s.position + step >= 0
    }


def _neighbours(
    known: dict[int, SentenceRecord], sentences: dict[int, SentenceRecord], step: int
) -> dict[int, SentenceRecord]:
    """For each of ``sentences``, the one ``step`` (-1: before, +1: after) from it in its
    passage, if ``known`` holds it."""
    return {
        i: known[i + step]
        for i, s in sentences.items()
        if i + step in known
        and known[i + step].passage_id == s.passage_id
        and known[i + step].position == s.position + step
    }


@functools.cache
def _dense_searcher() -> ThreadPoolExecutor:
    """The one thread that dense searches run on."""
    return ThreadPoolExecutor(1, "verbatim-dense", initializer=_one_search_thread)


def _one_search_thread() -> None:
    """Search with one OpenMP thread: its hand-offs cost more than they save for a single
    query, and far more on a busy machine. OpenMP keeps the setting per thread, so indexing in
    other threads keeps its threads."""
    import faiss

    faiss.omp_set_num_threads(1)


def _interleave(first: list[int], second: list[int], limit: int) -> list[int]:
    """Up to ``limit`` distinct ids taken alternately from two rankings."""
    chosen: dict[int, None] = {}
    for pair in zip(first, second, strict=False):
        for item in pair:
            chosen.setdefault(item)
    for item in first + second:
        chosen.setdefault(item)
    return list(chosen)[:limit]


def _normalised(hits: list[tuple[int, float]]) -> dict[int, float]:
    """Scores divided by the best one, so they fall in [0, 1] whatever the corpus."""
    best = max((score for _, score in hits), default=0.0)
    return {i: score / best for i, score in hits} if best > 0 else {}


def _cosines(
    vectors: VectorIndex | StoredVectors, ids: list[int], vector: np.ndarray
) -> dict[int, float]:
    """Each of ``ids`` with its vector's cosine to ``vector`` (all unit vectors)."""
    return dict(zip(ids, (vectors.vectors(ids) @ vector).tolist(), strict=True))
