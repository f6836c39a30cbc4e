"""From candidate sentences to answers: rank them with a fitted model, merge verbatim duplicates,
and say how likely it is that the documents answer the question at all."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verbatim.features import NAMES, features
from verbatim.retrieve import Candidate
from verbatim.store import PassageRecord, SentenceRecord, Store
from verbatim.types import Answer, Source

if TYPE_CHECKING:
    import numpy as np

    from verbatim.lexical import LexicalIndex

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


ANSWERABILITY_NAMES = ("best_sentence_cosine", "best_passage_cosine", "best_answer_idf_coverage")


def answerability_row(ranked: list[Ranked]) -> list[float]:
    """What the answerability model reads: how close the closest sentence and passage come to
    the question, and how much of the question's rarer vocabulary the best answer holds. Only
    absolute measures: a corpus of one sentence is judged as one of a million."""
    return [
        max(r.candidate.sentence_cosine for r in ranked),
        max(r.candidate.passage_cosine for r in ranked),
        ranked[0].idf_coverage,
    ]


def confidence(ranked: list[Ranked]) -> float:
    """The probability that the documents answer the question (0 without candidates)."""
    import numpy as np

    if not ranked:
        return 0.0
    return _sigmoid(float(models().answerable.logits(np.asarray([answerability_row(ranked)]))[0]))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def build_answers(store: Store, ranked: list[Ranked]) -> list[Answer]:
    """Answers for ranked candidates, each with every place its sentence stands verbatim."""
    twins = store.sentences_with_keys(r.candidate.sentence.key for r in ranked)
    passages = store.passages({s.passage_id for s in twins})
    by_key: dict[str, list[SentenceRecord]] = {}
    for sentence in twins:
        by_key.setdefault(sentence.key, []).append(sentence)
    answers = []
    for item in ranked:
        best = item.candidate.sentence
        copies = sorted(
            by_key.get(best.key, [best]),
            key=lambda s: (s.id != best.id, passages[s.passage_id].path, s.line_start),
        )
        answers.append(
            Answer(
                text=best.text,
                score=item.score,
                context=item.candidate.passage.text,
                sources=tuple(_source(passages[s.passage_id], s) for s in copies),
            )
        )
    return answers


def _source(passage: PassageRecord, sentence: SentenceRecord) -> Source:
    return Source(
        passage.path, passage.section, sentence.line_start, sentence.line_end, sentence.page
    )
