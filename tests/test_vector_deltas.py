"""An update writes the vectors it changes as a delta file, not the whole vector files again."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from verbatim.assistant import Assistant
from verbatim.cli import cli
from verbatim.config import Settings
from verbatim.index import directory, vectors
from verbatim.index.directory import Index

DOGS = "# Dogs\n\nThe dog was the first species to be domesticated, by hunter-gatherers.\n"


def _layout(settings: Settings) -> tuple[list[Path], list[Path]]:
    index = Index.open(settings.index)
    base, deltas = index.vector_layout()
    files = list(index.vector_paths(base)), [settings.index / d for d in deltas]
    index.close()
    return files


@pytest.fixture(autouse=True)
def _as_in_a_large_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """One new file in a large index changes a small share of its vectors."""
    monkeypatch.setattr(vectors, "REWRITE_SHARE", 10.0)


def test_updates_add_delta_files_that_opening_replays(cats_indexed: Settings) -> None:
    bases, _ = _layout(cats_indexed)
    written = {path: path.stat().st_mtime_ns for path in bases}
    assistant = Assistant(cats_indexed)
    (cats_indexed.corpus / "dogs.md").write_text(DOGS, encoding="utf-8")
    assistant.update_index()
    assert "dog" in assistant.ask("Which species was domesticated first?").answers[0].text
    (cats_indexed.corpus / "cats.md").unlink()
    assistant.update_index()
    assistant.close()

    same_bases, deltas = _layout(cats_indexed)
    assert same_bases == bases and {p: p.stat().st_mtime_ns for p in bases} == written
    assert len(deltas) == 2 and all(path.is_file() for path in deltas)
    reopened = Assistant(cats_indexed)  # replays both deltas onto the base files
    index = reopened.index
    assert len(index.sentence_vectors) == index.store.counts()[2] == 1
    reply = reopened.ask("When was the cat domesticated?")
    assert all("Near East" not in a.text for a in (*reply.answers, *reply.nearest))
    reopened.close()


def test_the_vectors_are_written_whole_after_enough_deltas(
    cats_indexed: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(directory, "MAX_DELTAS", 2)
    assistant = Assistant(cats_indexed)
    for number in range(3):
        (cats_indexed.corpus / f"dogs-{number}.md").write_text(
            DOGS.replace("first", f"number {number}"), encoding="utf-8"
        )
        assistant.update_index()
        _, deltas = _layout(cats_indexed)
        assert len(deltas) == [1, 2, 0][number]
    assistant.close()
    names = {p.name for p in cats_indexed.index.iterdir()}
    assert not any(name.endswith(".delta.npz") for name in names)  # published: old ones gone


def test_a_missing_delta_is_one_line_naming_the_fix(cats_indexed: Settings) -> None:
    assistant = Assistant(cats_indexed)
    (cats_indexed.corpus / "dogs.md").write_text(DOGS, encoding="utf-8")
    assistant.update_index()
    assistant.close()
    (delta,) = _layout(cats_indexed)[1]
    delta.write_bytes(b"not a delta")
    places = ["--corpus", str(cats_indexed.corpus), "--index", str(cats_indexed.index)]
    result = CliRunner().invoke(cli, [*places, "ask", "dogs"])
    assert result.exit_code == 2
    assert delta.name in result.stderr and "verbatim index --rebuild" in result.stderr
