"""The span of an answer sentence that most likely answers the question.

The question's wh-phrase says what kind of answer it wants (a date, a number, a name, a place or
some noun phrase); the sentence's spans of that kind are candidates, and the best one is made of
words the question does not already use and stands close to the words it does use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import Enum

from verbatim.types import Answer

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
_ERA = r"(?:\s?(?:BC|AD|BCE|CE|B\.C\.|A\.D\.))?"
DATE = re.compile(
    "|".join(
        [
            rf"{_ORDINAL}\s{_MONTH},?\s\d{{3,4}}{_ERA}",  # 31 December 2014
            rf"{_MONTH}\s{_ORDINAL},?\s\d{{3,4}}{_ERA}",  # December 31, 2014
            rf"{_MONTH},?\s\d{{4}}",  # December 2014
            rf"{_ORDINAL}\s{_MONTH}|{_MONTH}\s{_ORDINAL}",  # 31 December, December 31
            r"\d{1,2}(?:st|nd|rd|th)(?:\s(?:and|or|to)\s\d{1,2}(?:st|nd|rd|th))?\scentur(?:y|ies)",
            r"(?:early|mid|late)[-\s]\d{4}s?",
            r"\d{3,4}s",  # the 1990s
            rf"\d{{4}}[–-]\d{{2,4}}|\d{{3,4}}{_ERA}",
            r"\d{1,2}(?::\d{2})?\s?(?:a\.m\.|p\.m\.|am|pm)",
            r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)",
        ]
    )
)
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred hundreds thousand thousands million millions billion billions dozen dozens half "
    "quarter third several"
)
_SCALE = r"(?:\s(?:hundred|thousand|million|billion|trillion))?"
_NUMBER = re.compile(
    rf"(?:[$£€¥]\s?)?\d[\d,]*(?:\.\d+)?{_SCALE}(?:\s?(?:%|percent|per\scent))?"
    rf"|\b(?:{'|'.join(_NUMBER_WORDS.split())})(?:[-\s](?:{'|'.join(_NUMBER_WORDS.split())}))*\b"
    rf"(?:\s?(?:%|percent|per\scent))?",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\w+(?:[-'’.&]\w+)*|[^\w\s]")
_STOP = frozenset(
    """a an the of in on at to for from by with as about into over after before between through
    during under against among within without since until upon via per and or but nor so yet if
    than then that this these those there here which who whom whose what when where why how is
    are was were be been being am has have had do does did done can could may might must shall
    should will would it its it's they them their theirs he him his she her hers we us our you
    your i me my not no also only such other another each every any some all most more many much
    both either neither very one ones own same called named known name type kind now later often
    however still already thus although though meanwhile instead even just well yet""".split()
)
# Words in a name that may be lower-case: "University of Chicago", "Abu Bakr al-Baghdadi".
_NAME_JOINERS = frozenset("of de la le du von van der den al bin ibn y da di del".split())


# How much a span of the wanted kind counts, one of another kind, and a name when the question
# asks "what language", "which company" and the like.
_FIT, _MISFIT, _NAME_BONUS = 1.0, 0.4, 0.1
# How many tokens either side of a span count as its neighbourhood.
_WINDOW = 8
# Frequent verbs that end a noun phrase; most others end in -ed, and adverbs in -ly.
_VERBS = frozenset(
    """said says made makes became become becomes took take takes gave give gives led lead
    leads began begin begins won win wins held hold holds found find finds went go goes came come
    comes saw see sees sent send sends built build builds wrote write writes got get gets left
    leave leaves include includes remain remains run runs ran set sets put puts know knows knew
    thought think thinks tries try""".split()
)


class Want(Enum):
    """The kind of answer a question asks for."""

    DATE = "date"
    NUMBER = "number"
    PERSON = "person"
    PLACE = "place"
    NAMED = "named"  # "what language", "which company": often a name, else a noun phrase
    THING = "thing"
    CLAUSE = "clause"  # "why", "how did": answered by a clause, which no short span marks


# Words that often stand right before an answer of each kind ("by Odo", "in Normandy").
_CUES = {
    Want.PERSON: frozenset("by".split()),
    Want.PLACE: frozenset("in at from to near into across inside outside".split()),
    Want.DATE: frozenset("in on since until by from during".split()),
}


_WANTS = [
    (
        Want.DATE,
        re.compile(
            r"\bwhen\b|\b(?:what|which)\s(?:year|years|century|decade|date|day|"
            r"month|time|period|era)\b|\bhow long ago\b|\bthe (?:date|year)\b"
        ),
    ),
    (
        Want.NUMBER,
        re.compile(
            r"\bhow (?:many|much|long|old|far|big|large|tall|high|deep|wide|"
            r"often|fast)\b|\b(?:what|which)\s(?:percentage|percent|number|"
            r"amount|proportion|share|population|size|cost|price)\b"
        ),
    ),
    (
        Want.PERSON,
        re.compile(
            r"\bwho(?:m|se)?\b|\b(?:what|which)\s(?:person|people|man|woman|"
            r"king|leader|president|author|scientist)\b"
        ),
    ),
    (
        Want.PLACE,
        re.compile(
            r"\bwhere\b|\b(?:what|which)\s(?:country|countries|city|cities|"
            r"state|town|region|place|continent|river|island|location|area)\b"
        ),
    ),
    (Want.CLAUSE, re.compile(r"\bwhy\b|\bhow\b")),  # after NUMBER, which "how many" is
]


_TYPED = re.compile(
    r"\b(?:what|which)\s(?!(?:is|are|was|were|do|does|did|has|have|had|can|could|"
    r"will|would|should|may|might|must)\b)[a-z]"
)


def wanted(question: str) -> Want:
    """The kind of answer the question asks for."""
    lowered = question.casefold()
    found = [(m.start(), want) for want, pattern in _WANTS if (m := pattern.search(lowered))]
    if found:
        return min(found, key=lambda item: item[0])[1]
    return Want.NAMED if _TYPED.search(lowered) else Want.THING


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    start: int
    end: int
    key: str  # what the token is matched by: its crude stem


def _stem(word: str) -> str:
    """A crude stem, so that "assassinated" meets "assassination" and "helped" meets "help"."""
    word = word.casefold().replace("’", "'").removesuffix("'s")
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word.removesuffix(suffix)
            break
    return word[:5]


def _tokens(text: str) -> list[_Token]:
    return [_Token(m[0], m.start(), m.end(), _stem(m[0])) for m in _TOKEN.finditer(text)]


def _is_word(token: _Token) -> bool:
    return token.text[0].isalnum()


def _is_content(token: _Token) -> bool:
    return _is_word(token) and token.text.casefold() not in _STOP


def _in_phrase(token: _Token) -> bool:
    """Whether the token may stand in a noun phrase (a content word that does not look like a
    verb or an adverb)."""
    word = token.text
    if not _is_content(token):
        return False
    if word[0].isupper():
        return True
    return not (word in _VERBS or (len(word) > 4 and word.endswith(("ed", "ly", "ing"))))


def _capitalised(token: _Token) -> bool:
    return token.text[0].isupper() or token.text.split("-")[-1][:1].isupper()  # al-Haj


def with_highlights(question: str, answers: Iterable[Answer]) -> list[Answer]:
    """The answers, each with the span of its sentence that most likely answers ``question``."""
    return [replace(a, highlight=highlight(question, a.text)) for a in answers]


def highlight(question: str, sentence: str) -> tuple[int, int] | None:
    """``[start, end)`` of the span of ``sentence`` that most likely answers ``question``, or
    None when no span of the sentence stands out (e.g. it only repeats the question)."""
    asked = {t.key for t in _tokens(question) if _is_content(t)}
    tokens = _tokens(sentence)
    anchors = [i for i, t in enumerate(tokens) if _is_content(t) and t.key in asked]
    want = wanted(question)
    if want is Want.CLAUSE:
        return None
    best: tuple[float, int, int] | None = None
    for start, end, fit in _candidates(want, sentence, tokens, asked):
        span = _trim(tokens, start, end, asked)
        if span is None:
            continue
        first, last = span
        inside = [t for t in tokens[first : last + 1] if _is_content(t)]
        repeated = sum(t.key in asked for t in inside) / max(len(inside), 1)
        distance = min((_gap(first, last, a) for a in anchors), default=0)
        near = {tokens[a].key for a in anchors if 0 < _gap(first, last, a) <= _WINDOW}
        # The kind counts most; a span that repeats the question's words is no answer; being
        # among and near the question's words, or after a cue such as "by", tells it apart.
        value = (
            fit
            - 0.6 * repeated
            + 0.2 * len(near) / max(len(asked), 1)
            - 0.03 * min(distance, 15)
            + (0.2 if first and tokens[first - 1].text.casefold() in _CUES.get(want, ()) else 0)
        )
        if best is None or value > best[0]:
            best = (value, tokens[first].start, tokens[last].end)
    if best is None or best[0] <= 0:
        return None
    _, start, end = best
    if sentence[start:end].endswith(("'s", "’s")) and end - start > 2:
        end -= 2  # "Dick Clark's" names Dick Clark
    return start, end


def names(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each name in ``text``: a run of capitalised words, with joiners
    such as "of" or "al" inside ("Qasem Soleimani", "Abu Bakr al-Baghdadi")."""
    tokens = _tokens(text)
    return [(tokens[first].start, tokens[last].end) for first, last in _names(tokens)]


