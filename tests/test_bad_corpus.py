"""Whatever lies in the corpus folder, `verbatim index` finishes and names what it skipped."""

from __future__ import annotations

import codecs
import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from verbatim.assistant import Assistant
from verbatim.cli import cli
from verbatim.config import Settings
from verbatim.errors import CorpusError
from verbatim.ingest.limits import MAX_FILE_ENV, MAX_SENTENCE_CHARS, max_file_bytes
from verbatim.ingest.parse import parse_document

DEEP = "/".join(f"level{n}" for n in range(60))
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
NOISE = random.Random(6).randbytes(4096).replace(b"\x00", b"\x01")  # binary without NULs
LONG_LINE = " ".join(f"token{n}" for n in range(1500))  # ~13 kB, no sentence end
HIDDEN = [".#cats.txt", "cats.txt~", ".cats.txt.swp", "#cats.txt#", ".hidden/notes.txt"]
INDEXED = {
    "empty.txt": b"",
    "blank.md": b"  \n\t\n",
    "latin1.txt": "Le café de Montréal ouvre à l'aube.".encode("latin-1"),
    "utf16.txt": codecs.BOM_UTF16_LE + "Der Fluss fließt nach Süden.".encode("utf-16-le"),
    "broken-utf8.txt": b"The bridge opened in 1890.\xff\xfe It is made of iron.",
    "long-line.txt": LONG_LINE.encode(),
    f"{DEEP}/deep.md": b"# Deep\n\nThe treasure lies sixty folders down.",
}
SKIPPED = {  # file: what its warning says
    "image.txt": "binary content",
    "program.txt": "binary content",
    "noise.txt": "not text",
    "huge.txt": f"MB limit for one file (set {MAX_FILE_ENV}",
    "loop.txt": "symbolic links",
    "dangling.md": "No such file",
}


@pytest.fixture
def bad_corpus(cats_indexed: Settings, write_files) -> Settings:
    write_files({**INDEXED, "image.txt": PNG, "program.txt": ELF, "noise.txt": NOISE})
    write_files(dict.fromkeys(HIDDEN, "The hidden text must never be indexed."))
    corpus = cats_indexed.corpus
    with open(corpus / "huge.txt", "wb") as handle:  # sparse: 101 MB on no disk at all
        handle.truncate(101_000_000)
    (corpus / "loop.txt").symlink_to("loop.txt")
    (corpus / "dangling.md").symlink_to("nowhere.md")
    (corpus / "level0" / "up").symlink_to("..", target_is_directory=True)  # a folder loop
    return cats_indexed


