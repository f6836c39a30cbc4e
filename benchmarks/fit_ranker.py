"""Fit the answer ranker and the answerability model, and report them on questions not fitted.

The SQuAD dev articles are split in two by alphabetical position: the even ones fit, the odd ones
report (and the seed questions, on another corpus, are never seen). Both models are linear
over :mod:`verbatim.features`:

- the ranker scores each candidate sentence of a question; it is fitted listwise, as a softmax
  over the question's candidates that should put its mass on those holding a gold answer (this
  targets the first answer directly: held out, answer@1 0.735 against 0.722 for a logistic
  regression fitted on each candidate alone, with the same features);
- the answerability model reads the ranked list (the closest cosines, how much of the question
  the best answer covers) and predicts whether the corpus holds the answer at all. Its
  negatives are the same questions asked with their own article taken out of the candidates,
  as if the corpus did not have it.

The abstention threshold is the highest confidence that wrongly abstains on at most
``--max-wrong-abstention`` of the questions of each fitting article: confidence levels shift from
one subject to the next, and the threshold must hold for subjects it never saw. The trade-off
curve is printed for the reported half. Run from the repository root:

    .venv/bin/python benchmarks/fit_ranker.py [--write]   # --write updates src/verbatim/ranker.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _split import fitting_articles

from verbatim.answer import ANSWERABILITY_NAMES, Logistic, answerability_row, rank
from verbatim.assistant import Assistant
from verbatim.config import Settings, packaged_model_path
from verbatim.evaluate import contains_answer
from verbatim.features import NAMES, features
from verbatim.lexical import LexicalIndex
from verbatim.retrieve import Candidate, Retriever

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "eval" / "squad-dev"
MODEL_FILE = ROOT / "src" / "verbatim" / "ranker.json"


@dataclass
class Asked:
    """One question with its candidates, their feature rows and labels."""

    question: str
    article: str
    candidates: list[Candidate]
    rows: np.ndarray
    labels: np.ndarray


def fit_logistic(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], l2: float) -> Logistic:
    """L2-regularised logistic regression by Newton's method on standardised features."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = l2 * np.eye(len(w))
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(25):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        w -= np.linalg.solve(hessian, gradient)
    return Logistic(
        names, tuple(mean.tolist()), tuple(scale.tolist()), tuple(w[:-1].tolist()), float(w[-1])
    )


def fit_listwise(asked: list[Asked], names: tuple[str, ...], l2: float) -> Logistic:
    """Weights on standardised features maximising, per question, the softmax probability of
    the candidates holding a gold answer (L2-penalised; L-BFGS). Questions without any are left
    out: they say nothing about which candidate is best."""
    from scipy.optimize import minimize

    rows = np.vstack([a.rows for a in asked])
    mean, scale = rows.mean(axis=0), rows.std(axis=0) + 1e-9
    groups = [((a.rows - mean) / scale, a.labels.astype(bool)) for a in asked if a.labels.any()]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, gradient = 0.5 * l2 * w @ w, l2 * w
        for z, right in groups:
            scores = z @ w
            p = np.exp(scores - scores.max())
            p /= p.sum()
            mass = p[right].sum()
            total -= np.log(mass)
            gradient += p @ z - (p[right] / mass) @ z[right]
        return total, gradient

    w = minimize(loss, np.zeros(rows.shape[1]), jac=True, method="L-BFGS-B").x
    return Logistic(names, tuple(mean.tolist()), tuple(scale.tolist()), tuple(w.tolist()), 0.0)


def ask_all(assistant: Assistant, questions: list[dict]) -> list[Asked]:
    index = assistant.index
    retriever = Retriever(index, assistant.question_encoder.encode)
    asked = []
    for item in questions:
        candidates = retriever.candidates(item["question"])
        if not candidates:
            continue
        rows = features(item["question"], candidates, index.lexical)
        labels = np.array([contains_answer(c.sentence.text, item["answers"]) for c in candidates])
        asked.append(Asked(item["question"], item["article"], candidates, rows, labels))
    return asked


def ranking_scores(asked: list[Asked], ranker: Logistic | None) -> dict[str, float]:
    """answer@1, answer@3 and MRR@10 of a ranker (None: the order before fitting, which weighs
    the raw evidence as Verbatim did before)."""
    at1 = at3 = mrr = 0.0
    for a in asked:
        if ranker is None:
            score = a.rows[:, :4] @ np.array([0.45, 0.25, 0.20, 0.10])
        else:
            score = ranker.logits(a.rows)
        seen, labels = set(), []
        for i in np.argsort(-score, kind="stable"):
            key = a.candidates[i].sentence.key
            if key not in seen:
                seen.add(key)
                labels.append(bool(a.labels[i]))
        at1 += labels[0]
        at3 += any(labels[:3])
        mrr += next((1 / (r + 1) for r, hit in enumerate(labels[:10]) if hit), 0.0)
    n = len(asked)
    return {"answer@1": at1 / n, "answer@3": at3 / n, "mrr@10": mrr / n}


