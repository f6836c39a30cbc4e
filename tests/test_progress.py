"""Indexing commits batches of files as they are embedded, so an interruption keeps them."""

from __future__ import annotations

import pytest

from verbatim.assistant import Assistant
from verbatim.cli import progress_text
from verbatim.index import indexer
from verbatim.index.directory import Index
from verbatim.index.distributed import estimated_total

FILES = {
    f"{name}.md": f"# {name.title()}\n\n{text}\n"
    for name, text in {
        "cats": "Cats were domesticated in the Near East around 7500 BC.",
        "rivers": "The Danube flows through ten countries.",
        "volcanoes": "Stromboli erupts every few minutes.",
    }.items()
}


def test_an_interrupted_first_index_keeps_the_files_it_finished(
    assistant: Assistant, write_files, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(FILES)
    monkeypatch.setattr(indexer, "COMMIT_EVERY", 1)  # one file a batch
    publish = Index.publish
    calls = []

    def interrupted_on_second_batch(self: Index) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        publish(self)

    monkeypatch.setattr(Index, "publish", interrupted_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        assistant.update_index()
    monkeypatch.setattr(Index, "publish", publish)

    index = Index.open(assistant.settings.index)  # consistent: the batches committed so far
    documents = index.store.counts()[0]
    index.close()
    assert 1 <= documents < len(FILES)
    report = assistant.update_index()
    assert not report.rebuilt and len(report.added) == len(FILES) - documents
    assert report.unchanged == documents
    assert assistant.index.store.counts()[0] == len(FILES)
    top = assistant.ask("Which volcano erupts every few minutes?").answers[0].text
    assert top == "Stromboli erupts every few minutes."


def test_batches_of_an_update_are_all_applied(
    assistant: Assistant, write_files, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files({"cats.md": FILES["cats.md"]})
    assistant.update_index()
    monkeypatch.setattr(indexer, "COMMIT_EVERY", 1)
    write_files({k: v for k, v in FILES.items() if k != "cats.md"})
    (assistant.settings.corpus / "cats.md").unlink()
    report = assistant.update_index()
    assert sorted(report.added) == ["rivers.md", "volcanoes.md"]
    assert report.removed == ["cats.md"]
    assert report.passages_embedded == 2
    assert assistant.index.store.counts()[:2] == (2, 2)
    assert len(assistant.index.passage_vectors) == 2


def test_a_rebuild_in_batches_keeps_one_generation_of_vector_files(
    assistant: Assistant, write_files, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(FILES)
    assistant.update_index()
    monkeypatch.setattr(indexer, "COMMIT_EVERY", 1)
    report = assistant.update_index(rebuild=True)
    assert report.rebuilt and len(report.added) == len(FILES)
    for table in ("passages.faiss", "sentences.json"):  # one generation's
        assert len(list(assistant.settings.index.glob(f"*.{table}"))) == 1, table
    assert assistant.index.store.counts()[0] == len(FILES)


@pytest.mark.parametrize(
    ("done", "total", "seconds", "line"),
    [
        (0, 5268, 0.0, "Embedding passages 0/5,268"),
        (1200, 5268, 100.0, "Embedding passages 1,200/5,268 · 12.0/s · 5:39 left"),
        (10, 100_000, 20.0, "Embedding passages 10/100,000 · 0.5/s · 55:33:00 left"),
        (5268, 5268, 400.0, "Embedding passages 5,268/5,268"),
    ],
)
def test_progress_shows_the_rate_and_the_time_left(
    done: int, total: int, seconds: float, line: str
) -> None:
    assert progress_text("embedding passages", done, total, seconds) == line


def test_the_first_build_says_it_prepares_the_model_first(
    assistant: Assistant, write_files
) -> None:
    write_files({"cats.md": FILES["cats.md"]})
    stages: list[tuple[str, int, int]] = []
    assistant.update_index(progress=lambda *call: stages.append(call))
    assert stages[:2] == [(indexer.PREPARING, 0, 1), (indexer.PREPARING, 1, 1)]
    assert indexer.PREPARING not in {stage for stage, _, _ in stages[2:]}
    assert progress_text(indexer.PREPARING, 0, 1, 0.0) == "Preparing the model"
    write_files({"rivers.md": FILES["rivers.md"]})
    stages.clear()
    assistant.update_index(progress=lambda *call: stages.append(call))  # made: not again
    assert stages and indexer.PREPARING not in {stage for stage, _, _ in stages}


@pytest.mark.parametrize(
    ("done_passages", "done_bytes", "total_bytes", "total"),
    [
        (10, 1000, 4000, 40),  # a quarter of the bytes: four times the passages
        (3, 200, 1000, 15),
        (7, 300, 1000, 23),  # 23.3, rounded
        (8, 300, 1000, 27),  # 26.7, rounded
        (5, 999, 1000, 5),  # 5.005: never fewer than done
        (0, 500, 1000, 0),  # no passages yet: none to scale
        (10, 0, 1000, 10),  # no bytes done (empty files): nothing to scale by
        (10, 1000, 1000, 10),  # all the bytes: exact
    ],
)
def test_a_ray_runs_total_is_estimated_from_the_bytes_done(
    done_passages: int, done_bytes: int, total_bytes: int, total: int
) -> None:
    assert estimated_total(done_passages, done_bytes, total_bytes) == total
