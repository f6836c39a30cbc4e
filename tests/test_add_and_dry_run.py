"""`verbatim add` (copy or link into the corpus) and `verbatim index --dry-run`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner, Result

from verbatim.cli import cli

from .documents import write_pdf


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_dry_run_lists_what_an_update_would_do_and_changes_nothing(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "keep.txt").write_text("The lighthouse keeper lives on the cliff.\n")
    (corpus / "edit.txt").write_text("The ferry is blue.\n")
    (corpus / "gone.txt").write_text("The pier is closed in winter.\n")
    args = ["--corpus", str(corpus), "--index", str(index)]
    first = run(*args, "index", "--dry-run")
    assert first.exit_code == 0, first.output
    assert "Would build the index anew (there is no index yet)" in first.stdout
    assert "add: edit.txt" in first.stdout and "Would add 3, re-embed 0" in first.stdout
    assert not index.exists()

    assert run(*args, "index").exit_code == 0
    (corpus / "edit.txt").write_text("The ferry is green now.\n")
    os.utime(corpus / "keep.txt", ns=(1, 1))  # touched, same content: nothing to embed
    (corpus / "gone.txt").unlink()
    (corpus / "new.txt").write_text("The harbour opened in 1887.\n")
    (corpus / "bad.pdf").write_bytes(b"%PDF-1.4 truncated")
    plan = run(*args, "index", "--dry-run")
    lines = plan.stdout.splitlines()
    assert {"add: new.txt", "re-embed: edit.txt", "remove: gone.txt"} <= set(lines)
    assert any(line.startswith("skip: bad.pdf (") for line in lines)
    assert not any("keep.txt" in line for line in lines)
    assert "Would add 1, re-embed 1, remove 1 and skip 1 file(s); 1 unchanged." in plan.stdout
    status = json.loads(run(*args, "status", "--json").stdout)
    assert status["documents"] == 3  # the dry run wrote nothing
    assert (
        "Would build the index anew (--rebuild was given)"
        in run(*args, "index", "--dry-run", "--rebuild").stdout
    )


def test_add_copies_or_links_and_updates_the_index(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    outside = tmp_path / "outside"
    (outside / "reports" / "old").mkdir(parents=True)
    (outside / "reports" / "ferries.md").write_text("# Ferries\n\nThe night ferry takes cars.\n")
    write_pdf(outside / "reports" / "old" / "survey.pdf", [["The survey counted 40 boats."]])
    (outside / "reports" / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (outside / "notes.txt").write_text("The lock keeper retires in May.\n")
    args = ["--corpus", str(corpus), "--index", str(index)]

    copied = run(*args, "add", str(outside / "reports"))
    assert copied.exit_code == 0, copied.output
    assert "added: reports/ferries.md" in copied.stdout
    assert "added: reports/old/survey.pdf" in copied.stdout
    assert f"skipped: {outside / 'reports' / 'photo.jpg'} (not a supported format" in copied.stdout
    assert "2 added, 1 skipped." in copied.stdout and "2 added" in copied.stderr
    assert (corpus / "reports" / "ferries.md").is_file()
    assert not (corpus / "reports" / "ferries.md").is_symlink()

    linked = run(*args, "add", "--link", str(outside / "notes.txt"))
    assert linked.exit_code == 0, linked.output
    assert "linked: notes.txt" in linked.stdout and "1 added" in linked.stderr
    assert (corpus / "notes.txt").is_symlink()
    reply = json.loads(run(*args, "ask", "--json", "When does the lock keeper retire?").stdout)
    assert reply["answers"][0]["sources"][0]["path"] == "notes.txt"
    survey = json.loads(run(*args, "ask", "--json", "How many boats did the survey count?").stdout)
    assert survey["answers"][0]["sources"][0]["page"] == 1

    again = run(*args, "add", str(outside / "notes.txt"), str(corpus / "reports"))
    assert again.stdout.count("already in the corpus") == 2
    assert "0 added, 2 skipped." in again.stdout
    missing = run(*args, "add", str(tmp_path / "nowhere.txt"))
    assert missing.exit_code == 2 and "nowhere.txt does not exist" in missing.stderr


def test_add_refuses_what_the_index_would_pass_over(tmp_path: Path) -> None:
    """A hidden file or an editor's leftover would never be indexed: it is not added."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    outside = tmp_path / "outside"
    (outside / "drafts" / ".git").mkdir(parents=True)
    (outside / ".notes.md").write_text("The ferry leaves at six.\n")
    (outside / "#draft.md").write_text("The ferry leaves at seven.\n")
    (outside / "drafts" / "plan.md").write_text("The ferry leaves at eight.\n")
    (outside / "drafts" / ".hidden.md").write_text("The ferry leaves at nine.\n")
    (outside / "drafts" / "plan.md~").write_text("The ferry leaves at ten.\n")
    (outside / "drafts" / ".git" / "HEAD.txt").write_text("ref: main\n")
    args = ["--corpus", str(corpus), "--index", str(index)]

    added = run(*args, "add", str(outside / ".notes.md"), str(outside / "#draft.md"))
    assert added.exit_code == 0, added.output
    assert added.stdout.splitlines() == [
        f"skipped: {outside / '.notes.md'} (hidden (its name starts with '.'), so never "
        "indexed: rename it to index it)",
        f"skipped: {outside / '#draft.md'} (an editor's leftover (its name starts with '#' or "
        "ends with '~' or '#'), so never indexed: rename it to index it)",
        "0 added, 2 skipped.",
    ]
    assert list(corpus.iterdir()) == []

    folder = run(*args, "add", str(outside / "drafts"))
    assert folder.exit_code == 0, folder.output
    lines = folder.stdout.splitlines()
    assert lines[0] == "added: drafts/plan.md" and lines[-1] == "1 added, 3 skipped."
    for name in (".git", ".hidden.md", "plan.md~"):
        assert any(line.startswith(f"skipped: {outside / 'drafts' / name} (") for line in lines)
    assert sorted(p.name for p in (corpus / "drafts").iterdir()) == ["plan.md"]
    status = json.loads(run(*args, "status", "--json").stdout)
    assert status["documents"] == 1 and not status["stale"]
