"""From candidate sentences to answers: rank them with a fitted model, merge verbatim duplicates,
and say how likely it is that the documents answer the question at all."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verbatim.answer.features import NAMES, features, lacks_kind, question_type
from verbatim.answer.retrieve import Candidate
from verbatim.answer.units import (
    announced,
    announces,
    leans_on,
    reach,
    read_whole,
    refers_back,
)
from verbatim.index.lexical import query_terms, terms
from verbatim.index.store import PassageRecord, SentenceRecord, Store
from verbatim.types import Answer, Source

if TYPE_CHECKING:
    import numpy as np

    from verbatim.index.lexical import LexicalIndex

_MODEL = Path(__file__).with_name("ranker.json")  # written by benchmarks/fit_ranker.py


@dataclass(frozen=True, slots=True)
class Logistic:
    """A logistic model over standardised features: P = sigmoid(((x - mean) / scale) @ w + b)."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Logistic:
        return cls(
            tuple(data["names"]),
            tuple(data["mean"]),
            tuple(data["scale"]),
            tuple(data["weights"]),
            float(data["bias"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "weights": list(self.weights),
            "bias": self.bias,
        }

    def logits(self, rows: np.ndarray) -> np.ndarray:
        import numpy as np

        mean, scale = np.asarray(self.mean), np.asarray(self.scale)
        return np.asarray(((rows - mean) / scale) @ np.asarray(self.weights) + self.bias)


@dataclass(frozen=True, slots=True)
class Models:
    """The fitted ranker, the answerability model and the confidence below which to abstain."""

    ranker: Logistic
    answerable: Logistic
    abstain_below: float

    @classmethod
    def load(cls, path: Path = _MODEL) -> Models:
        """The models in ``path``, which must read the features this code computes."""
        data = json.loads(path.read_text(encoding="utf-8"))
        models = cls(
            Logistic.from_dict(data["ranker"]),
            Logistic.from_dict(data["answerable"]),
            float(data["abstain_below"]),
        )
        if models.ranker.names != NAMES or models.answerable.names != ANSWERABILITY_NAMES:
            raise ValueError(f"{path} was fitted on other features: run benchmarks/fit_ranker.py")
        return models


@functools.cache
def models() -> Models:
    return Models.load()


@dataclass(frozen=True, slots=True)
class Ranked:
    candidate: Candidate
    score: float  # the ranker's belief that, of all the candidates, this sentence answers
    logit: float
    idf_coverage: float  # share of the question's rarer vocabulary the sentence holds


def rank(
    question: str,
    candidates: list[Candidate],
    lexical: LexicalIndex,
    ranker: Logistic | None = None,
) -> list[Ranked]:
    """Candidates best first, one per distinct sentence text (the best-scored copy);
    ``lexical`` gives term frequencies; ``ranker`` defaults to the fitted one."""
    if not candidates:
        return []
    import numpy as np

    ranker = ranker or models().ranker
    rows = features(question, candidates, lexical)
    logits = ranker.logits(rows)
    coverage = rows[:, NAMES.index("idf_coverage")]
    best: dict[str, int] = {}  # the best-scored copy of each distinct sentence
    for number in np.argsort(-logits, kind="stable").tolist():
        best.setdefault(candidates[number].sentence.key, number)
    chosen = list(best.values())
    # The ranker was fitted to pick one sentence among a question's candidates (a softmax over
    # them), so a sentence's score is its share of that softmax.
    shares = np.exp(logits[chosen] - logits[chosen].max())
    shares /= shares.sum()
    return [
        Ranked(candidates[n], float(share), float(logits[n]), float(coverage[n]))
        for n, share in zip(chosen, shares, strict=True)
    ]


ANSWERABILITY_NAMES = (
    "best_sentence_cosine",
    "best_passage_cosine",
    "best_answer_idf_coverage",
    "best_answer_logit",
    "absent_idf_share",
    "specific_missing",
    "missing_in_top_passages",
    "kind_missing",
    "answer_echoes",
    "missing_in_best_passage",
    "document_coverage",
    "best_passage_share",
    "best_title_share",
)
TOP_PASSAGES = 5  # passages of the best answers whose words the question's terms are looked for in
# A term in more passages than this is common: :func:`document_coverage` takes it as held by every
# document rather than look up the documents of all its passages.
COMMON_PASSAGES = 5_000
# What a question names exactly and a paraphrase cannot replace: version numbers, identifiers,
# constants (1.0.7, CVE-2022-40674, FC_DEBUG, procps-ng, getElementById).
_SPECIFIC = re.compile(r"[\w.+-]*\w")
_IS_SPECIFIC = re.compile(r"\d|_|[a-z][A-Z]|^[A-Z]{2,}$")


def answerability_row(
    question: str,
    ranked: list[Ranked],
    best_answer: str,
    lexical: LexicalIndex,
    store: Store,
    unseen: Collection[int] = (),
) -> list[float]:
    """What the answerability model reads, all absolute measures (a corpus of one sentence is
    judged as one of a million): how close the closest sentence and passage come to the
    question; how much of its rarer vocabulary the best answer holds, and the ranker's belief
    in it; the share of the question's weight in terms no document holds; the share of the
    specific tokens it names (versions, identifiers) that the best answer's passage lacks; the
    share of its weight in terms that none of the best answers' passages holds; whether the best
    answer (its text, ``best_answer``) lacks the kind of answer asked for (a date for "when", a
    name for "who"...) and how much of it only repeats the question; the share of the question's
    weight its passage lacks; :func:`document_coverage` (``unseen`` documents left out); and
    :func:`concentration`."""
    import numpy as np

    wanted = query_terms(question)
    documents, counts = lexical.frequencies("sentences", wanted)
    weights = np.array([math.log((documents + 1) / (n + 0.5)) for n in counts])
    total = float(weights.sum()) or 1.0
    best = ranked[0].candidate.passage
    shown = f"{best.title} {best.section} {best.text}".casefold()
    specific = [t for t in _SPECIFIC.findall(question) if _IS_SPECIFIC.search(t)]
    near: set[str] = set()
    for item in ranked[:TOP_PASSAGES]:
        passage = item.candidate.passage
        near.update(terms(f"{passage.title} {passage.section} {passage.text}"))
    around = set(terms(f"{best.path} {best.title} {best.section} {best.text}"))
    said = set(terms(best_answer))
    return [
        max(r.candidate.sentence_cosine for r in ranked),
        max(r.candidate.passage_cosine for r in ranked),
        ranked[0].idf_coverage,
        ranked[0].logit,
        float(weights[np.array(counts) == 0].sum()) / total if counts else 0.0,
        sum(t.casefold() not in shown for t in specific) / len(specific) if specific else 0.0,
        float(sum(w for w, t in zip(weights, wanted, strict=True) if t not in near)) / total,
        float(lacks_kind(question, best_answer)),
        len(said & set(wanted)) / len(said) if said else 1.0,
        float(sum(w for w, t in zip(weights, wanted, strict=True) if t not in around)) / total,
        document_coverage(wanted, weights, lexical, store, unseen),
        *concentration(ranked),
    ]


def concentration(ranked: list[Ranked]) -> tuple[float, float]:
    """The shares of the ranker's belief (its scores, which sum to 1) in the best answer's
    passage and in its document (the documents of its title: the renderings of one article
    count as one): where the documents answer, the best candidates agree on one place; where
    they do not, belief spreads over many ("Which environment variable sets Black's cache?"
    over Black's pages and another program's FAQ on environment variables)."""
    best = ranked[0].candidate.passage
    in_passage = in_titled = 0.0
    for item in ranked:
        passage = item.candidate.passage
        if passage.title == best.title:
            in_titled += item.score
            if passage.id == best.id:
                in_passage += item.score
    return in_passage, in_titled


def document_coverage(
    wanted: list[str],
    weights: np.ndarray,
    lexical: LexicalIndex,
    store: Store,
    unseen: Collection[int] = (),
) -> float:
    """The largest share of the question's weight (``weights`` of its terms ``wanted``) that one
    document holding its rarest term holds: documents about what the question names ("Typer")
    that never use its other words ("deprecated") do not answer it. The rarest term is the
    rarest that some document holds (a word no document holds is weighed, as not held, but
    cannot point to documents); a term in more than :data:`COMMON_PASSAGES` passages counts as
    held by every document. 0 when no document holds any; ``unseen`` documents (ids) are taken
    as absent."""
    import numpy as np

    holders = lexical.holders("passages", wanted, COMMON_PASSAGES)
    present = [n for n, ids in enumerate(holders) if ids is None or len(ids)]
    if not present:
        return 0.0
    share = weights / (float(weights.sum()) or 1.0)
    rarest = holders[max(present, key=lambda n: float(weights[n]))]
    if rarest is None:  # every term some document holds is common
        return float(share[present].sum())
    candidates = _documents_holding(store.documents_of(rarest))
    candidates[[u for u in unseen if 0 <= u < len(candidates)]] = False
    if not candidates.any():
        return 0.0
    held = np.zeros(len(candidates))
    for part, ids in zip(share, holders, strict=True):
        if ids is None:
            held += part
        elif len(ids):
            held += part * _documents_holding(store.documents_of(ids), len(candidates))
    return float(held[candidates].max())


def _documents_holding(documents: np.ndarray, size: int | None = None) -> np.ndarray:
    """A mask over document ids (``size`` of them, or up to the largest) of those in
    ``documents``; -1 (a passage not stored) is none. (Not np.unique or np.isin: their first
    call imports numpy.ma, ~9 ms of a cold question.)"""
    import numpy as np

    documents = documents[documents >= 0]
    if size is None:
        size = int(documents.max()) + 1 if len(documents) else 0
    mask = np.zeros(size, dtype=bool)
    mask[documents[documents < size]] = True
    return mask


def confidence(
    question: str, ranked: list[Ranked], best_answer: str, lexical: LexicalIndex, store: Store
) -> float:
    """The probability that the documents answer the question (0 without candidates)."""
    import numpy as np

    if not ranked:
        return 0.0
    row = np.asarray([answerability_row(question, ranked, best_answer, lexical, store)])
    return _sigmoid(float(models().answerable.logits(row)[0]))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


MAX_UNIT_SENTENCES = 3  # consecutive sentences of a block that one answer joins (then what
# a lead-in announces, or the sentence a pronoun refers back to)
MERGE_DEPTH = 2  # ranked sentences looked at per answer wanted, for neighbours to join
MERGE_SHARE = 0.2  # a neighbour joins an answer if scored at least this share of its best


@dataclass(frozen=True, slots=True)
class Unit:
    """Consecutive sentences of one passage quoted as one answer: the best-ranked of them, the
    neighbours ranked near it, and what a lead-in announces."""

    head: Ranked
    sentences: tuple[SentenceRecord, ...]
    score: float

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


def answer_units(store: Store, ranked: list[Ranked], k: int, question: str = "") -> list[Unit]:
    """The best ``k`` answers: neighbouring sentences of a paragraph ranked near the top join
    one answer instead of standing as several (two a sentence apart with the one between them,
    as "The problem is X. [...] Use Y." reads); a sentence that announces what follows ("...:",
    a question line, a bare term) is quoted with the sentence after it, and one whose subject
    is a pronoun ("From 1998, he was the commander...") with the sentence before it. An answer
    without the kind of thing ``question`` asks for takes the neighbour that has it
    (:func:`with_what_was_asked`)."""
    units: list[list[Ranked]] = []
    for item in ranked[: max(k * MERGE_DEPTH, k)]:
        beside = next((unit for unit in units if _beside(unit, item)), None)
        if beside is None:
            if len(units) < k:
                units.append([item])
        elif item.score >= MERGE_SHARE * beside[0].score and _span([*beside, item]) <= (
            MAX_UNIT_SENTENCES
        ):
            beside.append(item)
        # else: a weak neighbour is not an answer of its own; its answer's context shows it
    asks_kind = question_type(question) != "other"
    # A unit's sentences and those between them (a sentence between two ranked ones is quoted)
    ids = [_ids_first_to_last(unit) for unit in units]
    within = store.sentences(i for unit_ids in ids for i in unit_ids)
    spans = [[within[i] for i in unit_ids if i in within] for unit_ids in ids]
    neighbours = store.sentences(
        [
            span[-1].id + step
            for span in spans
            if announces(span[-1].text)
            for step in range(1, reach(span[-1].text) + 1)
        ]
        + [span[0].id - 1 for span in spans if refers_back(span[0].text)]
        + [i for span in spans if asks_kind for i in (span[0].id - 1, span[-1].id + 1)]
    )
    result = []
    for unit, span in zip(units, spans, strict=True):
        before = neighbours.get(span[0].id - 1)
        if before and _adjacent(span[0], before, -1) and refers_back(span[0].text):
            span.insert(0, before)
        if announces(span[-1].text):
            span.extend(announced(span[-1], neighbours))
        if asks_kind:
            _take_what_was_asked(question, span, neighbours)
        result.append(Unit(unit[0], tuple(span), sum(r.score for r in unit)))
    return result


def with_what_was_asked(question: str, text: str, after: str, before: str) -> int:
    """Which neighbour an answer ``text`` is quoted with for ``question``: if it lacks the kind
    of thing asked for (an option, a number, a name...), the sentence right ``after`` it when
    that has it ("Your server knows neither command." "Add nodesc=1 to its entry.": 1), else
    the one right ``before`` it when that has it (a list item's "`latest_prerelease` is the tag
    of each alpha release." before its description: -1); else none (0, also for a neighbour
    that is ``""``: none there)."""
    if not lacks_kind(question, text):
        return 0
    if after and not lacks_kind(question, after):
        return 1
    if before and not lacks_kind(question, before):
        return -1
    return 0


def _take_what_was_asked(
    question: str, span: list[SentenceRecord], neighbours: Mapping[int, SentenceRecord]
) -> None:
    """Add to ``span`` the neighbour (of those ``neighbours`` holds) that
    :func:`with_what_was_asked` names for ``question``."""
    after, before = neighbours.get(span[-1].id + 1), neighbours.get(span[0].id - 1)
    after = after if after and _adjacent(span[-1], after, 1) else None
    before = before if before and _adjacent(span[0], before, -1) else None
    text = " ".join(s.text for s in span)
    step = with_what_was_asked(question, text, _text(after), _text(before))
    if step == 1 and after:
        span.append(after)
    elif step == -1 and before:
        span.insert(0, before)


def unit_text(candidate: Candidate, question: str = "") -> str:
    """The text the answer to a candidate quotes when it stands alone (as :func:`answer_units`
    makes it for ``question``)."""
    previous, sentence, following = candidate.previous, candidate.sentence.text, candidate.next
    text = read_whole(previous, sentence, following)
    if not question:
        return text
    on_previous, on_following = leans_on(previous, sentence, following)  # read_whole took them
    after = "" if on_following else following
    before = "" if on_previous else previous
    step = with_what_was_asked(question, text, after, before)
    return f"{text} {after}" if step == 1 else f"{before} {text}" if step == -1 else text


def _text(sentence: SentenceRecord | None) -> str:
    return sentence.text if sentence else ""


def _adjacent(sentence: SentenceRecord, other: SentenceRecord, step: int) -> bool:
    """Whether ``other`` is the sentence ``step`` from ``sentence`` in its passage and page."""
    return (
        other.passage_id == sentence.passage_id
        and other.position == sentence.position + step
        and other.page == sentence.page
    )


def _beside(unit: list[Ranked], item: Ranked) -> bool:
    """Whether ``item`` stands in the same block (the same paragraph, list item or row) of its
    passage as ``unit``'s sentences, next to them or one sentence away."""
    sentence, head = item.candidate.sentence, unit[0].candidate.sentence
    positions = [r.candidate.sentence.position for r in unit]
    return (head.passage_id, head.page, head.block) == (
        sentence.passage_id,
        sentence.page,
        sentence.block,
    ) and min(positions) - 2 <= sentence.position <= max(positions) + 2


def _span(unit: list[Ranked]) -> int:
    """How many consecutive sentences quote ``unit``'s, those between them included."""
    positions = [r.candidate.sentence.position for r in unit]
    return max(positions) - min(positions) + 1


def _ids_first_to_last(unit: list[Ranked]) -> range:
    """The ids from the first of ``unit``'s sentences to the last: the sentences of a passage
    have consecutive ids."""
    ids = [r.candidate.sentence.id for r in unit]
    return range(min(ids), max(ids) + 1)


def build_answers(store: Store, units: list[Unit]) -> list[Answer]:
    """Answers for units, each with every place its text stands verbatim."""
    heads = [u.sentences[0] for u in units]
    twins = store.sentences_with_keys(s.key for s in heads)
    passages = store.passages({s.passage_id for s in twins} | {s.passage_id for s in heads})
    by_key: dict[str, list[SentenceRecord]] = {}
    for sentence in twins:
        by_key.setdefault(sentence.key, []).append(sentence)
    # Where a unit of several sentences stands again, its last sentence is as many rows on.
    lasts = store.sentences(
        twin.id + len(unit.sentences) - 1
        for unit in units
        if len(unit.sentences) > 1
        for twin in by_key.get(unit.sentences[0].key, ())
    )
    answers = []
    for unit in units:
        first = unit.sentences[0]
        sources = []
        for twin in by_key.get(first.key, [first]):
            last = lasts.get(twin.id + len(unit.sentences) - 1) if len(unit.sentences) > 1 else twin
            if twin.id == first.id:
                last = unit.sentences[-1]
            if last is None or last.passage_id != twin.passage_id or last.page != twin.page:
                continue
            if twin.id != first.id and unit.text not in passages[twin.passage_id].text:
                continue
            source = _source(passages[twin.passage_id], twin)
            sources.append((twin.id != first.id, replace(source, line_end=last.line_end)))
        sources.sort(key=lambda pair: (pair[0], pair[1].path, pair[1].line_start))
        answers.append(
            Answer(
                text=unit.text,
                score=min(unit.score, 1.0),
                context=passages[first.passage_id].text,
                sources=tuple(source for _, source in sources),
            )
        )
    return answers


def _source(passage: PassageRecord, sentence: SentenceRecord) -> Source:
    return Source(
        passage.path, passage.section, sentence.line_start, sentence.line_end, sentence.page
    )
