"""Answer quality on the evaluation sets in tests/data, with the real model and index.

Thresholds sit a little below what this method measured (seed answer@1 1.00; the squad-dev
sample, two articles the ranker was not fitted on, answer@1 0.887, answer@3 0.943, context@5
0.983, wrong abstention 0.017; 99.0% of every 8th squad-dev question abstained on the bundled
corpus), so noise across library versions does not fail CI, and above the issue's floor (seed
answer@1 >= 0.95). The whole squad-dev set (../shared/eval, answer@1 0.821 there against 0.683
for the best naive baseline) is a larger evaluation run: benchmarks/answer_quality.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verbatim.assistant import Assistant
from verbatim.config import Settings, packaged_model_path
from verbatim.evaluate import contains_answer, load_questions, run

from .conftest import SQUAD_SAMPLE, TEST_DATA


def test_seed_questions(bundled: Assistant) -> None:
    questions = load_questions(TEST_DATA / "seed-questions.jsonl")
    scores = run(bundled, questions)
    print(scores.to_dict())
    assert scores.answer_at_1 >= 0.95
    assert scores.answer_at_3 >= 0.95
    assert scores.abstained_on_unanswerable == 1.0
    assert scores.wrongly_abstained == 0.0


@pytest.mark.slow
def test_squad_dev_sample(tmp_path: Path) -> None:
    corpus = SQUAD_SAMPLE / "corpus"
    questions = load_questions(SQUAD_SAMPLE / "questions.jsonl")
    assistant = Assistant(Settings(corpus, tmp_path / "index", packaged_model_path()))
    assistant.update_index()
    scores = run(assistant, questions)
    assistant.close()
    print(scores.to_dict())
    assert scores.answer_at_1 >= 0.86
    assert scores.answer_at_3 >= 0.92
    assert scores.context_at_5 >= 0.97
    # Measured 0.017: the threshold now also serves real documentation, where questions
    # without an answer resemble answerable ones more (benchmarks/fit_ranker.py).
    assert scores.wrongly_abstained <= 0.03


@pytest.mark.slow
def test_questions_about_another_corpus_are_abstained(bundled: Assistant) -> None:
    """SQuAD questions asked of the bundled corpus (a war in Iraq) have no answer there."""
    questions = load_questions(TEST_DATA / "squad-off-corpus.jsonl")
    replies = [bundled.ask(q.question) for q in questions]
    abstained = sum(r.abstained for r in replies) / len(replies)
    print(f"abstained on {abstained:.3f} of {len(replies)} off-corpus questions")
    assert abstained >= 0.93  # measured 0.990


def test_seed_conversations_follow_up_turns(bundled: Assistant) -> None:
    path = TEST_DATA / "conversations.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        conversation = bundled.conversation()
        for number, turn in enumerate(json.loads(line)["turns"]):
            reply = conversation.ask(turn["question"])
            assert reply.answers, turn["question"]
            assert contains_answer(reply.answers[0].text, turn["answers"]), turn["question"]
            if number == 0:  # a first turn is answered exactly as if asked alone
                assert reply.to_dict() | {"resolved_question": None, "about": None} == (
                    bundled.ask(turn["question"]).to_dict()
                    | {"resolved_question": None, "about": None}
                )


def test_a_follow_up_uses_the_conversation(bundled: Assistant) -> None:
    conversation = bundled.conversation()
    conversation.ask("Who was the commander of Iran's Quds Force during the intervention?")
    reply = conversation.ask("When was he assassinated?")
    assert "assassination" in reply.answers[0].text and "Quds Force" in reply.answers[0].text
    alone = bundled.ask("When was he assassinated?")
    assert not alone.answers or "Quds Force" not in alone.answers[0].text


def test_a_model_file_fitted_on_other_features_is_refused(tmp_path: Path) -> None:
    from verbatim.answer.rank import _MODEL, Models

    data = json.loads(_MODEL.read_text(encoding="utf-8"))
    data["ranker"]["names"][0] = "a_feature_no_longer_computed"
    stale = tmp_path / "ranker.json"
    stale.write_text(json.dumps(data), encoding="utf-8")
    assert Models.load(_MODEL).abstain_below == data["abstain_below"]
    with pytest.raises(ValueError, match="fitted on other features"):
        Models.load(stale)


def test_a_sentence_is_read_after_the_one_before_and_under_its_title(
    assistant: Assistant, write_files
) -> None:
    """ "He spoke eight languages" holds "Tesla" once read after "Nikola Tesla was born…"."""
    from verbatim.answer.features import NAMES, features
    from verbatim.answer.retrieve import Retriever

    write_files(
        {
            "inventors.md": "# Inventors\n\nNikola Tesla was born in Smiljan. He spoke eight "
            "languages.\n\nThomas Edison was born in Milan. He had little schooling.\n"
        }
    )
    assistant.update_index()
    question = "How many languages did Tesla speak?"
    retriever = Retriever(assistant.index, assistant.question_encoder.encode)
    candidates = retriever.candidates(question)
    rows = features(question, candidates, assistant.index.lexical)
    by_text = {c.sentence.text: (c, row) for c, row in zip(candidates, rows, strict=True)}
    polyglot, row = by_text["He spoke eight languages."]
    assert polyglot.previous == "Nikola Tesla was born in Smiljan."
    assert by_text["Nikola Tesla was born in Smiljan."][0].previous == ""
    own, read_after = (
        row[NAMES.index("idf_coverage")],
        row[NAMES.index("with_previous_idf_coverage")],
    )
    assert read_after > own
    titled = by_text["He had little schooling."][1][NAMES.index("titled_idf_coverage")]
    assert titled == 0.0  # "Inventors" holds no word of the question
    # The answer is quoted with the sentence that says who "he" is.
    first = assistant.ask(question).answers[0]
    assert first.text == "Nikola Tesla was born in Smiljan. He spoke eight languages."


def test_dense_retrieval_searches_passages_and_reads_sentences_by_id(bundled: Assistant) -> None:
    """The sentence vectors are never searched (they are kept by id only: at 100M passages
    codes to search them would not fit in memory): the nearest of the nearest passages'
    sentences, by their own vectors, are candidates, with those cosines."""
    from verbatim.answer.retrieve import DENSE_PASSAGES, DENSE_SENTENCES, Retriever

    index = bundled.index
    question = "Who commanded the Quds Force?"
    vector = bundled.question_encoder.encode([question])[0]
    nearest = [p for p, _ in index.passage_vectors.search(vector, DENSE_PASSAGES)]
    ids = [s.id for s in index.store.sentences_of_passages(nearest)]
    cosines = dict(zip(ids, (index.sentence_vectors.vectors(ids) @ vector).tolist(), strict=True))
    expected = sorted(ids, key=lambda i: -cosines[i])[:DENSE_SENTENCES]
    assert len(ids) > DENSE_SENTENCES > len(nearest)  # the test has sentences to leave out

    candidates = Retriever(index, bundled.question_encoder.encode).candidates(question)
    found = {c.sentence.id: c.sentence_cosine for c in candidates}
    assert set(expected) <= found.keys()
    assert [found[i] for i in expected] == pytest.approx([cosines[i] for i in expected], abs=1e-5)
