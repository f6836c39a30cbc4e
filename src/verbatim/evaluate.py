"""Answer-quality measurement on question sets (see shared/eval/README.md for the metrics)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from verbatim.errors import QuestionError
from verbatim.ingest.clean import CITATION_MARKER
from verbatim.types import Reply

_QUOTES = re.compile(r"[\"'`“”‘’«»„]")


def normalise(text: str) -> str:
    """Case-, whitespace- and quote-insensitive form, citation markers dropped."""
    text = CITATION_MARKER.sub(" ", text)
    return " ".join(_QUOTES.sub("", text).casefold().split())


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    haystack = normalise(text)
    return any(normalise(answer) in haystack for answer in answers if normalise(answer))


@dataclass(frozen=True, slots=True)
class Question:
    question: str
    answers: tuple[str, ...]
    answerable: bool


def load_questions(path: Path) -> list[Question]:
    """Questions from a JSON-lines file: ``{"question", "answers", "answerable"?}`` per line."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            questions.append(
                Question(
                    item["question"],
                    tuple(item.get("answers", ())),
                    bool(item.get("answerable", True)),
                )
            )
        except (ValueError, KeyError, TypeError) as error:
            raise QuestionError(f"{path}:{number}: not a question line ({error})") from error
    return questions


@dataclass(frozen=True, slots=True)
class Scores:
    questions: int
    answerable: int
    unanswerable: int
    answer_at_1: float
    answer_at_3: float
    context_at_5: float
    mrr_at_10: float
    abstained_on_unanswerable: float
    wrongly_abstained: float
    seconds_per_question: float

    def to_dict(self) -> dict[str, float | int]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def score(questions: Sequence[Question], replies: Sequence[Reply], seconds: float) -> Scores:
    """Scores of ``replies`` (one per question, asked with k >= 10 for MRR@10)."""
    answerable = [(q, r) for q, r in zip(questions, replies, strict=True) if q.answerable]
    unanswerable = [r for q, r in zip(questions, replies, strict=True) if not q.answerable]

    def share(hits: Iterable[bool], total: int) -> float:
        return sum(hits) / total if total else 0.0

    def first_hit(reply: Reply, question: Question, depth: int) -> int | None:
        for rank, answer in enumerate(reply.answers[:depth], start=1):
            if contains_answer(answer.text, question.answers):
                return rank
        return None

    ranks = [first_hit(r, q, 10) for q, r in answerable]
    n = len(answerable)
    return Scores(
        questions=len(questions),
        answerable=n,
        unanswerable=len(unanswerable),
        answer_at_1=share((rank == 1 for rank in ranks), n),
        answer_at_3=share((rank is not None and rank <= 3 for rank in ranks), n),
        context_at_5=share(
            (
                any(contains_answer(a.context, q.answers) for a in r.answers[:5])
                for q, r in answerable
            ),
            n,
        ),
        mrr_at_10=sum(1 / rank for rank in ranks if rank) / n if n else 0.0,
        abstained_on_unanswerable=share((r.abstained for r in unanswerable), len(unanswerable)),
        wrongly_abstained=share((r.abstained for _, r in answerable), n),
        seconds_per_question=seconds / len(questions) if questions else 0.0,
    )


def run(assistant: object, questions: Sequence[Question]) -> Scores:
    """Ask every question through ``assistant`` (a :class:`verbatim.Assistant`) and score."""
    started = time.perf_counter()
    replies = [assistant.ask(q.question, k=10) for q in questions]  # type: ignore[attr-defined]
    return score(questions, replies, time.perf_counter() - started)
