"""What a sentence needs of its neighbours to be read whole: a lead-in ("There are two ways:",
a FAQ's question line, a bare term) needs the sentence after it (and a lead-in ending in a colon
the whole list it introduces), and a sentence whose subject is a pronoun ("From 1998, he was the
commander...") the sentence before it. The ranker's labels and features read a sentence so, and
an answer quotes it so. (Embedding each sentence so read, too, was measured and dropped:
realdocs-dev answer@1 0.600 -> 0.583, SQuAD held out 0.789 -> 0.781.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from verbatim.index.lexical import words

if TYPE_CHECKING:
    from verbatim.index.store import SentenceRecord

_PERSONAL = frozenset("he she him his her they them their".split())
TERM_WORDS = 4  # a line of at most this many words without a full stop is a bare term
LIST_ITEMS = 8  # items of the list a lead-in ("...:") introduces that are read with it, at most
LIST_CHARS = 800  # and characters of them


def refers_back(text: str) -> bool:
    """Whether a sentence's subject is a pronoun that the sentence before names: a personal
    pronoun comes before any name (a capitalised word after the first)."""
    return words_refer_back(words(text))


def words_refer_back(text_words: list[str]) -> bool:
    """:func:`refers_back` of a sentence already split into its words."""
    for number, word in enumerate(text_words):
        if word.casefold() in _PERSONAL:
            return True
        if number and word[:1].isupper():
            return False
    return False


def announces(text: str) -> bool:
    """Whether a sentence only leads in to the next: it ends in a colon, asks a question (a
    FAQ's question line), or is a bare term of a few words without a full stop."""
    text = text.rstrip()
    return text.endswith((":", "?")) or (len(text.split()) <= TERM_WORDS and text[-1:].isalnum())


def leans_on(previous: str, text: str, following: str) -> tuple[bool, bool]:
    """Whether ``text`` leans on the sentence before it and on the one after it (``""`` where it
    has none)."""
    return bool(previous) and refers_back(text), bool(following) and announces(text)


def read_whole(previous: str, text: str, following: str) -> str:
    """``text`` with the neighbour it leans on (``""`` where it has none)."""
    on_previous, on_following = leans_on(previous, text, following)
    return " ".join([previous] * on_previous + [text] + [following] * on_following)


def leads_in(text: str) -> bool:
    """Whether a sentence introduces what follows it ("... from the following formats:")."""
    return text.rstrip().endswith(":")


def reach(text: str) -> int:
    """How many sentences after one :func:`announced` may read: a list's worth after a colon,
    else one."""
    return LIST_ITEMS if leads_in(text) else 1


def announced(lead_in: SentenceRecord, known: Mapping[int, SentenceRecord]) -> list[SentenceRecord]:
    """What ``lead_in`` announces, from the sentences ``known`` by id: the sentence after it in
    its passage and page, and after a colon the items of the list that sentence begins, each in
    a block of its own on the line right after the one before (a list's items, a table's rows),
    up to :data:`LIST_ITEMS` and :data:`LIST_CHARS`."""
    items: list[SentenceRecord] = []
    size, last = 0, lead_in
    while len(items) < reach(lead_in.text):
        item = known.get(last.id + 1)
        if (
            item is None
            or (item.passage_id, item.page, item.position)
            != (last.passage_id, last.page, last.position + 1)
            or (items and (item.block == last.block or item.line_start != last.line_end + 1))
            or (items and size + len(item.text) > LIST_CHARS)
        ):
            break
        items.append(item)
        size += len(item.text)
        last = item
    return items