def test_every_bad_file_is_indexed_sensibly_or_skipped_by_name(bad_corpus: Settings) -> None:
    args = ["--corpus", str(bad_corpus.corpus), "--index", str(bad_corpus.index)]
    result = CliRunner().invoke(cli, [*args, "index"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "warning: skipped" in line]
    assert len(warnings) == len(SKIPPED), result.stderr
    for name, reason in SKIPPED.items():
        assert any(f"skipped {name}: " in w and reason in w for w in warnings), (name, warnings)
    assert f"{len(INDEXED)} added" in result.stderr and "1 unchanged" in result.stderr

    assistant = Assistant(bad_corpus)
    documents = assistant.index.store.documents()
    assert sorted(documents) == sorted([*INDEXED, "cats.md"])
    texts = {
        s.text
        for ids in [range(1, 1 + assistant.index.store.counts()[2])]
        for s in assistant.index.store.sentences(ids).values()
    }
    assert "Le café de Montréal ouvre à l'aube." in texts
    assert "Der Fluss fließt nach Süden." in texts
    assert "The bridge opened in 1890.ÿþ It is made of iron." in texts
    assert all(len(text) <= MAX_SENTENCE_CHARS for text in texts)
    assert not any("hidden" in text for text in texts)
    top = assistant.ask("Where does the treasure lie?").answers[0]
    assert (top.text, top.sources[0].path) == (
        "The treasure lies sixty folders down.",
        f"{DEEP}/deep.md",
    )
    assistant.close()
    again = CliRunner().invoke(cli, [*args, "index"])  # the skipped files are named every run
    assert again.exit_code == 0 and again.stderr.count("warning: skipped") == len(SKIPPED)


def test_files_that_vanish_or_change_while_indexing(cats_indexed: Settings, write_files) -> None:
    write_files({"a.md": "# A\n\nThe first file.", "b.md": "# B\n\nThe second file."})
    corpus = cats_indexed.corpus

    def meddle(stage: str, done: int, total: int) -> None:
        if stage == "reading" and done == 1:  # a.md is about to be read, b.md after it
            (corpus / "a.md").write_text("# A\n\nThe first file, rewritten meanwhile.")
            (corpus / "b.md").unlink()

    assistant = Assistant(cats_indexed)
    report = assistant.update_index(progress=meddle)
    assert report.added == ["a.md"]
    assert report.skipped == [("b.md", "No such file or directory")]
    assert assistant.ask("Which file was rewritten?").answers[0].text == (
        "The first file, rewritten meanwhile."
    )
    # Indexed with the content read; the next run sees the new timestamp, not a new text.
    again = assistant.update_index()
    assert again.unchanged == 2 and again.sentences_embedded == 0 and not again.skipped
    assert not assistant.status().is_stale
    assistant.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_an_unreadable_file_is_skipped_by_name(cats_indexed: Settings, write_files) -> None:
    write_files({"secret.txt": "The safe combination is 1234."})
    (cats_indexed.corpus / "secret.txt").chmod(0)
    report = Assistant(cats_indexed).update_index()
    assert report.skipped == [("secret.txt", "Permission denied")]


def test_a_folder_that_cannot_be_listed_keeps_its_indexed_files(
    cats_indexed: Settings, write_files, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder whose permissions changed is reported; its documents are not taken for deleted
    (root lists every folder, so the refusal is simulated where the walk lists folders)."""
    write_files({"private/notes.md": "# Notes\n\nThe lighthouse keeper counted 212 steps.\n"})
    assistant = Assistant(cats_indexed)
    assistant.update_index()
    private = cats_indexed.corpus / "private"
    scandir = os.scandir

    def refusing(path: str | os.PathLike[str] = ".") -> object:
        if Path(path) == private:
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    report = assistant.update_index()
    assert report.removed == []
    assert report.skipped == [
        ("private/", "cannot list this folder (Permission denied); its 1 indexed file(s) are kept")
    ]
    reply = assistant.ask("How many steps did the lighthouse keeper count?")
    assert "212 steps" in reply.answers[0].text
    assistant.close()


def test_the_file_size_limit_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert max_file_bytes() == 20_000_000
    monkeypatch.setenv(MAX_FILE_ENV, "150")
    assert max_file_bytes() == 150_000_000
    for wrong in ("lots", "0", "-3", "nan"):
        monkeypatch.setenv(MAX_FILE_ENV, wrong)
        with pytest.raises(CorpusError, match=f"{MAX_FILE_ENV} must be a positive number"):
            max_file_bytes()


def test_a_5_mb_line_gives_bounded_sentences_that_cover_it(tmp_path: Path) -> None:
    line = " ".join(f"w{n}" for n in range(900_000))  # ~5.6 MB, one line, no sentence end
    document = parse_document("line.txt", line)
    spans = [s for p in document.passages for s in p.sentences]
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in spans)
    assert " ".join(s.text for s in spans) == line
    assert all(line[s.char_start : s.char_end] == s.text for s in spans)


def test_an_empty_corpus_makes_an_index_that_answers_not_found(
    assistant: Assistant, write_files
) -> None:
    """Before, its first commit wrote vectors as a delta on base files never written, and every
    question then failed with "the vector file … is missing"."""
    report = assistant.update_index()
    assert any("holds no documents" in warning for warning in report.warnings)
    reply = assistant.ask("When does the ferry leave?")
    assert reply.abstained and not reply.answers and not reply.nearest
    write_files({"ferry.txt": "The ferry to Hydra leaves at nine in the morning.\n"})
    report = assistant.update_index()
    assert report.added == ["ferry.txt"] and not report.warnings
    assert assistant.ask("When does the ferry leave?").answers[0].text.startswith("The ferry")
