"""Answer quality of Verbatim against three naive baselines, measured in the same run.

The baselines rank the very sentences Verbatim indexes (every sentence of every corpus file):

- dense: all-MiniLM-L6-v2 vectors in a FAISS flat inner-product index;
- BM25: bm25s with English stopwords, as the quality issue measured it (0.638 answer@1 on
  squad-dev);
- RRF: reciprocal rank fusion (k=60) of the dense and BM25 top-100 lists;
- and, when PyStemmer is installed, stronger variants the issue does not name: BM25 over
  Snowball-stemmed terms, and its fusion with dense.

For each pipeline, and for Verbatim itself, it reports answer@1, answer@3, context@5 and MRR@10
(see shared/eval/README.md), index time and milliseconds per question. The baselines have no
passage context, so their context@5 is the share of questions with a gold answer in any of the
top five sentences; they score answerable questions only and encode their queries in one batch.

Run from the repository root (defaults to the SQuAD dev set in ../shared/eval/squad-dev):

    .venv/bin/python benchmarks/quality_baselines.py [--questions FILE --corpus DIR] \
        [--limit N] [--json] [--held-out]

``--held-out`` asks only the questions of the SQuAD articles the ranker was not fitted on (see
benchmarks/_split.py), with the whole corpus indexed, so that every pipeline is scored on
questions no fitted number has seen.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any, TypeVar

import bm25s
import faiss
from _split import held_out_lines

from verbatim.assistant import Assistant
from verbatim.config import Settings, packaged_model_path
from verbatim.evaluate import Question, Scores, contains_answer, load_questions, run
from verbatim.index.embed import Embedder
from verbatim.ingest import discover, read_text
from verbatim.ingest.parse import parse_document

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
SQUAD_CORPUS = EVAL / "squad-dev" / "corpus"
SQUAD_QUESTIONS = EVAL / "squad-dev" / "questions.jsonl"

CANDIDATES = 100  # depth of each list that RRF fuses
DEPTH = 10  # depth that is scored (MRR@10)
RRF_K = 60

Ranking = list[list[int]]  # per question, sentence numbers best first
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Row:
    """One pipeline's line in the table."""

    name: str
    answer_at_1: float
    answer_at_3: float
    context_at_5: float
    mrr_at_10: float
    index_seconds: float
    ms_per_question: float

    def to_dict(self) -> dict[str, str | float]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def timed(work: Callable[[], T]) -> tuple[T, float]:
    """``work()``'s result and the seconds it took."""
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def load_sentences(corpus: Path) -> list[str]:
    """The text of every sentence in the corpus, in file order, duplicates kept."""
    return [
        sentence.text
        for path in discover(corpus).files
        for passage in parse_document(path, read_text(corpus / path)).passages
        for sentence in passage.sentences
    ]


def dense_rankings(
    embedder: Embedder, sentences: Sequence[str], queries: Sequence[str]
) -> tuple[Ranking, float, float]:
    """Top sentences by cosine similarity, with index and query seconds."""

    def build() -> faiss.IndexFlatIP:
        vectors = embedder.encode(sentences)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return index

    def search() -> Ranking:
        _, found = index.search(embedder.encode(queries), min(CANDIDATES, len(sentences)))
        return [[int(i) for i in row if i >= 0] for row in found]

    index, index_seconds = timed(build)
    rankings, query_seconds = timed(search)
    return rankings, index_seconds, query_seconds


def stemmer() -> Any | None:
    """PyStemmer's English stemmer if it is installed, else None."""
    if find_spec("Stemmer") is None:
        return None
    import Stemmer

    return Stemmer.Stemmer("english")


