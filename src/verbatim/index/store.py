"""The SQLite store: documents, passages, sentences and metadata (the generation and which vector
and lexical files make it). The lexical index lives in segment files (lexical.py), no longer in
SQLite FTS5 tables, which a migration drops."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verbatim.errors import REBUILD, IndexDamagedError
from verbatim.types import Document

if TYPE_CHECKING:
    import numpy as np

# Applied in order when a store opens; PRAGMA user_version records how many have run.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL
    );
    CREATE TABLE passages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        section TEXT NOT NULL,
        header TEXT NOT NULL,
        text TEXT NOT NULL,
        char_start INTEGER NOT NULL,
        char_end INTEGER NOT NULL,
        line_start INTEGER NOT NULL,
        line_end INTEGER NOT NULL
    );
    CREATE INDEX passages_document ON passages(document_id, position);
    CREATE TABLE sentences (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        key TEXT NOT NULL,
        char_start INTEGER NOT NULL,
        char_end INTEGER NOT NULL,
        line_start INTEGER NOT NULL,
        line_end INTEGER NOT NULL
    );
    CREATE INDEX sentences_passage ON sentences(passage_id, position);
    CREATE INDEX sentences_key ON sentences(key);
    CREATE VIRTUAL TABLE sentences_fts USING fts5(
        text, content='sentences', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE passages_fts USING fts5(
        section, text, content='passages', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER sentences_ai AFTER INSERT ON sentences BEGIN
        INSERT INTO sentences_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER sentences_ad AFTER DELETE ON sentences BEGIN
        INSERT INTO sentences_fts(sentences_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN
        INSERT INTO passages_fts(rowid, section, text) VALUES (new.id, new.section, new.text);
    END;
    CREATE TRIGGER passages_ad AFTER DELETE ON passages BEGIN
        INSERT INTO passages_fts(passages_fts, rowid, section, text)
        VALUES ('delete', old.id, old.section, old.text);
    END;
    """,
    # Paged formats (PDF): the 1-based page of a passage or sentence; NULL for the others.
    """
    ALTER TABLE passages ADD COLUMN page INTEGER;
    ALTER TABLE sentences ADD COLUMN page INTEGER;
    """,
    # Lexical search moved to segment files beside the store (verbatim.index.lexical).
    """
    DROP TRIGGER sentences_ai;
    DROP TRIGGER sentences_ad;
    DROP TRIGGER passages_ai;
    DROP TRIGGER passages_ad;
    DROP TABLE sentences_fts;
    DROP TABLE passages_fts;
    """,
    # The layout block (paragraph, list item, table row) a sentence stands in, numbered in its
    # document: neighbouring sentences of one block are quoted as one answer.
    """
    ALTER TABLE sentences ADD COLUMN block INTEGER NOT NULL DEFAULT 0;
    """,
)

_NOT_A_WORD = re.compile(r"[\W_]+")


def sentence_key(text: str) -> str:
    """What two sentences share when they say the same thing verbatim (case, spacing and
    punctuation aside): the key that merges their sources into one answer."""
    return " ".join(_NOT_A_WORD.split(text.casefold())).strip()


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    id: int
    path: str
    sha256: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class PassageRecord:
    id: int
    document_id: int
    path: str
    title: str
    position: int
    section: str
    header: str
    text: str
    line_start: int
    line_end: int
    page: int | None


@dataclass(frozen=True, slots=True)
class SentenceRecord:
    id: int
    passage_id: int
    position: int
    text: str
    key: str
    line_start: int
    line_end: int
    page: int | None
    block: int  # the layout block it stands in, numbered in its document


@dataclass(frozen=True, slots=True)
class AddedRows:
    """Row ids given to a document's passages and sentences, in document order."""

    passage_ids: list[int]
    sentence_ids: list[int]


