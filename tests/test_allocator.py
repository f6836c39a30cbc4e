"""The allocator's settings: a question's large temporaries reuse memory already in place."""

from __future__ import annotations

import gc
import resource

import numpy as np
import pytest

from verbatim.allocator import reuse_freed_memory, warm_for_many_questions
from verbatim.assistant import Assistant
from verbatim.config import Settings
from verbatim.index.lexical import LexicalIndex, Postings, Segment

ROWS = 450_000  # sentences in the 100k-passage benchmark index


def _large_segment() -> LexicalIndex:
    """Two terms over ROWS rows, each in every other row: scores need a 3.6 MB array."""
    rng = np.random.default_rng(0)
    rows = np.concatenate([np.arange(0, ROWS, 2), np.arange(1, ROWS, 2)]).astype(np.int32)
    postings = Postings(
        ids=np.arange(1, ROWS + 1, dtype=np.int64),
        vocabulary=np.array(["cat", "dog"]),
        starts=np.array([0, ROWS // 2, ROWS], dtype=np.int64),
        rows=rows,
        weights=rng.random(ROWS, dtype=np.float32) + 0.1,
    )
    return LexicalIndex([Segment("s", {"sentences": postings}, {}, {})])


def test_repeated_searches_fault_no_fresh_pages_in() -> None:
    if not reuse_freed_memory():
        pytest.skip("the C library is not glibc")
    lexical = _large_segment()
    lexical.search("sentences", ["cat", "dog"], 200)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        assert len(lexical.search("sentences", ["cat", "dog"], 200)) == 200
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert faults < 20 * 10  # 5,000 a search when temporaries are mapped afresh


def test_the_library_leaves_its_host_process_alone(cats_indexed: Settings) -> None:
    """`Assistant.warm_up` changes nothing process-wide; the edges set the process up."""
    gc.unfreeze()
    assistant = Assistant(cats_indexed)
    try:
        assistant.warm_up()
        assert gc.get_freeze_count() == 0
        warm_for_many_questions(assistant)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        assistant.close()
