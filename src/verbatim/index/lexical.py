"""Lexical search: BM25 over sentences and passages, kept in immutable segments.

Each commit of the indexer writes one segment holding the rows added since the last, and merges
segments of similar size (as a log-structured merge tree does), so an update costs time in
proportion to what it adds and ``n`` rows make O(log n) segments. A segment keeps each term's
postings with BM25's term-frequency part; inverse document frequencies are taken at query time
over all segments, so scores from different segments compare. Rows deleted after a segment was
written stay in it, unseen (the store no longer has them), until it is merged or rewritten.

Scoring is a sum of posting slices per question term (numpy ``bincount``), so a query costs
time in proportion to the postings of its terms, with no per-row Python.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verbatim.index.atomic import read_arrays, write_arrays

if TYPE_CHECKING:
    import numpy as np

    from verbatim.index.store import Store

MERGE_WHEN = 0.5  # a segment joins the one before it once it has at least half its rows
REWRITE_WHEN = 0.75  # a segment is rewritten once fewer than this share of its rows remain
K1 = 1.2  # BM25's term-frequency saturation and length normalisation, as SQLite FTS5 uses
B = 0.75
TABLES = ("sentences", "passages")

_WORD = re.compile(r"\w+", re.UNICODE)
# Words that carry no topic: left out so they do not swamp rarer terms. "s" and "t" are what
# remains of possessives and contractions ("Iran's", "don't").
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves many much name named called s t""".split()
)


STEMS_KEPT = 200_000  # words whose stems are remembered (a few tens of MiB at most)
_STEMS: dict[str, str] = {}  # word → stem, for the words seen since it was last emptied


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """The text's words (``\\w+`` runs), as written."""
    return _WORD.findall(text)


def terms(text: str) -> list[str]:
    """The text's content words, lower-cased and stemmed (Snowball English), repeats kept."""
    return terms_of_words(words(text))


def terms_of_words(text_words: list[str]) -> list[str]:
    """:func:`terms` of a text already split by :func:`words`."""
    return stems([w for w in map(str.casefold, text_words) if w not in STOPWORDS])


def stems(kept: list[str]) -> list[str]:
    """The stems of case-folded content words (no stopwords), in order."""
    try:  # looked up rather than stemmed again, terms() costs half (12 instead of 24 µs)
        return [_STEMS[w] for w in kept]
    except KeyError:
        stems: list[str] = _stemmer().stemWords(kept)
        if len(_STEMS) > STEMS_KEPT:
            _STEMS.clear()
        _STEMS.update(zip(kept, stems, strict=True))
        return stems


def query_terms(question: str) -> list[str]:
    """The question's distinct content terms, in order."""
    return list(dict.fromkeys(terms(question)))


@dataclass(frozen=True, slots=True)
class Postings:
    """One table's rows in one segment: for each term (``vocabulary``, sorted), the rows that
    hold it (``rows[starts[t]:starts[t + 1]]``, positions in ``ids``) with their BM25
    term-frequency weights."""

    ids: np.ndarray  # int64 row ids
    vocabulary: np.ndarray  # str, sorted
    starts: np.ndarray  # int64, len(vocabulary) + 1
    rows: np.ndarray  # int32
    weights: np.ndarray  # float32

    @classmethod
    def build(cls, ids: Sequence[int], texts: Sequence[str]) -> Postings:
        import numpy as np

        numbers: dict[str, int] = {}
        term_numbers: list[int] = []
        row_numbers: list[int] = []
        lengths = np.zeros(len(texts), dtype=np.float64)
        for row, text in enumerate(texts):
            found = terms(text)
            lengths[row] = len(found)
            term_numbers.extend(numbers.setdefault(t, len(numbers)) for t in found)
            row_numbers.extend([row] * len(found))
        order = np.argsort(np.array(list(numbers), dtype=str), kind="stable")
        renumber = np.empty(len(order), dtype=np.int64)
        renumber[order] = np.arange(len(order))
        vocabulary = np.array(list(numbers), dtype=str)[order]
        keys = renumber[np.asarray(term_numbers, dtype=np.int64)] * max(len(texts), 1)
        keys += np.asarray(row_numbers, dtype=np.int64)
        pairs, counts = np.unique(keys, return_counts=True)  # sorted by term, then row
        term_of, rows = np.divmod(pairs, max(len(texts), 1))
        average = max(float(lengths.mean()) if len(texts) else 0.0, 1.0)
        frequency = counts.astype(np.float64)
        norm = K1 * (1 - B + B * lengths[rows] / average)
        weights = frequency * (K1 + 1) / (frequency + norm)
        starts = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_of, minlength=len(vocabulary)), out=starts[1:])
        return cls(
            np.asarray(ids, dtype=np.int64),
            vocabulary,
            starts,
            rows.astype(np.int32),
            weights.astype(np.float32),
        )

    def slices(self, query: Sequence[str]) -> list[tuple[int, int]]:
        """For each query term, where its postings lie ((0, 0) when absent)."""
        import numpy as np

        if not len(self.vocabulary):
            return [(0, 0)] * len(query)
        found = np.searchsorted(self.vocabulary, query)
        spans = []
        for term, at in zip(query, found.tolist(), strict=True):
            if at < len(self.vocabulary) and self.vocabulary[at] == term:
                spans.append((int(self.starts[at]), int(self.starts[at + 1])))
            else:
                spans.append((0, 0))
        return spans


