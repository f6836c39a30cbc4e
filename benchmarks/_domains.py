"""The development domains that fitting and measuring share: each a corpus, its questions, and
the group each question belongs to (its article or file), so that reports can hold whole groups
out of fitting."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from verbatim.assistant import Assistant
from verbatim.config import Settings, packaged_model_path
from verbatim.errors import IndexDamagedError, RebuildRequiredError
from verbatim.evaluate import Question, load_questions

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
INDEXES = Path("/tmp/verbatim-bench/quality")


@dataclass(frozen=True, slots=True)
class Domain:
    name: str
    corpus: Path
    questions_file: Path

    def assistant(self, indexes: Path = INDEXES) -> Assistant:
        """An assistant over the domain's corpus with its index up to date (rebuilt when
        another chunker or model made it)."""
        assistant = Assistant(Settings(self.corpus, indexes / self.name, packaged_model_path()))
        try:
            assistant.ensure_index()
        except (IndexDamagedError, RebuildRequiredError):
            assistant.update_index(rebuild=True)
        return assistant

    def questions(self) -> list[tuple[Question, str]]:
        """Every question with its group: the SQuAD article, the file of a realdocs answer, the
        question itself for an unanswerable one, else the domain."""
        lines = self.questions_file.read_text(encoding="utf-8").splitlines()
        raw = [json.loads(line) for line in lines if line.strip()]
        return [
            (question, item.get("article") or item.get("file") or self._group(question))
            for question, item in zip(load_questions(self.questions_file), raw, strict=True)
        ]

    def _group(self, question: Question) -> str:
        return self.name if question.answerable else f"unanswerable: {question.question}"


BUNDLED = Domain("bundled", ROOT / "corpus", EVAL / "seed-questions.jsonl")
REALDOCS = Domain(
    "realdocs", EVAL / "realdocs-dev" / "corpus", EVAL / "realdocs-dev" / "questions.jsonl"
)
SQUAD = Domain("squad", EVAL / "squad-dev" / "corpus", EVAL / "squad-dev" / "questions.jsonl")


def like_realdocs(folder: Path) -> Domain:
    """Another set laid out as realdocs-dev is (``corpus/``, ``questions.jsonl``), named by its
    folder: more real documents to fit on or to measure."""
    return Domain(folder.name, folder / "corpus", folder / "questions.jsonl")


def format_of(question: Question) -> str | None:
    """A realdocs question's format: the first folder of its file (md, pdf, html, text)."""
    return question.file.split("/")[0] if question.file else None
