"""Keeping the index in step with the corpus: new and changed files embedded, deleted ones gone."""

from __future__ import annotations

import itertools
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from verbatim.errors import (
    REBUILD,
    IndexMissingError,
    OtherCorpusError,
    RebuildRequiredError,
)
from verbatim.index import question_encoder
from verbatim.index.directory import FORMAT, Index, Manifest, new_store_name, now
from verbatim.index.embed import Embedder
from verbatim.index.embed import Progress as EncodeProgress
from verbatim.index.store import DocumentRecord
from verbatim.ingest import (
    CHUNKER_VERSION,
    UnreadableFileError,
    check_corpus,
    content_digest,
    discover,
    load,
)
from verbatim.types import Document, Passage

if TYPE_CHECKING:
    import numpy as np

# progress(stage, done, total): stages are "preparing the model" (0 of 1, then 1 of 1: it is
# loaded and exported before the first build, ~8 s), then "reading", "embedding passages",
# "embedding sentences"; on a Ray cluster (verbatim.index.distributed), "embedding passages"
# alone, file by file, its total estimated from the bytes of the files done until the last one
# (then exact).
Progress = Callable[[str, int, int], None]
PREPARING = "preparing the model"

# Files are embedded and committed about this many passages at a time (~1-2 minutes of embedding
# here), so an interrupted run keeps what it finished; each commit rewrites the vector files.
COMMIT_EVERY = 1_000


@dataclass(frozen=True, slots=True)
class FileState:
    path: str
    size: int
    mtime_ns: int


@dataclass(slots=True)
class Plan:
    """What an update would do, from a cheap look at file sizes and modification times."""

    new: list[FileState] = field(default_factory=list)
    changed: list[FileState] = field(default_factory=list)  # size or mtime differ
    deleted: list[DocumentRecord] = field(default_factory=list)
    unchanged: int = 0
    # Folders that could not be listed, as (path, why), with how many indexed files they hold:
    # those are kept as they are, not taken for deleted.
    unreadable: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.new or self.changed or self.deleted)


