"""The one API that the CLI, the chat app, the evaluation and the benchmarks share."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from verbatim.answer.conversation import Conversation
from verbatim.answer.highlight import with_highlights
from verbatim.answer.rank import answer_units, build_answers, confidence, models, rank
from verbatim.answer.retrieve import Retriever
from verbatim.config import Settings
from verbatim.controls import one_line
from verbatim.errors import (
    CorpusError,
    IndexBusyError,
    IndexDamagedError,
    IndexMissingError,
    IndexOutdatedError,
    QuestionError,
)
from verbatim.index import indexer, lock
from verbatim.index.directory import MANIFEST, Index, Manifest
from verbatim.index.embed import Embedder
from verbatim.index.question_encoder import LoadingQuestionEncoder, QuestionEncoder
from verbatim.ingest import UnreadableFileError, load
from verbatim.types import Reply, Source

if TYPE_CHECKING:
    from verbatim.index.distributed import RayOptions

DEFAULT_ANSWERS = 3
MAX_QUESTION_CHARS = 2000  # longer input is cut: the model reads 256 tokens at most anyway


class Assistant:
    """Answers questions from the documents in a corpus folder, with verbatim sentences.

    >>> assistant = Assistant(Settings.resolve())
    >>> assistant.ensure_index()              # build or update the index if needed
    >>> reply = assistant.ask("Who commanded the Quds Force?")
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedder = Embedder(settings.model, settings.index)
        self._index: Index | None = None
        self._opened: tuple[int, int] | None = None  # the manifest file the open index had
        self._question_encoder: QuestionEncoder | Embedder | None = None
        self._loading_encoder: LoadingQuestionEncoder | None = None
        self._vectors_in_memory = False

    # -- the index -------------------------------------------------------------------------
    def update_index(
        self,
        *,
        rebuild: bool = False,
        progress: indexer.Progress | None = None,
        ray: RayOptions | None = None,
    ) -> indexer.Report:
        """Bring the index in step with the corpus (or build it anew with ``rebuild``), reading
        and embedding on the Ray cluster of ``ray`` (or of the settings) if given.

        Raises :class:`IndexBusyError` when another process is writing the index, and
        :class:`ClusterError`, before anything is changed, when the cluster cannot be reached.
        """
        self.close()
        self._forget_question_encoder()
        if ray is None and self.settings.ray is not None:
            from verbatim.index.distributed import RayOptions

            ray = RayOptions(self.settings.ray)
        if ray is None:
            with lock.writing(self.settings.index):
                return self._update(rebuild, progress, None)
        from verbatim.index.distributed import RayIngest

        with RayIngest(ray, self.embedder) as engine, lock.writing(self.settings.index):
            return self._update(rebuild, progress, engine)

    def _update(
        self,
        rebuild: bool,
        progress: indexer.Progress | None,
        ingest: indexer.Ingest | None,
    ) -> indexer.Report:
        return indexer.update(
            self.settings.corpus,
            self.settings.index,
            self.embedder,
            rebuild=rebuild,
            progress=progress,
            ingest=ingest,
        )

    def ensure_index(self, progress: indexer.Progress | None = None) -> indexer.Report | None:
        """Build a missing index or update a stale one (and repair its question encoder);
        return what was done, or None when nothing was."""
        self._load_question_encoder_meanwhile()
        try:
            index = self.index
        except (IndexMissingError, IndexOutdatedError):
            return self.update_index(progress=progress)
        indexer.check_compatible(index, self.embedder, self.settings.corpus)
        if not index.manifest.corpus or indexer.is_stale(self.settings.corpus, index):
            try:
                return self.update_index(progress=progress)
            except IndexBusyError:
                return None  # another process is updating it: answer from the current index
        if indexer.question_encoder_settled(self.settings.index, self.embedder):
            return None
        self._forget_question_encoder()  # it may be the export about to be replaced
        try:  # one exporter at a time: each clears the folder of other exports first
            with lock.writing(self.settings.index):
                warning = indexer.prepare_question_encoder(self.settings.index, self.embedder)
        except IndexBusyError:
            return None  # another process is writing the index, and exports with it
        except OSError as error:  # a read-only index folder: questions are answered all the same
            reason = error.strerror or str(error)
            return indexer.Report(
                warnings=[
                    f"cannot write the question encoder into {self.settings.index} ({reason}): "
                    "questions load the full model, which is slower"
                ]
            )
        if warning:
            return indexer.Report(warnings=[warning])
        return None

    @property
    def question_encoder(self) -> QuestionEncoder | Embedder:
        """What encodes questions: the ONNX export made at index time (no torch to import),
        or the sentence-transformers model itself when there is no export."""
        if self._question_encoder is None:
            loading, self._loading_encoder = self._loading_encoder, None
            exported = (loading and loading.result()) or QuestionEncoder.find(
                self.settings.index, self.embedder.fingerprint
            )  # (found again when loading failed: a broken export is removed then)
            self._question_encoder = exported or self.embedder
        return self._question_encoder

    def _load_question_encoder_meanwhile(self) -> None:
        """Start loading the question encoder on another thread, while this one opens the
        index: ONNX Runtime builds its session outside the GIL (a cold `ask` ~50 ms sooner)."""
        if self._question_encoder is None and self._loading_encoder is None:
            self._loading_encoder = LoadingQuestionEncoder(
                self.settings.index, self.embedder.fingerprint
            )

    def _forget_question_encoder(self) -> None:
        """Drop the loaded question encoder (waiting for one being loaded), before its export
        is made again."""
        if self._loading_encoder is not None:
            self._loading_encoder.result()
            self._loading_encoder = None
        self._question_encoder = None

    def warm_up(self) -> None:
        """Open the index, load the question encoder and run every stage of a question once
        now, not at the first question. (A process that answers many questions also sets
        itself up for that: :func:`verbatim.allocator.warm_for_many_questions`.)"""
        self.ask("Which passage answers a first question?")  # checks the index's model too

    @property
    def index(self) -> Index:
        """The open index: opened on first use, and again once another process has published
        a newer one (a long-lived assistant, such as the chat app's, sees every update)."""
        if self._index is not None and self._opened != self._manifest_identity():
            self.close()
        while self._index is None:
            identity = self._manifest_identity()
            try:
                self._index = Index.open(self.settings.index)
            except IndexDamagedError:
                if self._manifest_identity() == identity:
                    raise
                continue  # a writer published meanwhile and removed files being read
            self._opened = identity
            if self._vectors_in_memory:
                self._index.passage_vectors.hold_in_memory()
        return self._index

    def hold_vectors_in_memory(self) -> None:
        """From now on, search passage vectors held in memory rather than memory-mapped, in
        this index and in those opened later: twice as fast a search, for a process that
        answers many questions (:func:`verbatim.allocator.warm_for_many_questions`)."""
        self._vectors_in_memory = True
        if self._index is not None:
            self._index.passage_vectors.hold_in_memory()

    def answering_from(self, *, opening: bool = False) -> tuple[tuple[int, int] | None, int] | None:
        """What a reply depends on besides its question: the published index that is open and
        its committed generation. Unless ``opening`` (which opens the index first, as a
        question would), None if none is open or a newer one was published since: then it
        costs only a stat, and never the wait for an index to open."""
        if opening:
            self.index  # noqa: B018 (opens it)
        if self._index is None or self._opened != self._manifest_identity():
            return None
        return self._opened, self._index.generation

    def _manifest_identity(self) -> tuple[int, int] | None:
        """What changes whenever an update or a rebuild is published (the manifest is
        replaced by a new file each time)."""
        try:
            stat = os.stat(self.settings.index / MANIFEST)
        except OSError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def status(self) -> Status:
        """What is indexed and what changed since, read without loading any vectors."""
        manifest, documents = Index.documents_in(self.settings.index)
        plan = indexer.plan(self.settings.corpus, documents)
        return Status(
            corpus=self.settings.corpus,
            index=self.settings.index,
            manifest=manifest,
            new=[s.path for s in plan.new],
            changed=[s.path for s in plan.changed],
            deleted=[r.path for r in plan.deleted],
            model_matches=manifest.model_fingerprint == self.embedder.fingerprint,
            index_corpus=manifest.corpus_in(self.settings.index),
            corpus_matches=manifest.belongs_to(self.settings.corpus, self.settings.index),
        )

    def excerpt(self, source: Source, around: int = 12) -> Excerpt:
        """The lines of the original file around ``source``, for reading an answer in place
        (of the text extracted from it for HTML, DOCX and PDF; of its page for PDF)."""
        try:
            extracted = load(self.settings.corpus / source.path)
        except UnreadableFileError as error:
            raise CorpusError(f"cannot read {source.path}: {error}") from error
        text = extracted.text
        if source.page is not None and 0 < source.page <= len(extracted.page_starts):
            text = extracted.page_text(source.page)
        lines = text.splitlines()
        first = max(source.line_start - around, 1)
        last = min(source.line_end + around, len(lines))
        return Excerpt(source, first, tuple(lines[first - 1 : last]))

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    # -- questions -------------------------------------------------------------------------
    def ask(self, question: str, k: int = DEFAULT_ANSWERS, *, resolved: str = "") -> Reply:
        """Up to ``k`` answers to ``question``, best first, or an abstention.

        ``resolved`` is the question as a conversation understood it ("When was Qasem
        Soleimani assassinated?" for "When was he assassinated?"): searched instead of it.
        """
        question = one_line(question)
        if not question:
            raise QuestionError("the question is empty: type a question about your documents")
        indexer.check_compatible(self.index, self.embedder, self.settings.corpus)
        searched = one_line(resolved) or question
        query = searched[-MAX_QUESTION_CHARS:]
        if len(searched) > MAX_QUESTION_CHARS and " " in query:
            # A word cut in two is a word no document holds: answerability reads it as unanswered.
            query = query.split(" ", 1)[1]
        while True:
            index = self.index
            with index.store.reading():
                # Rows and vectors must be of one generation: after a commit by another
                # process since the vectors were loaded, load the new ones.
                if index.generation == index.loaded_generation:
                    retriever = Retriever(index, self.question_encoder.encode)
                    candidates = retriever.candidates(query)
                    ranked = rank(query, candidates, index.lexical)
                    units = answer_units(index.store, ranked, max(k, 1), query)
                    found = build_answers(index.store, units[: max(k, 0)])
                    best = units[0].text if units else ""
                    sure = confidence(query, ranked, best, index.lexical, index.store)
                    break
            self.close()
        answers = tuple(with_highlights(searched, found))
        if sure < models().abstain_below:
            return Reply(question, (), abstained=True, confidence=sure, nearest=answers)
        return Reply(question, answers, abstained=False, confidence=sure)

    def conversation(self) -> Conversation:
        """A chat session in which follow-up questions are read in the light of earlier ones."""
        return Conversation(self)


@dataclass(frozen=True, slots=True)
class Excerpt:
    """Lines ``first_line``... of a source's file, which hold the source's lines."""

    source: Source
    first_line: int
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Status:
    """What is indexed, with which model, and what changed on disk since."""

    corpus: Path
    index: Path
    manifest: Manifest
    new: list[str]
    changed: list[str]
    deleted: list[str]
    model_matches: bool
    index_corpus: Path | None  # the corpus the index belongs to; None if not recorded yet

    @property
    def is_stale(self) -> bool:
        return bool(self.new or self.changed or self.deleted)

    corpus_matches: bool  # False when the index belongs to another corpus
