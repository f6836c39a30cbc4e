"""Fit the answer ranker and the answerability model on every development domain, and report
both on projects and articles held out of fitting.

Domains (benchmarks/_domains.py): the even SQuAD dev articles (Wikipedia; the odd ones stay
out of all fitting, for answer_quality.py to report on), realdocs-dev (real Markdown, PDF, HTML
and text documentation, with unanswerable questions) and the seed questions on the bundled
corpus (and, with ``--realdocs-like``, more sets laid out as realdocs-dev). Every figure
printed is cross-validated: the questions are split into folds by their article or, for real
documents, their project (Typer's pages, one PDF manual), and each fold is scored by models
fitted on the others, so no model sees the document it is scored on, nor its siblings (held
out by file only, realdocs-dev answer@1 read 0.600 where a ranker fitted on other projects
gets 0.517).

- The ranker is linear over :mod:`verbatim.answer.features`, fitted listwise: a softmax over each
  question's candidates that should put its mass on those whose answer (the sentence with the
  one it leads in to or refers back to, or the neighbour holding what the question asks for,
  :func:`verbatim.answer.rank.unit_text`) holds a gold. A
  realdocs question weighs ``--real-weight`` SQuAD questions, so that the 60 of them count
  beside the 1,047 of the even articles.
- The answerability model reads the ranked list (:func:`verbatim.answer.rank.answerability_row`) and
  predicts whether the documents answer the question at all. Its negatives are the
  unanswerable questions, every answerable question asked again with its own article or file
  taken out of the candidates (as if the corpus did not have it), and SQuAD questions asked of
  the bundled corpus (the fourth of every eight; the first of every eight is what
  answer_quality.py measures off-corpus abstention on).
- The abstention threshold is the highest confidence that, cross-validated, wrongly abstains on
  at most the share ``--max-wrong-abstention`` allows in each domain: 3% of the questions of
  each SQuAD article, 5% of realdocs' (the quality issue's bound for real documents; with
  ``--realdocs-like`` sets, of all real documents' together), none of the seed questions. (With
  the answer-kind, echo and document-coverage features, at 1% and 2% per article, 1 of
  realdocs' 12 questions without an answer was abstained on, cross-validated; at 3%, 3 of 12,
  with 1.1% of SQuAD's answerable ones wrongly abstained on overall.)

Run from the repository root (indexes are built or reused under /tmp/verbatim-bench/quality):

    .venv/bin/python benchmarks/fit_ranker.py [--write]  # --write: src/verbatim/answer/ranker.json
"""

from __future__ import annotations

import argparse
import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _domains import BUNDLED, INDEXES, REALDOCS, SQUAD, Domain, format_of, like_realdocs
from _split import fitting_articles

from verbatim.answer.features import NAMES, features
from verbatim.answer.rank import (
    ANSWERABILITY_NAMES,
    Logistic,
    answer_units,
    answerability_row,
    rank,
    unit_text,
)
from verbatim.answer.retrieve import Candidate, Retriever
from verbatim.evaluate import Question, contains_answer
from verbatim.index.directory import Index

LARGE_GROUP = 50  # questions in a group for its own quantile of wrong abstention
MODEL_FILE = Path(__file__).resolve().parents[1] / "src" / "verbatim" / "answer" / "ranker.json"


@dataclass
class Asked:
    """One question with its candidates, their feature rows and labels."""

    question: Question
    domain: str
    group: str
    candidates: list[Candidate]
    rows: np.ndarray
    labels: np.ndarray
    index: Index
    removed: bool = False  # its own group was taken out of the candidates and the documents

    @property
    def project(self) -> str:
        """What a fold holds out whole: a real document's project (its format and first
        folder, "md/typer", or its file, "pdf/nettle.pdf"), whose other pages share its words
        and style; else the group (an article, an unanswerable question)."""
        file = self.question.file
        return "/".join(file.split("/")[:2]) if file else self.group

    @property
    def part(self) -> str:
        """The domain, and for realdocs the format: the lines of the report."""
        fmt = format_of(self.question)
        return f"{self.domain} {fmt}" if fmt else self.domain


def ask_domain(
    domain: Domain, questions: Sequence[tuple[Question, str]], indexes: Path
) -> list[Asked]:
    assistant = domain.assistant(indexes)
    index = assistant.index
    retriever = Retriever(index, assistant.question_encoder.encode)
    asked = []
    for question, group in questions:
        candidates = retriever.candidates(question.question)
        if candidates:
            rows = features(question.question, candidates, index.lexical)
            labels = np.array(
                [
                    contains_answer(unit_text(c, question.question), question.answers)
                    for c in candidates
                ]
            )
            asked.append(Asked(question, domain.name, group, candidates, rows, labels, index))
    return asked


