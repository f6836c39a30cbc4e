"""Hostile documents: nothing in a file (or its name) drives the user's terminal, and no file
exhausts the machine. Each case of the catalogue is a small file made on the spot; `index`
finishes, cleans or skips each with a one-line reason, and the rest is still answered."""

from __future__ import annotations

import os
import pty
import select
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from verbatim.assistant import Assistant
from verbatim.cli import cli
from verbatim.config import Settings, packaged_model_path
from verbatim.controls import escaped, strip_controls

from .documents import write_docx, write_docx_bomb

TITLE_AND_CLIPBOARD = "\x1b]0;PWNED\x07\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J"
ESCAPE_NAME = "\x1b]0;PWNED\x07harbour.txt"
NUL_NAME = "\x1b[2Jnul\x07.txt"
NORMAL = "The observatory on Mount Kell opened in 1902."

# File: (question, the sentence its answer must be) for the files that are read, cleaned.
ANSWERED = {
    "escapes.txt": (
        "Who built the lighthouse of Skerry Point?",
        "The lighthouse of Skerry Point was built by Agnes Morrow in 1871.",
    ),
    ESCAPE_NAME: (
        "Who is the harbour master of Quillon?",
        "The harbour master of Quillon is Tomas Vey.",
    ),
    "manpage.txt": ("What does grep print?", "grep prints lines that match patterns."),
    "late-nul.txt": (
        "When does the ferry to Ardmore leave?",
        "The ferry to Ardmore leaves at dawn.",
    ),
    "invalid-utf8.md": (
        "Until when does the Café Marlowe serve tea?",
        "The Café Marlowe serves tea until midnight.",
    ),
    "deep.html": ("What lies at the bottom?", "A copper key lies at the bottom."),
    "normal.txt": ("When did the observatory on Mount Kell open?", NORMAL),
}
# File: what the one-line warning that skips it says.
SKIPPED = {
    "bomb.docx": "unpacked, its parts passes 100 MB",
    "laughs.docx": "entity",
    "many-pages.pdf": "10,001 pages, over the 10,000-page limit",
    "one-line.txt": "MB limit for one file",
    NUL_NAME: "binary content",
    "loop.txt": "symbolic links",
}


def _write_billion_laughs(path: Path) -> None:
    """A real Word file whose text is an entity that expands ten to the ninth times."""
    plain = write_docx(path.with_suffix(".plain.docx"), "Laughs", [("paragraph", "LAUGHS")])
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    )
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "word/document.xml":
                declaration, rest = data.decode().split("?>", 1)
                rest = rest.replace("LAUGHS", "&l9;")
                data = f"{declaration}?><!DOCTYPE w:document [{entities}]>{rest}".encode()
            target.writestr(member, data)
    plain.unlink()


def _write_pdf_pages(path: Path, pages: int) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument.new()
    for _ in range(pages):
        document.new_page(612, 792)
    document.save(path)
    document.close()


