"""The compressed vector index of the 100M class (IVF over product-quantised codes, candidates
re-ranked by exact vectors from memory-mapped files), at a lowered threshold: real FAISS."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from verbatim.errors import IndexDamagedError
from verbatim.index import vectors
from verbatim.index.directory import Index
from verbatim.index.vectors import ExactVectors, VectorIndex

DIMENSION = 384  # the model's, so the codes are those of a real index (48 of 4 bits)
COMPRESSED_FROM = 10_000


def points(count: int, seed: int) -> np.ndarray:
    """Unit vectors near a random 8-dimensional subspace, as embeddings lie near a space of far
    fewer dimensions than their own, so that nearest neighbours mean something."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(np.random.default_rng(0).standard_normal((DIMENSION, 8)))[0].T
    noise = 0.3 * rng.standard_normal((count, DIMENSION)) / np.sqrt(DIMENSION)
    rows = rng.standard_normal((count, 8)) @ basis + noise
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(autouse=True)
def _low_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors, "APPROXIMATE_FROM", 2_000)
    monkeypatch.setattr(vectors, "COMPRESSED_FROM", COMPRESSED_FROM)


def grown(count: int, batch: int = 1_000) -> tuple[VectorIndex, np.ndarray, np.ndarray]:
    """An index grown a batch at a time, as indexing grows one, with row ids for ids."""
    index = VectorIndex.empty(DIMENSION)
    ids = np.arange(count, dtype=np.int64) * 7 + 3
    rows = points(count, seed=1)
    for start in range(0, count, batch):
        index.add(ids[start : start + batch].tolist(), rows[start : start + batch])
    return index, ids, rows


