"""Question files: JSON lines, each a question or a conversation, as `ask --questions` and
`eval` read them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from verbatim.errors import QuestionError

T = TypeVar("T")


def read(
    lines: Iterable[str], name: str, parse: Callable[[dict[str, Any]], T]
) -> Iterator[tuple[int, T | list[T]] | QuestionError]:
    """Each line's number with ``parse`` of its ``{"question": ...}`` object, or for a
    ``{"turns": [{"question": ...}, ...]}`` line the list of its turns parsed; or, for a line
    that is neither (or not UTF-8: lines read with ``errors="surrogateescape"``), the error
    naming it. Blank lines are passed over. ``parse`` raises ValueError, KeyError or TypeError
    for a field of the wrong kind; every question must be a non-empty string."""

    def checked(item: Any) -> T:
        if not isinstance(item, dict):
            raise TypeError("the line is not a JSON object")
        question = item["question"]
        if not isinstance(question, str):
            raise TypeError("the question is not a string")
        if not question.strip():
            raise ValueError("the question is empty")
        return parse(item)

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            line.encode("utf-8")  # undecodable bytes were kept as surrogates: refuse them here
            item = json.loads(line)
            if isinstance(item, dict) and "turns" in item:
                if not isinstance(item["turns"], list) or not item["turns"]:
                    raise TypeError('"turns" is not a non-empty list')
                yield number, [checked(turn) for turn in item["turns"]]
            else:
                yield number, checked(item)
        except UnicodeEncodeError:
            yield QuestionError(f"{name}, line {number}: not UTF-8 text")
        except (ValueError, KeyError, TypeError) as error:
            yield QuestionError(
                f'{name}, line {number}: expected a JSON object with a "question" string '
                f'or a "turns" list of them ({error.__class__.__name__}: {error})'
            )
