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

from _split import fitting_articles

from verbatim.assistant import Assistant
from verbatim.config import Settings, packaged_model_path
from verbatim.errors import IndexDamagedError, RebuildRequiredError
from verbatim.evaluate import Question, Scores, ask_all, contains_answer, load_questions, score
from verbatim.types import Reply

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
INDEXES = Path("/tmp/verbatim-bench/quality")
DOMAINS = ("bundled", "realdocs", "squad", "off-corpus")


def assistant_for(corpus: Path, index: Path) -> Assistant:
    """An assistant over ``corpus`` with its index up to date (rebuilt when it cannot be)."""
    assistant = Assistant(Settings(corpus, index, packaged_model_path()))
    try:
        assistant.ensure_index()
    except (IndexDamagedError, RebuildRequiredError):  # another chunker or model made it
        assistant.update_index(rebuild=True)
    return assistant


def squad_held_out() -> list[Question]:
    path = EVAL / "squad-dev" / "questions.jsonl"
    fitting = fitting_articles(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    keep = [json.loads(line)["article"] not in fitting for line in lines if line.strip()]
    return [q for q, kept in zip(load_questions(path), keep, strict=True) if kept]


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
        if question.file:
            groups.setdefault(question.file.split("/")[0], []).append(number)
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
    args = parser.parse_args()
    wanted = args.domains.split(",")
    rows: list[dict[str, float | int | str]] = []

    def measure(name: str, assistant: Assistant, questions: list[Question]) -> None:
        replies, _ = ask_all(assistant, questions, k=10)
        rows.append(row(name, score(questions, replies, [0.0] * len(replies))))
        if name == "realdocs":
            rows.extend(row(f"  {fmt}", s) for fmt, s in by_format(questions, replies).items())
        if args.show_misses:
            print(f"misses in {name}:", *misses(questions, replies), sep="\n")

    if "bundled" in wanted or "off-corpus" in wanted:
        bundled = assistant_for(ROOT / "corpus", args.indexes / "bundled")
        if "bundled" in wanted:
            measure("bundled", bundled, load_questions(EVAL / "seed-questions.jsonl"))
        if "off-corpus" in wanted:
            off = load_questions(EVAL / "squad-dev" / "questions.jsonl")[::8]
            off = [Question(q.question, (), answerable=False) for q in off]
            measure("off-corpus", bundled, off)
    if "realdocs" in wanted:
        realdocs = assistant_for(EVAL / "realdocs-dev" / "corpus", args.indexes / "realdocs")
        measure("realdocs", realdocs, load_questions(EVAL / "realdocs-dev" / "questions.jsonl"))
    if "squad" in wanted:
        squad = assistant_for(EVAL / "squad-dev" / "corpus", args.indexes / "squad")
        measure("squad held out", squad, squad_held_out())

    if args.json:
        for item in rows:
            print(json.dumps(item))
        return
    names = list(rows[0])
    print(" | ".join(names))
    for item in rows:
        print(" | ".join(_cell(item[n]) for n in names))


def _cell(value: float | int | str) -> str:
    if isinstance(value, float):
        return "-" if value != value else f"{value:.3f}"
    return str(value)


if __name__ == "__main__":
    main()
