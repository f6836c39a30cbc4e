"""The index directory: a manifest, one SQLite store, the vector files (the passages' FAISS
index, the sentences' vectors by id) and vector deltas, and the lexical index's segment files,
kept in step.

Commit points make every write atomic:
- an update changes the store inside one SQLite transaction that also bumps its ``generation``
  and records which files make that generation: the base vector files (written whole at some
  generation), the vector delta files written since (each holds one commit's added and removed
  vectors, so a small update writes little), and the lexical segments. New files are written
  and synced before that commit, and files no longer used are removed only after it, so a
  crash at any moment leaves a readable set;
- a rebuild writes a whole new store and its vector files beside the old ones, and switches to
  them by atomically replacing ``manifest.json``, which names the store in use.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from verbatim.errors import (
    REBUILD,
    IndexDamagedError,
    IndexMissingError,
    IndexOutdatedError,
    RebuildRequiredError,
)
from verbatim.index import lexical
from verbatim.index.atomic import read_arrays, write_arrays, write_text
from verbatim.index.lexical import LexicalIndex, Segment
from verbatim.index.store import DocumentRecord, Store
from verbatim.index.stored import StoredVectors
from verbatim.index.vectors import ExactVectors, VectorIndex

MANIFEST = "manifest.json"
# 2: lexical search in segment files, no longer SQLite FTS5; 3: sentence vectors by id, not FAISS
FORMAT = 3
UPGRADABLE = (1, 2)  # earlier formats that Index.upgrade brings to this one
MAX_DELTAS = 32  # vector delta files replayed on open before the vectors are written whole
DELTA_KEYS = ("added_ids", "added_vectors", "removed_ids")


@dataclass(frozen=True, slots=True)
class Manifest:
    """What the index is and how it was made; ``store`` names the SQLite file in use."""

    format: int
    store: str
    model: str
    model_fingerprint: str
    dimension: int
    chunker_version: int
    built_at: str
    updated_at: str
    documents: int = 0
    passages: int = 0
    sentences: int = 0
    # The corpus the index was built from ("" in an index built before it was recorded), and
    # the same relative to the index folder: the index still belongs to it when the two are
    # moved together, or when the index alone is moved.
    corpus: str = ""
    corpus_relative: str = ""

    def for_corpus(self, corpus: Path, directory: Path) -> Manifest:
        """This manifest for an index in ``directory`` that belongs to ``corpus``."""
        absolute = corpus.resolve()
        relative = os.path.relpath(absolute, directory.resolve())
        return replace(self, corpus=str(absolute), corpus_relative=relative)

    def belongs_to(self, corpus: Path, directory: Path) -> bool:
        """Whether the index in ``directory`` belongs to ``corpus`` (any, if not recorded)."""
        if not self.corpus:
            return True
        moved = (directory.resolve() / self.corpus_relative).resolve()
        return corpus.resolve() in (Path(self.corpus), moved)

    def corpus_in(self, directory: Path) -> Path | None:
        """The corpus the index in ``directory`` belongs to, None if not recorded: where the
        relative path leads if a folder is there, else where the corpus was."""
        if not self.corpus:
            return None
        moved = (directory.resolve() / self.corpus_relative).resolve()
        return moved if moved.is_dir() else Path(self.corpus)

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST
        if not path.exists():
            raise IndexMissingError(f"there is no index in {directory}: run `verbatim index`")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            manifest = cls(**data)
        except (OSError, ValueError, TypeError) as error:
            raise IndexDamagedError(f"the index manifest {path} is damaged: {REBUILD}") from error
        if manifest.format in UPGRADABLE:
            raise IndexOutdatedError(
                f"the index in {directory} was made by an earlier Verbatim: run `verbatim index` "
                "to bring it up to date (nothing is embedded again)"
            )
        if manifest.format != FORMAT:
            raise RebuildRequiredError(
                f"the index in {directory} has format {manifest.format}, this Verbatim reads "
                f"format {FORMAT}: {REBUILD}"
            )
        return manifest

    def write(self, directory: Path) -> None:
        write_text(directory / MANIFEST, json.dumps(asdict(self), indent=2) + "\n")


def _open_store(directory: Path, manifest: Manifest) -> Store:
    path = directory / manifest.store
    if not path.is_file():
        raise IndexDamagedError(f"the index database {path} is missing: {REBUILD}")
    return Store(path)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_store_name() -> str:
    return f"store-{secrets.token_hex(4)}.sqlite"


class Index:
    """An open index: the store and the passage and sentence vectors of one generation."""

    def __init__(
        self,
        directory: Path,
        manifest: Manifest,
        store: Store,
        passages: VectorIndex,
        sentences: StoredVectors,
    ) -> None:
        self.directory = directory
        self.manifest = manifest
        self.store = store
        self.passage_vectors = passages
        self.sentence_vectors = sentences
        self.lexical = LexicalIndex()
        self._deleted: dict[str, list[int]] = {table: [] for table in lexical.TABLES}
        self.loaded_generation = 0  # the generation whose vectors :meth:`open` loaded

    @property
    def generation(self) -> int:
        return int(self.store.get_meta("generation") or 0)

    @property
    def _stem(self) -> str:
        """What the names of this store's files begin with."""
        return Path(self.manifest.store).stem

    def _vector_tables(self) -> tuple[tuple[str, VectorIndex | StoredVectors], ...]:
        return (("passages", self.passage_vectors), ("sentences", self.sentence_vectors))

    def vector_paths(self, generation: int) -> tuple[Path, Path]:
        return (
            self.directory / f"{self._stem}.g{generation}.passages.faiss",
            self.directory / f"{self._stem}.g{generation}.sentences.json",
        )

    @classmethod
    def open(cls, directory: Path) -> Index:
        """Open the index in ``directory``, checking that its parts agree."""
        manifest = Manifest.read(directory)
        store = _open_store(directory, manifest)
        try:
            index = cls(directory, manifest, store, VectorIndex.empty(0), StoredVectors.empty(0))
            with store.reading():  # the generation and the row counts of one commit
                if store.get_meta("generation") is None:
                    raise IndexDamagedError(f"the index database {store.path} is empty: {REBUILD}")
                index.loaded_generation = index.generation
                base, deltas = index.vector_layout()
                passage_path, sentence_path = index.vector_paths(base)
                for path in (passage_path, sentence_path, *(directory / d for d in deltas)):
                    if not path.is_file():
                        raise IndexDamagedError(
                            f"the vector file {path.name} is missing: {REBUILD}"
                        )
                index.passage_vectors = VectorIndex.load(passage_path)
                index.sentence_vectors = StoredVectors.load(sentence_path)
                for name in deltas:
                    index._apply_delta(directory / name)
                index.lexical = LexicalIndex(
                    replace(Segment.load(directory, name), deleted=deleted)
                    for name, deleted in index.segment_list()
                )
                index.check()
        except sqlite3.DatabaseError as error:
            store.close()
            raise IndexDamagedError(
                f"the index database {store.path} is damaged ({error}): {REBUILD}"
            ) from error
        except BaseException:
            store.close()
            raise
        return index

    @classmethod
    def upgrade(cls, directory: Path) -> bool:
        """Bring an index of an :data:`UPGRADABLE` format to this one, without embedding
        anything again; True if there was one. Call it holding the index's write lock.

        Format 1 kept its lexical index in SQLite FTS5 tables, which the store drops as it
        opens (its migrations); segment files are built from the store's rows instead. Formats
        1 and 2 kept the sentence vectors in a FAISS index; they are written by id instead
        (:meth:`_sentence_vectors_by_id`). The manifest is rewritten last, so an interrupted
        upgrade is done again in full.
        """
        try:
            data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            manifest = Manifest(**{**data, "format": FORMAT})
        except (OSError, ValueError, TypeError):
            return False  # no index, or a damaged one: opening it says so
        if data["format"] not in UPGRADABLE:
            return False
        store = _open_store(directory, manifest)
        try:
            index = cls(directory, manifest, store, VectorIndex.empty(0), StoredVectors.empty(0))
            if data["format"] < 2:
                with store.transaction():
                    index._maintain_lexical()  # no segments yet: one for all the rows
            index._sentence_vectors_by_id()
        finally:
            store.close()
        manifest.write(directory)
        return True

    def _sentence_vectors_by_id(self) -> None:
        """Write the base generation's sentence vectors, which formats 1 and 2 kept in a FAISS
        index, as :class:`StoredVectors` (the deltas since replay onto them as before). The
        FAISS file is left for the next update to delete as a stale file."""
        import numpy as np

        base, _ = self.vector_layout()
        path = self.vector_paths(base)[1]
        legacy = path.with_suffix(".faiss")
        if not legacy.is_file():
            return  # never committed, or damaged: opening the index says so
        table = VectorIndex.load(legacy)
        ids = np.sort(table.ids())
        exact = ExactVectors.empty(table.dimension)
        for start in range(0, len(ids), 100_000):
            chunk = ids[start : start + 100_000]
            exact.add(chunk, table.vectors(chunk))
        StoredVectors(exact).save(path)

    @staticmethod
    def documents_in(directory: Path) -> tuple[Manifest, dict[str, DocumentRecord]]:
        """The manifest and the indexed files, for a quick look that loads no vectors."""
        manifest = Manifest.read(directory)
        store = _open_store(directory, manifest)
        try:
            return manifest, store.documents()
        finally:
            store.close()

    @classmethod
    def create(cls, directory: Path, manifest: Manifest) -> Index:
        """A new, empty index whose store sits beside any current one until it is committed."""
        directory.mkdir(parents=True, exist_ok=True)
        store = Store(directory / manifest.store)
        with store.transaction():
            store.set_meta("generation", "0")
        return cls(
            directory,
            manifest,
            store,
            VectorIndex.empty(manifest.dimension),
            StoredVectors.empty(manifest.dimension),
        )

    def vector_layout(self) -> tuple[int, list[str]]:
        """The generation whose vector files are the base, and the delta files written since,
        in order, that bring it to the committed generation."""
        try:
            layout = json.loads(self.store.get_meta("vectors") or "null")
            if layout is None:
                return self.generation, []
            return int(layout["base"]), [str(name) for name in layout["deltas"]]
        except (ValueError, TypeError, KeyError) as error:
            raise IndexDamagedError(
                f"the index's list of vector files is damaged: {REBUILD}"
            ) from error

    def _apply_delta(self, path: Path) -> None:
        tables = self._vector_tables()
        keys = [f"{table}.{key}" for table, _ in tables for key in DELTA_KEYS]
        data = read_arrays(path, keys, "vector file")
        for table, vectors in tables:
            vectors.apply_delta({key: data[f"{table}.{key}"] for key in DELTA_KEYS})

    def segment_list(self) -> list[tuple[str, int]]:
        """The lexical segment files of the committed generation, each with how many of its
        rows were deleted since it was written."""
        try:
            entries = json.loads(self.store.get_meta("lexical") or "[]")
            listed = [(str(name), int(deleted)) for name, deleted in entries]
        except (ValueError, TypeError) as error:
            raise IndexDamagedError(
                f"the index's list of lexical files is damaged: {REBUILD}"
            ) from error
        for name, _ in listed:
            if not (self.directory / name).is_file():
                raise IndexDamagedError(f"the lexical index file {name} is missing: {REBUILD}")
        return listed

    def delete_document(self, document_id: int) -> None:
        """Delete a document's rows and vectors; its lexical postings go at a later commit."""
        gone = self.store.delete_document(document_id)
        self.passage_vectors.remove(gone.passage_ids)
        self.sentence_vectors.remove(gone.sentence_ids)
        self._deleted["passages"] += gone.passage_ids
        self._deleted["sentences"] += gone.sentence_ids

    def check(self) -> None:
        """Raise if vectors, lexical segments and rows are out of step or the dimension is not
        the manifest's."""
        for table in lexical.TABLES:
            covered = max((s.upto[table] for s in self.lexical.segments), default=0)
            if self.store.last_id(table) > covered:
                raise IndexDamagedError(
                    f"the lexical index lacks {table} the database holds: {REBUILD}"
                )
        _, passages, sentences = self.store.counts()
        for vectors, rows, name in (
            (self.passage_vectors, passages, "passage"),
            (self.sentence_vectors, sentences, "sentence"),
        ):
            if vectors.dimension != self.manifest.dimension:
                raise IndexDamagedError(
                    f"the {name} vectors have dimension {vectors.dimension}, the manifest says "
                    f"{self.manifest.dimension}: {REBUILD}"
                )
            if len(vectors) != rows:
                raise IndexDamagedError(
                    f"the index holds {len(vectors)} {name} vectors for {rows} {name}s: {REBUILD}"
                )

    def commit(self) -> None:
        """Write the files of generation + 1 and record it in the store; call inside the store
        transaction that made the changes. Vector changes are written as a delta file, in time
        proportional to them, unless they are better written whole (see
        :meth:`VectorIndex.needs_whole_write`); lexical ones as a new segment."""
        generation = self.generation + 1
        base, deltas = self.vector_layout()
        tables = self._vector_tables()
        unwritten = not all(path.is_file() for path in self.vector_paths(base))  # a new index
        if unwritten or any(v.needs_whole_write() for _, v in tables) or len(deltas) >= MAX_DELTAS:
            for (_, vectors), path in zip(tables, self.vector_paths(generation), strict=True):
                vectors.save(path)
            base, deltas = generation, []
        else:
            arrays = {
                f"{table}.{key}": value
                for table, vectors in tables
                for key, value in vectors.take_delta().items()
            }
            deltas.append(f"{self._stem}.g{generation}.delta.npz")
            write_arrays(self.directory / deltas[-1], arrays)
        self.store.set_meta("vectors", json.dumps({"base": base, "deltas": deltas}))
        self._maintain_lexical()
        self.store.set_meta("generation", str(generation))

    def _maintain_lexical(self) -> None:
        """Bring the lexical segments in step with the store's rows and the deletions since the
        last commit (:func:`lexical.maintain`), and list them in the store."""
        self.lexical = LexicalIndex(
            lexical.maintain(
                self.lexical.segments, self.store, self.directory, self._new_segment, self._deleted
            )
        )
        self._deleted = {table: [] for table in lexical.TABLES}
        listed = [(s.name, s.deleted) for s in self.lexical.segments]
        self.store.set_meta("lexical", json.dumps(listed))

    def _new_segment(self) -> str:
        return f"{self._stem}.lex-{secrets.token_hex(4)}.npz"

    def publish(self) -> None:
        """Make this index the one in use (the manifest names it) and delete stale files."""
        documents, passages, sentences = self.store.counts()
        self.manifest = Manifest(
            **{
                **asdict(self.manifest),
                "updated_at": now(),
                "documents": documents,
                "passages": passages,
                "sentences": sentences,
            }
        )
        self.manifest.write(self.directory)
        for path in self._stale_files():
            path.unlink(missing_ok=True)

    def _stale_files(self, other_stores: bool = True) -> list[Path]:
        """Files of other stores (unless ``other_stores`` is false) and of this store that the
        committed generation does not use: left by an update, or by a run killed before it
        published."""
        base, deltas = self.vector_layout()
        keep = {
            self.manifest.store,
            *(p.name for p in self.vector_paths(base)),
            *deltas,
            *(name for name, _ in self.segment_list()),
        }
        prefix = "store-" if other_stores else self._stem
        return [
            path
            for path in self.directory.iterdir()
            if path.name.startswith(prefix)
            and not any(path.name == name or path.name.startswith(name + "-") for name in keep)
        ]

    def drop_unused_files(self) -> None:
        """Delete this store's files that the committed generation no longer uses (files of
        other stores may still serve readers)."""
        for path in self._stale_files(other_stores=False):
            path.unlink(missing_ok=True)

    def is_published(self) -> bool:
        """False when a run was killed between its commit and :meth:`publish`: the manifest
        lags the store, or stale files are left."""
        manifest = self.manifest
        counts = (manifest.documents, manifest.passages, manifest.sentences)
        return self.store.counts() == counts and not self._stale_files()

    def discard(self) -> None:
        """Delete an index that was never published (a failed or interrupted rebuild)."""
        self.store.close()
        for path in self.directory.glob(f"{self._stem}*"):
            path.unlink(missing_ok=True)

    def close(self) -> None:
        self.store.close()