@dataclass(frozen=True, slots=True)
class Segment:
    """An immutable file of postings for the sentences and passages of some row-id ranges."""

    name: str
    tables: dict[str, Postings]
    after: dict[str, int]  # per table, the row ids the segment accounts for: (after, upto]
    upto: dict[str, int]
    deleted: int = 0  # of its rows, how many were deleted since it was written

    def holds(self, table: str, ids: Iterable[int]) -> int:
        """How many of ``ids`` fall in the segment's range of ``table``."""
        return sum(self.after[table] < i <= self.upto[table] for i in ids)

    def size(self) -> int:
        return sum(len(postings.ids) for postings in self.tables.values())

    @classmethod
    def build(cls, name: str, store: Store, after: dict[str, int], upto: dict[str, int]) -> Segment:
        """A segment of the rows the store holds in each table's id range."""
        tables = {}
        for table in TABLES:
            ids, texts = store.rows_between(table, after[table], upto[table])
            tables[table] = Postings.build(ids, texts)
        return cls(name, tables, after, upto)

    def save(self, directory: Path) -> None:
        """Write the segment's file atomically."""
        import numpy as np

        arrays: dict[str, Any] = {}
        for table, postings in self.tables.items():
            for field in Postings.__slots__:
                arrays[f"{table}.{field}"] = getattr(postings, field)
            arrays[f"{table}.after"] = np.int64(self.after[table])
            arrays[f"{table}.upto"] = np.int64(self.upto[table])
        write_arrays(directory / self.name, arrays)

    @classmethod
    def load(cls, directory: Path, name: str) -> Segment:
        keys = [f"{t}.{f}" for t in TABLES for f in (*Postings.__slots__, "after", "upto")]
        data = read_arrays(directory / name, keys, "lexical index file")
        tables = {
            table: Postings(*(data[f"{table}.{field}"] for field in Postings.__slots__))
            for table in TABLES
        }
        after = {table: int(data[f"{table}.after"]) for table in TABLES}
        upto = {table: int(data[f"{table}.upto"]) for table in TABLES}
        return cls(name, tables, after, upto)


