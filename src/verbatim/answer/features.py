"""What the ranker knows about each candidate sentence, as one row of numbers.

Besides the raw evidence of retrieval (cosines, BM25), a row says how the candidate stands among
the others for the same question (gaps to the best, reciprocal ranks, z-scores), how much of the
question's rarer vocabulary it holds (stemmed terms, as lexical search reads them, weighted by
inverse document frequency) and of its two-word phrases, how much it holds when read with its
title, section and the sentence before it (which say what "he" or "it" is), and whether it holds
the kind of thing the question asks for (a date for "when", a number for "how many", a name for
"who") outside the words the question already has, and whether it states a default when the
question asks what happens unless the user says otherwise.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

from verbatim.answer.retrieve import Candidate
from verbatim.answer.units import announces, words_refer_back
from verbatim.index.lexical import (
    STOPWORDS,
    LexicalIndex,
    query_terms,
    stems,
    terms,
    words,
)

if TYPE_CHECKING:
    import numpy as np

NAMES = (
    "sentence_cosine",
    "passage_cosine",
    "sentence_lexical",
    "passage_lexical",
    "sentence_cosine_gap",
    "passage_cosine_gap",
    "sentence_cosine_rr",
    "sentence_lexical_rr",
    "passage_cosine_rr",
    "sentence_cosine_z",
    "sentence_lexical_z",
    "term_coverage",
    "idf_coverage",
    "idf_coverage_gap",
    "log_words",
    "when_has_date",
    "count_has_number",
    "who_has_name",
    "asks_when",
    "asks_count",
    "asks_who",
    "bigram_coverage",
    "titled_idf_coverage",
    "titled_idf_coverage_gap",
    "with_previous_idf_coverage",
    "with_previous_idf_coverage_gap",
    "previous_cosine",
    "next_cosine",
    "is_question",
    "is_lead_in",
    "is_code",
    "has_code",
    "asks_option",
    "option_has_code",
    "asks_version",
    "version_has_version",
    "asks_address",
    "address_has_address",
    "proximity",
    "announces",
    "refers_back",
    "who_refers_back",
    "asks_default",
    "default_states_default",
)

_RANK_DAMPING = 5  # reciprocal rank 1 / (rank + 5): the top few differ, the tail flattens
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(
    rf"\b1\d{{3}}s?\b|\b20\d{{2}}s?\b|\b\d{{1,2}}(st|nd|rd|th)? century\b|\b({_MONTHS})\b", re.I
)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?|several)\b",
    re.I,
)
# Code as documentation writes it: `quoted`, --options, name=value, CONSTANT_NAMES, calls(),
# <tags>, /commands or /paths and dotted.names, each with a character it cannot do without (one
# regular expression of all of them cost 25 µs a sentence; looking for the character first, 3).
_CODE = (
    ("`", re.compile(r"`[^`]+`")),
    ("-", re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")),
    ("=", re.compile(r"\b\w+=[^\s`]+")),
    ("_", re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")),
    ("()", re.compile(r"\b\w+\(\)")),
    ("<", re.compile(r"<[A-Za-z][\w-]*[ >/]")),
    ("/", re.compile(r"(?<![\w/.])/[A-Za-z](?:[\w/.-]*[\w/])?")),
    (".", re.compile(r"\b[a-z_]\w*\.[A-Za-z_]\w*\b")),
)
_VERSION = re.compile(r"\b\d+\.\d+(\.\d+)*\b|\bv\d")
_ADDRESS = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+|\bhttps?://|\bwww\.|\bftp\.", re.I)
_ASKS_COUNT = re.compile(r"\bhow (many|much|long|far|old|large|big)\b")
_ASKS_WHEN = re.compile(r"\b(when|what year|which year|what date|what century|what decade)\b")
_ASKS_WHO = re.compile(r"\b(who|whom|whose)\b")
_ASKS_VERSION = re.compile(r"\b(which|what) (\w+ )?(version|release)\b|\bsince (which|what)\b")
_ASKS_ADDRESS = re.compile(
    r"\b(address|e-?mail|url|web ?site|web ?page|download|mailing list|link)\b"
)
# A question after something to type or set: a named kind of it, or how to do something.
_ASKS_OPTION = re.compile(
    r"\b(option|flag|switch|parameter|argument|variable|setting|command|function|method|class"
    r"|attribute|field|keyword|value|setting|directive|element|macro|constant|tag|line|entry|key"
    r"|path|directory|mode|profile|header|filter|hook|extension|plugin|module|package)s?\b"
    r"|\b(how|what) (do|can|should|must) (i|you|we)\b"
)
KINDS = ("count", "when", "who", "version", "address", "option")
# A question about what happens unless the user says otherwise, and a sentence that says it
# ("Defaults to 60.", "(default: 900)", "Default is -6 if not given."), whatever else it asks.
_ASKS_DEFAULT = re.compile(
    r"\bdefaults?\b|\bunless (i|you)\b|\b(if|when) (i|you) (don't|do not|leave|omit|never)\b"
    r"|\bwithout (giving|passing|setting|specifying|configuring)\b"
)
_STATES_DEFAULT = re.compile(r"\bdefault(s|ed|ing)?\b|\bif not (given|specified|set)\b", re.I)


def question_type(question: str) -> str:
    """What kind of answer the question wants: one of :data:`KINDS`, or "other"."""
    text = question.casefold()
    for kind, pattern in (
        ("count", _ASKS_COUNT),
        ("when", _ASKS_WHEN),
        ("who", _ASKS_WHO),
        ("version", _ASKS_VERSION),
        ("address", _ASKS_ADDRESS),
        ("option", _ASKS_OPTION),
    ):
        if pattern.search(text):
            return kind
    return "other"


def asks_default(question: str) -> bool:
    """Whether the question asks what happens unless the user says otherwise ("By default,
    ...", "... if I don't pass one?", "... unless I change it?")."""
    return bool(_ASKS_DEFAULT.search(question.casefold()))


def states_default(text: str) -> bool:
    """Whether a sentence says what happens unless told otherwise ("Defaults to 60.")."""
    lowered = text.lower()  # the words looked for first: 10 times as fast as searching them all
    return ("default" in lowered or "if not" in lowered) and bool(_STATES_DEFAULT.search(text))


_CUE_OF_KIND = {"when": 1, "count": 2, "who": 3, "version": 4, "address": 5, "option": 6}


def lacks_kind(question: str, text: str) -> bool:
    """Whether the question asks for a kind of answer (a date, a number, a name, a version, an
    address, an option) that ``text`` does not hold outside the question's own words."""
    kind = question_type(question)
    if kind == "other":
        return False
    asked = {w.casefold() for w in words(question)}
    return not _Reading(text, []).cues(kind, asked)[_CUE_OF_KIND[kind]]


def features(question: str, candidates: list[Candidate], lexical: LexicalIndex) -> np.ndarray:
    """One row of :data:`NAMES` per candidate (at least one); ``lexical`` gives the inverse
    document frequencies of the question's terms."""
    import numpy as np

    kind = question_type(question)
    question_words = {w.casefold() for w in words(question)}
    wanted = query_terms(question)
    sentences, counts = lexical.frequencies("sentences", wanted)
    weights = np.array([math.log((sentences + 1) / (n + 0.5)) for n in counts], dtype=np.float64)
    share = weights / (weights.sum() or 1.0)  # of the question's idf weight, per wanted term
    readings = _Readings(wanted)
    read = readings.read
    cues = np.array([read(c.sentence.text).cues(kind, question_words) for c in candidates])
    shapes = np.array([read(c.sentence.text).shape for c in candidates])
    proximity = np.array([read(c.sentence.text).proximity for c in candidates])
    kinds = np.array([[kind == "when", kind == "count", kind == "who"]] * len(candidates))
    asks = {k: np.repeat([[kind == k]], len(candidates), axis=0) for k in KINDS}
    asked_default = asks_default(question)  # what a sentence states is read only then
    stated_default = np.array(
        [asked_default and states_default(c.sentence.text) for c in candidates], dtype=bool
    )
    held, context = _coverage(question, candidates, readings, share)
    return np.column_stack(
        [
            *_retrieval(candidates),
            *held,
            cues[:, :4],
            kinds,
            *context,
            shapes[:, :4],
            asks["option"],
            cues[:, 4],
            asks["version"],
            cues[:, 5],
            asks["address"],
            cues[:, 6],
            proximity,
            shapes[:, 4],
            shapes[:, 5],
            shapes[:, 5] * (kind == "who"),
            np.full(len(candidates), asked_default),
            stated_default,
        ]
    ).astype(np.float64)


def _retrieval(candidates: list[Candidate]) -> list[np.ndarray]:
    """The retrieval evidence (cosines, BM25), each against the best and ranked among them."""
    import numpy as np

    evidence = np.array(
        [
            (c.sentence_cosine, c.passage_cosine, c.sentence_lexical, c.passage_lexical)
            for c in candidates
        ]
    )
    sentence_cosine, passage_cosine, sentence_lexical = (
        evidence[:, 0],
        evidence[:, 1],
        evidence[:, 2],
    )
    return [
        evidence,
        sentence_cosine - sentence_cosine.max(),
        passage_cosine - passage_cosine.max(),
        _reciprocal_rank(sentence_cosine),
        _reciprocal_rank(sentence_lexical),
        _reciprocal_rank(passage_cosine),
        _z_score(sentence_cosine),
        _z_score(sentence_lexical),
    ]


def _coverage(
    question: str, candidates: list[Candidate], readings: _Readings, share: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(How much of the question each sentence holds: its terms, their idf weight and that
    against the best; the same read in context: the question's word pairs it holds, its weight
    held with the title and section, and also after the sentence before, and the cosines of
    the sentences around it)."""
    import numpy as np

    wanted = readings.wanted
    # A term counts as held where the sentence writes it in the question's case: a term held
    # only in another case is often another sense ("commanded" is not the "Command" of "Joint
    # Special Operations Command").
    asked = _cases(words(question))
    held = np.array(
        [readings.read(c.sentence.text).cased(asked) for c in candidates], dtype=bool
    ).reshape(len(candidates), len(wanted))
    idf_coverage = held @ share
    # What a sentence says is read with its title and section, and after the sentence before
    # it: "He was a polyglot" is about the Tesla of the title, or of the sentence before.
    titled = held | readings.holding(
        [f"{c.passage.title}\n{c.passage.section}" for c in candidates]
    )
    after_previous = titled | readings.holding([c.previous for c in candidates])
    titled_coverage, previous_coverage = titled @ share, after_previous @ share
    question_pairs = _pairs(terms(question))
    bigram_coverage = np.array(
        [
            len(question_pairs & readings.read(c.sentence.text).pairs) / max(len(question_pairs), 1)
            for c in candidates
        ]
    )
    return [
        held.sum(axis=1) / max(len(wanted), 1),
        idf_coverage,
        idf_coverage - idf_coverage.max(),
    ], [
        bigram_coverage,
        titled_coverage,
        titled_coverage - titled_coverage.max(),
        previous_coverage,
        previous_coverage - previous_coverage.max(),
        np.array([c.previous_cosine for c in candidates]),
        np.array([c.next_cosine for c in candidates]),
    ]


class _Readings:
    """Each distinct text read once: a passage's sentences share its title and section, a
    sentence is often the one before another candidate, and copies of a sentence recur."""

    def __init__(self, wanted: list[str]) -> None:
        self.wanted = wanted
        self._read: dict[str, _Reading] = {}

    def read(self, text: str) -> _Reading:
        if text not in self._read:
            self._read[text] = _Reading(text, self.wanted)
        return self._read[text]

    def holding(self, texts: list[str]) -> np.ndarray:
        """Which of the question's terms each text holds: a row per text, a column per term."""
        import numpy as np

        rows = np.array([self.read(text).holds for text in texts], dtype=bool)
        return rows.reshape(len(texts), len(self.wanted))


class _Reading:
    """A text as the features read it: its words, and which of the question's terms it holds."""

    def __init__(self, text: str, wanted: list[str]) -> None:
        self.words = words(text)
        self.folded = [w.casefold() for w in self.words]
        self.kept = [n for n, w in enumerate(self.folded) if w not in STOPWORDS]  # content words
        self.found = stems([self.folded[n] for n in self.kept])  # their terms
        held = set(self.found)
        self.holds = [t in held for t in wanted]
        self.text = text
        self.wanted = wanted

    @functools.cached_property
    def cases(self) -> dict[str, set[bool]]:
        """:func:`_cases` of the question's terms the text holds (the only ones looked up)."""
        if not any(self.holds):
            return {}
        return _cases(self.words, (self.kept, self.found), set(self.wanted))

    def cased(self, asked: dict[str, set[bool]]) -> list[bool]:
        """Which of the question's terms the text holds in a case the question writes it in
        (capitalised or not, after the first word; the first word tells nothing)."""
        mine = self.cases
        return [
            term in mine
            and (not mine[term] or not asked.get(term) or bool(mine[term] & asked[term]))
            for term in self.wanted
        ]

    @functools.cached_property
    def proximity(self) -> float:
        """How close together the question's terms stand in the text: the distinct terms it
        holds (two or more) over the length of the shortest run of terms holding them all
        ("commander of the Quds Force": 1; the same three words spread over a sentence: less)."""
        wanted = set(self.wanted)
        hits = [(i, t) for i, t in enumerate(self.found) if t in wanted]
        distinct = len({t for _, t in hits})
        if distinct < 2:
            return 0.0
        shortest = len(self.found)
        counts: dict[str, int] = {}
        first = 0
        for i, term in hits:  # a sliding window over the hits, shrunk from the left
            counts[term] = counts.get(term, 0) + 1
            while len(counts) == distinct:
                start, leaving = hits[first]
                shortest = min(shortest, i - start + 1)
                counts[leaving] -= 1
                if not counts[leaving]:
                    del counts[leaving]
                first += 1
        return distinct / shortest

    @functools.cached_property
    def pairs(self) -> set[tuple[str, str]]:
        return _pairs(self.found)

    @functools.cached_property
    def shape(self) -> tuple[float, ...]:
        """(a question, a lead-in ending in a colon, code kept as written over several lines,
        holds code, announces what follows, refers back): what kind of sentence it is, whatever
        was asked."""
        text = self.text.rstrip()
        return (
            float(text.endswith("?")),
            float(text.endswith(":")),
            float("\n" in text),
            float(_has_code(text)),
            float(announces(text)),
            float(words_refer_back(self.words)),
        )

    def cues(self, kind: str, question_words: set[str]) -> tuple[float, ...]:
        """(log word count, then whether it holds what the question's kind asks for: a date for
        "when", a number for "how many", a name for "who", code for "which option", a version
        number, an address), each looked for only outside the words the question already has."""
        text_words = self.words
        cues = [math.log1p(len(text_words)), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        if kind == "other":
            return tuple(cues)  # no cue to look for
        new = [w for w, f in zip(text_words, self.folded, strict=True) if f not in question_words]
        if kind == "who":
            cues[3] = float(any(w[:1].isupper() for w in new if w != text_words[0]))
        elif kind in ("when", "count"):
            pattern = _DATE if kind == "when" else _NUMBER
            cues[1 if kind == "when" else 2] = float(bool(pattern.search(" ".join(new))))
        else:
            found = (
                _code(self.text)
                if kind == "option"
                else (
                    m.group()
                    for m in (_VERSION if kind == "version" else _ADDRESS).finditer(self.text)
                )
            )
            cues[KINDS.index(kind) + 1] = float(
                any(token.strip("`-<(").casefold() not in question_words for token in found)
            )
        return tuple(cues)


def _cases(
    text_words: list[str],
    read: tuple[list[int], list[str]] | None = None,
    only: Collection[str] | None = None,
) -> dict[str, set[bool]]:
    """For each content term of the words (or each of ``only``), the cases it is written in
    after the first word (True: capitalised, as in a name); ``read`` are the content words'
    positions and their terms, if already known."""
    if read is None:
        kept = [n for n, w in enumerate(text_words) if w.casefold() not in STOPWORDS]
        read = kept, stems([text_words[n].casefold() for n in kept])
    cases: dict[str, set[bool]] = {}
    for number, term in zip(*read, strict=True):
        if only is not None and term not in only:
            continue
        seen = cases.setdefault(term, set())
        if number:
            seen.add(text_words[number][:1].isupper())
    return cases


def _code(text: str) -> Iterator[str]:
    """The pieces of code in ``text``."""
    for needed, pattern in _CODE:
        if needed in text:
            yield from (match.group() for match in pattern.finditer(text))


def _has_code(text: str) -> bool:
    """Whether ``text`` holds code; a dotted name is told by the characters around a dot."""
    for needed, pattern in _CODE[:-1]:
        if needed in text and pattern.search(text):
            return True
    dot = text.find(".", 1)
    while 0 < dot < len(text) - 1:
        before, after = text[dot - 1], text[dot + 1]
        if (before.islower() or before.isdigit() or before == "_") and (
            after.isalpha() or after == "_"
        ):
            return True
        dot = text.find(".", dot + 1)
    return False


def _pairs(found: list[str]) -> set[tuple[str, str]]:
    """Adjacent content terms ("quds force"): phrases the question and a sentence may share."""
    return set(itertools.pairwise(found))


def _reciprocal_rank(values: np.ndarray) -> np.ndarray:
    import numpy as np

    ranks = np.empty(len(values))
    ranks[np.argsort(-values, kind="stable")] = np.arange(len(values))
    return 1.0 / (ranks + _RANK_DAMPING)


def _z_score(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() + 1e-6)
