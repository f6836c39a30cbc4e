"""Settings for a process that answers many questions (`verbatim serve`, the chat app): the C
allocator (on glibc; elsewhere as is), the garbage collector, and the passage vectors held in
memory. The library never applies them itself; those edges do, with
:func:`warm_for_many_questions`.

glibc serves each block of 128 KiB or more (a threshold it adjusts as such blocks are freed) from
pages mapped afresh, and hands them back to the system when the block is freed. Answering a
question makes several such temporaries (a BM25 score for every row: 3.6 MB at 450k sentences),
so every question faulted their pages in again: lexical search took 3–6 ms instead of 1.8, by
the luck of the process's history, and warm answers at 100k passages p95 30 instead of 22 ms.
"""

from __future__ import annotations

import ctypes
import gc
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from verbatim.assistant import Assistant

_M_TRIM_THRESHOLD = -1  # mallopt's parameters, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
MAP_FROM = 32 * 1024 * 1024  # blocks this large or larger are still mapped: glibc's maximum
KEEP_FREE = 64 * 1024 * 1024  # freed memory the heap keeps for reuse before it shrinks


def reuse_freed_memory() -> bool:
    """Serve blocks under :data:`MAP_FROM` from the heap and keep up to :data:`KEEP_FREE` of
    freed memory there, so that a question's temporaries reuse pages already in place. True
    when the allocator took the settings (glibc), False where there is nothing to set."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
        mallopt = ctypes.CDLL(None).mallopt
    except (ValueError, OSError, AttributeError):  # not glibc
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MAP_FROM)) and bool(
        mallopt(_M_TRIM_THRESHOLD, KEEP_FREE)
    )


def warm_for_many_questions(assistant: Assistant) -> None:
    """Warm ``assistant`` up (:meth:`Assistant.warm_up`) with the allocator set to reuse freed
    memory and its passage vectors held in memory (:meth:`Assistant.hold_vectors_in_memory`),
    then freeze what is loaded by then out of the garbage collector's full passes.

    What is loaded by then (modules, the model, the index) lives as long as the process:
    scanning it took 30–95 ms, stopping every thread, about once a second in the chat app.
    """
    reuse_freed_memory()
    assistant.hold_vectors_in_memory()
    assistant.warm_up()
    gc.freeze()
