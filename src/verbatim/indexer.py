"""Keeping the index in step with the corpus: new and changed files embedded, deleted ones gone."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from verbatim import question_encoder
from verbatim.embed import Embedder
from verbatim.errors import IndexMissingError, RebuildRequiredError
from verbatim.index import Index, Manifest, new_store_name, now
from verbatim.ingest import (
    CHUNKER_VERSION,
    UnreadableFileError,
    discover,
    parse_document,
    read_text,
)
from verbatim.store import DocumentRecord
from verbatim.types import Document, Passage

# progress(stage, done, total): stages are "reading", "embedding passages", "embedding sentences".
Progress = Callable[[str, int, int], None]


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


def scan(corpus: Path) -> list[FileState]:
    states = []
    for relative in discover(corpus):
        try:
            stat = (corpus / relative).stat()
        except OSError:
            try:  # a broken or looping link: reading it reports why it is skipped
                stat = (corpus / relative).lstat()
            except OSError:
                continue  # vanished since it was listed
        states.append(FileState(relative, stat.st_size, stat.st_mtime_ns))
    return states


def plan(corpus: Path, known: dict[str, DocumentRecord]) -> Plan:
    """Compare the corpus on disk with the documents an index knows."""
    result = Plan()
    present = set()
    for state in scan(corpus):
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


def check_compatible(manifest: Manifest, embedder: Embedder) -> None:
    """Raise :class:`RebuildRequiredError` if the index was made by another model or chunker."""
    if manifest.model_fingerprint != embedder.fingerprint:
        raise RebuildRequiredError(
            f"the index was built with the model at {manifest.model}, not {embedder.model_path}: "
            "run `verbatim index --rebuild` to re-embed with the new model"
        )
    if manifest.chunker_version != CHUNKER_VERSION:
        raise RebuildRequiredError(
            f"the index was built by an older Verbatim (chunker {manifest.chunker_version}, now "
            f"{CHUNKER_VERSION}): run `verbatim index --rebuild`"
        )


def update(
    corpus: Path,
    directory: Path,
    embedder: Embedder,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Index new and changed files of ``corpus`` into ``directory`` and drop deleted ones.

    Without an index, or with ``rebuild``, a complete new index is built beside the current
    one and swapped in at the end; the current index stays usable throughout.
    """
    started = time.perf_counter()
    discover(corpus)  # fail early, with a clear message, on a missing corpus
    index = None
    if not rebuild:
        try:
            index = Index.open(directory)
        except IndexMissingError:
            index = None
    if index is not None:
        try:
            check_compatible(index.manifest, embedder)
            report = _apply(corpus, index, embedder, progress)
        finally:
            index.close()
    else:
        index = Index.create(
            directory,
            Manifest(
                format=1,
                store=new_store_name(),
                model=str(embedder.model_path),
                model_fingerprint=embedder.fingerprint,
                dimension=embedder.dimension,
                chunker_version=CHUNKER_VERSION,
                built_at=now(),
                updated_at=now(),
            ),
        )
        try:
            report = _apply(corpus, index, embedder, progress, always_publish=True)
        except BaseException:
            index.discard()
            raise
        index.close()
        report.rebuilt = True
    if warning := prepare_question_encoder(directory, embedder):
        report.warnings.append(warning)
    report.seconds = time.perf_counter() - started
    return report


def prepare_question_encoder(directory: Path, embedder: Embedder) -> str | None:
    """Export the model for torch-free questions unless that was done (or found impossible)
    before; return a warning if it cannot be done."""
    target = question_encoder.directory_for(directory, embedder.fingerprint)
    failed = target.with_name(target.name + ".failed")
    if target.is_dir() or failed.is_file():
        return None
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
    return None


def _apply(
    corpus: Path,
    index: Index,
    embedder: Embedder,
    progress: Progress | None,
    always_publish: bool = False,
) -> Report:
    known = index.store.documents()
    todo = plan(corpus, known)
    report = Report(unchanged=todo.unchanged, removed=[r.path for r in todo.deleted])
    parsed: list[tuple[Document, str, FileState]] = []
    touched: list[tuple[DocumentRecord, FileState]] = []
    candidates = todo.new + todo.changed
    for number, state in enumerate(candidates, start=1):
        if progress:
            progress("reading", number, len(candidates))
        try:
            text = read_text(corpus / state.path)
        except UnreadableFileError as error:
            report.skipped.append((state.path, str(error)))
            continue
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        record = known.get(state.path)
        if record is not None and record.sha256 == digest:
            touched.append((record, state))  # same content, new timestamp
            continue
        parsed.append((parse_document(state.path, text), digest, state))
    if not (parsed or todo.deleted or touched or always_publish or not index.is_published()):
        return report

    passage_texts = [
        _passage_input(document, passage)
        for document, _, _ in parsed
        for passage in document.passages
    ]
    sentence_texts = [
        sentence.text
        for document, _, _ in parsed
        for passage in document.passages
        for sentence in passage.sentences
    ]
    passage_vectors = embedder.encode(
        passage_texts, _stage(progress, "embedding passages") if progress else None
    )
    sentence_vectors = embedder.encode(
        sentence_texts, _stage(progress, "embedding sentences") if progress else None
    )

    store = index.store
    with store.transaction():
        replaced = [known[state.path] for _, _, state in parsed if state.path in known]
        for record in [*todo.deleted, *replaced]:
            gone = store.delete_document(record.id)
            index.passage_vectors.remove(gone.passage_ids)
            index.sentence_vectors.remove(gone.sentence_ids)
        passage_ids: list[int] = []
        sentence_ids: list[int] = []
        for document, digest, state in parsed:
            added = store.add_document(document, digest, state.size, state.mtime_ns)
            passage_ids += added.passage_ids
            sentence_ids += added.sentence_ids
            (report.updated if state.path in known else report.added).append(state.path)
        for record, state in touched:
            store.touch_document(record.id, state.size, state.mtime_ns)
        index.passage_vectors.add(passage_ids, passage_vectors)
        index.sentence_vectors.add(sentence_ids, sentence_vectors)
        index.commit_vectors()
        index.bump_generation()
    index.publish()
    report.unchanged += len(touched)
    report.passages_embedded = len(passage_texts)
    report.sentences_embedded = len(sentence_texts)
    return report


def _passage_input(document: Document, passage: Passage) -> str:
    """What the model reads for a passage: where it stands, then its text. The heading path
    gives short passages the context their sentences leave unsaid."""
    parts = [document.title]
    if passage.section != document.title:
        parts.append(passage.section)
    if passage.header:
        parts.append(passage.header)
    return " › ".join(parts) + ": " + passage.text


def _stage(progress: Progress, name: str) -> Callable[[int, int], None]:
    return lambda done, total: progress(name, done, total)


def is_stale(corpus: Path, index: Index) -> bool:
    """True when files were added, changed or removed since the index was last updated."""
    return not plan(corpus, index.store.documents()).is_empty
