"""What the ranker knows about each candidate sentence, as one row of numbers.

Besides the raw evidence of retrieval (cosines, BM25), a row says how the candidate stands among
the others for the same question (gaps to the best, reciprocal ranks, z-scores), how much of the
question's rarer vocabulary it holds (stemmed terms, as lexical search reads them, weighted by
inverse document frequency) and of its two-word phrases, how much it holds when read with its
title, section and the sentence before it (which say what "he" or "it" is), and whether it holds
the kind of thing the question asks for (a date for "when", a number for "how many", a name for
"who") outside the words the question already has.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import TYPE_CHECKING

from verbatim.lexical import LexicalIndex, query_terms, terms
from verbatim.retrieve import Candidate

if TYPE_CHECKING:
    import numpy as np

NAMES = (
    "sentence_cosine",
    "passage_cosine",
    "sentence_lexical",
    "passage_lexical",
    "sentence_cosine_gap",
    "passage_cosine_gap",
    "sentence_cosine_rr",
    "sentence_lexical_rr",
    "passage_cosine_rr",
    "sentence_cosine_z",
    "sentence_lexical_z",
    "term_coverage",
    "idf_coverage",
    "idf_coverage_gap",
    "log_words",
    "when_has_date",
    "count_has_number",
    "who_has_name",
    "asks_when",
    "asks_count",
    "asks_who",
    "bigram_coverage",
    "titled_idf_coverage",
    "titled_idf_coverage_gap",
    "with_previous_idf_coverage",
    "with_previous_idf_coverage_gap",
)

_RANK_DAMPING = 5  # reciprocal rank 1 / (rank + 5): the top few differ, the tail flattens
_WORD = re.compile(r"\w+", re.UNICODE)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(
    rf"\b1\d{{3}}s?\b|\b20\d{{2}}s?\b|\b\d{{1,2}}(st|nd|rd|th)? century\b|\b({_MONTHS})\b", re.I
)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?|several)\b",
    re.I,
)
_ASKS_COUNT = re.compile(r"\bhow (many|much|long|far|old|large|big)\b")
_ASKS_WHEN = re.compile(r"\b(when|what year|which year|what date|what century|what decade)\b")
_ASKS_WHO = re.compile(r"\b(who|whom|whose)\b")


def question_type(question: str) -> str:
    """ "count", "when", "who" or "other": what kind of answer the question wants."""
    text = question.casefold()
    for kind, pattern in (("count", _ASKS_COUNT), ("when", _ASKS_WHEN), ("who", _ASKS_WHO)):
        if pattern.search(text):
            return kind
    return "other"


def features(question: str, candidates: list[Candidate], lexical: LexicalIndex) -> np.ndarray:
    """One row of :data:`NAMES` per candidate (at least one); ``lexical`` gives the inverse
    document frequencies of the question's terms."""
    import numpy as np

    kind = question_type(question)
    question_words = {w.casefold() for w in _WORD.findall(question)}
    wanted = query_terms(question)
    sentences, counts = lexical.frequencies("sentences", wanted)
    weights = [math.log((sentences + 1) / (n + 0.5)) for n in counts]
    sentence_terms = [terms(c.sentence.text) for c in candidates]
    held = [set(found) for found in sentence_terms]
    term_coverage = np.array([sum(t in h for t in wanted) / max(len(wanted), 1) for h in held])
    idf_coverage = _idf_coverage(wanted, weights, held)
    # What a sentence says is read with its title and section, and after the sentence before
    # it: "He was a polyglot" is about the Tesla of the title, or of the sentence before.
    term_sets = {c.sentence.text: h for c, h in zip(candidates, held, strict=True)}

    def term_set(text: str) -> set[str]:  # the sentence before is often a candidate too
        if text not in term_sets:
            term_sets[text] = set(terms(text))
        return term_sets[text]

    titled = [
        h | term_set(f"{c.passage.title}\n{c.passage.section}")
        for h, c in zip(held, candidates, strict=True)
    ]
    titled_coverage = _idf_coverage(wanted, weights, titled)
    after_previous = [h | term_set(c.previous) for h, c in zip(titled, candidates, strict=True)]
    previous_coverage = _idf_coverage(wanted, weights, after_previous)

    evidence = np.array(
        [
            (c.sentence_cosine, c.passage_cosine, c.sentence_lexical, c.passage_lexical)
            for c in candidates
        ]
    )
    sentence_cosine, passage_cosine, sentence_lexical = (
        evidence[:, 0],
        evidence[:, 1],
        evidence[:, 2],
    )
    cues = np.array([_answer_cues(kind, c.sentence.text, question_words) for c in candidates])
    question_pairs = _pairs(terms(question))
    bigram_coverage = np.array(
        [
            len(question_pairs & _pairs(found)) / max(len(question_pairs), 1)
            for found in sentence_terms
        ]
    )
    kinds = np.array([[kind == "when", kind == "count", kind == "who"]] * len(candidates))
    return np.column_stack(
        [
            evidence,
            sentence_cosine - sentence_cosine.max(),
            passage_cosine - passage_cosine.max(),
            _reciprocal_rank(sentence_cosine),
            _reciprocal_rank(sentence_lexical),
            _reciprocal_rank(passage_cosine),
            _z_score(sentence_cosine),
            _z_score(sentence_lexical),
            term_coverage,
            idf_coverage,
            idf_coverage - idf_coverage.max(),
            cues,
            kinds,
            bigram_coverage,
            titled_coverage,
            titled_coverage - titled_coverage.max(),
            previous_coverage,
            previous_coverage - previous_coverage.max(),
        ]
    ).astype(np.float64)


def _idf_coverage(wanted: list[str], weights: list[float], held: list[set[str]]) -> np.ndarray:
    """Per set of terms, the share of the question's idf weight it holds."""
    import numpy as np

    total = sum(weights) or 1.0
    return np.array(
        [sum(w for t, w in zip(wanted, weights, strict=True) if t in h) / total for h in held],
        dtype=np.float64,
    )


def _pairs(found: list[str]) -> set[tuple[str, str]]:
    """Adjacent content terms ("quds force"): phrases the question and a sentence may share."""
    return set(itertools.pairwise(found))


def _answer_cues(kind: str, sentence: str, question_words: set[str]) -> tuple[float, ...]:
    """(log word count, a date for "when", a number for "how many", a name for "who"), the
    last three looked for only among the words the question does not already have."""
    words = _WORD.findall(sentence)
    size = math.log1p(len(words))
    if kind == "other":
        return (size, 0.0, 0.0, 0.0)  # no cue to look for
    new = [w for w in words if w.casefold() not in question_words]
    if kind == "who":
        return (size, 0.0, 0.0, float(any(w[:1].isupper() for w in new if w != words[0])))
    pattern = _DATE if kind == "when" else _NUMBER
    found = float(bool(pattern.search(" ".join(new))))
    return (size, found, 0.0, 0.0) if kind == "when" else (size, 0.0, found, 0.0)


def _reciprocal_rank(values: np.ndarray) -> np.ndarray:
    import numpy as np

    ranks = np.empty(len(values))
    ranks[np.argsort(-values, kind="stable")] = np.arange(len(values))
    return 1.0 / (ranks + _RANK_DAMPING)


def _z_score(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() + 1e-6)
