"""Answer quality on every development domain, in one run: the figures the quality issue asks for.

Domains (each corpus indexed once under ``--indexes``, default /tmp/verbatim-bench/quality/,
and rebuilt when another chunker or model made it):

- bundled: the bundled corpus with ``../shared/eval/seed-questions.jsonl``;
- realdocs: ``../shared/eval/realdocs-dev`` (real Markdown, PDF, HTML and text documentation),
  also reported per format (the first folder of each question's ``file``);
- squad: the SQuAD dev articles the ranker was not fitted on (benchmarks/_split.py), with the
  whole squad-dev corpus indexed;
- off-corpus: every 8th squad-dev question asked of the bundled corpus, which cannot answer it
  (the share abstained).

For each: answer@1, answer@3, context@5, citation right (questions that name their file),
abstention on unanswerable questions and wrong abstention on answerable ones. Run from the
repository root:

    .venv/bin/python benchmarks/answer_quality.py [--domains bundled,realdocs,squad,off-corpus]
        [--indexes DIR] [--json] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from _domains import BUNDLED, INDEXES, REALDOCS, SQUAD, format_of, like_realdocs
from _split import fitting_articles

from verbatim.assistant import Assistant
from verbatim.evaluate import Question, Scores, ask_all, contains_answer, score
from verbatim.types import Reply

DOMAINS = ("bundled", "realdocs", "squad", "off-corpus")


def squad_held_out() -> list[Question]:
    fitting = fitting_articles(SQUAD.questions_file)
    return [q for q, article in SQUAD.questions() if article not in fitting]


def off_corpus() -> list[Question]:
    """Every 8th squad-dev question, as a question the bundled corpus cannot answer."""
    return [Question(q.question, (), answerable=False) for q, _ in SQUAD.questions()[::8]]


def row(name: str, scores: Scores) -> dict[str, float | int | str]:
    return {
        "group": name,
        "answerable": scores.answerable,
        "answer@1": scores.answer_at_1,
        "answer@3": scores.answer_at_3,
        "context@5": scores.context_at_5,
        "citation right": scores.citation_right if scores.cited else float("nan"),
        "unanswerable": scores.unanswerable,
        "abstained": scores.abstained_on_unanswerable if scores.unanswerable else float("nan"),
        "wrongly abstained": scores.wrongly_abstained,
    }


def by_format(questions: Sequence[Question], replies: Sequence[Reply]) -> dict[str, Scores]:
    """Scores per format: the first folder of each answerable question's file."""
    groups: dict[str, list[int]] = {}
    for number, question in enumerate(questions):
        if fmt := format_of(question):
            groups.setdefault(fmt, []).append(number)
    return {
        fmt: score([questions[i] for i in numbers], [replies[i] for i in numbers], [])
        for fmt, numbers in sorted(groups.items())
    }


def misses(questions: Sequence[Question], replies: Sequence[Reply]) -> list[str]:
    """One line per question answered wrongly first (or abstained on wrongly)."""
    lines = []
    for question, reply in zip(questions, replies, strict=True):
        first = reply.answers[0] if reply.answers else (reply.nearest or (None,))[0]
        if question.answerable and reply.answers and contains_answer(first.text, question.answers):
            continue
        if not question.answerable and reply.abstained:
            continue
        shown = first.text[:160] if first else "-"
        where = first.sources[0].label if first else "-"
        lines.append(
            f"  [{reply.confidence:.2f}{' abstained' if reply.abstained else ''}] "
            f"{question.question}\n    want {list(question.answers)[:2]} in {question.file}"
            f"{f' p.{question.page}' if question.page else ''}\n    got  {shown!r} ({where})"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", default=",".join(DOMAINS))
    parser.add_argument("--indexes", type=Path, default=INDEXES, help="where the indexes live")
    parser.add_argument("--json", action="store_true", help="one JSON object per group")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--realdocs-like",
        type=Path,
        action="append",
        default=[],
        help="a folder laid out as realdocs-dev (corpus/, questions.jsonl) to measure too",
    )
    args = parser.parse_args()
    wanted = args.domains.split(",")
    extra = {folder.name for folder in args.realdocs_like}
    rows: list[dict[str, float | int | str]] = []

    def measure(name: str, assistant: Assistant, questions: list[Question]) -> None:
        replies, _ = ask_all(assistant, questions, k=10)
        rows.append(row(name, score(questions, replies, [0.0] * len(replies))))
        if name == "realdocs" or name in extra:
            rows.extend(row(f"  {fmt}", s) for fmt, s in by_format(questions, replies).items())
        if args.show_misses:
            print(f"misses in {name}:", *misses(questions, replies), sep="\n")

    if "bundled" in wanted or "off-corpus" in wanted:
        bundled = BUNDLED.assistant(args.indexes)
        if "bundled" in wanted:
            measure("bundled", bundled, [q for q, _ in BUNDLED.questions()])
        if "off-corpus" in wanted:
            measure("off-corpus", bundled, off_corpus())
    if "realdocs" in wanted:
        measure("realdocs", REALDOCS.assistant(args.indexes), [q for q, _ in REALDOCS.questions()])
    for domain in map(like_realdocs, args.realdocs_like):
        measure(domain.name, domain.assistant(args.indexes), [q for q, _ in domain.questions()])
    if "squad" in wanted:
        measure("squad held out", SQUAD.assistant(args.indexes), squad_held_out())

    if args.json:
        for item in rows:
            print(json.dumps(item))
        return
    names = list(rows[0])
    print(" | ".join(names))
    for item in rows:
        print(" | ".join(cell(item[n]) for n in names))


def cell(value: float | int | str) -> str:
    if isinstance(value, float):
        return "-" if value != value else f"{value:.3f}"
    return str(value)


if __name__ == "__main__":
    main()
