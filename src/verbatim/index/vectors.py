"""A FAISS vector index whose ids are SQLite row ids.

Small indexes search exactly (a flat inner-product index). Past ``APPROXIMATE_FROM`` vectors the
index becomes an inverted file of half-precision vectors (IVF-SQfp16), which a saved file
holds memory-mapped when opened; ``benchmarks/scale.py`` measures both kinds at 100k and 1M
vectors and justifies the threshold and ``NPROBE``.

FAISS and numpy are imported on first use (import faiss alone takes ~0.25 s), so commands that
never touch vectors, such as `verbatim status`, start fast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verbatim.errors import REBUILD, IndexDamagedError
from verbatim.index.atomic import write_file

if TYPE_CHECKING:
    import numpy as np


# Up to this many vectors search is exact, at a few ms a query. Exact search grows with the index
# (p95 6.1 ms at 100k, 13 ms at 200k, 57 ms at 1M) where IVF at NPROBE stays at 2-4 ms, with
# recall@10 0.978 at 100k and 0.999 at 1M (benchmarks/scale.py, measured 2026-11-23). The lists
# are trained again each time the index outgrows them fourfold, so a large index is never served
# by lists trained on a small one.
APPROXIMATE_FROM = 50_000
NPROBE = 32  # recall@10 0.98-1.00 from 50k to 1M; 16 gives 0.96-0.98 and 8 gives 0.94-0.96
REWRITE_SHARE = 0.25  # changes above this share of the vectors last written whole are written whole
_TRAINING_PER_LIST = 40  # k-means sample size per list, as FAISS recommends (39 or more)


def _faiss() -> Any:
    import faiss

    return faiss


def _lists_for(size: int) -> int:
    """Inverted lists for ``size`` vectors: ~2 sqrt(n) keeps lists short and training cheap."""
    return min(size, max(16, int(2 * math.sqrt(size))))


class VectorIndex:
    """Inner-product search over unit vectors: inner product equals cosine similarity."""

    def __init__(self, index: Any, mapped_from: Path | None = None) -> None:
        self._index = index
        # A memory-mapped IVF index is read-only (FAISS aborts the process on a write to it), so
        # it is read into memory from this file before the first change.
        self._mapped_from = mapped_from
        # Changes since the index was last written whole: how many vectors they touched, whether
        # the lists were trained again, and those not yet written as a delta.
        self._written_size = int(index.ntotal)
        self._changed = 0
        self._retrained = False
        self._added: list[tuple[np.ndarray, np.ndarray]] = []
        self._removed: list[np.ndarray] = []

    @classmethod
    def empty(cls, dimension: int) -> VectorIndex:
        faiss = _faiss()
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Open a saved index; an approximate one is memory-mapped (FAISS reads flat ones)."""
        faiss = _faiss()
        index = _read(path, faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        if not _is_approximate(index):
            return cls(index)
        index.nprobe = NPROBE  # the current setting, not the one saved with the file
        return cls(index, mapped_from=path)

    @property
    def is_approximate(self) -> bool:
        return _is_approximate(self._index)

    def _writable(self) -> Any:
        """The FAISS index, read into memory first if it is memory-mapped."""
        if self._mapped_from is not None:
            self._index = _read(self._mapped_from, 0)
            self._mapped_from = None
        return self._index

    def save(self, path: Path) -> None:
        """Write the whole index to ``path`` atomically."""
        index = self._writable()  # a memory-mapped index would be written as a reference
        write_file(path, lambda temporary: _faiss().write_index(index, str(temporary)))
        self._written_size, self._changed, self._retrained = len(self), 0, False
        self._added, self._removed = [], []

    def needs_whole_write(self) -> bool:
        """True when the changes since the last whole write are better written whole than as
        one more delta: the lists were trained again, or they touch more than
        ``REWRITE_SHARE`` of the vectors written then."""
        return self._retrained or self._changed > REWRITE_SHARE * self._written_size

    def take_delta(self) -> dict[str, np.ndarray]:
        """The changes not yet written (added ids and vectors, removed ids), to be written as a
        delta and replayed by :meth:`apply_delta`; they count as written from now on."""
        import numpy as np

        added = self._added or [(np.zeros(0, np.int64), np.zeros((0, self.dimension), np.float32))]
        delta = {
            "added_ids": np.concatenate([ids for ids, _ in added]),
            "added_vectors": np.vstack([vectors for _, vectors in added]).astype(np.float32),
            "removed_ids": np.concatenate([np.zeros(0, np.int64), *self._removed]),
        }
        self._added, self._removed = [], []
        return delta

    def apply_delta(self, delta: dict[str, np.ndarray]) -> None:
        """Replay changes taken by :meth:`take_delta` onto the index they were made to."""
        index = self._writable()
        if len(delta["removed_ids"]):
            index.remove_ids(delta["removed_ids"])
        if len(delta["added_ids"]):
            index.add_with_ids(delta["added_vectors"], delta["added_ids"])
        self._changed += len(delta["removed_ids"]) + len(delta["added_ids"])

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        import numpy as np

        faiss = _faiss()
        if not self.is_approximate:
            return faiss.vector_to_array(self._index.id_map).astype(np.int64)
        lists = self._index.invlists
        parts = [np.zeros(0, dtype=np.int64)]
        for number in range(lists.nlist):
            if size := lists.list_size(number):
                parts.append(faiss.rev_swig_ptr(lists.get_ids(number), size).copy())
        return np.concatenate(parts).astype(np.int64)

    def add(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        import numpy as np

        if not len(ids):
            return
        keys = np.asarray(ids, dtype=np.int64)
        if len(self) + len(keys) >= self._train_at():
            self._train(keys, vectors)
        else:
            self._writable().add_with_ids(vectors, keys)
        self._added.append((keys, np.asarray(vectors, dtype=np.float32)))
        self._changed += len(keys)

    def _train_at(self) -> int:
        """The size at which the index is (re)built as IVF: ``APPROXIMATE_FROM``, then each
        time it holds four times the vectors its lists were trained for (lists ~ 2 sqrt(n))."""
        if not self.is_approximate:
            return APPROXIMATE_FROM
        return max(APPROXIMATE_FROM, int(self._index.nlist) ** 2)

    def _train(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Replace the index by an IVF-SQfp16 one, its lists trained on a sample of all its
        vectors and the new ones, and holding them all."""
        import numpy as np

        faiss = _faiss()
        old_ids = self.ids()
        ids = np.concatenate([old_ids, ids])
        vectors = np.vstack([self.vectors(old_ids), vectors])
        lists = _lists_for(len(ids))
        index = faiss.index_factory(
            self.dimension, f"IVF{lists},SQfp16", faiss.METRIC_INNER_PRODUCT
        )
        sample = min(len(ids), lists * _TRAINING_PER_LIST)
        chosen = np.random.default_rng(0).choice(len(ids), sample, replace=False)
        index.train(vectors[np.sort(chosen)])
        index.set_direct_map_type(faiss.DirectMap.Hashtable)  # remove and reconstruct by id
        index.nprobe = NPROBE
        index.add_with_ids(vectors, ids)
        self._index = index
        self._mapped_from = None
        self._retrained = True

    def remove(self, ids: Sequence[int]) -> None:
        import numpy as np

        if len(ids):
            keys = np.asarray(ids, dtype=np.int64)
            self._writable().remove_ids(keys)
            self._removed.append(keys)
            self._changed += len(keys)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest ids to one query vector with their cosine similarity, best first."""
        if len(self) == 0 or k <= 0:
            return []
        scores, ids = self._index.search(vector.reshape(1, -1), min(k, len(self)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def vectors(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The stored vectors of ``ids``, one row each; an approximate index keeps them in half
        precision, within ~1e-3 of the originals, which is close enough for scoring."""
        import numpy as np

        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64))  # one C++ call


def _read(path: Path, flags: int) -> Any:
    try:
        return _faiss().read_index(str(path), flags)
    except RuntimeError as error:
        raise IndexDamagedError(f"the vector file {path.name} is unreadable: {REBUILD}") from error


def _is_approximate(index: Any) -> bool:
    return bool(isinstance(index, _faiss().IndexIVF))
