"""The data that flows through Verbatim: documents, sentences, passages, answers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence (or table row, or list item) as shown to the user.

    ``char_start``/``char_end`` index the original file text; ``line_start``/``line_end`` are the
    1-based, inclusive lines of the original file that hold it.
    """

    text: str
    char_start: int
    char_end: int
    line_start: int
    line_end: int
    page: int | None = None  # 1-based page of paged formats (PDF); lines then count within it
    block: int = 0  # its layout block (paragraph, list item, row...), numbered in the document


@dataclass(frozen=True, slots=True)
class Passage:
    """A section-aware group of consecutive sentences that never crosses a heading."""

    section: str
    sentences: tuple[Sentence, ...]
    header: str = ""  # a table's header row, repeated for context in each table passage

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def char_start(self) -> int:
        return self.sentences[0].char_start

    @property
    def char_end(self) -> int:
        return self.sentences[-1].char_end

    @property
    def line_start(self) -> int:
        return self.sentences[0].line_start

    @property
    def line_end(self) -> int:
        return self.sentences[-1].line_end

    @property
    def page(self) -> int | None:
        return self.sentences[0].page


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed source file: its path relative to the corpus, title and passages."""

    path: str
    title: str
    passages: tuple[Passage, ...]


@dataclass(frozen=True, slots=True)
class Source:
    """Where an answer sentence stands: file (relative to the corpus), section and lines."""

    path: str
    section: str
    line_start: int
    line_end: int
    page: int | None = None  # 1-based, for paged formats; the lines then count within the page

    @property
    def lines(self) -> str:
        """ "line 7" or "lines 7–9"."""
        if self.line_start == self.line_end:
            return f"line {self.line_start}"
        return f"lines {self.line_start}–{self.line_end}"

    @property
    def label(self) -> str:
        """ "file › section › lines" (or "file › p. 12 › section › lines"), as the CLI and the
        chat app show a source."""
        if self.page is not None:
            return f"{self.path} › p. {self.page} › {self.section} › {self.lines}"
        return f"{self.path} › {self.section} › {self.lines}"

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "section": self.section,
            "line_start": self.line_start,
            "line_end": self.line_end,
        } | ({} if self.page is None else {"page": self.page})


@dataclass(frozen=True, slots=True)
class Answer:
    """A sentence quoted verbatim, with the passage around it and every place it stands."""

    text: str
    score: float
    context: str
    sources: tuple[Source, ...]
    # [start, end) of the span in ``text`` that most likely answers the question, if found
    highlight: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "score": round(self.score, 4),
            "context": self.context,
            "sources": [s.to_dict() for s in self.sources],
            "highlight": list(self.highlight) if self.highlight else None,
        }


@dataclass(frozen=True, slots=True)
class Reply:
    """Everything Verbatim says to one question."""

    question: str
    answers: tuple[Answer, ...]
    abstained: bool
    confidence: float = 0.0  # how likely the documents answer the question; abstain when low
    nearest: tuple[Answer, ...] = field(default=())  # shown for a look when abstaining
    # In a conversation: the question as searched, with what it refers to spelt out (the
    # question itself when it stands on its own), and what it was taken to refer to.
    resolved_question: str | None = None
    about: str | None = None

    def to_dict(self) -> dict[str, object]:
        turn = {"resolved_question": self.resolved_question, "about": self.about}
        return {
            "question": self.question,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "answers": [a.to_dict() for a in self.answers],
        } | ({} if self.resolved_question is None else turn)