def bm25_rankings(
    sentences: Sequence[str], queries: Sequence[str], stem: Any | None
) -> tuple[Ranking, float, float]:
    """Top sentences by BM25 (those sharing no term with the query left out), with index and
    query seconds."""

    def tokenize(texts: Sequence[str]) -> Any:
        return bm25s.tokenize(list(texts), stopwords="en", stemmer=stem, show_progress=False)

    def build() -> bm25s.BM25:
        retriever = bm25s.BM25()
        retriever.index(tokenize(sentences), show_progress=False)
        return retriever

    def search() -> Ranking:
        found, scores = retriever.retrieve(
            tokenize(queries), k=min(CANDIDATES, len(sentences)), show_progress=False
        )
        return [
            [int(i) for i, s in zip(row, row_scores, strict=True) if s > 0]
            for row, row_scores in zip(found, scores, strict=True)
        ]

    retriever, index_seconds = timed(build)
    rankings, query_seconds = timed(search)
    return rankings, index_seconds, query_seconds


def fuse(first: Ranking, second: Ranking) -> Ranking:
    """Reciprocal rank fusion of two rankings per question."""
    fused = []
    for a, b in zip(first, second, strict=True):
        totals: dict[int, float] = {}
        for ranking in (a, b):
            for rank, sentence in enumerate(ranking, start=1):
                totals[sentence] = totals.get(sentence, 0.0) + 1 / (RRF_K + rank)
        fused.append(sorted(totals, key=lambda s: -totals[s]))
    return fused


def score_rankings(
    name: str,
    rankings: Ranking,
    sentences: Sequence[str],
    questions: Sequence[Question],
    seconds: tuple[float, float],
) -> Row:
    """Scores of a baseline's rankings of answerable ``questions``; ``seconds`` is
    (indexing, all queries)."""

    def first_hit(ranking: list[int], question: Question) -> int | None:
        for rank, sentence in enumerate(ranking[:DEPTH], start=1):
            if contains_answer(sentences[sentence], question.answers):
                return rank
        return None

    ranks = [first_hit(r, q) for r, q in zip(rankings, questions, strict=True)]
    n = max(len(questions), 1)
    index_seconds, query_seconds = seconds
    return Row(
        name=name,
        answer_at_1=sum(rank == 1 for rank in ranks) / n,
        answer_at_3=sum(rank is not None and rank <= 3 for rank in ranks) / n,
        context_at_5=sum(rank is not None and rank <= 5 for rank in ranks) / n,
        mrr_at_10=sum(1 / rank for rank in ranks if rank) / n,
        index_seconds=index_seconds,
        ms_per_question=1000 * query_seconds / n,
    )


ISSUE_BASELINES = ("dense", "BM25", "RRF(dense+BM25)")  # the naive pipelines the issue names


def baseline_rows(
    embedder: Embedder, sentences: Sequence[str], questions: Sequence[Question], stem: Any | None
) -> list[Row]:
    """Dense, BM25 and RRF rows for the answerable ``questions``, and the stemmed BM25 and its
    RRF when there is a stemmer."""
    answerable = [q for q in questions if q.answerable]
    queries = [q.question for q in answerable]
    dense, dense_index, dense_query = dense_rankings(embedder, sentences, queries)

    def row(name: str, rankings: Ranking, index_seconds: float, query_seconds: float) -> Row:
        return score_rankings(name, rankings, sentences, answerable, (index_seconds, query_seconds))

    rows = [row("dense", dense, dense_index, dense_query)]
    for suffix, stemming in (("", None), (", stemmed", stem)):
        if suffix and stemming is None:
            continue
        bm25, bm25_index, bm25_query = bm25_rankings(sentences, queries, stemming)
        rrf, fuse_seconds = timed(lambda bm25=bm25: fuse(dense, bm25))
        rows += [
            row(f"BM25{suffix}", bm25, bm25_index, bm25_query),
            row(
                f"RRF(dense+BM25{suffix})",
                rrf,
                dense_index + bm25_index,
                dense_query + bm25_query + fuse_seconds,
            ),
        ]
    return rows