def _write_catalogue(corpus: Path) -> None:
    (corpus / "escapes.txt").write_text(
        f"The lighthouse of Skerry Point{TITLE_AND_CLIPBOARD} was built by "
        "\x1b[31mAgnes Morrow\x1b[0m in 1871.\n"
    )
    (corpus / ESCAPE_NAME).write_text("The harbour master of Quillon is Tomas Vey.\n")
    # Bold and underline as man pages write them: a letter struck over itself, or over "_".
    bold = "".join(f"{c}\b{c}" for c in "grep")
    underlined = "".join(f"_\b{c}" for c in "patterns")
    (corpus / "manpage.txt").write_text(f"{bold} prints lines that match {underlined}.\n")
    (corpus / "late-nul.txt").write_bytes(
        b"Filler " * 1400 + b"\x00\n\nThe ferry to Ardmore\x00 leaves at dawn.\n"
    )
    (corpus / NUL_NAME).write_bytes(b"Text\x00with\x00NUL\x00bytes everywhere.")
    (corpus / "invalid-utf8.md").write_bytes(
        b"# Caf\xe9\n\nThe Caf\xe9 Marlowe serves tea until midnight.\n"
    )
    depth = 100_000
    (corpus / "deep.html").write_text(
        "<html><body>"
        + "<div>" * depth
        + "<p>A copper key lies at the bottom.</p>"
        + "</div>" * depth
        + "</body></html>"
    )
    (corpus / "one-line.txt").write_bytes(b"word " * 4_200_000)  # 21 MB, not one line break
    (corpus / "normal.txt").write_text(NORMAL + "\n")
    write_docx_bomb(corpus / "bomb.docx")
    _write_billion_laughs(corpus / "laughs.docx")
    _write_pdf_pages(corpus / "empty-pages.pdf", 3000)
    _write_pdf_pages(corpus / "many-pages.pdf", 10_001)
    (corpus / "loop.txt").symlink_to("loop.txt")
    (corpus / "folder").mkdir()
    (corpus / "folder" / "up").symlink_to("..", target_is_directory=True)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, str]:
    """The catalogue indexed by `verbatim index`, and what the command wrote on stderr."""
    root = tmp_path_factory.mktemp("hostile")
    settings = Settings(root / "corpus", root / "index", packaged_model_path())
    settings.corpus.mkdir()
    _write_catalogue(settings.corpus)
    args = ["--corpus", str(settings.corpus), "--index", str(settings.index), "index"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return settings, result.stderr


def test_each_hostile_file_is_skipped_with_a_one_line_reason(hostile: tuple[Settings, str]) -> None:
    _, stderr = hostile
    warnings = [line for line in stderr.splitlines() if "warning: skipped" in line]
    assert len(warnings) == len(SKIPPED), stderr
    for name, reason in SKIPPED.items():
        assert any(f"skipped {escaped(name)}: " in w and reason in w for w in warnings), name
    assert "\x1b" not in stderr and "\x07" not in stderr  # file names are shown escaped


def test_the_others_are_indexed_clean_and_answered(hostile: tuple[Settings, str]) -> None:
    settings, _ = hostile
    assistant = Assistant(settings)
    try:
        documents = assistant.index.store.documents()
        assert sorted(documents) == sorted([*ANSWERED, "empty-pages.pdf"])
        count = assistant.index.store.counts()[2]
        texts = [s.text for s in assistant.index.store.sentences(range(1, count + 1)).values()]
        assert all(strip_controls(text).text == text for text in texts)
        assert not any("lol" in text or "boom" in text for text in texts)
        for path, (question, sentence) in ANSWERED.items():
            reply = assistant.ask(question)
            assert not reply.abstained, question
            assert sentence in reply.answers[0].text, (question, reply.answers[0].text)
            assert reply.answers[0].sources[0].path == path
    finally:
        assistant.close()


def _ask_in_a_terminal(settings: Settings, question: str) -> bytes:
    """What `verbatim ask` writes to a pseudo-terminal, as a terminal would receive it."""
    leader, follower = pty.openpty()
    command = [sys.executable, "-c", "from verbatim.cli import main; main()"]
    args = ["--corpus", str(settings.corpus), "--index", str(settings.index), "ask", question]
    process = subprocess.Popen(
        [*command, *args], stdin=follower, stdout=follower, stderr=follower, close_fds=True
    )
    os.close(follower)
    received = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        try:
            chunk = os.read(leader, 65536) if ready else b""
        except OSError:  # the terminal closed: the command is done
            chunk = b""
        if not chunk:
            break
        received += chunk
    os.close(leader)
    assert process.wait(timeout=60) == 0, received
    return received


def test_a_terminal_gets_no_control_sequence_from_a_document(hostile: tuple[Settings, str]) -> None:
    settings, _ = hostile
    shown = _ask_in_a_terminal(settings, "Who built the lighthouse of Skerry Point?")
    assert b"Agnes Morrow in 1871." in shown
    assert b"\x1b]" not in shown and b"\x07" not in shown and b"\x1b[2J" not in shown
    assert b"\x1b[31m" not in shown
    named = _ask_in_a_terminal(settings, "Who is the harbour master of Quillon?")
    assert b"Tomas Vey" in named and escaped(ESCAPE_NAME).encode() in named
    assert b"\x1b]" not in named and b"\x07" not in named


def test_an_index_built_before_cleaning_is_still_shown_escaped(
    hostile: tuple[Settings, str], tmp_path: Path
) -> None:
    """Text that reached an index before documents were cleaned never reaches a terminal raw."""
    settings, _ = hostile
    old = Settings(settings.corpus, tmp_path / "index", settings.model)
    subprocess.run(["cp", "-r", str(settings.index), str(old.index)], check=True)
    (store,) = old.index.glob("store-*.sqlite")
    with sqlite3.connect(store) as database:
        database.execute(
            "UPDATE sentences SET text = replace(text, 'Agnes', ?)",
            ("\x1b]0;PWNED\x07\x9b31m\u202eAgnes",),
        )
    args = ["--corpus", str(old.corpus), "--index", str(old.index), "ask"]
    result = CliRunner().invoke(cli, [*args, "Who built the lighthouse of Skerry Point?"])
    assert result.exit_code == 0, result.output
    assert "\\x1b]0;PWNED\\x07\\x9b31m\\u202eAgnes Morrow" in result.stdout
    assert not {"\x1b", "\x9b", "\u202e"} & set(result.stdout)
    as_json = CliRunner().invoke(
        cli, [*args, "--json", "Who built the lighthouse of Skerry Point?"]
    )
    assert "\\u001b]0;PWNED\\u0007\\u009b31m\\u202eAgnes" in as_json.stdout
    assert not {"\x1b", "\x9b", "\u202e"} & set(as_json.stdout)
