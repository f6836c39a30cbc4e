"""Vectors kept and read by id, never searched: the sentence vectors.

Retrieval searches passages only and scores the sentences of the nearest ones by their own
vectors (``answer/retrieve.py``), so the sentence vectors need no search structure: they live in
half precision in two ``.npy`` files sorted by id (:class:`ExactVectors`, memory-mapped when
opened, so a question reads the pages of the few hundred it scores), beside a small JSON file at
the table's own path that says what they are. Additions since the last whole write are held in
memory and written as deltas, as for a :class:`VectorIndex`; row ids only grow (SQLite
AUTOINCREMENT), so an id is added once and removed at most once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from verbatim.errors import REBUILD, IndexDamagedError
from verbatim.index import vectors
from verbatim.index.atomic import write_text
from verbatim.index.vectors import ExactVectors, delta_arrays

if TYPE_CHECKING:
    import numpy as np


class StoredVectors:
    """Unit vectors by id (see the module's docstring)."""

    def __init__(self, exact: ExactVectors) -> None:
        import numpy as np

        self._exact = exact
        self._removed = np.zeros(0, np.int64)  # ids removed since the last whole write, sorted
        self._count = exact.written + exact.unwritten
        self._written_size, self._changed = exact.written, 0
        self._added: list[tuple[np.ndarray, np.ndarray]] = []  # not yet taken as a delta
        self._removed_since: list[np.ndarray] = []  # likewise

    @classmethod
    def empty(cls, dimension: int) -> StoredVectors:
        return cls(ExactVectors.empty(dimension))

    @classmethod
    def load(cls, path: Path) -> StoredVectors:
        """Open the table written to ``path`` (its vectors memory-mapped)."""
        try:
            header = json.loads(path.read_text(encoding="utf-8"))
            dimension, count = int(header["dimension"]), int(header["count"])
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise IndexDamagedError(
                f"the vector file {path.name} is unreadable: {REBUILD}"
            ) from error
        exact = ExactVectors.open(path, dimension)
        if exact.written != count:
            raise IndexDamagedError(
                f"the vectors beside {path.name} are out of step with it: {REBUILD}"
            )
        return cls(exact)

    def save(self, path: Path) -> None:
        """Write the whole table: its vectors beside ``path`` first, then ``path`` itself."""
        self._exact = self._exact.save(path, self.ids())
        self._removed = self._removed[:0]
        header = {"vectors": "by id", "dimension": self.dimension, "count": self._exact.written}
        write_text(path, json.dumps(header) + "\n")
        self._written_size, self._changed = self._exact.written, 0
        self._added, self._removed_since = [], []

    def needs_whole_write(self) -> bool:
        """True when the changes since the last whole write touch more than ``REWRITE_SHARE``
        of the vectors written then, or more than ``UNWRITTEN_EXACT_MAX`` are held in memory."""
        return (  # the settings read when asked, as VectorIndex reads them
            self._changed > vectors.REWRITE_SHARE * self._written_size
            or self._exact.unwritten > vectors.UNWRITTEN_EXACT_MAX
        )

    def take_delta(self) -> dict[str, np.ndarray]:
        """The changes not yet written, as :meth:`VectorIndex.take_delta` gives them."""
        delta = delta_arrays(self._added, self._removed_since, self.dimension)
        self._added, self._removed_since = [], []
        return delta

    def apply_delta(self, delta: dict[str, np.ndarray]) -> None:
        """Replay changes taken by :meth:`take_delta` onto the table they were made to: the
        removed ids were held before (row ids only grow), so they go first, as in
        :meth:`VectorIndex.apply_delta`."""
        self.remove(delta["removed_ids"])
        self.add(delta["added_ids"], delta["added_vectors"])
        self._added, self._removed_since = [], []

    @property
    def dimension(self) -> int:
        return self._exact.dimension

    def __len__(self) -> int:
        return self._count

    def ids(self) -> np.ndarray:
        """Every id held, sorted."""
        import numpy as np

        return np.setdiff1d(self._exact.ids(), self._removed, assume_unique=True)

    def add(self, ids: Sequence[int] | np.ndarray, unit_vectors: np.ndarray) -> None:
        import numpy as np

        if not len(ids):
            return
        keys = np.asarray(ids, dtype=np.int64)
        rows = np.asarray(unit_vectors, dtype=np.float32)
        self._exact.add(keys, rows)
        self._added.append((keys, rows))
        self._count += len(keys)
        self._changed += len(keys)

    def remove(self, ids: Sequence[int] | np.ndarray) -> None:
        import numpy as np

        if not len(ids):
            return
        keys = np.unique(np.asarray(ids, dtype=np.int64))
        keys = np.setdiff1d(keys, self._removed, assume_unique=True)
        keys = keys[self._exact.holds(keys)]  # as FAISS does, ids not held are passed over
        self._removed = np.union1d(self._removed, keys)
        self._removed_since.append(keys)
        self._count -= len(keys)
        self._changed += len(keys)

    def vectors(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The vectors of ``ids``, one row each (float32, within half precision of the
        originals)."""
        import numpy as np

        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._exact.get(np.asarray(ids, dtype=np.int64))