@dataclass(slots=True)
class Report:
    """What an update did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    passages_embedded: int = 0
    sentences_embedded: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        """How many files were added, updated or removed."""
        return len(self.added) + len(self.updated) + len(self.removed)


def scan(corpus: Path) -> tuple[list[FileState], list[tuple[str, str]]]:
    """The indexable files with their sizes and times, and the folders that could not be
    listed."""
    listing = discover(corpus)
    states = []
    for relative in listing.files:
        try:
            stat = (corpus / relative).stat()
        except OSError:
            try:  # a broken or looping link: reading it reports why it is skipped
                stat = (corpus / relative).lstat()
            except OSError:
                continue  # vanished since it was listed
        states.append(FileState(relative, stat.st_size, stat.st_mtime_ns))
    return states, listing.unreadable


def plan(corpus: Path, known: dict[str, DocumentRecord]) -> Plan:
    """Compare the corpus on disk with the documents an index knows."""
    result = Plan()
    present = set()
    states, unreadable = scan(corpus)
    for folder, why in unreadable:
        inside = [path for path in known if not folder or path.startswith(folder + "/")]
        present.update(inside)
        result.unchanged += len(inside)
        result.unreadable.append((folder or ".", why, len(inside)))
    for state in states:
        present.add(state.path)
        record = known.get(state.path)
        if record is None:
            result.new.append(state)
        elif (record.size, record.mtime_ns) != (state.size, state.mtime_ns):
            result.changed.append(state)
        else:
            result.unchanged += 1
    result.deleted = [record for path, record in sorted(known.items()) if path not in present]
    return result


def check_compatible(index: Index, embedder: Embedder, corpus: Path) -> None:
    """Raise :class:`RebuildRequiredError` if the index was made by another model or chunker,
    or :class:`OtherCorpusError` if it belongs to another corpus."""
    check_model(index.manifest, embedder)
    check_corpus_of(index.manifest, index.directory, corpus)


def check_corpus_of(manifest: Manifest, directory: Path, corpus: Path) -> None:
    """Raise :class:`OtherCorpusError` if the index in ``directory`` belongs to a corpus other
    than ``corpus`` (one built before the corpus was recorded belongs to any)."""
    if not manifest.belongs_to(corpus, directory):
        recorded = manifest.corpus_in(directory)
        raise OtherCorpusError(
            f"the index in {directory} belongs to the corpus {recorded}, not {corpus}: pass "
            f"--index with another folder to index {corpus} beside it, or {REBUILD} to "
            f"rebuild this index for {corpus} (and lose {recorded}'s)"
        )


def check_model(manifest: Manifest, embedder: Embedder) -> None:
    """Raise :class:`RebuildRequiredError` if the index was made by another model or chunker."""
    if manifest.model_fingerprint != embedder.fingerprint:
        raise RebuildRequiredError(
            f"the index was built with the model at {manifest.model}, not {embedder.model_path}: "
            f"{REBUILD} to re-embed with the new model"
        )
    if manifest.chunker_version != CHUNKER_VERSION:
        raise RebuildRequiredError(
            f"the index was built by an older Verbatim (chunker {manifest.chunker_version}, now "
            f"{CHUNKER_VERSION}): {REBUILD}"
        )


def update(
    corpus: Path,
    directory: Path,
    embedder: Embedder,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    ingest: Ingest | None = None,
) -> Report:
    """Index new and changed files of ``corpus`` into ``directory`` and drop deleted ones.

    Without an index, or with ``rebuild``, a complete new index is built beside the current
    one and swapped in at the end; the current index stays usable throughout. ``ingest`` reads
    and embeds the new and changed files (default: in this process, with ``embedder``).
    """
    ingest = ingest or local_ingest(embedder)
    started = time.perf_counter()
    check_corpus(corpus)  # fail early, with a clear message, on a missing corpus
    # The export encodes the documents too (embed.Embedder), so it is made first.
    warning = prepare_question_encoder(directory, embedder, progress)
    index = None if rebuild else _open_current(directory)
    if index is not None:
        report = _update_in_place(corpus, index, embedder, ingest, progress)
    else:
        report = _build(corpus, directory, embedder, ingest, progress, keep_current=rebuild)
    if not (report.added or report.updated or report.unchanged):
        from verbatim.ingest.loaders import SUPPORTED_SUFFIXES

        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        report.warnings.append(
            f"{corpus} holds no documents, so no question will find an answer: add files "
            f"({kinds}) and run `verbatim index` again"
        )
    if warning:
        report.warnings.append(warning)
    report.seconds = time.perf_counter() - started
    return report


def _open_current(directory: Path) -> Index | None:
    """The index in ``directory`` (brought up to this format first), or None if there is none."""
    Index.upgrade(directory)
    try:
        return Index.open(directory)
    except IndexMissingError:
        return None


def _update_in_place(
    corpus: Path, index: Index, embedder: Embedder, ingest: Ingest, progress: Progress | None
) -> Report:
    """Bring an open index in step with ``corpus``, then close it."""
    try:
        check_compatible(index, embedder, corpus)
        if not index.manifest.corpus:  # built before the corpus was recorded: this one
            index.manifest = index.manifest.for_corpus(corpus, index.directory)
            index.manifest.write(index.directory)
        return _apply(corpus, index, ingest, progress)
    finally:
        index.close()


def _build(
    corpus: Path,
    directory: Path,
    embedder: Embedder,
    ingest: Ingest,
    progress: Progress | None,
    keep_current: bool,
) -> Report:
    """Build a whole new index of ``corpus`` beside any current one.

    Without a current index, each batch is published as it is made, so an interrupted first
    run keeps what it finished; with one (``keep_current``, a rebuild), the new index is
    published only at the end, so the current one serves until then."""
    index = Index.create(
        directory,
        Manifest(
            format=FORMAT,
            store=new_store_name(),
            model=str(embedder.model_path),
            model_fingerprint=embedder.fingerprint,
            dimension=embedder.dimension,
            chunker_version=CHUNKER_VERSION,
            built_at=now(),
            updated_at=now(),
        ).for_corpus(corpus, directory),
    )
    each = not keep_current
    try:
        report = _apply(corpus, index, ingest, progress, always_publish=True, each=each)
    except BaseException:
        if each and index.generation > 0:
            index.close()
        else:
            index.discard()
        raise
    index.close()
    report.rebuilt = True
    return report


def question_encoder_settled(directory: Path, embedder: Embedder) -> bool:
    """Whether the model's export for torch-free questions is in place, whole and of this
    Verbatim's making, or was found impossible before: nothing for
    :func:`prepare_question_encoder` to do."""
    target = question_encoder.directory_for(directory, embedder.fingerprint)
    if target.with_name(target.name + ".failed").is_file():
        return True
    return (
        target.is_dir()
        and question_encoder.damage(target) is None
        and not question_encoder.outdated(target)
    )


def prepare_question_encoder(
    directory: Path, embedder: Embedder, progress: Progress | None = None
) -> str | None:
    """Export the model for torch-free questions unless that was done (or found impossible)
    before, and export it again if the export was damaged or made by an earlier Verbatim;
    return a warning if it could not be done, or if it was repaired. The caller holds the
    index's write lock: the folder's other exports are cleared first."""
    if question_encoder_settled(directory, embedder):
        return None
    if progress:
        progress(PREPARING, 0, 1)
    target = question_encoder.directory_for(directory, embedder.fingerprint)
    failed = target.with_name(target.name + ".failed")
    damage = question_encoder.damage(target) if target.is_dir() else None
    for old in directory.glob("encoder-*"):  # made for another model
        if old.is_dir():
            shutil.rmtree(old)
        else:
            old.unlink()
    try:
        question_encoder.export(embedder, target)
    except Exception as error:  # any failure only costs speed
        failed.write_text(f"{error}\n", encoding="utf-8")
        return f"questions will load the full model, which is slower ({error})"
    finally:
        if progress:
            progress(PREPARING, 1, 1)
    if damage:
        return f"the question encoder in {target} was damaged ({damage}): exported it again"
    return None


# A file to embed: its document, its content's digest and its size and time.
Parsed = tuple[Document, str, FileState]


@dataclass(slots=True)
class Job:
    """What an ingest engine is asked for: read, parse and embed ``candidates`` (new files and
    files whose size or time changed) of ``corpus``, in that order."""

    corpus: Path
    candidates: list[FileState]
    known: dict[str, DocumentRecord]
    dimension: int
    report: Report  # files that cannot be read are added to its ``skipped``
    progress: Progress | None


@dataclass(slots=True)
class Embedded:
    """One commit's worth of work: whole parsed files with the vectors of their passages and
    sentences (in document order), and files whose content proved unchanged."""

    documents: list[Parsed]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    touched: list[tuple[DocumentRecord, FileState]] = field(default_factory=list)


# An ingest engine: this process (:func:`local_ingest`) or a Ray cluster
# (verbatim.index.distributed). It yields at least one batch, each of about ``COMMIT_EVERY``
# passages, the files in the order of ``Job.candidates``.
Ingest = Callable[[Job], Iterator[Embedded]]

# What reading one file came to: its document and digest, its record when only its timestamp
# changed, or why it was skipped.
Read = tuple[Document, str] | DocumentRecord | UnreadableFileError


def read_file(corpus: Path, state: FileState, known: DocumentRecord | None) -> Read:
    """Load, clean and split one corpus file, unless its content is what ``known`` holds."""
    from verbatim.ingest.parse import parse_extracted  # not imported by asking (~12 ms)

    try:
        extracted = load(corpus / state.path)
    except UnreadableFileError as error:
        return error
    digest = content_digest(extracted)
    if known is not None and known.sha256 == digest:
        return known  # same content, new timestamp
    return parse_extracted(state.path, extracted), digest


def texts_of(documents: Iterable[Document]) -> tuple[list[str], list[str]]:
    """What the model reads for the passages and for the sentences of ``documents``."""
    documents = list(documents)
    passages = [f"{_path(d, p)}: {p.text}" for d in documents for p in d.passages]
    sentences = [
        f"{_path(d, p)}: {s.text}" for d in documents for p in d.passages for s in p.sentences
    ]
    return passages, sentences


def local_ingest(embedder: Embedder) -> Ingest:
    """Read and embed in this process."""

    def run(job: Job) -> Iterator[Embedded]:
        parsed: list[Parsed] = []
        touched: list[tuple[DocumentRecord, FileState]] = []
        for number, state in enumerate(job.candidates, start=1):
            if job.progress:
                job.progress("reading", number, len(job.candidates))
            read = read_file(job.corpus, state, job.known.get(state.path))
            if isinstance(read, UnreadableFileError):
                job.report.skipped.append((state.path, str(read)))
            elif isinstance(read, DocumentRecord):
                touched.append((read, state))
            else:
                parsed.append((*read, state))
        passages_total = sum(len(document.passages) for document, _, _ in parsed)
        sentences_total = sum(len(p.sentences) for d, _, _ in parsed for p in d.passages)
        passages_done = sentences_done = 0
        for number, batch in enumerate(_batches(parsed)):
            passage_texts, sentence_texts = texts_of(document for document, _, _ in batch)
            passage_vectors = _encode(
                embedder,
                passage_texts,
                job.dimension,
                _stage(job.progress, "embedding passages", passages_done, passages_total),
            )
            sentence_vectors = _encode(
                embedder,
                sentence_texts,
                job.dimension,
                _stage(job.progress, "embedding sentences", sentences_done, sentences_total),
            )
            passages_done += len(passage_texts)
            sentences_done += len(sentence_texts)
            yield Embedded(batch, passage_vectors, sentence_vectors, touched if number == 0 else [])

    return run


def _apply(
    corpus: Path,
    index: Index,
    ingest: Ingest,
    progress: Progress | None,
    always_publish: bool = False,
    each: bool = False,
) -> Report:
    """Embed the new and changed files of ``corpus`` into ``index`` and drop the deleted ones,
    in batches, each committed; each published unless ``always_publish`` without ``each`` (a
    rebuild, published once at the end)."""
    known = index.store.documents()
    todo = plan(corpus, known)
    report = Report(unchanged=todo.unchanged, removed=[r.path for r in todo.deleted])
    report.skipped += unreadable_notes(todo)
    job = Job(corpus, todo.new + todo.changed, known, index.manifest.dimension, report, progress)
    batches = ingest(job)
    first = next(batches)
    if not (
        first.documents
        or first.touched
        or todo.deleted
        or always_publish
        or not index.is_published()
    ):
        return report

    for number, embedded in enumerate(itertools.chain([first], batches)):
        batch = embedded.documents
        replaced = [known[state.path] for _, _, state in batch if state.path in known]
        with index.store.transaction():
            for record in [*(todo.deleted if number == 0 else []), *replaced]:
                index.delete_document(record.id)
            _add(index, batch, (embedded.passage_vectors, embedded.sentence_vectors))
            for record, state in embedded.touched:
                index.store.touch_document(record.id, state.size, state.mtime_ns)
            index.commit()
        for _, _, state in batch:
            (report.updated if state.path in known else report.added).append(state.path)
        report.passages_embedded += len(embedded.passage_vectors)
        report.sentences_embedded += len(embedded.sentence_vectors)
        report.unchanged += len(embedded.touched)
        if each or not always_publish:
            index.publish()
        else:  # an unpublished rebuild reads only its newest files: drop the ones before
            index.drop_unused_files()
    if always_publish and not each:
        index.publish()
    return report


def _add(index: Index, batch: list[Parsed], vectors: tuple[np.ndarray, np.ndarray]) -> None:
    """Store a batch's documents and their vectors; call inside a store transaction."""
    passage_ids: list[int] = []
    sentence_ids: list[int] = []
    for document, digest, state in batch:
        added = index.store.add_document(document, digest, state.size, state.mtime_ns)
        passage_ids += added.passage_ids
        sentence_ids += added.sentence_ids
    index.passage_vectors.add(passage_ids, vectors[0])
    index.sentence_vectors.add(sentence_ids, vectors[1])


