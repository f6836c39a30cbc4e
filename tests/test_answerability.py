"""What the answerability model reads beyond the ranked candidates: whether the best answer holds
the kind of answer asked for, and whether any one document holds the question's words together."""

from __future__ import annotations

import math

import numpy as np
import pytest

from verbatim.answer.features import lacks_kind
from verbatim.answer.rank import document_coverage
from verbatim.assistant import Assistant
from verbatim.config import Settings
from verbatim.index.lexical import query_terms

from .conftest import MakeCorpus


@pytest.mark.parametrize(
    ("question", "answer", "lacking"),
    [
        ("Who is the maintainer of fontconfig?", "This file is maintained by fontconfig.", True),
        ("Who wrote the original sed?", "Lee E. McMahon wrote the first sed.", False),
        ("Who took over from Daniel Veillard?", "Daniel Veillard", True),
        ("When was bzip2 1.0.8 released?", "It came out in July 2019.", False),
        ("When was bzip2 1.0.8 released?", "It came out after 1.0.7.", True),
        ("Which flag turns the debugger on?", "Pass --inspect to node.", False),
        ("Which flag turns the debugger on?", "Node includes a debugging utility.", True),
        ("How many keys are read?", "At most 1000 keys are read.", False),
        ("Why does lsof show two processes?", "Lsof forks a child.", False),
    ],
)
def test_the_best_answer_lacks_the_kind_of_answer_asked_for(
    question: str, answer: str, lacking: bool
) -> None:
    assert lacks_kind(question, answer) is lacking


TYPER = """# Commands

A Typer app can have several commands. Each command is a function.
Add a command with the decorator of the app.
"""
RELEASES = """# Releases

The old interface is deprecated. Deprecated functions will be removed.
"""


@pytest.fixture
def indexed(assistant: Assistant, write_files: MakeCorpus) -> Assistant:
    write_files({"typer.md": TYPER, "releases.md": RELEASES})
    assistant.update_index()
    return assistant


def coverage(assistant: Assistant, question: str, unseen: frozenset[str] = frozenset()) -> float:
    index = assistant.index
    wanted = query_terms(question)
    documents, counts = index.lexical.frequencies("sentences", wanted)
    weights = np.array([math.log((documents + 1) / (n + 0.5)) for n in counts])
    ids = {record.id for path, record in index.store.documents().items() if path in unseen}
    return document_coverage(wanted, weights, index.lexical, index.store, ids)


def test_a_question_whose_words_one_document_holds_together_is_covered(
    indexed: Assistant,
) -> None:
    assert coverage(indexed, "How do I add a command to a Typer app?") == pytest.approx(1.0)


def test_words_held_only_by_another_document_leave_the_question_uncovered(
    indexed: Assistant,
) -> None:
    # "Typer" (the rarest word) and "command" stand in typer.md, "deprecated" in releases.md
    # only: no document about Typer says anything deprecated.
    partly = coverage(indexed, "Is a Typer command deprecated?")
    assert 0.2 < partly < 0.9


def test_a_word_no_document_holds_is_weighed_but_points_to_none(indexed: Assistant) -> None:
    # "zeppelin" and "carries" stand nowhere: the documents are those holding "Typer", and
    # the question is covered as far as "Typer" and "app" go.
    partly = coverage(indexed, "Which zeppelin carries the Typer app?")
    assert 0.2 < partly < 0.7
    assert coverage(indexed, "Which zeppelin carries the balloon?") == 0.0
    assert coverage(indexed, "How do I add a Typer command?", frozenset({"typer.md"})) == 0.0


def test_only_documents_holding_the_rarest_word_count(indexed: Assistant) -> None:
    # releases.md holds "interface", "deprecated" and "removed", but not "Typer": it is not
    # about what the question names, however many of its other words it holds.
    assert coverage(indexed, "Is the Typer interface deprecated and removed?") < 0.5


def test_the_passage_map_follows_the_store(
    indexed: Assistant, settings: Settings, write_files: MakeCorpus
) -> None:
    store = indexed.index.store
    first, _ = store.rows_between("passages", 0, 10**9)
    assert (store.documents_of(np.array(first)) >= 0).all()  # the map is read
    write_files({"deprecations.md": "# Deprecations\n\nA Typer command can be deprecated.\n"})
    Assistant(settings).update_index()  # another connection writes
    now, _ = store.rows_between("passages", 0, 10**9)
    added = np.array(sorted(set(now) - set(first)))
    assert len(added) and (store.documents_of(added) >= 0).all()
    assert coverage(indexed, "Is a Typer command deprecated?") == pytest.approx(1.0)
