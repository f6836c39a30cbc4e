"""A FAISS vector index whose ids are SQLite row ids.

FAISS and numpy are imported on first use (together ~0.35 s), so commands that never touch
vectors, such as `verbatim status`, start fast.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verbatim.errors import IndexDamagedError

if TYPE_CHECKING:
    import numpy as np


def _faiss() -> Any:
    import faiss

    return faiss


class VectorIndex:
    """Exact inner-product search over unit vectors: inner product equals cosine similarity."""

    def __init__(self, index: Any) -> None:
        self._index = index

    @classmethod
    def empty(cls, dimension: int) -> VectorIndex:
        faiss = _faiss()
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        try:
            return cls(_faiss().read_index(str(path)))
        except RuntimeError as error:
            raise IndexDamagedError(
                f"the vector file {path.name} is unreadable: run `verbatim index --rebuild`"
            ) from error

    def save(self, path: Path) -> None:
        """Write to ``path`` atomically: a temporary file, flushed to disk, then renamed."""
        temporary = path.with_name(path.name + ".tmp")
        _faiss().write_index(self._index, str(temporary))
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        import numpy as np

        faiss = _faiss()
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def add(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        import numpy as np

        if len(ids):
            self._index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))

    def remove(self, ids: Sequence[int]) -> None:
        import numpy as np

        if len(ids):
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest ids to one query vector with their cosine similarity, best first."""
        if len(self) == 0 or k <= 0:
            return []
        scores, ids = self._index.search(vector.reshape(1, -1), min(k, len(self)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of ``ids``, one row each."""
        import numpy as np

        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64))  # one C++ call