def _encode(
    embedder: Embedder, texts: list[str], dimension: int, progress: EncodeProgress | None
) -> np.ndarray:
    """Vectors for ``texts``; with none to make (an update that only removes files or sees new
    timestamps) the model is not loaded, which would cost seconds."""
    if not texts:
        import numpy as np

        return np.zeros((0, dimension), dtype=np.float32)
    return embedder.encode(texts, progress)


def unreadable_notes(todo: Plan) -> list[tuple[str, str]]:
    """(folder, why) for each folder that could not be listed, saying what was kept."""
    return [
        (f"{folder}/", f"cannot list this folder ({why}); its {held} indexed file(s) are kept")
        for folder, why, held in todo.unreadable
    ]


def _batches(parsed: list[Parsed]) -> Iterator[list[Parsed]]:
    """Whole files, about ``COMMIT_EVERY`` passages at a time; one empty batch if none, which
    still commits deletions and new timestamps."""
    batch: list[Parsed] = []
    size = 0
    for item in parsed:
        batch.append(item)
        size += len(item[0].passages)
        if size >= COMMIT_EVERY:
            yield batch
            batch, size = [], 0
    if batch or not parsed:
        yield batch


def _path(document: Document, passage: Passage) -> str:
    """Where a passage stands, which the model reads before the passage and before each of its
    sentences: the heading path gives them the context their text leaves unsaid (the term a
    section defines, the option it is about). Read before each sentence, it lifted realdocs-dev
    answer@1 from 29.8 to 33.4 of 60 (cross-validated by file, 5 seeds; Markdown 0.33 to 0.49)
    with SQuAD unchanged (0.793 to 0.792), for ~16 % more time encoding sentences."""
    parts = [document.title]
    if passage.section != document.title:
        parts.append(passage.section)
    if passage.header:
        parts.append(passage.header)
    return " › ".join(parts)


def _stage(
    progress: Progress | None, name: str, before: int, total: int
) -> Callable[[int, int], None] | None:
    """Report a batch's progress as part of the whole update's."""
    if progress is None:
        return None
    return lambda done, _: progress(name, before + done, total)


def is_stale(corpus: Path, index: Index) -> bool:
    """True when files were added, changed or removed since the index was last updated."""
    return not plan(corpus, index.store.documents()).is_empty
