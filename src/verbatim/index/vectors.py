"""A FAISS vector index whose ids are SQLite row ids.

Small indexes search exactly (a flat inner-product index). Past ``APPROXIMATE_FROM`` vectors the
index becomes an inverted file of half-precision vectors (IVF-SQfp16), which a saved file
holds memory-mapped when opened; ``benchmarks/scale.py`` measures both kinds at 100k and 1M
vectors and justifies the threshold and ``NPROBE``.

Past ``COMPRESSED_FROM`` vectors, the size class of 100M passages, the index becomes a compressed
one (IVF with product-quantised codes, ``compressed_factory``): a few dozen bytes a vector in
memory instead of ~800. Its search takes ``RERANK_FACTOR`` times the asked number of candidates
from the codes and re-ranks them by their exact vectors, which live in a separate file beside the
index (half precision, sorted by id, memory-mapped: :class:`ExactVectors`), so only the pages
of the candidates are read from disk; ``benchmarks/scale_pq.py`` measures it.

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
# Those recalls were of vectors derived from a few thousand real ones. On 100k real vectors of
# distinct texts (benchmarks/scale_pq.py --real, 2026-12-01; IVF447) nprobe 16 / 32 / 64 / 128
# gave recall@10 0.836 / 0.896 / 0.947 / 0.978 at p95 7.8 / 8.1 / 8.4 / 12.4 ms: 64 it is, and
# one list in eight of more lists, up to 128 (:func:`_nprobe_for`).
NPROBE = 64
NPROBE_MAX = 128
# Past this many vectors the index is compressed (see the module's docstring). At 1M vectors
# derived from real ones (benchmarks/scale_pq.py, measured 2026-12-01) the half-precision IVF
# holds 795 bytes a vector in memory for recall@10 0.992, the compressed index 59 (plus 776 on
# disk) for 0.982, both at p95 under 6 ms; from 2M vectors (1.5 GiB an index in half precision)
# the memory matters more than that recall, and below it the compressed index's slower training
# and larger files are not worth it.
COMPRESSED_FROM = 2_000_000
# On 1M real vectors (benchmarks/scale_pq.py --real, 2026-12-01; IVF1788, x32 re-rank) nprobe
# 32 / 64 / 128 / 256 gave recall@10 0.906 / 0.934 / 0.951 / 0.965 at p95 9.6 / 10.7 / 14.0 / 16.4
# ms: recall is set by the share of lists probed, and this class starts at 2M vectors.
COMPRESSED_NPROBE = 256
# Candidates from the codes per result asked, re-ranked by their exact vectors: recall@10 at 1M
# is 0.954 with 16, 0.974 with 24, 0.982 with 32 (p95 2.6, 3.6, 3.8 ms), and 0.967 at 2M.
RERANK_FACTOR = 32
DIMENSIONS_PER_CODE = 8  # product quantiser: one 8-bit code per 8 dimensions (384 -> 48 bytes)
# Exact vectors added since the compressed index was written whole are held in memory (half
# precision, ~770 bytes each at 384 dimensions); past this many it is written whole again.
UNWRITTEN_EXACT_MAX = 1_000_000
REWRITE_SHARE = 0.25  # changes above this share of the vectors last written whole are written whole
# A process answering many questions holds a memory-mapped index in memory up to this size
# (:meth:`VectorIndex.hold_in_memory`): ~1.3M passages of the half-precision class.
HELD_IN_MEMORY_MAX = 1 << 30
_TRAINING_PER_LIST = 40  # k-means sample size per list, as FAISS recommends (39 or more)
_CODE_TRAINING = 10_000  # at least this sample for the codes' own k-means (256 centroids x 39)
_COMPRESSED_MIN = 256  # never compressed below this, whatever COMPRESSED_FROM: codes need k-means
_CHUNK = 100_000  # vectors a compressed index trains or writes at a time: ~150 MB at 384 dims


def _faiss() -> Any:
    import faiss

    return faiss


def _nprobe_for(lists: int) -> int:
    """Lists a half-precision IVF probes: one in eight, at least :data:`NPROBE` and at most
    :data:`NPROBE_MAX`. On real vectors a fixed 64 loses recall as the lists grow (recall@10
    0.947 of 447 lists at 100k, 0.923 of 894 at 200k), one in eight held it (111 of 894: 0.952),
    and at 1M 128 of 1,788 gave 0.962 at p95 19 ms, 224 0.978 at 28 ms (with another job
    running; benchmarks/scale_pq.py --real --reference, 2026-12-01)."""
    return min(max(NPROBE, lists // 8), NPROBE_MAX)


def _probe_as_today(lists: Any) -> None:
    """Set the lists an IVF index probes by today's rule, not by the file's setting."""
    compressed = _is_compressed(lists)
    lists.nprobe = COMPRESSED_NPROBE if compressed else _nprobe_for(lists.nlist)


def _lists_for(size: int) -> int:
    """Inverted lists for ``size`` vectors: ~2 sqrt(n) keeps lists short and training cheap."""
    return min(size, max(16, int(2 * math.sqrt(size))))


def compressed_factory(dimension: int, lists: int) -> str:
    """The FAISS factory string of the compressed index: IVF over product-quantised codes, one
    byte per ``DIMENSIONS_PER_CODE`` dimensions."""
    # "np": no polysemous training, which only a Hamming-distance search would use and which
    # takes ~90 of the ~100 seconds of training otherwise.
    return f"IVF{lists},PQ{max(1, dimension // DIMENSIONS_PER_CODE)}np"


class VectorIndex:
    """Inner-product search over unit vectors: inner product equals cosine similarity."""

    def __init__(
        self, index: Any, mapped_from: Path | None = None, exact: ExactVectors | None = None
    ) -> None:
        self._index = index
        # A memory-mapped IVF index is read-only (FAISS aborts the process on a write to it), so
        # it is read into memory from this file before the first change.
        self._mapped_from = mapped_from
        # The exact vectors a compressed index re-ranks its candidates by (None otherwise).
        self._exact = exact
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
        """Open a saved index; an approximate one is memory-mapped (FAISS reads flat ones), and
        a compressed one opens its exact vectors memory-mapped too."""
        faiss = _faiss()
        index = _read(path, faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        lists = _inverted_file(index)
        if lists is None:
            return cls(index)
        _probe_as_today(lists)
        if not _is_compressed(lists):
            return cls(index, mapped_from=path)
        exact = ExactVectors.open(path, int(index.d))
        if exact.written != index.ntotal:
            raise IndexDamagedError(
                f"the exact vectors beside {path.name} are out of step with it: {REBUILD}"
            )
        return cls(index, mapped_from=path, exact=exact)

    @property
    def is_approximate(self) -> bool:
        return _inverted_file(self._index) is not None

    @property
    def is_compressed(self) -> bool:
        """True for the compressed index of the 100M class (see the module's docstring)."""
        return self._exact is not None

    @property
    def is_memory_mapped(self) -> bool:
        return self._mapped_from is not None

    def hold_in_memory(self, up_to: int = HELD_IN_MEMORY_MAX) -> None:
        """Read a memory-mapped index of at most ``up_to`` bytes into memory: searched there it
        answers in half the time (100k real passages, nprobe 64, one thread: p50 1.2 against
        2.4 ms memory-mapped), for a process that answers many questions to take."""
        if self._mapped_from is not None and self._mapped_from.stat().st_size <= up_to:
            self._writable()

    def _writable(self) -> Any:
        """The FAISS index, read into memory first if it is memory-mapped."""
        if self._mapped_from is not None:
            self._index = _read(self._mapped_from, 0)
            _probe_as_today(_inverted_file(self._index))
            self._mapped_from = None
        return self._index

    def save(self, path: Path) -> None:
        """Write the whole index to ``path`` atomically (a compressed one writes its exact
        vectors first, to two files beside it: :meth:`ExactVectors.save`)."""
        index = self._writable()  # a memory-mapped index would be written as a reference
        if self._exact is not None:
            self._exact = self._exact.save(path, self.ids())
        write_file(path, lambda temporary: _faiss().write_index(index, str(temporary)))
        self._written_size, self._changed, self._retrained = len(self), 0, False
        self._added, self._removed = [], []

    def needs_whole_write(self) -> bool:
        """True when the changes since the last whole write are better written whole than as
        one more delta: the lists were trained again, they touch more than ``REWRITE_SHARE``
        of the vectors written then, or a compressed index holds more than
        ``UNWRITTEN_EXACT_MAX`` exact vectors in memory."""
        return (
            self._retrained
            or self._changed > REWRITE_SHARE * self._written_size
            or (self._exact is not None and self._exact.unwritten > UNWRITTEN_EXACT_MAX)
        )

    def take_delta(self) -> dict[str, np.ndarray]:
        """The changes not yet written (added ids and vectors, removed ids), to be written as a
        delta and replayed by :meth:`apply_delta`; they count as written from now on."""
        delta = delta_arrays(self._added, self._removed, self.dimension)
        self._added, self._removed = [], []
        return delta

    def apply_delta(self, delta: dict[str, np.ndarray]) -> None:
        """Replay changes taken by :meth:`take_delta` onto the index they were made to."""
        index = self._writable()
        if len(delta["removed_ids"]):
            index.remove_ids(delta["removed_ids"])
        if len(delta["added_ids"]):
            index.add_with_ids(delta["added_vectors"], delta["added_ids"])
            if self._exact is not None:
                self._exact.add(delta["added_ids"], delta["added_vectors"])
        self._changed += len(delta["removed_ids"]) + len(delta["added_ids"])

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        import numpy as np

        faiss = _faiss()
        inverted = _inverted_file(self._index)
        if inverted is None:
            return faiss.vector_to_array(self._index.id_map).astype(np.int64)
        lists = inverted.invlists
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
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(self) + len(keys) >= self._train_at():
            self._train(keys, vectors)
        else:
            self._writable().add_with_ids(vectors, keys)
            if self._exact is not None:
                self._exact.add(keys, vectors)
        self._added.append((keys, vectors))
        self._changed += len(keys)

    def _train_at(self) -> int:
        """The size at which the index is (re)built as IVF: ``APPROXIMATE_FROM``, then each
        time it holds four times the vectors its lists were trained for (lists ~ 2 sqrt(n)),
        and at ``COMPRESSED_FROM``, where it becomes compressed."""
        compressed_from = max(COMPRESSED_FROM, _COMPRESSED_MIN)
        inverted = _inverted_file(self._index)
        if inverted is None:
            return min(APPROXIMATE_FROM, compressed_from)
        grown = max(APPROXIMATE_FROM, int(inverted.nlist) ** 2)
        return grown if self.is_compressed else min(grown, compressed_from)

    def _train(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Replace the index by an IVF one, its lists trained on a sample of all its vectors
        and the new ones, and holding them all: IVF-SQfp16, or compressed from
        ``COMPRESSED_FROM`` vectors on."""
        import numpy as np

        old_ids = self.ids()
        size = len(old_ids) + len(ids)
        if self._exact is not None or size >= max(COMPRESSED_FROM, _COMPRESSED_MIN):
            self._train_compressed(old_ids, ids, vectors)
            return
        faiss = _faiss()
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
        index.nprobe = _nprobe_for(lists)
        index.add_with_ids(vectors, ids)
        self._index = index
        self._mapped_from = None
        self._retrained = True

    def _train_compressed(self, old_ids: np.ndarray, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Replace the index by a compressed one holding the old vectors and the new: their
        exact vectors are kept (from the index they were in, if it was not compressed yet), the
        codes trained on a sample of them and added a chunk at a time."""
        import numpy as np

        faiss = _faiss()
        if self._exact is None:  # from a flat or half-precision index: keep what it holds
            exact = ExactVectors.empty(self.dimension)
            for start in range(0, len(old_ids), _CHUNK):
                chunk = old_ids[start : start + _CHUNK]
                exact.add(chunk, self.vectors(chunk))
            self._exact = exact
        self._exact.add(ids, vectors)
        every = np.sort(np.concatenate([old_ids, ids]))
        lists = _lists_for(len(every))
        index = faiss.index_factory(
            self.dimension,
            compressed_factory(self.dimension, lists),
            faiss.METRIC_INNER_PRODUCT,
        )
        sample = min(len(every), max(lists * _TRAINING_PER_LIST, _CODE_TRAINING))
        chosen = np.sort(np.random.default_rng(0).choice(len(every), sample, replace=False))
        index.train(self._exact.get(every[chosen]))
        _inverted_file(index).nprobe = COMPRESSED_NPROBE
        for start in range(0, len(every), _CHUNK):
            chunk = every[start : start + _CHUNK]
            index.add_with_ids(self._exact.get(chunk), chunk)
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
        """The ``k`` nearest ids to one query vector with their cosine similarity, best first;
        a compressed index re-ranks ``RERANK_FACTOR`` times as many candidates exactly."""
        import numpy as np

        if len(self) == 0 or k <= 0:
            return []
        if self._exact is None:
            scores, ids = self._index.search(vector.reshape(1, -1), min(k, len(self)))
            return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        wanted = min(k * RERANK_FACTOR, len(self))
        found = self._index.search(vector.reshape(1, -1), wanted)[1][0]
        found = found[found >= 0]
        exact = self._exact.get(found) @ vector.reshape(-1).astype(np.float32)
        best = np.argsort(-exact, kind="stable")[:k]
        return [(int(found[i]), float(exact[i])) for i in best]

    def vectors(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The stored vectors of ``ids``, one row each; an approximate index keeps them in half
        precision, within ~1e-3 of the originals, which is close enough for scoring (a
        compressed one reads them from its exact vectors, not from its codes)."""
        import numpy as np

        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        keys = np.asarray(ids, dtype=np.int64)
        if self._exact is not None:
            return self._exact.get(keys)
        return self._index.reconstruct_batch(keys)  # one C++ call


def delta_arrays(
    added: list[tuple[np.ndarray, np.ndarray]], removed: list[np.ndarray], dimension: int
) -> dict[str, np.ndarray]:
    """Changes as a delta file holds them: the added ids and their vectors (float32), and the
    removed ids, each in the order made."""
    import numpy as np

    added = added or [(np.zeros(0, np.int64), np.zeros((0, dimension), np.float32))]
    return {
        "added_ids": np.concatenate([ids for ids, _ in added]),
        "added_vectors": np.vstack([vectors for _, vectors in added]).astype(np.float32),
        "removed_ids": np.concatenate([np.zeros(0, np.int64), *removed]),
    }


class ExactVectors:
    """The exact vectors of a compressed index, by id, in half precision: those written with
    the index memory-mapped from two ``.npy`` files beside it (sorted ids, vectors in their
    order), those added since in memory (the later of two vectors of one id wins)."""

    def __init__(self, dimension: int, ids: np.ndarray, rows: np.ndarray) -> None:
        self.dimension = dimension
        self._ids, self._rows = ids, rows  # the written part
        self._added: list[tuple[np.ndarray, np.ndarray]] = []  # the part added since
        self._merged: tuple[np.ndarray, np.ndarray] | None = None  # it sorted, once asked for

    @staticmethod
    def paths(path: Path) -> tuple[Path, Path]:
        """The files beside the index file ``path``: named after it (``<name>-exact…``), so
        they are kept and deleted with it."""
        return path.with_name(path.name + "-exact-ids.npy"), path.with_name(
            path.name + "-exact.npy"
        )

    @classmethod
    def empty(cls, dimension: int) -> ExactVectors:
        import numpy as np

        return cls(dimension, np.zeros(0, np.int64), np.zeros((0, dimension), np.float16))

    @classmethod
    def open(cls, path: Path, dimension: int) -> ExactVectors:
        import numpy as np

        ids_path, rows_path = cls.paths(path)
        for part in (ids_path, rows_path):
            if not part.is_file():
                raise IndexDamagedError(f"the vector file {part.name} is missing: {REBUILD}")
        try:
            ids = np.load(ids_path, mmap_mode="r")
            rows = _map_randomly(rows_path)
        except (OSError, ValueError) as error:
            raise IndexDamagedError(
                f"the exact vectors beside {path.name} are unreadable: {REBUILD}"
            ) from error
        if (
            ids.dtype != np.int64
            or rows.dtype != np.float16
            or ids.shape != (len(rows),)
            or rows.shape[1:] != (dimension,)
        ):
            raise IndexDamagedError(
                f"the exact vectors beside {path.name} are out of step with it: {REBUILD}"
            )
        return cls(dimension, ids, rows)

    @property
    def written(self) -> int:
        """How many vectors the files hold."""
        return len(self._ids)

    @property
    def unwritten(self) -> int:
        """How many vectors were added since, held in memory."""
        return sum(len(ids) for ids, _ in self._added)

    def ids(self) -> np.ndarray:
        """Every id held (written or added since), sorted."""
        import numpy as np

        return np.union1d(self._ids, self._added_sorted()[0])

    def holds(self, ids: np.ndarray) -> np.ndarray:
        """Whether each of ``ids`` is held (written or added since)."""
        import numpy as np

        ids = np.asarray(ids, np.int64)
        found = np.zeros(len(ids), bool)
        for known in (self._ids, self._added_sorted()[0]):
            if len(known):
                at = np.minimum(np.searchsorted(known, ids), len(known) - 1)
                found |= known[at] == ids
        return found

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        import numpy as np

        self._added.append((np.asarray(ids, np.int64), np.asarray(vectors, np.float16)))
        self._merged = None

    def _added_sorted(self) -> tuple[np.ndarray, np.ndarray]:
        """The added ids sorted, and their vectors: the latest of an id added twice."""
        import numpy as np

        merged = self._merged
        if merged is None:
            if not self._added:
                return np.zeros(0, np.int64), np.zeros((0, self.dimension), np.float16)
            ids = np.concatenate([ids for ids, _ in self._added])[::-1]  # latest first
            rows = np.concatenate([rows for _, rows in self._added])[::-1]
            unique, first = np.unique(ids, return_index=True)
            merged = self._merged = unique, rows[first]
            self._added = [merged]
        return merged

    def get(self, ids: np.ndarray, dtype: Any = None) -> np.ndarray:
        """The vectors of ``ids`` (float32 unless ``dtype`` says otherwise), one row each."""
        import numpy as np

        ids = np.asarray(ids, np.int64)
        out = np.empty((len(ids), self.dimension), dtype or np.float32)
        found = np.zeros(len(ids), bool)
        for known, rows in (self._added_sorted(), (self._ids, self._rows)):
            if not len(known):
                continue
            wanted = np.flatnonzero(~found)
            at = np.minimum(np.searchsorted(known, ids[wanted]), len(known) - 1)
            hit = known[at] == ids[wanted]
            where = at[hit]
            order = np.argsort(where, kind="stable")  # read the file in order
            out[wanted[hit][order]] = rows[where[order]]
            found[wanted[hit]] = True
        if not found.all():
            missing = ids[~found][:5].tolist()
            raise IndexDamagedError(f"the exact vectors lack the ids {missing}: {REBUILD}")
        return out

    def save(self, path: Path, ids: np.ndarray) -> ExactVectors:
        """Write the vectors of ``ids`` (those the index holds) to the files beside ``path``,
        a chunk at a time, and return them opened from there."""
        import numpy as np

        ids = np.sort(np.asarray(ids, np.int64))
        ids_path, rows_path = self.paths(path)

        def write_rows(temporary: Path) -> None:
            rows = np.lib.format.open_memmap(
                temporary, mode="w+", dtype=np.float16, shape=(len(ids), self.dimension)
            )
            for start in range(0, len(ids), _CHUNK):
                rows[start : start + _CHUNK] = self.get(ids[start : start + _CHUNK], np.float16)
            rows.flush()
            del rows

        write_file(rows_path, write_rows)

        def write_ids(temporary: Path) -> None:
            with open(temporary, "wb") as handle:
                np.save(handle, ids)

        write_file(ids_path, write_ids)
        return ExactVectors.open(path, self.dimension)


def _map_randomly(path: Path) -> np.ndarray:
    """The array of the ``.npy`` file ``path``, memory-mapped read-only for random access: a
    page fault reads its page, not the 128 KiB the kernel reads ahead by default, so a query
    that re-ranks a few hundred vectors reads about as many pages, and only those stay cached."""
    import mmap

    import numpy as np

    with open(path, "rb") as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
        offset = handle.tell()
        count = math.prod(shape)
        if fortran or handle.seek(0, 2) != offset + count * dtype.itemsize:
            raise ValueError(f"{path.name} is not a whole C-ordered array")
        if count == 0:
            return np.zeros(shape, dtype)
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    if hasattr(mmap, "MADV_RANDOM"):  # not on every platform
        mapped.madvise(mmap.MADV_RANDOM)
    return np.frombuffer(mapped, dtype, count, offset).reshape(shape)


def _read(path: Path, flags: int) -> Any:
    try:
        return _faiss().read_index(str(path), flags)
    except RuntimeError as error:
        raise IndexDamagedError(f"the vector file {path.name} is unreadable: {REBUILD}") from error


def _inverted_file(index: Any) -> Any:
    """The IVF index inside ``index`` (itself, or under a transform), or None for a flat one."""
    return _faiss().try_extract_index_ivf(index)


def _is_compressed(inverted: Any) -> bool:
    faiss = _faiss()
    kind = faiss.IndexIVFPQ | faiss.IndexIVFPQFastScan
    return bool(isinstance(faiss.downcast_index(inverted), kind))
