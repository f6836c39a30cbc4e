"""The vector index: exact while small, approximate (IVF-SQfp16, memory-mapped) past a threshold."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest

from verbatim.allocator import warm_for_many_questions
from verbatim.assistant import Assistant
from verbatim.index import vectors
from verbatim.index.vectors import VectorIndex

DIMENSION = 32


def clustered(count: int, seed: int) -> np.ndarray:
    """Unit vectors around 40 centres, so that nearest neighbours mean something."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, DIMENSION))
    points = centres[rng.integers(0, 40, count)] + 0.3 * rng.standard_normal((count, DIMENSION))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(autouse=True)
def _low_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors, "APPROXIMATE_FROM", 2_000)


def filled(count: int) -> tuple[VectorIndex, np.ndarray, np.ndarray]:
    index = VectorIndex.empty(DIMENSION)
    ids = np.arange(count, dtype=np.int64) * 7 + 3  # row ids, not positions
    points = clustered(count, seed=1)
    half = count // 2
    index.add(ids[:half].tolist(), points[:half])
    index.add(ids[half:].tolist(), points[half:])
    return index, ids, points


def test_the_index_stays_exact_below_the_threshold_and_switches_past_it() -> None:
    index, ids, _ = filled(1_500)
    assert not index.is_approximate
    index.add([99_999, 99_998], clustered(600, seed=2)[:2])
    assert not index.is_approximate
    index.add(list(range(200_000, 200_600)), clustered(600, seed=3))
    assert index.is_approximate
    assert len(index) == 2_102
    assert set(index.ids().tolist()) == {*ids.tolist(), 99_999, 99_998, *range(200_000, 200_600)}


def test_approximate_search_agrees_with_exact_search() -> None:
    index, ids, points = filled(4_000)
    assert index.is_approximate
    queries = clustered(50, seed=4)
    found = 0
    for query in queries:
        exact = set(ids[np.argsort(-(points @ query))[:10]].tolist())
        found += len(exact & {i for i, _ in index.search(query, 10)})
    assert found / (10 * len(queries)) >= 0.95
    stored = index.vectors(ids[:100].tolist())
    assert np.abs(stored - points[:100]).max() < 1e-3


def test_save_and_load_memory_mapped_round_trip(tmp_path: Path) -> None:
    index, ids, points = filled(4_000)
    before = index.search(points[5], 10)
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    assert loaded.is_approximate and len(loaded) == 4_000
    assert [i for i, _ in loaded.search(points[5], 10)] == [i for i, _ in before]
    assert np.allclose(loaded.vectors([int(ids[5])]), index.vectors([int(ids[5])]))
    assert sorted(loaded.ids().tolist()) == sorted(ids.tolist())


def test_a_loaded_approximate_index_still_takes_additions_and_removals(tmp_path: Path) -> None:
    index, ids, points = filled(4_000)
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    gone = ids[:10].tolist()
    loaded.remove(gone)
    new = clustered(5, seed=9)
    loaded.add([500_000 + i for i in range(5)], new)
    assert len(loaded) == 3_995
    assert loaded.search(new[2], 1)[0][0] == 500_002
    assert not set(gone) & {i for i, _ in loaded.search(points[0], 50)}
    loaded.save(tmp_path / "w.faiss")
    again = VectorIndex.load(tmp_path / "w.faiss")
    assert len(again) == 3_995 and again.search(new[2], 1)[0][0] == 500_002


def test_a_tiny_index_can_switch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors, "APPROXIMATE_FROM", 5)
    index = VectorIndex.empty(DIMENSION)
    points = clustered(8, seed=5)
    index.add(list(range(8)), points)
    assert index.is_approximate
    assert index.search(points[3], 1)[0][0] == 3


def test_an_assistant_answers_and_updates_from_approximate_indexes(
    assistant, write_files, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors, "APPROXIMATE_FROM", 5)
    write_files(
        {
            "rivers.md": "# Rivers\n\n## Danube\n\nThe Danube flows through ten countries.\n\n"
            "## Nile\n\nThe Nile is long.\n\n## Amazon\n\nThe Amazon carries the most water.\n\n"
            "## Rhine\n\nThe Rhine passes Basel.\n",
            "cats.md": "# Cats\n\nCats were domesticated in the Near East. They sleep a lot. "
            "A group of cats is called a clowder.\n",
        }
    )
    assistant.update_index()
    assert assistant.index.passage_vectors.is_approximate  # five passages
    reply = assistant.ask("How many countries does the Danube flow through?")
    assert reply.answers[0].text == "The Danube flows through ten countries."

    write_files({"volcanoes.md": "# Volcanoes\n\nStromboli erupts every few minutes.\n"})
    report = assistant.update_index()  # the memory-mapped indexes are read in and changed
    assert report.added == ["volcanoes.md"]
    reply = assistant.ask("Which volcano erupts every few minutes?")
    assert reply.answers[0].text == "Stromboli erupts every few minutes."


def test_an_index_held_in_memory_searches_as_it_did_memory_mapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, _, _ = filled(4_000)
    index.save(tmp_path / "v.faiss")  # probing 64 lists
    monkeypatch.setattr(vectors, "NPROBE", 4)  # today's rule: one list in eight, read in or not
    mapped = VectorIndex.load(tmp_path / "v.faiss")
    held = VectorIndex.load(tmp_path / "v.faiss")
    held.hold_in_memory(up_to=(tmp_path / "v.faiss").stat().st_size - 1)  # too large: mapped
    assert held.is_memory_mapped
    held.hold_in_memory()
    assert mapped.is_memory_mapped and not held.is_memory_mapped
    lists = vectors._inverted_file(held._index)
    assert lists is not None and lists.nprobe == lists.nlist // 8 > 4
    for query in clustered(20, seed=5):
        assert held.search(query, 10) == mapped.search(query, 10)


def test_a_process_answering_many_questions_holds_its_vectors_in_memory(
    assistant, settings, write_files, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors, "APPROXIMATE_FROM", 2)
    write_files({"a.md": "# A\n\nAlpha one.\n\n## B\n\nBeta two.\n\n## C\n\nGamma three.\n"})
    assistant.update_index()
    assert assistant.index.passage_vectors.is_memory_mapped
    try:
        warm_for_many_questions(assistant)
    finally:
        gc.unfreeze()  # what it froze is this test's; the tests after collect theirs
    assert not assistant.index.passage_vectors.is_memory_mapped
    write_files({"d.md": "# D\n\nDelta four.\n"})
    Assistant(settings).update_index()  # another process publishes a newer index
    assert assistant.ask("Which is four?").answers[0].text == "Delta four."
    assert not assistant.index.passage_vectors.is_memory_mapped  # the newer one too


def test_more_lists_are_probed_as_they_grow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a fixed nprobe recall falls as the lists grow: one list in eight is probed once that
    is more than ``NPROBE`` (up to ``NPROBE_MAX``), when the index is trained and when it is
    opened."""
    monkeypatch.setattr(vectors, "NPROBE", 4)
    index, _, _ = filled(4_000)
    lists = vectors._inverted_file(index._index)
    assert lists is not None and lists.nlist // 8 > 4
    assert lists.nprobe == lists.nlist // 8
    index.save(tmp_path / "v.faiss")
    loaded = vectors._inverted_file(VectorIndex.load(tmp_path / "v.faiss")._index)
    assert loaded is not None and loaded.nprobe == lists.nlist // 8
    assert vectors._nprobe_for(100 * 8 * vectors.NPROBE_MAX) == vectors.NPROBE_MAX
