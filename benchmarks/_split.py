"""The one split of the SQuAD dev set that fitting and reporting share: its articles sorted by
name, the even ones (0, 2, ...) to fit the ranker on, the odd ones held out to report on."""

from __future__ import annotations

import json
from pathlib import Path


def fitting_articles(questions_file: Path) -> set[str]:
    lines = questions_file.read_text(encoding="utf-8").splitlines()
    articles = sorted({json.loads(line)["article"] for line in lines if line.strip()})
    return set(articles[::2])


def held_out_lines(questions_file: Path) -> list[str]:
    """The question lines of the articles the ranker was not fitted on."""
    fitting = fitting_articles(questions_file)
    lines = questions_file.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and json.loads(line)["article"] not in fitting]