def without_own_group(a: Asked) -> Asked | None:
    """The question asked as if its article or file were not in the corpus."""
    keep = [i for i, c in enumerate(a.candidates) if not in_group(c.passage.path, a)]
    if not keep or len(keep) == len(a.candidates):
        return None
    question = Question(a.question.question, (), answerable=False, file=a.question.file)
    candidates = [a.candidates[i] for i in keep]
    rows = features(question.question, candidates, a.index.lexical)
    return Asked(question, a.domain, a.group, candidates, rows, a.labels[keep] * 0, a.index, True)


def fold(group: str, folds: int) -> int:
    return zlib.crc32(group.encode("utf-8")) % folds


def fit_listwise(asked: Sequence[Asked], weights: Sequence[float], l2: float) -> Logistic:
    """Weights on standardised features maximising, per question, the softmax probability of
    the candidates holding a gold answer (L2-penalised; L-BFGS). Questions without any are left
    out: they say nothing about which candidate is best."""
    from scipy.optimize import minimize

    rows = np.vstack([a.rows for a in asked])
    mean, scale = rows.mean(axis=0), rows.std(axis=0) + 1e-9
    groups = [
        ((a.rows - mean) / scale, a.labels.astype(bool), weight)
        for a, weight in zip(asked, weights, strict=True)
        if a.labels.any()
    ]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, gradient = 0.5 * l2 * w @ w, l2 * w
        for z, right, weight in groups:
            scores = z @ w
            p = np.exp(scores - scores.max())
            p /= p.sum()
            mass = p[right].sum()
            total -= weight * np.log(mass)
            gradient += weight * (p @ z - (p[right] / mass) @ z[right])
        return total, gradient

    w = minimize(loss, np.zeros(rows.shape[1]), jac=True, method="L-BFGS-B").x
    return Logistic(NAMES, tuple(mean.tolist()), tuple(scale.tolist()), tuple(w.tolist()), 0.0)


def fit_logistic(x: np.ndarray, y: np.ndarray, weights: np.ndarray, l2: float) -> Logistic:
    """Weighted, L2-regularised logistic regression by Newton's method on standardised
    features."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = l2 * np.eye(len(w))
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(30):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (weights * (p - y)) + penalty @ w
        hessian = (z * (weights * p * (1 - p))[:, None]).T @ z + penalty
        w -= np.linalg.solve(hessian, gradient)
    return Logistic(
        ANSWERABILITY_NAMES,
        tuple(mean.tolist()),
        tuple(scale.tolist()),
        tuple(w[:-1].tolist()),
        float(w[-1]),
    )


def hits(a: Asked, ranker: Logistic) -> list[bool]:
    """Whether each of the first three distinct sentences, as ranked, holds a gold answer."""
    seen: set[str] = set()
    labels = []
    for i in np.argsort(-ranker.logits(a.rows), kind="stable"):
        key = a.candidates[i].sentence.key
        if key not in seen:
            seen.add(key)
            labels.append(bool(a.labels[i]))
    return labels[:3]


def cross_validate(
    asked: Sequence[Asked], folds: int, fit: Callable[[list[Asked]], Logistic]
) -> dict[int, Logistic]:
    """The model of each fold, fitted on every question outside it."""
    return {f: fit([a for a in asked if fold(a.project, folds) != f]) for f in range(folds)}


def report_ranking(asked: Sequence[Asked], rankers: dict[int, Logistic], folds: int) -> None:
    parts: dict[str, list[list[bool]]] = {}
    for a in asked:
        if a.question.answerable:
            parts.setdefault(a.part, []).append(hits(a, rankers[fold(a.project, folds)]))
    print("ranking, cross-validated by project/article: part | questions | answer@1 | answer@3")
    for part, found in sorted(parts.items()):
        at1 = np.mean([h[0] for h in found])
        at3 = np.mean([any(h) for h in found])
        print(f"  {part:14s} {len(found):5d}  {at1:.3f}  {at3:.3f}")


def answerability(asked: Sequence[Asked], ranker: Logistic) -> np.ndarray:
    rows = []
    for a in asked:
        store = a.index.store
        ranked = rank(a.question.question, a.candidates, a.index.lexical, ranker)
        best = answer_units(store, ranked, 1)[0].text
        # A question asked as if its own file were absent: that file's documents are unseen.
        documents = store.documents().values() if a.removed else ()
        unseen = {d.id for d in documents if in_group(d.path, a)}
        rows.append(
            answerability_row(a.question.question, ranked, best, a.index.lexical, store, unseen)
        )
    return np.array(rows)


def in_group(path: str, a: Asked) -> bool:
    """Whether the file at ``path`` is the question's article or file."""
    return path == a.group or Path(path).stem == a.group


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--l2", type=float, default=10.0, help="the ranker's L2 penalty")
    parser.add_argument("--real-weight", type=float, default=10.0)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--max-wrong-abstention",
        default="squad=0.03,realdocs=0.05,bundled=0",
        help="per domain, the share of answerable questions that may be wrongly abstained on",
    )
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_FILE.name}")
    parser.add_argument("--indexes", type=Path, default=INDEXES, help="where the indexes live")
    parser.add_argument(
        "--realdocs-like",
        type=Path,
        action="append",
        default=[],
        help="a folder laid out as realdocs-dev (corpus/, questions.jsonl): more real documents "
        "to fit on, weighed and bounded as realdocs",
    )
    args = parser.parse_args()
    real = [REALDOCS, *map(like_realdocs, args.realdocs_like)]

    squad = SQUAD.questions()
    fitting = fitting_articles(SQUAD.questions_file)
    asked = [
        *ask_domain(BUNDLED, BUNDLED.questions(), args.indexes),
        *(a for domain in real for a in ask_domain(domain, domain.questions(), args.indexes)),
        *ask_domain(SQUAD, [(q, a) for q, a in squad if a in fitting], args.indexes),
    ]
    off_corpus = [
        (Question(q.question, (), answerable=False), "off-corpus") for q, _ in squad[4::8]
    ]
    negatives = ask_domain(BUNDLED, off_corpus, args.indexes)
    for negative in negatives:
        negative.domain = "off-corpus"
    negatives += [n for a in asked if a.question.answerable and (n := without_own_group(a))]
    weight = {domain.name: args.real_weight for domain in real} | {"bundled": 3.0}

    def fit_ranker(part: list[Asked]) -> Logistic:
        ranking = [a for a in part if a.question.answerable]
        return fit_listwise(ranking, [weight.get(a.domain, 1.0) for a in ranking], args.l2)

    rankers = cross_validate(asked, args.folds, fit_ranker)
    report_ranking(asked, rankers, args.folds)
    final = fit_ranker(asked)

    every = [*asked, *negatives]
    x = np.vstack([answerability([a], rankers[fold(a.project, args.folds)]) for a in every])
    y = np.array([float(a.question.answerable) for a in every])
    w = np.ones(len(every))  # every question counts once: weighing realdocs up cost off-corpus
    groups = [a.project for a in every]
    sure = np.zeros(len(every))
    for f in range(args.folds):
        held = np.array([fold(g, args.folds) == f for g in groups])
        model = fit_logistic(x[~held], y[~held], w[~held], 1.0)
        sure[held] = 1 / (1 + np.exp(-model.logits(x[held])))
    answerable_model = fit_logistic(x, y, w, 1.0)
    bounds = {d: float(v) for d, v in (p.split("=") for p in args.max_wrong_abstention.split(","))}
    # Real documents are bounded together: 5% of 48 questions is 2.4, too few to tell per set.
    pooled = {"realdocs": {domain.name for domain in real}}
    answerable = [a for a in every if a.question.answerable]
    threshold = min(
        strictest_quantile(sure[y == 1], answerable, pooled.get(d, {d}), bound)
        for d, bound in bounds.items()
    )
    report_abstention(every, sure, threshold)
    if args.write:
        data = {
            "fitted_by": "benchmarks/fit_ranker.py on squad-dev, "
            + ", ".join(domain.name for domain in real)
            + ", seed questions",
            "ranker": final.to_dict(),
            "answerable": answerable_model.to_dict(),
            "abstain_below": round(threshold, 4),
        }
        MODEL_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}")