def _gap(first: int, last: int, anchor: int) -> int:
    return first - anchor if anchor < first else anchor - last if anchor > last else 0


def _trim(tokens: list[_Token], first: int, last: int, asked: set[str]) -> tuple[int, int] | None:
    """The span without question words, stop words or punctuation at its edges."""

    def loose(token: _Token) -> bool:
        # Numbers, currency signs and "%" belong to a quantity even where they are not words.
        solid = token.text[0].isdigit() or token.text in ("$", "£", "€", "¥", "%")
        return not solid and (not _is_content(token) or token.key in asked)

    while first <= last and loose(tokens[first]):
        first += 1
    while last >= first and loose(tokens[last]):
        last -= 1
    return (first, last) if first <= last else None


def _candidates(
    want: Want, sentence: str, tokens: list[_Token], asked: set[str]
) -> list[tuple[int, int, float]]:
    """Token spans ``(first, last, how well the kind fits)``: spans of the wanted kind, and
    noun phrases as a weaker fallback."""
    spans: list[tuple[int, int, float]] = []
    if want in (Want.DATE, Want.NUMBER):
        pattern = DATE if want is Want.DATE else _NUMBER
        for match in pattern.finditer(sentence):
            covered = [i for i, t in enumerate(tokens) if match.start() <= t.start < match.end()]
            if covered and not (want is Want.NUMBER and DATE.fullmatch(match.group())):
                spans.append((covered[0], covered[-1], _FIT))
    if want is not Want.DATE and want is not Want.NUMBER:
        fits = _FIT + (_NAME_BONUS if want is Want.NAMED else 0.0)
        spans += [
            (
                first,
                last,
                _MISFIT if want is Want.THING or _not_a_name(tokens, first, last) else fits,
            )
            for first, last in _split(_names(tokens), tokens, asked)
        ]
    phrase = _FIT if want in (Want.THING, Want.NAMED) else _MISFIT
    spans += [(first, last, phrase) for first, last in _split(_phrases(tokens), tokens, asked)]
    return spans