class Store:
    """One SQLite file; writes go through :meth:`transaction`, landing whole or not at all."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._commits = 0  # this connection's own commits, which PRAGMA data_version misses
        self._passage_map: tuple[tuple[int, int], np.ndarray, np.ndarray] | None = None
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._migrate()
        except sqlite3.DatabaseError as error:
            raise IndexDamagedError(
                f"the index database {path} is unreadable ({error}): {REBUILD}"
            ) from error

    def _migrate(self) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            try:
                self._db.executescript(
                    f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {number}; COMMIT;"
                )
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        self._commits += 1

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Read inside one snapshot: what another process commits meanwhile stays unseen, so
        the rows read agree with each other (and with vectors loaded for their generation)."""
        self._db.execute("BEGIN")  # deferred: the snapshot is taken at the first read
        try:
            yield
        finally:
            if self._db.in_transaction:
                self._db.execute("COMMIT")

    # -- metadata --------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- documents -------------------------------------------------------------------------
    def documents(self) -> dict[str, DocumentRecord]:
        rows = self._db.execute("SELECT id, path, sha256, size, mtime_ns FROM documents")
        return {row[1]: DocumentRecord(*row) for row in rows}

    def add_document(self, document: Document, sha256: str, size: int, mtime_ns: int) -> AddedRows:
        cursor = self._db.execute(
            "INSERT INTO documents (path, title, sha256, size, mtime_ns) VALUES (?, ?, ?, ?, ?)",
            (document.path, document.title, sha256, size, mtime_ns),
        )
        document_id = cursor.lastrowid
        added = AddedRows([], [])
        for position, passage in enumerate(document.passages):
            cursor = self._db.execute(
                "INSERT INTO passages (document_id, position, section, header, text, char_start,"
                " char_end, line_start, line_end, page) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    document_id,
                    position,
                    passage.section,
                    passage.header,
                    passage.text,
                    passage.char_start,
                    passage.char_end,
                    passage.line_start,
                    passage.line_end,
                    passage.page,
                ),
            )
            passage_id = int(cursor.lastrowid or 0)
            added.passage_ids.append(passage_id)
            for sentence_position, sentence in enumerate(passage.sentences):
                cursor = self._db.execute(
                    "INSERT INTO sentences (passage_id, position, text, key, char_start, char_end,"
                    " line_start, line_end, page, block) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        passage_id,
                        sentence_position,
                        sentence.text,
                        sentence_key(sentence.text),
                        sentence.char_start,
                        sentence.char_end,
                        sentence.line_start,
                        sentence.line_end,
                        sentence.page,
                        sentence.block,
                    ),
                )
                added.sentence_ids.append(int(cursor.lastrowid or 0))
        return added

    def touch_document(self, document_id: int, size: int, mtime_ns: int) -> None:
        """Record a new size and modification time for a file whose content did not change."""
        self._db.execute(
            "UPDATE documents SET size = ?, mtime_ns = ? WHERE id = ?",
            (size, mtime_ns, document_id),
        )

    def delete_document(self, document_id: int) -> AddedRows:
        """Delete a document with its passages and sentences; return the ids that went."""
        passage_ids = self._ids("SELECT id FROM passages WHERE document_id = ?", document_id)
        sentence_ids = self._ids(
            "SELECT s.id FROM sentences s JOIN passages p ON p.id = s.passage_id "
            "WHERE p.document_id = ?",
            document_id,
        )
        self._db.execute("DELETE FROM documents WHERE id = ?", (document_id,))
        return AddedRows(passage_ids, sentence_ids)

    def _ids(self, query: str, *parameters: object) -> list[int]:
        return [int(row[0]) for row in self._db.execute(query, parameters)]

    # -- reading ---------------------------------------------------------------------------
    def counts(self) -> tuple[int, int, int]:
        """Numbers of documents, passages and sentences."""
        return tuple(  # type: ignore[return-value]
            self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("documents", "passages", "sentences")
        )

    _PASSAGE_COLUMNS = (
        "p.id, p.document_id, d.path, d.title, p.position, p.section, p.header, p.text, "
        "p.line_start, p.line_end, p.page FROM passages p JOIN documents d ON d.id = p.document_id"
    )

    def passages(self, ids: Iterable[int]) -> dict[int, PassageRecord]:
        rows = self._in(f"SELECT {self._PASSAGE_COLUMNS} WHERE p.id IN", ids)
        return {row[0]: PassageRecord(*row) for row in rows}

    _SENTENCE_COLUMNS = (
        "id, passage_id, position, text, key, line_start, line_end, page, block FROM sentences"
    )

    def sentences(self, ids: Iterable[int]) -> dict[int, SentenceRecord]:
        rows = self._in(f"SELECT {self._SENTENCE_COLUMNS} WHERE id IN", ids)
        return {row[0]: SentenceRecord(*row) for row in rows}

    def sentences_of_passages(self, passage_ids: Iterable[int]) -> list[SentenceRecord]:
        rows = self._in(f"SELECT {self._SENTENCE_COLUMNS} WHERE passage_id IN", passage_ids)
        return [SentenceRecord(*row) for row in rows]

    def sentences_with_keys(self, keys: Iterable[str]) -> list[SentenceRecord]:
        rows = self._in(f"SELECT {self._SENTENCE_COLUMNS} WHERE key IN", keys)
        return [SentenceRecord(*row) for row in rows]

    def documents_of(self, passage_ids: np.ndarray) -> np.ndarray:
        """The document id of each of ``passage_ids`` (-1 for one not stored), looked up in a
        map of every passage, read once and again only after the store changed."""
        import numpy as np

        version = (self._db.execute("PRAGMA data_version").fetchone()[0], self._commits)
        if self._passage_map is None or self._passage_map[0] != version:
            rows = self._db.execute("SELECT id, document_id FROM passages ORDER BY id").fetchall()
            pairs = np.array(rows, dtype=np.int64).reshape(-1, 2)
            self._passage_map = (version, pairs[:, 0], pairs[:, 1])
        _, ids, documents = self._passage_map
        if not len(ids):
            return np.full(len(passage_ids), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(ids, passage_ids), len(ids) - 1)
        return np.where(ids[at] == passage_ids, documents[at], -1)

    def _in(self, query: str, values: Iterable[object], *leading: object) -> list[tuple[Any, ...]]:
        """Run ``query`` (ending in ``IN``) over ``values`` in slices under SQLite's parameter
        limit; ``leading`` parameters come first in each run."""
        values = list(dict.fromkeys(values))
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows.extend(self._db.execute(f"{query} ({marks})", (*leading, *chunk)))
        return rows

    def rows_between(self, table: str, after: int, upto: int) -> tuple[list[int], list[str]]:
        """Ids in (``after``, ``upto``] of ``sentences`` or ``passages``, ascending, with the
        text lexical search reads: a sentence's text, a passage's section heading and text."""
        text = {"sentences": "text", "passages": "section || ' ' || text"}[table]
        rows = self._db.execute(
            f"SELECT id, {text} FROM {table} WHERE id > ? AND id <= ? ORDER BY id",
            (after, upto),
        ).fetchall()
        return [int(row[0]) for row in rows], [str(row[1]) for row in rows]

    def last_id(self, table: str) -> int:
        """The highest id ever given in ``sentences`` or ``passages`` (ids are never reused)."""
        assert table in ("passages", "sentences")
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,))
        found = row.fetchone()
        return int(found[0]) if found else 0