def strictest_quantile(
    sure: np.ndarray, answerable: Sequence[Asked], domains: set[str], bound: float
) -> float:
    """The confidence below which ``bound`` of the answerable questions of ``domains`` fall,
    taken in each of their groups large enough to tell (an article, a file) and at its
    strictest: confidence levels shift from one subject to the next, and the threshold must
    hold for subjects it never saw. Domains without such groups are taken whole."""
    groups: dict[str, list[float]] = {}
    for a, confidence in zip(answerable, sure, strict=True):
        if a.domain in domains:
            groups.setdefault(a.group, []).append(confidence)
    large = [values for values in groups.values() if len(values) >= LARGE_GROUP]
    pooled = [v for values in groups.values() for v in values]
    return min(float(np.quantile(values, bound)) for values in (large or [pooled]))


def report_abstention(every: Sequence[Asked], sure: np.ndarray, threshold: float) -> None:
    print(f"\nabstain below confidence {threshold:.3f}; cross-validated, per part:")
    print("  part | answerable wrongly abstained | unanswerable abstained | own file removed")
    kinds = {
        "answerable": lambda a: a.question.answerable,
        "unanswerable": lambda a: not a.question.answerable and not a.removed,
        "removed": lambda a: a.removed,
    }
    shares: dict[tuple[str, str], list[bool]] = {}
    for a, confidence in zip(every, sure, strict=True):
        kind = next(name for name, select in kinds.items() if select(a))
        shares.setdefault((a.part, kind), []).append(confidence < threshold)
    for part in sorted({a.part for a in every}):
        cells = [
            f"{np.mean(shares[part, kind]):.3f} of {len(shares[part, kind])}"
            if (part, kind) in shares
            else "-"
            for kind in kinds
        ]
        print(f"  {part:14s} " + " | ".join(cells))


if __name__ == "__main__":
    main()