def _not_a_name(tokens: list[_Token], first: int, last: int) -> bool:
    """A lone capitalised word that opens the sentence ("Meanwhile") or that reads as an
    adjective of nationality before a noun ("Kurdish sources")."""
    if first != last:
        return False
    after = tokens[last + 1].text if last + 1 < len(tokens) else ""
    adjective = tokens[first].text.endswith(("ish", "ese", "ian", "ic", "i")) and after.islower()
    return first == 0 or adjective


def _split(
    runs: list[tuple[int, int]], tokens: list[_Token], asked: set[str]
) -> list[tuple[int, int]]:
    """The runs cut at question words: "General Hamid Taqavi" answers "which general" with
    "Hamid Taqavi"."""
    pieces = []
    for first, last in runs:
        start = first
        for i in range(first, last + 2):
            if i > last or tokens[i].key in asked:
                if start < i:
                    pieces.append((start, i - 1))
                start = i + 1
    return pieces


def _runs(tokens: list[_Token], inside: Callable[[_Token, bool], bool]) -> list[tuple[int, int]]:
    """Maximal runs (first, last) of tokens for which ``inside(token, a run is open)`` holds."""
    runs, first = [], None
    for i, token in enumerate(tokens):
        if inside(token, first is not None):
            first = i if first is None else first
            continue
        if first is not None:
            runs.append((first, i - 1))
        first = None
    if first is not None:
        runs.append((first, len(tokens) - 1))
    return runs


def _names(tokens: list[_Token]) -> list[tuple[int, int]]:
    """Runs of capitalised words (with joiners such as "of" or "al" inside)."""
    runs = _runs(
        tokens,
        lambda token, open_: (
            _is_word(token)
            and (_capitalised(token) or (open_ and token.text.casefold() in _NAME_JOINERS))
        ),
    )
    # A capitalised stop word ("The", "In") opens a sentence; it does not make a name.
    return [
        (a, b)
        for a, b in runs
        if any(_is_content(t) and t.text.casefold() not in _NAME_JOINERS for t in tokens[a : b + 1])
    ]


def _phrases(tokens: list[_Token]) -> list[tuple[int, int]]:
    """Runs of content words that are not verb-like: a rough stand-in for noun phrases."""
    return _runs(tokens, lambda token, _: _in_phrase(token))
