"""How a follow-up is read from the turns before it (rules only: no model, no index)."""

from __future__ import annotations

import pytest

from verbatim.answer.conversation import Turn, answer_name, read

QUDS = Turn(
    "Who was the commander of Iran's Quds Force during the intervention?",
    "",
    "Qasem Soleimani",
    "Qasem Soleimani, commander of the Quds Force, directed the militias.",
)
AMIRI = Turn(
    "Who is Hadi al-Amiri?",
    "",
    "Badr Organization",
    "Hadi al-Amiri, leader of the Badr Organization, said so.",
)
MILITIAS = Turn(
    "Which two militias fought alongside the Iraqi Army?",
    "",
    "Kata'ib Hezbollah",
    "The militias Kata'ib Hezbollah and Asa'ib Ahl al-Haq fought alongside the Iraqi Army.",
)
FORMED = Turn(
    "Which of the two was formed in 2006?",
    "",
    "Asa'ib Ahl al-Haq",
    "Asa'ib Ahl al-Haq, another militia, formed in 2006.",
)
MINISTRY = Turn(
    "Which unit did many Badr members become part of?",
    "",
    "Wolf Brigade",
    "The Interior Ministry was controlled by SCIRI, and many Badr members joined the Wolf Brigade.",
)
OFFENSIVE = Turn(
    "What were the forces dispatched in response to?",
    "",
    "Northern Iraq",
    "Obama ordered forces to be dispatched in response to the Northern Iraq offensive.",
)
FLANK = Turn(
    "What was Qasem Soleimani directing on 2 March 2015?", "", "", "He directed operations."
)


@pytest.mark.parametrize(
    ("history", "question", "resolved", "about"),
    [
        (
            [QUDS],
            "When was he assassinated?",
            "When was Soleimani assassinated?",
            "Qasem Soleimani",
        ),
        # "Who is X?" is about X, not about what the answer names
        (
            [AMIRI],
            "What did he say about the US?",
            "What did al-Amiri say about the US?",
            "Hadi al-Amiri",
        ),
        (
            [MINISTRY],
            "Who controlled that ministry?",
            "Who controlled the Interior Ministry?",
            "Interior Ministry",
        ),
        (
            [MILITIAS, FORMED],
            "Since when has the other one existed?",
            "Since when has Kata'ib Hezbollah existed?",
            "Kata'ib Hezbollah",
        ),
        (
            [OFFENSIVE],
            "On what date did that begin?",
            "On what date did Northern Iraq begin?",
            "Northern Iraq",
        ),
        (
            [QUDS],
            "What happened next?",
            "What happened after Qasem Soleimani?",
            "Qasem Soleimani",
        ),
        (
            [FLANK],
            "And in 2016?",
            "What was Qasem Soleimani directing on 2016?",
            "Qasem Soleimani",
        ),
        (
            [FLANK],
            "On which flank?",
            "On which flank Qasem Soleimani directing on 2 March 2015?",
            "Qasem Soleimani",
        ),
    ],
)
def test_a_follow_up_is_read_with_what_it_refers_to(
    history: list[Turn], question: str, resolved: str, about: str
) -> None:
    reading = read(question, history)
    assert (reading.resolved, reading.about) == (resolved, about)
    assert reading.follows_up


def test_that_one_is_what_the_last_turn_was_about() -> None:
    other = read("Since when has the other one existed?", [MILITIAS, FORMED])
    last = Turn(other.resolved, other.about, "", "It has existed since 2003.")
    reading = read("What is that one's English name?", [MILITIAS, FORMED, last])
    assert reading.resolved == "What is Kata'ib Hezbollah's English name?"


@pytest.mark.parametrize(
    "question",
    [
        "Who commanded the Quds Force?",
        "Which militias fought in Tikrit?",
        "Who was Iraq's prime minister at that time?",  # "that time" names no earlier thing
        "Which organisation that fought alongside Iran was seen as a U.S. asset?",
        "Were there Iranian troops in Tikrit?",
    ],
)
def test_a_question_that_names_its_subject_is_searched_as_asked(question: str) -> None:
    reading = read(question, [QUDS])
    assert reading.resolved == question and not reading.follows_up and reading.about == ""


def test_a_first_question_is_never_read_as_a_follow_up() -> None:
    assert not read("When was he assassinated?", []).follows_up


def test_an_answer_names_what_its_highlight_names() -> None:
    text = "The Salahuddin Campaign was fought in the Saladin Governorate, north of Baghdad."
    start = text.index("Saladin ")
    assert answer_name(text, (start, start + len("Saladin"))) == "Saladin"
    assert answer_name(text, (start - 4, start + len("Saladin"))) == "Saladin Governorate"
    assert answer_name(text, (text.index("north"), text.index("north") + 5)) == ""
    assert answer_name(text, None) == ""


def test_a_title_nationality_or_month_is_not_who_he_is() -> None:
    president = Turn(
        "Which Iranian president dismissed U.S. involvement in April?",
        "",
        "Iranian President Hassan Rouhani",
        "Iranian President Hassan Rouhani has dismissed U.S. involvement in April.",
    )
    reading = read("What did he note?", [president])
    assert (reading.resolved, reading.about) == ("What did Rouhani note?", "Hassan Rouhani")
    text = "It could be positive (March–April 2015), said Gen. Martin Dempsey."
    start = text.index("April")
    assert answer_name(text, (start, start + 5)) == ""
    chairman = Turn("Who was chairman of the joint chiefs of staff?", "", "", text)
    assert read("What did he say?", [chairman]).about == "Martin Dempsey"
