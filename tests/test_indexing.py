"""Incremental, atomic indexing with the real model, SQLite file and FAISS index."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from verbatim.assistant import Assistant
from verbatim.config import Settings
from verbatim.errors import IndexDamagedError, IndexOutdatedError, RebuildRequiredError
from verbatim.index.directory import FORMAT, MANIFEST, Index
from verbatim.index.embed import Embedder
from verbatim.index.vectors import ExactVectors, VectorIndex

FELINES = "# Cats\n\nThe domestic cat was domesticated in the Near East around 7500 BC.\n"
VOLCANOES = "# Volcanoes\n\nMount Etna is the most active volcano in Europe.\n"
CAT_SENTENCE = FELINES.splitlines()[-1]
RIVERS = "# Rivers\n\nThe Danube flows through ten countries before reaching the Black Sea.\n"


def answer_texts(assistant: Assistant, question: str) -> list[str]:
    return [a.text for a in assistant.ask(question, k=3).answers]


def test_first_index_then_nothing_to_do(assistant: Assistant, write_files) -> None:
    write_files({"cats.md": FELINES, "geo/volcanoes.md": VOLCANOES})
    report = assistant.update_index()
    assert report.rebuilt
    assert sorted(report.added) == ["cats.md", "geo/volcanoes.md"]
    assert report.sentences_embedded == 2
    again = assistant.update_index()
    assert (again.added, again.updated, again.removed, again.unchanged) == ([], [], [], 2)
    assert again.passages_embedded == again.sentences_embedded == 0


def test_add_change_and_delete_files(assistant: Assistant, write_files, settings) -> None:
    write_files({"cats.md": FELINES, "volcanoes.md": VOLCANOES})
    assistant.update_index()

    write_files({"rivers.md": RIVERS})
    report = assistant.update_index()
    assert report.added == ["rivers.md"] and report.unchanged == 2
    assert report.sentences_embedded == 1  # only the new file is embedded
    assert "Danube" in answer_texts(assistant, "How many countries does the Danube cross?")[0]

    write_files({"volcanoes.md": "# Volcanoes\n\nStromboli erupts every few minutes.\n"})
    report = assistant.update_index()
    assert report.updated == ["volcanoes.md"]
    top = answer_texts(assistant, "Which volcano erupts every few minutes?")[0]
    assert top == "Stromboli erupts every few minutes."
    assert all("Etna" not in text for text in answer_texts(assistant, "Mount Etna volcano"))

    (settings.corpus / "cats.md").unlink()
    report = assistant.update_index()
    assert report.removed == ["cats.md"]
    assert all("cat" not in t for t in answer_texts(assistant, "When were cats domesticated?"))
    documents, passages, sentences = assistant.index.store.counts()
    assert (documents, len(assistant.index.passage_vectors)) == (2, passages)
    assert len(assistant.index.sentence_vectors) == sentences == 2


def test_the_model_reads_each_sentence_after_its_heading_path(
    assistant: Assistant, write_files
) -> None:
    """A sentence that leaves its subject to its heading is embedded with the heading path
    before it, as its passage is, so its vector carries the subject."""
    write_files({"options.md": "# Options\n\n## hide_input\n\nIt hides what the user types.\n"})
    assistant.update_index()
    index = assistant.index
    ((sentence_id, sentence),) = index.store.sentences(
        index.sentence_vectors.ids().tolist()
    ).items()
    read = "Options › hide_input: It hides what the user types."
    with_path, alone = assistant.embedder.encode([read, sentence.text])
    stored = index.sentence_vectors.vectors([sentence_id])[0]
    assert stored @ with_path > 0.999 and stored @ alone < 0.95
    assert index.passage_vectors.vectors([sentence.passage_id])[0] @ with_path > 0.999


def test_touched_but_unchanged_file_is_not_embedded_again(
    assistant: Assistant, write_files, settings
) -> None:
    write_files({"cats.md": FELINES})
    assistant.update_index()
    os.utime(settings.corpus / "cats.md", ns=(1, 1))
    report = assistant.update_index()
    assert report.unchanged == 1 and report.sentences_embedded == 0
    assert assistant.status().is_stale is False


def test_unreadable_file_is_skipped_with_its_reason(assistant: Assistant, write_files) -> None:
    write_files({"cats.md": FELINES, "photo.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00"})
    report = assistant.update_index()
    assert report.added == ["cats.md"]
    assert report.skipped == [("photo.txt", "binary content (NUL bytes), not text")]


def test_an_interrupted_update_leaves_the_previous_index_usable(
    assistant: Assistant, write_files, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files({"cats.md": FELINES})
    assistant.update_index()
    write_files({"volcanoes.md": VOLCANOES})

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut while writing vectors")

    monkeypatch.setattr("verbatim.index.vectors.VectorIndex.save", crash)
    with pytest.raises(RuntimeError):
        assistant.update_index()
    monkeypatch.undo()

    assistant.close()
    index = Index.open(assistant.settings.index)  # opens cleanly, still the old content
    assert index.store.counts() == (1, 1, 1)
    index.close()
    report = assistant.update_index()
    assert report.added == ["volcanoes.md"]


def test_an_interrupted_rebuild_keeps_the_old_index(
    assistant: Assistant, write_files, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files({"cats.md": FELINES})
    assistant.update_index()
    before = sorted(p.name for p in assistant.settings.index.iterdir())

    def crash(self: Index) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Index, "publish", crash)
    with pytest.raises(KeyboardInterrupt):
        assistant.update_index(rebuild=True)
    monkeypatch.undo()
    assert sorted(p.name for p in assistant.settings.index.iterdir()) == before
    assert "7500 BC" in answer_texts(assistant, "When was the cat domesticated?")[0]


def test_a_model_change_asks_for_a_rebuild(
    assistant: Assistant, write_files, settings: Settings, tmp_path
) -> None:
    write_files({"cats.md": FELINES})
    assistant.update_index()
    other_model = tmp_path / "other-model"
    other_model.mkdir()
    for path in settings.model.rglob("*"):
        if path.is_file():
            target = other_model / path.relative_to(settings.model)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    (other_model / "config.json").unlink()
    config = json.loads((settings.model / "config.json").read_text())
    config["note"] = "a fine-tuned variant"
    (other_model / "config.json").write_text(json.dumps(config))

    changed = Assistant(Settings(settings.corpus, settings.index, other_model))
    with pytest.raises(RebuildRequiredError, match="--rebuild"):
        changed.update_index()
    with pytest.raises(RebuildRequiredError, match="--rebuild"):
        changed.ask("When was the cat domesticated?")
    assert changed.update_index(rebuild=True).rebuilt
    assert answer_texts(changed, "When was the cat domesticated?")[0] == CAT_SENTENCE
    changed.close()


def test_removing_files_or_touching_them_loads_no_model(
    assistant: Assistant, write_files, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files({"cats.md": FELINES, "volcanoes.md": VOLCANOES})
    assistant.update_index()

    def no_model(*args: object) -> None:
        raise AssertionError("the model was loaded with nothing to embed")

    monkeypatch.setattr("verbatim.index.embed._load_model", no_model)
    os.utime(settings.corpus / "cats.md", (1, 1))
    (settings.corpus / "volcanoes.md").unlink()
    report = Assistant(settings).update_index()
    assert (report.removed, report.unchanged) == (["volcanoes.md"], 1)
    assert answer_texts(assistant, "When was the cat domesticated?") == [CAT_SENTENCE]


def _as_format_2(directory: Path) -> None:
    """Turn an index into what Verbatim made before sentence vectors were kept by id: in a
    FAISS index, format 2 in the manifest."""
    index = Index.open(directory)
    stored = index.sentence_vectors
    path = index.vector_paths(index.vector_layout()[0])[1]
    index.close()
    legacy = VectorIndex.empty(stored.dimension)
    legacy.add(stored.ids().tolist(), stored.vectors(stored.ids()))
    legacy.save(path.with_suffix(".faiss"))
    for part in (path, *ExactVectors.paths(path)):
        part.unlink()
    manifest = json.loads((directory / MANIFEST).read_text())
    (directory / MANIFEST).write_text(json.dumps({**manifest, "format": 2}))


def _as_format_1(directory: Path) -> None:
    """Turn an index into what Verbatim made before lexical segments: FTS5 tables in the store
    (schema version 2), no segment files, format 1 in the manifest (and format 2's vectors)."""
    _as_format_2(directory)
    manifest = json.loads((directory / MANIFEST).read_text())
    database = sqlite3.connect(directory / manifest["store"])
    database.executescript(
        """
        CREATE VIRTUAL TABLE sentences_fts USING fts5(text, content='sentences');
        CREATE VIRTUAL TABLE passages_fts USING fts5(section, text, content='passages');
        CREATE TRIGGER sentences_ai AFTER INSERT ON sentences BEGIN SELECT 1; END;
        CREATE TRIGGER sentences_ad AFTER DELETE ON sentences BEGIN SELECT 1; END;
        CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN SELECT 1; END;
        CREATE TRIGGER passages_ad AFTER DELETE ON passages BEGIN SELECT 1; END;
        DELETE FROM meta WHERE key = 'lexical';
        ALTER TABLE sentences DROP COLUMN block;
        PRAGMA user_version = 2;
        """
    )
    database.close()
    for segment in directory.glob("*.lex-*.npz"):
        segment.unlink()
    (directory / MANIFEST).write_text(json.dumps({**manifest, "format": 1}))


@pytest.mark.parametrize("earlier", [_as_format_1, _as_format_2])
def test_an_index_of_an_earlier_format_is_upgraded_without_embedding(
    cats_indexed: Settings, monkeypatch: pytest.MonkeyPatch, earlier: Callable[[Path], None]
) -> None:
    before = Assistant(cats_indexed)
    question = "When was the cat domesticated?"
    expected = before.ask(question)
    before.close()
    earlier(cats_indexed.index)
    assert list(cats_indexed.index.glob("*.sentences.faiss"))
    with pytest.raises(IndexOutdatedError, match="run `verbatim index`"):
        Index.open(cats_indexed.index)

    def no_embedding(*args: object, **options: object) -> None:
        raise AssertionError("the upgrade embedded text again")

    monkeypatch.setattr(Embedder, "encode", no_embedding)
    assistant = Assistant(cats_indexed)
    assistant.ensure_index()
    assert assistant.ask(question) == expected
    assistant.close()
    index = Index.open(cats_indexed.index)
    assert index.manifest.format == FORMAT and index.is_published()
    assert len(index.sentence_vectors) == index.store.counts()[2]
    index.close()
    assert not list(cats_indexed.index.glob("*.sentences.faiss*"))


@pytest.mark.parametrize("damage", ["manifest", "store", "vectors", "out_of_step"])
def test_a_damaged_index_is_reported_with_the_fix(
    assistant: Assistant, write_files, damage: str
) -> None:
    write_files({"cats.md": FELINES, "volcanoes.md": VOLCANOES})
    assistant.update_index()
    index = Index.open(assistant.settings.index)
    passages_file, sentences_file = index.vector_paths(index.generation)
    store_file = index.store.path
    if damage == "out_of_step":
        index.sentence_vectors.remove([index.sentence_vectors.ids()[0]])
        index.sentence_vectors.save(sentences_file)
    index.close()
    assistant.close()
    if damage == "manifest":
        (assistant.settings.index / "manifest.json").write_text("{not json")
    elif damage == "store":
        for suffix in ("-wal", "-shm"):
            store_file.with_name(store_file.name + suffix).unlink(missing_ok=True)
        store_file.write_bytes(b"garbage" * 100)
    elif damage == "vectors":
        passages_file.write_bytes(passages_file.read_bytes()[:100])
    with pytest.raises(IndexDamagedError, match="verbatim index --rebuild"):
        assistant.ask("cats")
    assistant.close()
    assert assistant.update_index(rebuild=True).rebuilt
    assert answer_texts(assistant, "When was the cat domesticated?")[0] == CAT_SENTENCE


def test_embeddings_are_unit_length(settings: Settings) -> None:
    vectors = Embedder(settings.model).encode(["a cat", "a volcano in Sicily"])
    assert vectors.shape == (2, 384)
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-5
