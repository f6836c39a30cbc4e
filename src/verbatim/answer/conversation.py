"""What a follow-up question of a conversation refers to, found by rules over earlier turns.

A question that names its own subject is searched as asked. One that refers back ("When was he
assassinated?", "Who controlled that ministry?", "Since when has the other one existed?") is
searched with what it refers to spelt out, taken first from what the last answer is about (the
name it gives), then from what the earlier questions named. One that is only a fragment ("On
which flank?", "And in 2015?") is read as the last question, changed or completed by it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from verbatim.answer.highlight import DATE, Want, names, wanted
from verbatim.controls import one_line
from verbatim.types import Reply

if TYPE_CHECKING:
    from verbatim.assistant import Assistant

DEFAULT_ANSWERS = 3  # as Assistant.ask

_WORD = re.compile(r"\w+(?:[-'’.]\w+)*")
_PERSONAL = frozenset("he him his she her hers himself herself".split())
_THING = frozenset("it its they them their theirs there".split())
_DEMONSTRATIVE = frozenset("that this those these".split())
_DO = frozenset("do does did has have had will would can could should may might must".split())
_EXISTENTIAL = frozenset("is are was were".split())
_AUXILIARY = _DO | _EXISTENTIAL | {"be", "been"}
_PREPOSITIONS = frozenset(
    "in on at of for from by with about after before since until during into over to".split()
)
_QUESTION_WORDS = frozenset("who whom whose what which when where why how".split())
_FRAGMENT_LEADS = ("and what about ", "what about ", "how about ", "and ")
# Words that mark a name as an organisation, a place or an event rather than a person.
_NOT_PERSON = frozenset(
    """organization organisation force forces army ministry council state states campaign
    brigade brigades party guard guards operation battle governorate republic corps government
    committee commission movement front union coalition agency assembly parliament university
    company group militia league nations offensive war city province river""".split()
)
_NEXT = re.compile(r"^(?:and\s+)?what happened (?:next|then|after(?:wards| that)?)\W*$", re.I)
# "at that time" refers to the time of what was asked about, which the question's words say.
_TIMES = frozenset("time times moment point period stage day days year years date".split())


@dataclass(frozen=True, slots=True)
class Turn:
    """What a resolved turn leaves for later ones: the question as searched, what it was taken
    to refer to, and the name its first answer gives (with that answer's sentence)."""

    resolved: str
    about: str
    answer: str  # the name the first answer gives ("" if it gives none)
    answer_text: str  # the first answer's sentence(s) ("" when abstained)
    personal: bool = False  # ``about`` was what "he" or "she" referred to


@dataclass(frozen=True, slots=True)
class Reading:
    """A question as understood in its conversation: ``resolved`` is what is searched (the
    question itself when it stands on its own), ``about`` what it was taken to refer to."""

    question: str
    resolved: str
    about: str = ""
    personal: bool = False

    @property
    def follows_up(self) -> bool:
        return self.resolved != self.question


class Conversation:
    """Questions asked one after another, where a follow-up may lean on earlier turns: each
    question is read (:func:`read`) in the light of the turns before it, and searched so."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.turns: list[Reply] = []
        self._history: list[Turn] = []
        self._foreseen: tuple[tuple[object, ...], tuple[Reading, Reply]] | None = None

    def ask(self, question: str, k: int = DEFAULT_ANSWERS) -> Reply:
        foreseen = self._foreseen if self.foreseen(question, k) else None
        self._foreseen = None
        reading, reply = foreseen[1] if foreseen else self._search(question, k)
        self._remember(reading, reply)
        return reply

    def foresee(self, question: str, k: int = DEFAULT_ANSWERS) -> None:
        """Answer ``question`` ahead, while it is being typed: asked unchanged next, from the
        same index, it gets this reply at once. Not a turn of the conversation."""
        state = self.assistant.answering_from(opening=True)
        self._foreseen = (question, k, len(self._history), state), self._search(question, k)

    def foreseen(self, question: str, k: int = DEFAULT_ANSWERS) -> bool:
        """True when :meth:`ask` would give ``question`` the reply found ahead, without a
        search: it is unchanged, and so are the turns before it and the index answered from."""
        if self._foreseen is None:
            return False
        key = (question, k, len(self._history), self.assistant.answering_from())
        return key[-1] is not None and self._foreseen[0] == key

    def clear(self) -> None:
        """Start a new conversation: nothing asked so far is referred to any more."""
        self.turns.clear()
        self._history.clear()
        self._foreseen = None

    def understand(self, question: str) -> list[Reading]:
        """The ways ``question``, asked next, may be understood, likeliest first."""
        return readings(one_line(question), self._history)

    def _search(self, question: str, k: int) -> tuple[Reading, Reply]:
        """The reply to the likeliest reading of ``question``; of several readings, to the one
        the documents answer most surely (a question that stands on its own has one)."""
        best: tuple[float, Reading, Reply] | None = None
        for reading in self.understand(question):
            if not reading.follows_up:  # exactly as asked alone
                reply = self.assistant.ask(question, k)
            else:
                reply = self.assistant.ask(question, k, resolved=reading.resolved)
            if best is None or reply.confidence > best[0]:
                best = (reply.confidence, reading, reply)
        assert best is not None
        _, reading, reply = best
        reply = replace(reply, resolved_question=reading.resolved, about=reading.about or None)
        return reading, reply

    def _remember(self, reading: Reading, reply: Reply) -> None:
        self.turns.append(reply)
        first = reply.answers[0] if reply.answers else None
        text = first.text if first else ""
        name = answer_name(text, first.highlight) if first else ""
        self._history.append(Turn(reading.resolved, reading.about, name, text, reading.personal))


def answer_name(answer_text: str, highlight: tuple[int, int] | None) -> str:
    """The name an answer gives: its highlighted span if that is a name, else the whole name
    around it ("Saladin" in "the Saladin Governorate" gives "Saladin Governorate"), or "" if
    the span is no name."""
    if highlight is None or DATE.fullmatch(f"1 {answer_text[slice(*highlight)]}"):
        return ""  # a month or a weekday ("April") is no name to refer to
    start, end = highlight
    for first, last in names(answer_text):
        if first <= start and end <= last:
            return _plain_name(answer_text[start:end])
        if first <= start < last or start <= first < end:
            return _plain_name(answer_text[first:last])
    return ""


def readings(question: str, history: Sequence[Turn], most: int = 2) -> list[Reading]:
    """The likeliest ``most`` ways to understand ``question`` after the turns of ``history``
    (oldest first), likeliest first: the first with every referring expression taken to mean
    its likeliest referent, the next with the next likeliest, and so on."""
    found: list[Reading] = []
    for choice in range(most):
        reading = read(question, history, choice)
        if reading not in found:
            found.append(reading)
    return found


def read(question: str, history: Sequence[Turn], choice: int = 0) -> Reading:
    """``question`` as understood after the turns of ``history`` (oldest first), with the
    ``choice``-th likeliest referent of each referring expression (the last, if fewer)."""
    if not history:
        return Reading(question, question)
    if _NEXT.match(question.strip()):
        last = history[-1]
        about = last.about or last.answer or _first_name(last.resolved)
        if about:
            return Reading(question, f"What happened after {about}?", about)
        return Reading(question, question)
    spans = [(m.start(), m.end()) for m in _WORD.finditer(question)]
    lowered = [question[a:b].casefold() for a, b in spans]
    fragment = _fragment(question, lowered)
    if fragment is not None:
        return _complete(question, fragment, history[-1])
    resolved, about, personal = question, "", False
    i = len(spans) - 1  # replaced from the end, so that earlier spans stay where they are
    while i >= 0:
        candidates, first = _referent(lowered, i, history)
        candidates = list(dict.fromkeys(c for c in candidates if c))
        if candidates:
            replacement = candidates[min(choice, len(candidates) - 1)]
            word = lowered[first]
            end = spans[i][1]
            about = replacement
            if word in _PERSONAL:
                # A person is searched by surname, as the documents mostly name them again:
                # the full name, found in every sentence about them, would outweigh what the
                # follow-up asks about them ("assassinated").
                replacement = replacement.split()[-1]
            possessive = word in ("his", "her", "its", "their") or lowered[i] in ("one's",)
            if possessive:
                replacement += "'" if replacement.endswith("s") else "'s"
            resolved = resolved[: spans[first][0]] + replacement + resolved[end:]
            about = _bare(about)
            personal = personal or word in _PERSONAL
            i = first
        i -= 1
    if not about:
        return Reading(question, question)
    return Reading(question, resolved, about, personal)


def _bare(phrase: str) -> str:
    """A referent without the article or possessive it was given in the question."""
    phrase = phrase.removeprefix("the ")
    return phrase.removesuffix("'s") if phrase.endswith("'s") else phrase.removesuffix("'")


def _referent(lowered: list[str], i: int, history: Sequence[Turn]) -> tuple[list[str], int]:
    """What the referring expression ending at word ``i`` may refer to, likeliest first, and
    the index of its first word; ``([], i)`` when no referring expression ends there."""
    word = lowered[i]
    before = lowered[i - 1] if i else ""
    if word in ("one", "ones", "one's", "other", "others"):
        if before == "other" and i >= 2 and lowered[i - 2] == "the":
            return _other(history), i - 2
        if before == "the" and word in ("other", "others"):
            return _other(history), i - 1
        if before in ("that", "this") and word in ("one", "one's"):
            return _latest(history), i - 1
    if word in ("latter", "former") and before == "the":
        return _latest(history), i - 1
    if before in _DEMONSTRATIVE and word not in _QUESTION_WORDS | _TIMES:
        found = _phrase(word, history)
        if found:
            return [found], i - 1
    if word in ("that", "this") and _stands_alone(lowered, i):
        return _just_answered(history), i
    if word in _PERSONAL:
        return _person(history), i
    if word in _THING and not _existential(lowered, i):
        return _thing(history), i
    return [], i


def _fragment(question: str, lowered: list[str]) -> str | None:
    """The fragment a question is ("in 2015" of "And in 2015?"), or None for a whole question
    (one with a verb: an auxiliary, or a word after its question word)."""
    text = " ".join(question.split()).rstrip("?!. ")
    for lead in _FRAGMENT_LEADS:
        if text.casefold().startswith(lead):
            rest = text[len(lead) :]
            words = rest.casefold().split()
            if not any(w in _AUXILIARY for w in words) and not (
                words and words[0] in _QUESTION_WORDS
            ):
                return rest
            return None
    words = [w for w in lowered if w[0].isalnum()]
    if len(words) <= 3 and not any(w in _AUXILIARY for w in words):
        return text
    return None


def _complete(question: str, fragment: str, last: Turn) -> Reading:
    """A fragment read with the last question: a date or a name in it takes the place of the
    last question's date or name ("And in 2015?"); otherwise it asks about the same thing."""
    previous = last.resolved
    new_date, old_date = DATE.search(fragment), DATE.search(previous)
    if new_date and old_date:
        resolved = previous[: old_date.start()] + new_date.group() + previous[old_date.end() :]
        return Reading(question, resolved, last.about or _first_name(previous))
    new_names, old_names = _names_in(fragment), _names_in(previous)
    if new_names and old_names and wanted(fragment) is Want.THING:
        resolved = previous.replace(old_names[0], new_names[0], 1)
        return Reading(question, resolved, new_names[0])
    about = last.about or last.answer or _first_name(previous)
    if not about:
        return Reading(question, question)
    return Reading(question, f"{fragment} {_topic_words(previous)}".strip() + "?", about)


def _topic_words(question: str) -> str:
    """The last question without its question word: what a fragment asks more about."""
    words = question.rstrip("?").split()
    while words and words[0].casefold() in _QUESTION_WORDS | _AUXILIARY:
        words.pop(0)
    return " ".join(words)


def _stands_alone(lowered: list[str], i: int) -> bool:
    """Whether "that" or "this" at ``i`` is a pronoun ("Where is that?", "did that begin",
    "after that"), not a relative pronoun ("the law that defined")."""
    before = lowered[i - 1] if i else ""
    after = lowered[i + 1] if i + 1 < len(lowered) else ""
    if not after or after in _PREPOSITIONS:
        return True
    # "did that begin" (a verb follows), not "is that town" (a noun)
    return before in _DO or (before in _PREPOSITIONS and after in _AUXILIARY)


def _existential(lowered: list[str], i: int) -> bool:
    """ "there" in "Were there ...", "there was": no place is referred to."""
    if lowered[i] != "there":
        return False
    near = lowered[max(i - 1, 0) : i] + lowered[i + 1 : i + 2]
    return any(w in _EXISTENTIAL for w in near)


def _names_in(text: str) -> list[str]:
    """The names in ``text``, without a lone capitalised word that opens it ("Which", "Most"),
    a nationality before a noun ("Iranian soldiers") or a month or weekday."""
    found = []
    for start, end in names(text):
        name = text[start:end]
        if " " not in name and (
            (start == 0 and end < len(text.rstrip("?!. ")))
            or (name.endswith(_NATIONALITY) and text[end : end + 2][-1:].islower())
            or DATE.fullmatch(f"1 {name}")  # a month ("December") or a weekday
        ):
            continue
        found.append(_plain_name(name))
    return found


_NATIONALITY = ("ian", "ish", "ese")  # not "-i": Iraqi, but also Soleimani


_OPENERS = frozenset("the a an in on at of by for from to as and or but".split())


def _plain_name(name: str) -> str:
    """A name without the function words a sentence may open it with ("The Badr"), or its
    possessive ending."""
    words = name.split()
    while len(words) > 1 and words[0].casefold() in _OPENERS | _QUESTION_WORDS | _AUXILIARY:
        words.pop(0)
    # "Iranian President Hassan Rouhani" is Hassan Rouhani
    while (
        len(words) > 2
        and words[1][:1].isupper()
        and (_title(words[0]) or (words[0].endswith((*_NATIONALITY, "i")) and _title(words[1])))
    ):
        words.pop(0)
    return " ".join(words).removesuffix("'s").removesuffix("’s")


_TITLES = frozenset(
    """president general gen admiral minister secretary chairman commander leader lieutenant
    brigadier colonel major prime king queen prince sheikh ayatollah rear mr mrs dr""".split()
)


def _title(word: str) -> bool:
    return word.casefold().strip(".,").split("-")[0] in _TITLES


def _first_name(text: str) -> str:
    found = _names_in(text)
    return found[0] if found else ""


def _looks_like_person(name: str) -> bool:
    """Two or more words, none of an organisation's, place's or event's, and no "of"
    ("Secretary of Defence" is a title)."""
    words = name.split()
    return (
        len(words) >= 2
        and not name.isupper()
        and not _title(words[-1])  # "Interior Minister" is an office
        and not any(c.isdigit() for c in name)
        and not any(w.casefold().strip(".,") in _NOT_PERSON | {"of"} for w in words)
    )


_DEFINITION = re.compile(r"^(?:who|what)\s+(?:is|was|are|were)\s+[A-Z]", re.I)


def _person(history: Sequence[Turn]) -> list[str]:
    """Who "he" or "she" may be, likeliest first: the person the last turns were about, the
    person the last answer names, or a person the last questions name, the latest first."""
    found: list[str] = []
    for turn in reversed(history):
        if turn.about and turn.personal:
            found.append(turn.about)
        people = [n for n in _names_in(turn.resolved) if _looks_like_person(n)]
        if _DEFINITION.match(turn.resolved) and people:
            found += people  # "Who is Hadi al-Amiri?" is about him, not his answer
        asked_person = wanted(turn.resolved) is Want.PERSON
        organisation = any(w.casefold() in _NOT_PERSON for w in turn.answer.split())
        if turn.answer and not organisation and (_looks_like_person(turn.answer) or asked_person):
            found.append(_plain_name(turn.answer))
        if asked_person:  # the answer's highlight may miss the person it names
            found += [
                name
                for name in _names_in(turn.answer_text)
                if _looks_like_person(name) and name not in turn.resolved
            ]
        found += people
    # else a name of one word ("Soleimani") the latest questions give
    return found or [
        name
        for turn in reversed(history)
        for name in _names_in(turn.resolved)
        if " " not in name and name.casefold() not in _NOT_PERSON
    ]


def _thing(history: Sequence[Turn]) -> list[str]:
    """What "it", "they" or "there" may be, likeliest first: what the last turn was about, the
    name its answer gives when it asked for a name, the names its question gives."""
    last, found = history[-1], []
    if last.about and not last.personal:
        found.append(last.about)
    if last.answer and wanted(last.resolved) in (Want.NAMED, Want.PLACE):
        found.append(last.answer)
    found += [name for name in _names_in(last.resolved) if not _looks_like_person(name)]
    return found if _looks_like_person(last.answer) else [*found, last.answer]


def _just_answered(history: Sequence[Turn]) -> list[str]:
    """What a bare "that" may refer to: the name the last answer gives, what it was about, the
    names its question gives."""
    last = history[-1]
    return [last.answer, last.about, *_names_in(last.resolved)]


def _latest(history: Sequence[Turn]) -> list[str]:
    """What "that one" or "the latter" refers to: the latest thing referred to or named."""
    last = history[-1]
    return [last.about, last.answer]


def _other(history: Sequence[Turn]) -> list[str]:
    """What "the other one" may be: a name an earlier answer gave beside the one the last
    answer gives, which the last answer does not name."""
    last = history[-1]
    return [
        name
        for turn in reversed(history[:-1])
        for name in _names_in(turn.answer_text)
        if name not in last.answer_text and name not in last.resolved
    ]


def _phrase(noun: str, history: Sequence[Turn]) -> str:
    """The phrase of the latest turns that names the thing "that <noun>" refers to: the noun
    with the capitalised words or hyphenated modifier before it ("that ministry" → "the
    Interior Ministry"), or "" if no turn gives one."""
    stem = noun.rstrip("s")
    pattern = re.compile(rf"((?:\b[A-Z][\w'’.-]*\s+|\b\w+-\w+\s+)+)((?i:{re.escape(stem)})s?)\b")
    for turn in reversed(history):
        for text in (turn.answer_text, turn.resolved):
            for match in pattern.finditer(text):
                modifiers = match.group(1).split()
                while modifiers and not (modifiers[0][0].isupper() or "-" in modifiers[0]):
                    modifiers.pop(0)
                while modifiers and modifiers[0].casefold() in ("the", "a", "an", "that", "this"):
                    modifiers.pop(0)
                if modifiers and match.group(0).split()[0].casefold() not in _QUESTION_WORDS:
                    return "the " + " ".join([*modifiers, match.group(2)])
    return ""