def verbatim_row(corpus: Path, questions: Sequence[Question]) -> tuple[Row, Scores]:
    """Verbatim's row and full scores, from a fresh index in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="verbatim-bench-") as index_dir:
        assistant = Assistant(Settings(corpus, Path(index_dir), packaged_model_path()))
        try:
            _, index_seconds = timed(assistant.update_index)
            scores = run(assistant, questions)
        finally:
            assistant.close()
    row = Row(
        name="verbatim",
        answer_at_1=scores.answer_at_1,
        answer_at_3=scores.answer_at_3,
        context_at_5=scores.context_at_5,
        mrr_at_10=scores.mrr_at_10,
        index_seconds=index_seconds,
        ms_per_question=1000 * scores.seconds_per_question,
    )
    return row, scores


def markdown(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| pipeline | answer@1 | answer@3 | context@5 | MRR@10 | index s | ms/question |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.name} | {r.answer_at_1:.3f} | {r.answer_at_3:.3f} | {r.context_at_5:.3f} "
        f"| {r.mrr_at_10:.3f} | {r.index_seconds:.1f} | {r.ms_per_question:.1f} |"
        for r in rows
    ]
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Answer quality of Verbatim against naive baselines, in one run."
    )
    parser.add_argument("--questions", type=Path, default=SQUAD_QUESTIONS, help="JSON-lines file")
    parser.add_argument("--corpus", type=Path, default=SQUAD_CORPUS, help="corpus folder")
    parser.add_argument("--limit", type=int, default=None, help="ask only the first N questions")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="ask only the questions of the SQuAD articles the ranker was not fitted on",
    )
    return parser.parse_args()


def summary(
    args: argparse.Namespace, sentences: int, scores: Scores, stem: Any | None
) -> dict[str, str | int]:
    """What was measured: the data, its size and the stemmer of the stronger BM25 variant."""
    return {
        "corpus": str(args.corpus),
        "questions": str(args.questions),
        "asked": scores.questions,
        "answerable": scores.answerable,
        "sentences": sentences,
        "stemmed_bm25": "PyStemmer (english)" if stem else "not measured (no PyStemmer)",
    }


def print_report(setup: dict[str, str | int], rows: Sequence[Row], scores: Scores) -> None:
    """The setup line, the Markdown table and Verbatim's abstention figures."""
    print(
        f"{setup['asked']} questions ({setup['answerable']} answerable) over "
        f"{setup['sentences']} sentences; stemmed BM25: {setup['stemmed_bm25']}\n"
    )
    print(markdown(rows))
    verbatim = next(r for r in rows if r.name == "verbatim")
    named = [r for r in rows if r.name in ISSUE_BASELINES]
    others = [r for r in rows if r.name != "verbatim"]
    for what, baselines in (("the issue's baselines", named), ("every baseline", others)):
        best = max(baselines, key=lambda r: r.answer_at_1)
        margin = 100 * (verbatim.answer_at_1 - best.answer_at_1)
        print(f"\nanswer@1 over the best of {what} ({best.name}): {margin:+.1f} points", end="")
    print()
    print(
        f"\nverbatim abstention: abstained on {scores.abstained_on_unanswerable:.3f} of "
        f"{scores.unanswerable} unanswerable; wrongly abstained on "
        f"{scores.wrongly_abstained:.3f} of {scores.answerable} answerable"
    )


def main() -> None:
    args = parse_args()
    if args.held_out:
        with tempfile.TemporaryDirectory() as folder:
            held_out = Path(folder) / "held-out.jsonl"
            held_out.write_text("\n".join(held_out_lines(args.questions)) + "\n", encoding="utf-8")
            questions = load_questions(held_out)[: args.limit]
    else:
        questions = load_questions(args.questions)[: args.limit]
    sentences = load_sentences(args.corpus)
    embedder = Embedder(packaged_model_path())
    embedder.encode(["warm-up"])  # load the model now, so that no timing below includes it
    stem = stemmer()
    rows = baseline_rows(embedder, sentences, questions, stem)
    row, scores = verbatim_row(args.corpus, questions)
    rows.append(row)
    setup = summary(args, len(sentences), scores, stem)
    if args.json:
        print(
            json.dumps({**setup, "rows": [r.to_dict() for r in rows], "verbatim": scores.to_dict()})
        )
    else:
        print_report(setup, rows, scores)


if __name__ == "__main__":
    main()