class LexicalIndex:
    """BM25 search over all segments of one index generation."""

    def __init__(self, segments: Iterable[Segment] = ()) -> None:
        self.segments = list(segments)

    def frequencies(self, table: str, query: Sequence[str]) -> tuple[int, list[int]]:
        """Rows in ``table`` (deleted ones included until merged) and, per term, how many hold
        it."""
        return _frequencies(self._spans(table, query), len(query))

    def holders(self, table: str, query: Sequence[str], at_most: int) -> list[np.ndarray | None]:
        """Per term, the ids of the rows of ``table`` that hold it (deleted ones included
        until merged), or None for a term more than ``at_most`` rows hold."""
        import numpy as np

        spans = self._spans(table, query)
        found: list[np.ndarray | None] = []
        for number in range(len(query)):
            parts = [(postings, postings_slices[number]) for postings, postings_slices in spans]
            if sum(end - start for _, (start, end) in parts) > at_most:
                found.append(None)
                continue
            ids = [postings.ids[postings.rows[start:end]] for postings, (start, end) in parts]
            found.append(np.concatenate(ids) if ids else np.zeros(0, np.int64))
        return found

    def _spans(
        self, table: str, query: Sequence[str]
    ) -> list[tuple[Postings, list[tuple[int, int]]]]:
        """Per segment, its postings of ``table`` and where each query term's postings lie."""
        return [(s.tables[table], s.tables[table].slices(query)) for s in self.segments]

    def search(self, table: str, query: Sequence[str], limit: int) -> list[tuple[int, float]]:
        """The ``limit`` best rows of ``table`` for any of the ``query`` terms: (id, BM25),
        best first."""
        import numpy as np

        query = list(dict.fromkeys(query))
        if not query or limit <= 0:
            return []
        segments = self._spans(table, query)
        total, counts = _frequencies(segments, len(query))
        idf = [math.log(1 + (total - n + 0.5) / (n + 0.5)) for n in counts]
        found_ids, found_scores = [], []
        for postings, slices in segments:
            spans = [(s, e, w) for (s, e), w in zip(slices, idf, strict=True) if e > s]
            if not spans:
                continue
            rows = np.concatenate([postings.rows[s:e] for s, e, _ in spans])
            weights = np.concatenate([postings.weights[s:e] * w for s, e, w in spans])
            scores = np.bincount(rows, weights=weights, minlength=len(postings.ids))
            best = np.flatnonzero(scores > 0)  # scores are never negative; a bool scan is fast
            if len(best) > limit:  # the best ``limit``; of rows tied at the cut, the first
                values = scores[best]
                cut = np.partition(values, len(values) - limit)[len(values) - limit]
                above = best[values > cut]
                best = np.concatenate([above, best[values == cut][: limit - len(above)]])
            found_ids.append(postings.ids[best])
            found_scores.append(scores[best])
        if not found_ids:
            return []
        ids, scores = np.concatenate(found_ids), np.concatenate(found_scores)
        order = np.lexsort((ids, -scores))[:limit]
        return [(int(i), float(s)) for i, s in zip(ids[order], scores[order], strict=True)]


def _frequencies(
    segments: list[tuple[Postings, list[tuple[int, int]]]], terms: int
) -> tuple[int, list[int]]:
    """Rows over all segments and, per term, how many hold it, from the terms' spans."""
    total = sum(len(postings.ids) for postings, _ in segments)
    counts = [0] * terms
    for _, spans in segments:
        for number, (start, end) in enumerate(spans):
            counts[number] += end - start
    return total, counts


def maintain(
    segments: list[Segment],
    store: Store,
    directory: Path,
    new_name: Callable[[], str],
    deleted: dict[str, list[int]],
) -> list[Segment]:
    """The segments after a commit to ``store`` that deleted the rows ``deleted`` (per table):
    one more for the rows added since the last (written to ``directory``), merged with its
    predecessors while they are of similar size; segments mostly made of deleted rows are
    rewritten. Files no longer listed are left for the caller to delete once the new list is
    committed. The work is in proportion to the rows added, deleted and merged."""
    segments = [
        replace(s, deleted=s.deleted + sum(s.holds(t, deleted[t]) for t in TABLES))
        for s in segments
    ]
    covered = {t: max((s.upto[t] for s in segments), default=0) for t in TABLES}
    newest = {t: store.last_id(t) for t in TABLES}
    if any(newest[t] > covered[t] for t in TABLES):
        segments.append(_written(Segment.build(new_name(), store, covered, newest), directory))
    while len(segments) >= 2 and segments[-1].size() >= MERGE_WHEN * segments[-2].size():
        first, second = segments[-2], segments.pop()
        segments[-1] = _written(
            Segment.build(new_name(), store, first.after, second.upto), directory
        )
    for number, segment in enumerate(segments):
        if segment.size() - segment.deleted < REWRITE_WHEN * segment.size():
            rewritten = Segment.build(new_name(), store, segment.after, segment.upto)
            segments[number] = _written(rewritten, directory)
    return segments


def _written(segment: Segment, directory: Path) -> Segment:
    segment.save(directory)
    return segment
