"""One writer at a time per index folder, with a lock that dies with its holder.

The lock is an OS advisory lock (``flock``) on ``index.lock`` in the index folder, taken through
:mod:`filelock`: the kernel releases it when the process ends however it ends (SIGKILL, power
loss, a crash), so a stale lock file never blocks the next run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from verbatim.errors import IndexBusyError

LOCK_FILE = "index.lock"


@contextmanager
def writing(directory: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the index folder's write lock, waiting up to ``wait`` seconds for another writer.

    Raises :class:`IndexBusyError` when another process keeps it that long.
    """
    from filelock import FileLock, Timeout  # here: its import costs a question ~20 ms

    directory.mkdir(parents=True, exist_ok=True)
    # preserve_lock_file: deleting it on release would let a waiting process lock an inode
    # that a third one no longer sees.
    lock = FileLock(directory / LOCK_FILE, timeout=wait, preserve_lock_file=True)
    try:
        lock.acquire()
    except Timeout:
        raise IndexBusyError(
            f"another `verbatim index` is updating {directory}: wait for it to finish "
            "(questions meanwhile are answered from the current index), then run again"
        ) from None
    try:
        yield
    finally:
        lock.release()