def answerability_rows(asked: list[Asked], ranker: Logistic, lexical: LexicalIndex) -> np.ndarray:
    """Per question, (answerable row, row with its own article taken out), NaN when none is
    left."""
    rows = []
    for a in asked:
        with_article = rank(a.question, a.candidates, lexical, ranker)
        others = [c for c in a.candidates if Path(c.passage.path).stem != a.article]
        without = rank(a.question, others, lexical, ranker) if others else []
        rows.append(
            (
                answerability_row(with_article),
                answerability_row(without) if without else [np.nan] * len(ANSWERABILITY_NAMES),
            )
        )
    return np.array(rows, dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="index of the squad-dev corpus (built if new)")
    parser.add_argument("--l2", type=float, default=10.0, help="the ranker's L2 penalty")
    parser.add_argument("--max-wrong-abstention", type=float, default=0.001)
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_FILE.name}")
    args = parser.parse_args()

    index_dir = args.index or Path(tempfile.mkdtemp()) / "index"
    assistant = Assistant(Settings(SQUAD / "corpus", index_dir, packaged_model_path()))
    assistant.ensure_index()
    questions = [json.loads(line) for line in (SQUAD / "questions.jsonl").open(encoding="utf-8")]
    articles = sorted({q["article"] for q in questions})
    fit_articles = fitting_articles(SQUAD / "questions.jsonl")
    asked = ask_all(assistant, questions)
    fit = [a for a in asked if a.article in fit_articles]
    held = [a for a in asked if a.article not in fit_articles]
    print(f"fitting on {len(fit)} questions ({', '.join(sorted(fit_articles))})")
    print(f"reporting on {len(held)} questions of the other {len(articles) - len(fit_articles)}")

    ranker = fit_listwise(fit, NAMES, args.l2)
    for name, part in (("fitted", fit), ("held out", held)):
        before, after = ranking_scores(part, None), ranking_scores(part, ranker)
        print(f"{name:9s} before: {_fmt(before)}\n{'':9s} after:  {_fmt(after)}")

    pairs_fit = answerability_rows(fit, ranker, assistant.index.lexical)
    pairs_held = answerability_rows(held, ranker, assistant.index.lexical)
    x = np.vstack([pairs_fit[:, 0], pairs_fit[:, 1][~np.isnan(pairs_fit[:, 1, 0])]])
    y = np.concatenate([np.ones(len(pairs_fit)), np.zeros(len(x) - len(pairs_fit))])
    answerable = fit_logistic(x, y, ANSWERABILITY_NAMES, 1.0)
    sure_fit = _probability(answerable, pairs_fit[:, 0])
    # Confidence levels shift from one subject to the next, so the threshold must hold in each
    # fitting article alone: the strictest of their quantiles.
    article_of = np.array([a.article for a in fit])
    threshold = min(
        float(np.quantile(sure_fit[article_of == name], args.max_wrong_abstention))
        for name in sorted(fit_articles)
    )
    print(
        f"\nabstain below confidence {threshold:.3f} (wrong abstention <= "
        f"{args.max_wrong_abstention:.1%} in each fitting article)"
    )
    positives = _probability(answerable, pairs_held[:, 0])
    kept = ~np.isnan(pairs_held[:, 1, 0])
    negatives = _probability(answerable, pairs_held[kept, 1])
    print("held out: threshold | abstained when the article is missing | wrongly abstained")
    for t in sorted({0.1, 0.2, 0.25, 0.3, 0.325, 0.35, 0.4, 0.5, 0.6, round(threshold, 3)}):
        mark = "  <- chosen" if t == round(threshold, 3) else ""
        print(f"  {t:5.3f} | {np.mean(negatives < t):.3f} | {np.mean(positives < t):.3f}{mark}")
    if args.write:
        data = {
            "fitted_by": "benchmarks/fit_ranker.py on the even SQuAD dev articles",
            "ranker": ranker.to_dict(),
            "answerable": answerable.to_dict(),
            "abstain_below": round(threshold, 4),
        }
        MODEL_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}")


def _probability(model: Logistic, rows: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-model.logits(rows)))


def _fmt(scores: dict[str, float]) -> str:
    return "  ".join(f"{k} {v:.4f}" for k, v in scores.items())


if __name__ == "__main__":
    main()
