"""A damaged index is named on open, with its fix, as one line and exit code 2.

(tests/test_indexing.py checks that `--rebuild` then repairs such an index.)"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from verbatim.cli import cli
from verbatim.config import Settings
from verbatim.index.directory import Index
from verbatim.index.stored import StoredVectors


def _files(directory: Path) -> tuple[Path, Path, Path, Path, Path]:
    """The manifest, store, passage and sentence vector files and a lexical segment file of
    the index in ``directory``."""
    index = Index.open(directory)
    passages, sentences = index.vector_paths(index.generation)
    segment = directory / index.segment_list()[0][0]
    index.close()
    return directory / "manifest.json", index.store.path, passages, sentences, segment


def _edit_manifest(**changes: object) -> Callable[[Path], None]:
    def edit(path: Path) -> None:
        data = json.loads(path.read_text())
        path.write_text(json.dumps({**data, **changes}))

    return edit


def _halve(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _other_dimension(path: Path) -> None:
    StoredVectors.empty(8).save(path)


def _drop_a_vector(path: Path) -> None:
    vectors = StoredVectors.load(path)
    vectors.remove([int(vectors.ids()[0])])
    vectors.save(path)


GARBAGE = b"\x00\xffnot an index\x89PNG" * 40
# (which file, what is done to it, what the one-line error must say)
DAMAGES: dict[str, tuple[int, Callable[[Path], None], str]] = {
    "manifest truncated": (0, _halve, "manifest"),
    "manifest empty": (0, lambda p: p.write_bytes(b""), "manifest"),
    "manifest garbage": (0, lambda p: p.write_bytes(GARBAGE), "manifest"),
    "manifest a JSON list": (0, lambda p: p.write_text("[1, 2]"), "manifest"),
    "manifest missing a field": (0, lambda p: p.write_text('{"format": 1}'), "manifest"),
    "manifest of a future format": (0, _edit_manifest(format=99), "format 99"),
    "manifest naming no store": (0, _edit_manifest(store="store-gone.sqlite"), "missing"),
    "another model": (0, _edit_manifest(model_fingerprint="0" * 16), "model"),
    "another corpus": (
        0,
        _edit_manifest(corpus="/elsewhere", corpus_relative="../elsewhere"),
        "belongs to the corpus",
    ),
    "another dimension in the manifest": (0, _edit_manifest(dimension=768), "dimension"),
    "store truncated": (1, _halve, "database"),
    "store garbage": (1, lambda p: p.write_bytes(GARBAGE * 100), "database"),
    "store empty": (1, lambda p: p.write_bytes(b""), "database"),
    "store deleted": (1, Path.unlink, "missing"),
    "vectors truncated": (2, _halve, "vector file"),
    "vectors garbage": (2, lambda p: p.write_bytes(GARBAGE), "vector file"),
    "vectors empty": (3, lambda p: p.write_bytes(b""), "vector file"),
    "vectors deleted": (3, Path.unlink, "missing"),
    "vectors of another dimension": (3, _other_dimension, "dimension 8"),
    "vectors and rows out of step": (3, _drop_a_vector, "1 sentences"),
    "lexical segment truncated": (4, _halve, "lexical index file"),
    "lexical segment garbage": (4, lambda p: p.write_bytes(GARBAGE), "lexical index file"),
    "lexical segment empty": (4, lambda p: p.write_bytes(b""), "lexical index file"),
    "lexical segment deleted": (4, Path.unlink, "lexical index file"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_index_is_one_line_naming_the_problem_and_the_fix(
    cats_indexed: Settings, damage: str
) -> None:
    which, harm, named = DAMAGES[damage]
    harm(_files(cats_indexed.index)[which])
    args = ["--corpus", str(cats_indexed.corpus), "--index", str(cats_indexed.index)]
    for command in (["ask", "When was the cat domesticated?"], ["index"]):
        result = CliRunner().invoke(cli, [*args, *command])
        assert result.exit_code == 2, (command, result.output, result.exception)
        assert result.stdout == ""
        (line,) = result.stderr.splitlines()
        assert line.startswith("verbatim: error: ") and named in line, line
        assert "verbatim index --rebuild" in line, line


# Every file an index holds (by its role, since names carry generations and hashes).
_ROLES = (
    "manifest.json", ".sqlite", ".passages.faiss", ".sentences.json", ".sentences.json-exact.npy",
    ".sentences.json-exact-ids.npy", ".npz",
    "encoder.json", "model.onnx", "tokenizer.json",  # (8-bit weights: no model.onnx.data)
)  # fmt: skip


def _index_files(directory: Path) -> dict[str, Path]:
    found = {role: p for p in directory.rglob("*") for role in _ROLES if p.name.endswith(role)}
    found["model.onnx"] = next(directory.glob("encoder-*/model.onnx"))
    return found


def test_the_index_knows_each_of_its_files(cats_indexed: Settings) -> None:
    """The loop below covers every file of an index: a new kind of file must join it."""
    files = {p for p in cats_indexed.index.rglob("*") if p.is_file() and p.name != "index.lock"}
    assert files == set(_index_files(cats_indexed.index).values())


@pytest.mark.parametrize("role", _ROLES)
def test_any_file_truncated_gives_an_error_or_a_right_answer_with_a_warning(
    cats_indexed: Settings, role: str
) -> None:
    """Each file of an index damaged in turn: `ask` exits 2 with a one-line error naming the
    fix, or answers right with a one-line warning (the question encoder is exported again)."""
    _halve(_index_files(cats_indexed.index)[role])
    args = ["--corpus", str(cats_indexed.corpus), "--index", str(cats_indexed.index)]
    result = CliRunner().invoke(cli, [*args, "ask", "--json", "When was the cat domesticated?"])
    lines = result.stderr.splitlines()
    if result.exit_code == 2:
        assert result.stdout == "" and len(lines) == 1, result.output
        assert lines[0].startswith("verbatim: error: ") and "rebuild" in lines[0], lines
        assert role not in ("encoder.json", "model.onnx", "tokenizer.json")
        return
    assert result.exit_code == 0, (result.output, result.exception)
    assert "7500 BC" in json.loads(result.stdout)["answers"][0]["text"]
    (warning,) = lines
    assert warning.startswith("verbatim: warning: the question encoder") and "again" in warning
    again = CliRunner().invoke(cli, [*args, "ask", "When was the cat domesticated?"])
    assert again.exit_code == 0 and again.stderr == "", again.output  # repaired, once
