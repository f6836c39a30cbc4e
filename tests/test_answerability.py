"""What the answerability model reads beyond the ranked candidates: whether the best answer holds
the kind of answer asked for, whether any one document holds the question's words together, and
how much of the ranker's belief lies in the best answer's passage and document."""

from __future__ import annotations

import math

import numpy as np
import pytest

from verbatim.answer.features import lacks_kind
from verbatim.answer.rank import Ranked, concentration, document_coverage
from verbatim.answer.retrieve import Candidate
from verbatim.assistant import Assistant
from verbatim.config import Settings
from verbatim.index.lexical import query_terms
from verbatim.index.store import PassageRecord, SentenceRecord

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


def ranked_in(places: list[tuple[str, int, float]]) -> list[Ranked]:
    """Ranked sentences, best first, one per (document title, passage, score)."""
    items = []
    for number, (title, passage, score) in enumerate(places):
        record = PassageRecord(passage, passage, f"{passage}.md", title, 0, "S", "", "", 1, 1, None)
        sentence = SentenceRecord(number, passage, 0, f"s{number}", f"s{number}", 1, 1, None, 0)
        candidate = Candidate(sentence, record, "", "", 0.5, 0.5, 0.0, 0.0)
        items.append(Ranked(candidate, score, 0.0, 0.0))
    return items


def test_belief_in_one_place_is_concentrated_and_belief_spread_over_places_is_not() -> None:
    # The best answer's passage 1 holds 0.5 + 0.2 of the belief, its document "Black" also 0.1
    # in passage 2; "Grace" is another program's FAQ.
    agreed = ranked_in([("Black", 1, 0.5), ("Grace", 7, 0.1), ("Black", 1, 0.2), ("Black", 2, 0.1)])
    assert concentration(agreed) == pytest.approx((0.7, 0.8))
    spread = ranked_in([("Black", 1, 0.3), ("Grace", 7, 0.25), ("JED", 9, 0.25), ("Black", 2, 0.2)])
    assert concentration(spread) == pytest.approx((0.3, 0.5))


def test_the_renderings_of_one_article_are_one_place() -> None:
    # The same article as text, Markdown and HTML: three documents, one title.
    renderings = ranked_in([("Quds", 1, 0.4), ("Quds", 5, 0.3), ("Quds", 9, 0.2), ("Iraq", 3, 0.1)])
    assert concentration(renderings) == pytest.approx((0.4, 0.9))
