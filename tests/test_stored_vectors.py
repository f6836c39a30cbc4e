"""Sentence vectors kept and read by id (never searched): written whole, as deltas, reopened."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from verbatim.errors import IndexDamagedError
from verbatim.index.stored import StoredVectors
from verbatim.index.vectors import ExactVectors

DIMENSION = 16


def unit(count: int, seed: int) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((count, DIMENSION))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    """A table of ids 1..100 written whole after ids 5 and 50 were removed (and 200 too, which
    it never held), with the vectors it was given."""
    table = StoredVectors.empty(DIMENSION)
    ids, rows = np.arange(1, 101), unit(100, seed=1)
    table.add(ids[:60], rows[:60])
    table.add(ids[60:], rows[60:])
    table.remove([5, 50, 200])
    path = tmp_path / "sentences.json"
    table.save(path)
    return path, ids, rows


def test_a_table_reopens_with_what_it_held(saved: tuple[Path, np.ndarray, np.ndarray]) -> None:
    path, ids, rows = saved
    table = StoredVectors.load(path)
    kept = ids[~np.isin(ids, [5, 50])]
    assert len(table) == 98 and np.array_equal(table.ids(), kept)
    assert np.allclose(table.vectors([99, 1, 7]), rows[[98, 0, 6]], atol=1e-3)  # half precision
    assert len(np.load(ExactVectors.paths(path)[0])) == 98  # removed ones are not written
    assert table.vectors([]).shape == (0, DIMENSION)


def test_changes_replayed_as_a_delta_give_the_same_table(
    saved: tuple[Path, np.ndarray, np.ndarray],
) -> None:
    path, _, _ = saved
    changed = StoredVectors.load(path)
    changed.remove([1, 2, 5])  # 5 was removed before the whole write
    changed.add([101, 102, 103], unit(3, seed=2))
    delta = changed.take_delta()
    assert changed.take_delta()["added_ids"].size == 0  # taken once

    replayed = StoredVectors.load(path)
    replayed.apply_delta(delta)
    assert len(replayed) == len(changed) == 98 - 2 + 3
    assert np.array_equal(replayed.ids(), changed.ids())
    assert 1 not in replayed.ids() and 103 in replayed.ids()
    assert np.array_equal(replayed.vectors([101, 103]), changed.vectors([101, 103]))


def test_a_whole_write_is_asked_for_when_a_quarter_changed(
    saved: tuple[Path, np.ndarray, np.ndarray],
) -> None:
    path, _, _ = saved
    table = StoredVectors.load(path)
    table.add(np.arange(101, 121), unit(20, seed=3))
    assert not table.needs_whole_write()  # 20 of 98
    table.remove(np.arange(3, 8))  # 5 was removed before: 4 more
    assert not table.needs_whole_write()  # 24 of 98
    table.remove([9])
    assert table.needs_whole_write()  # 25 of 98


@pytest.mark.parametrize("damage", ["count", "rows", "header"])
def test_a_damaged_table_is_named(saved: tuple[Path, np.ndarray, np.ndarray], damage: str) -> None:
    path, _, _ = saved
    if damage == "count":
        header = json.loads(path.read_text())
        path.write_text(json.dumps({**header, "count": 97}))
    elif damage == "rows":
        ExactVectors.paths(path)[1].unlink()
    else:
        path.write_text("{")
    with pytest.raises(IndexDamagedError, match=r"sentences\.json"):
        StoredVectors.load(path)