@pytest.fixture(scope="module")
def saved(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[VectorIndex, np.ndarray, np.ndarray, Path]:
    """A compressed index of 20k vectors, and the file it was saved to: built once (training
    the codes takes ~10 s), for the tests that do not change it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vectors, "APPROXIMATE_FROM", 2_000)
        patch.setattr(vectors, "COMPRESSED_FROM", COMPRESSED_FROM)
        index, ids, rows = grown(20_000)
    path = tmp_path_factory.mktemp("compressed") / "v.faiss"
    index.save(path)
    return index, ids, rows, path


def copied(path: Path, folder: Path) -> Path:
    """A copy of the saved index ``path`` and its exact vectors in ``folder``."""
    for part in (path, *ExactVectors.paths(path)):
        shutil.copy2(part, folder / part.name)
    return folder / path.name


def recall(index: VectorIndex, ids: np.ndarray, rows: np.ndarray, queries: np.ndarray) -> float:
    """Recall@10 of ``index`` against exact search over ``rows``."""
    found = 0
    for query in queries:
        exact = set(ids[np.argsort(-(rows @ query))[:10]].tolist())
        found += len(exact & {i for i, _ in index.search(query, 10)})
    return found / (10 * len(queries))


def test_the_index_is_compressed_from_its_threshold_on_and_not_below() -> None:
    index, ids, rows = grown(COMPRESSED_FROM - 1)
    assert index.is_approximate and not index.is_compressed  # half precision below it
    index.add([10**9], points(1, seed=2))
    assert index.is_compressed
    assert len(index) == COMPRESSED_FROM
    assert sorted(index.ids().tolist()) == sorted([*ids.tolist(), 10**9])
    assert index.search(rows[7], 1)[0][0] == ids[7]


def test_the_default_threshold_leaves_a_large_index_half_precision(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.undo()  # the defaults: half precision up to 2M vectors
    assert vectors.COMPRESSED_FROM >= 1_000_000
    monkeypatch.setattr(vectors, "APPROXIMATE_FROM", 2_000)
    index, _, _ = grown(20_000, batch=5_000)
    assert index.is_approximate and not index.is_compressed


def test_compressed_search_agrees_with_exact_search(saved) -> None:
    index, ids, rows, _ = saved
    assert index.is_compressed
    queries = points(300, seed=4)
    assert recall(index, ids, rows, queries) >= 0.9
    # Scores and stored vectors are the exact vectors' (half precision), not the codes'.
    hits = index.search(queries[0], 10)
    by_id = dict(zip(ids.tolist(), rows @ queries[0], strict=True))
    assert all(abs(score - by_id[i]) < 2e-3 for i, score in hits)
    assert np.abs(index.vectors(ids[:100]) - rows[:100]).max() < 1e-3


def test_the_re_ranking_is_what_makes_it_agree(saved, monkeypatch: pytest.MonkeyPatch) -> None:
    """The codes alone are a coarse ranking: the exact vectors of more candidates fix it."""
    index, ids, rows, _ = saved
    monkeypatch.setattr(vectors, "RERANK_FACTOR", 1)
    assert recall(index, ids, rows, points(100, seed=4)) < 0.85


def test_it_stays_compressed_and_trains_again_as_it_grows(saved, tmp_path: Path) -> None:
    _, ids, rows, path = saved
    index = VectorIndex.load(path)  # lists trained for 10k vectors, holding 20k
    lists = vectors._inverted_file(index._index).nlist
    more = lists**2 - len(index)  # to four times the size they were trained for
    index.add(list(range(10**8, 10**8 + more - 1)), points(more - 1, seed=6))
    assert vectors._inverted_file(index._index).nlist == lists
    index.add([10**9], points(1, seed=7))
    assert index.is_compressed and vectors._inverted_file(index._index).nlist > lists
    assert len(index) == lists**2 and index.needs_whole_write()
    assert index.search(rows[3], 1)[0][0] == ids[3]
    index.save(tmp_path / "w.faiss")
    assert len(VectorIndex.load(tmp_path / "w.faiss")) == lists**2


def test_save_and_load_memory_mapped_round_trip(saved) -> None:
    index, ids, _, path = saved
    queries = points(20, seed=4)
    before = [index.search(query, 10) for query in queries]
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "v.faiss",
        "v.faiss-exact-ids.npy",
        "v.faiss-exact.npy",
    ]
    loaded = VectorIndex.load(path)
    assert loaded.is_compressed and len(loaded) == 20_000
    assert loaded._mapped_from is not None  # codes and exact vectors stay on disk until changed
    assert [loaded.search(query, 10) for query in queries] == before
    assert np.array_equal(loaded.vectors(ids[:50]), index.vectors(ids[:50]))
    assert sorted(loaded.ids().tolist()) == sorted(ids.tolist())


def test_missing_or_mismatched_exact_vectors_are_damage(saved, tmp_path: Path) -> None:
    copy = copied(saved[3], tmp_path)
    ids_path, rows_path = ExactVectors.paths(copy)
    ids, rows = np.load(ids_path), np.load(rows_path)
    np.save(ids_path, ids[:5])
    np.save(rows_path, rows[:5])  # agree with each other, not with the index
    with pytest.raises(IndexDamagedError, match="out of step"):
        VectorIndex.load(copy)
    np.save(ids_path, ids)  # agree with the index, not with each other
    with pytest.raises(IndexDamagedError, match="out of step"):
        VectorIndex.load(copy)
    rows_path.unlink()
    with pytest.raises(IndexDamagedError, match="missing"):
        VectorIndex.load(copy)


def test_a_loaded_compressed_index_takes_additions_removals_and_deltas(
    saved, tmp_path: Path
) -> None:
    _, ids, rows, path = saved
    loaded = VectorIndex.load(path)
    gone = ids[:10].tolist()
    loaded.remove(gone)
    new = points(5, seed=9)
    loaded.add([500_000 + i for i in range(5)], new)
    assert len(loaded) == 19_995 and not loaded.needs_whole_write()
    assert loaded.search(new[2], 1)[0][0] == 500_002
    assert not set(gone) & {i for i, _ in loaded.search(rows[0], 50)}

    # The delta, replayed on the index as saved, gives the same index (as opening one does).
    replayed = VectorIndex.load(path)
    replayed.apply_delta(loaded.take_delta())
    assert len(replayed) == 19_995 and replayed.search(new[2], 1)[0][0] == 500_002
    assert np.abs(replayed.vectors([500_002]) - new[2]).max() < 1e-3
    query = points(1, seed=11)[0]
    assert replayed.search(query, 10) == loaded.search(query, 10)

    replayed.save(tmp_path / "w.faiss")  # written whole: the exact vectors of the additions too
    again = VectorIndex.load(tmp_path / "w.faiss")
    assert len(again) == 19_995 and again.search(new[2], 1)[0][0] == 500_002
    assert len(np.load(ExactVectors.paths(tmp_path / "w.faiss")[0])) == 19_995  # no removed ones


def test_exact_vectors_held_in_memory_past_a_limit_ask_for_a_whole_write(
    saved, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors, "UNWRITTEN_EXACT_MAX", 100)
    loaded = VectorIndex.load(saved[3])
    loaded.add(list(range(10**7, 10**7 + 100)), points(100, seed=12))
    assert not loaded.needs_whole_write()
    loaded.add([10**8], points(1, seed=13))
    assert loaded.needs_whole_write()


def test_an_id_added_again_is_found_with_its_latest_vector() -> None:
    exact = ExactVectors.empty(4)
    first = np.eye(4, dtype=np.float32)
    exact.add(np.array([5, 9]), first[:2])
    exact.add(np.array([9, 2]), first[2:])
    assert np.array_equal(exact.get(np.array([9, 5, 2])), first[[2, 0, 3]])
    with pytest.raises(IndexDamagedError):
        exact.get(np.array([7]))


FACTS = {
    "rivers.md": "# Rivers\n\nThe Danube flows through ten countries. The Nile is long.\n",
    "cats.md": "# Cats\n\nA group of cats is called a clowder. Cats sleep a lot.\n",
}


def filler(count: int) -> str:
    """``count`` sections of two varied sentences of no interest, a passage each: enough for a
    compressed passage index."""
    rng = random.Random(3)
    things = ["lantern", "ledger", "orchard", "harbour", "violin", "quarry", "meadow", "tram"]
    places = ["Lisbon", "Oslo", "Quito", "Hanoi", "Perth", "Tunis", "Lima", "Riga", "Accra"]
    deeds = ["was repaired", "was painted", "was sold", "was measured", "was moved"]
    lines = [
        f"The {rng.choice(['old', 'blue', 'small', 'third'])} {rng.choice(things)} of "
        f"{rng.choice(places)} {rng.choice(deeds)} in {1800 + number}."
        for number in range(2 * count)
    ]
    return "".join(f"## Note {i}\n\n{lines[2 * i]} {lines[2 * i + 1]}\n\n" for i in range(count))


def test_an_assistant_answers_updates_and_reopens_with_a_compressed_index(
    assistant, write_files, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors, "APPROXIMATE_FROM", 5)
    monkeypatch.setattr(vectors, "COMPRESSED_FROM", 5)  # the passages': over 256 here
    monkeypatch.setattr(vectors, "REWRITE_SHARE", 10.0)  # updates written as deltas
    write_files({**FACTS, "filler.md": "# Notes\n\n" + filler(270)})
    assistant.update_index()
    assert assistant.index.passage_vectors.is_compressed
    reply = assistant.ask("How many countries does the Danube flow through?")
    assert reply.answers[0].text == "The Danube flows through ten countries."

    write_files({"volcanoes.md": "# Volcanoes\n\nStromboli erupts every few minutes.\n"})
    (assistant.settings.corpus / "cats.md").unlink()
    report = assistant.update_index()  # the memory-mapped index is read in and changed
    assert report.added == ["volcanoes.md"] and report.removed == ["cats.md"]
    reply = assistant.ask("Which volcano erupts every few minutes?")
    assert reply.answers[0].text == "Stromboli erupts every few minutes."

    index = Index.open(assistant.settings.index)  # the base files and the delta, replayed
    try:
        assert index.vector_layout()[1], "the update was written as a delta"
        assert index.passage_vectors.is_compressed
        base = index.vector_paths(index.vector_layout()[0])[0]
        assert all(path.is_file() for path in ExactVectors.paths(base))
        assert not index._stale_files()  # the exact vectors are not taken for stale files
        ids = index.passage_vectors.ids()
        assert len(ids) == index.store.counts()[1]
        (stromboli,) = [
            p for p in index.store.passages(ids.tolist()).values() if "Stromboli" in p.text
        ]
        vector = index.passage_vectors.vectors([stromboli.id])[0]
        assert index.passage_vectors.search(vector, 1)[0][0] == stromboli.id
    finally:
        index.close()
