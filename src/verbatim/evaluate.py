"""Answer-quality measurement on question sets (see shared/eval/README.md for the metrics)."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from verbatim import question_file
from verbatim.errors import QuestionError
from verbatim.ingest.clean import CITATION_MARKER
from verbatim.types import Answer, Reply

Progress = Callable[[str, int, int], None]  # stage, done, total (as the indexer reports)
_QUOTES = re.compile(r"[\"'`“”‘’«»„]")
# Highlights are judged on the answers a user sees by default (`ask -k 3`).
HIGHLIGHT_DEPTH = 3


def normalise(text: str) -> str:
    """Case-, whitespace- and quote-insensitive form, citation markers dropped."""
    text = CITATION_MARKER.sub(" ", text)
    return " ".join(_QUOTES.sub("", text).casefold().split())


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    haystack = normalise(text)
    return any(normalise(answer) in haystack for answer in answers if normalise(answer))


@dataclass(frozen=True, slots=True)
class Question:
    """One question to ask; ``conversation`` groups the turns of one chat (``turn`` from 1);
    ``file`` (and ``page``, for a PDF) is where its answer stands, when the set says so."""

    question: str
    answers: tuple[str, ...]
    answerable: bool
    conversation: int | None = None
    turn: int = 1
    file: str | None = None
    page: int | None = None


def load_questions(path: Path) -> list[Question]:
    """Questions from a JSON-lines file (:func:`verbatim.question_file.read`), each line either
    ``{"question", "answers", "answerable"?, "file"?, "page"?}`` or a conversation
    ``{"turns": [{"question", "answers"}, ...]}``."""
    try:
        lines = path.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError as error:
        raise QuestionError(f"cannot read the question file {path}: {error}") from error
    questions: list[Question] = []
    for entry in question_file.read(lines, str(path), _question):
        if isinstance(entry, QuestionError):
            raise entry
        number, item = entry
        if isinstance(item, list):
            questions += [
                replace(turn, conversation=number, turn=n) for n, turn in enumerate(item, start=1)
            ]
        else:
            questions.append(item)
    return questions


def _question(item: dict[str, Any]) -> Question:
    answers = item.get("answers", [])
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise TypeError('"answers" is not a list of strings')
    file, page = item.get("file"), item.get("page")
    if file is not None and not isinstance(file, str):
        raise TypeError('"file" is not a string')
    if page is not None and (not isinstance(page, int) or isinstance(page, bool)):
        raise TypeError('"page" is not a whole number')
    answerable = bool(item.get("answerable", True))
    return Question(item["question"], tuple(answers), answerable, file=file, page=page)


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
    latency_ms_p50: float
    latency_ms_p95: float
    later_turns: int  # answerable turns after the first of a conversation
    later_turns_answer_at_1: float
    highlights_checked: int  # answers among the first three that hold a gold answer
    highlight_overlap: float  # share of those whose highlight overlaps a gold answer
    highlight_exact: float  # share of those whose highlight is exactly a gold answer
    cited: int = 0  # answerable questions that name the file of their answer
    citation_right: float = 0.0  # share of those whose first answer holds a gold and cites it
    later_turns_alone_answer_at_1: float = 0.0  # the same turns asked outside their conversation

    def to_dict(self) -> dict[str, float | int]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def _share(hits: Iterable[bool], total: int) -> float:
    return sum(hits) / total if total else 0.0


def _percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)] if ordered else 0.0


def _first_hit(reply: Reply, question: Question, depth: int) -> int | None:
    for rank, answer in enumerate(reply.answers[:depth], start=1):
        if contains_answer(answer.text, question.answers):
            return rank
    return None


def score(
    questions: Sequence[Question], replies: Sequence[Reply], seconds: Sequence[float]
) -> Scores:
    """Scores of ``replies`` (one per question, asked with k >= 10 for MRR@10); ``seconds``
    is the time each question took."""
    pairs = list(zip(questions, replies, strict=True))
    answerable = [(q, r) for q, r in pairs if q.answerable]
    unanswerable = [r for q, r in pairs if not q.answerable]
    ranks = [_first_hit(r, q, 10) for q, r in answerable]
    later = [rank for (q, _), rank in zip(answerable, ranks, strict=True) if q.turn > 1]
    n = len(answerable)
    judged = [
        _highlight_hit(a, q.answers)
        for q, r in answerable
        for a in r.answers[:HIGHLIGHT_DEPTH]
        if contains_answer(a.text, q.answers)
    ]
    hits = [hit for hit in judged if hit is not None]
    cited = [(q, r) for q, r in answerable if q.file is not None]
    return Scores(
        questions=len(questions),
        answerable=n,
        unanswerable=len(unanswerable),
        answer_at_1=_share((rank == 1 for rank in ranks), n),
        answer_at_3=_share((rank is not None and rank <= 3 for rank in ranks), n),
        context_at_5=_share(
            (
                any(contains_answer(a.context, q.answers) for a in r.answers[:5])
                for q, r in answerable
            ),
            n,
        ),
        mrr_at_10=sum(1 / rank for rank in ranks if rank) / n if n else 0.0,
        abstained_on_unanswerable=_share((r.abstained for r in unanswerable), len(unanswerable)),
        wrongly_abstained=_share((r.abstained for _, r in answerable), n),
        seconds_per_question=sum(seconds) / len(seconds) if seconds else 0.0,
        latency_ms_p50=1000 * _percentile(seconds, 0.50),
        latency_ms_p95=1000 * _percentile(seconds, 0.95),
        later_turns=len(later),
        later_turns_answer_at_1=_share((rank == 1 for rank in later), len(later)),
        highlights_checked=len(hits),
        highlight_overlap=_share((overlap for overlap, _ in hits), len(hits)),
        highlight_exact=_share((exact for _, exact in hits), len(hits)),
        cited=len(cited),
        citation_right=_share((_cites(r, q) for q, r in cited), len(cited)),
    )


def _cites(reply: Reply, question: Question) -> bool:
    """Whether the first answer holds a gold answer and cites the question's file (and page)."""
    if not reply.answers or not contains_answer(reply.answers[0].text, question.answers):
        return False
    return any(
        source.path == question.file and (question.page is None or source.page == question.page)
        for source in reply.answers[0].sources
    )


def _highlight_hit(answer: Answer, golds: Sequence[str]) -> tuple[bool, bool] | None:
    """Whether the answer's highlight overlaps / is exactly a gold answer in its text, or
    None when no gold answer can be located in the raw text (then it is not judged)."""
    spans = [
        match.span()
        for gold in golds
        if gold.split()
        for match in re.finditer(
            r"\s+".join(map(re.escape, gold.split())), answer.text, re.IGNORECASE
        )
    ]
    if not spans:
        return None
    if answer.highlight is None:
        return False, False
    start, end = answer.highlight
    shown = normalise(answer.text[start:end])
    overlap = any(start < gold_end and gold_start < end for gold_start, gold_end in spans)
    return overlap, any(shown == normalise(gold) for gold in golds)


def run(
    assistant: Any, questions: Sequence[Question], k: int = 10, progress: Progress | None = None
) -> Scores:
    """Ask every question through ``assistant`` (a :class:`verbatim.Assistant`) and score.

    The turns of a conversation are asked in order through one ``assistant.conversation()``;
    those after the first are asked alone too, to show what their conversation adds.
    """
    replies, seconds = ask_all(assistant, questions, k, progress)
    later = [q for q in questions if q.answerable and q.turn > 1]
    alone = [assistant.ask(q.question, k=k) for q in later]
    hits = (_first_hit(r, q, 1) == 1 for q, r in zip(later, alone, strict=True))
    return replace(
        score(questions, replies, seconds), later_turns_alone_answer_at_1=_share(hits, len(later))
    )


def ask_all(
    assistant: Any, questions: Sequence[Question], k: int = 10, progress: Progress | None = None
) -> tuple[list[Reply], list[float]]:
    """The reply to every question and the seconds each took."""
    replies, seconds = [], []
    chats: dict[int, Any] = {}
    for done, question in enumerate(questions):
        if progress is not None and done % 50 == 0:
            progress("asking", done, len(questions))
        started = time.perf_counter()
        if question.conversation is None:
            reply = assistant.ask(question.question, k=k)
        else:
            if question.conversation not in chats:
                chats = {question.conversation: assistant.conversation()}
            reply = chats[question.conversation].ask(question.question, k=k)
        seconds.append(time.perf_counter() - started)
        replies.append(reply)
    if progress is not None:
        progress("asking", len(questions), len(questions))
    return replies, seconds


def summary(scores: Scores, index_seconds: float | None) -> dict[str, float | int | None]:
    """The scores as one JSON-ready object; ``index_seconds`` is None when the index was
    already up to date (nothing was built, so nothing was timed)."""
    return {**scores.to_dict(), "index_seconds": _round(index_seconds)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def describe(scores: Scores, index_seconds: float | None) -> str:
    """The scores as a few aligned lines for people."""
    s = scores
    rows = [
        ("questions", f"{s.questions} ({s.answerable} answerable, {s.unanswerable} unanswerable)"),
        ("answer@1", f"{s.answer_at_1:.3f}"),
        ("answer@3", f"{s.answer_at_3:.3f}"),
        ("context@5", f"{s.context_at_5:.3f}"),
        ("MRR@10", f"{s.mrr_at_10:.3f}"),
        ("abstention on unanswerable", f"{s.abstained_on_unanswerable:.3f} of {s.unanswerable}"),
        ("wrong abstention on answerable", f"{s.wrongly_abstained:.3f} of {s.answerable}"),
        (
            "turns after the first: answer@1",
            f"{s.later_turns_answer_at_1:.3f} of {s.later_turns} "
            f"(asked alone: {s.later_turns_alone_answer_at_1:.3f})",
        ),
        ("citation right", f"{s.citation_right:.3f} of {s.cited}"),
        (
            "highlight overlap",
            f"{s.highlight_overlap:.3f}, exact {s.highlight_exact:.3f} "
            f"of {s.highlights_checked} answers holding a gold answer",
        ),
        (
            "latency per question",
            f"mean {1000 * s.seconds_per_question:.0f} ms, p50 {s.latency_ms_p50:.0f} ms, "
            f"p95 {s.latency_ms_p95:.0f} ms",
        ),
        ("index time", "up to date" if index_seconds is None else f"{index_seconds:.1f} s"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
