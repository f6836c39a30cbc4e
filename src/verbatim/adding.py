"""`verbatim add`: bringing files and folders into the corpus, copied or linked."""

from __future__ import annotations

import filecmp
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from verbatim.errors import CorpusError
from verbatim.ingest import UnreadableFileError, load
from verbatim.ingest.loaders import SUPPORTED_SUFFIXES


@dataclass(slots=True)
class Added:
    """Files put into the corpus (relative paths) and files passed over, with the reason."""

    added: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def add_paths(paths: list[Path], corpus: Path, *, link: bool = False) -> Added:
    """Copy (or symbolically link, with ``link``) each file, and each readable file under each
    folder, into ``corpus``; a folder keeps its name and inner layout. Nothing in the corpus
    is overwritten."""
    corpus.mkdir(parents=True, exist_ok=True)
    root = corpus.resolve()
    result = Added()
    for given in paths:
        if not given.exists():
            raise CorpusError(f"{given} does not exist: give files or folders to add")
        source = given.resolve()
        if source == root or root in source.parents:
            result.skipped.append((str(given), "already in the corpus"))
            continue
        for file, relative in _files(source):
            reason = _place(file, corpus / relative, link)
            if reason:
                result.skipped.append((str(file), reason))
            else:
                result.added.append(relative.as_posix())
    return result


def _files(source: Path) -> Iterator[tuple[Path, Path]]:
    """The files to add from ``source`` with their paths relative to the corpus."""
    if source.is_file():
        yield source, Path(source.name)
        return
    for folder, subfolders, names in os.walk(source):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                file = Path(folder, name)
                yield file, Path(source.name, file.relative_to(source))


def _place(file: Path, target: Path, link: bool) -> str:
    """Put ``file`` at ``target``; return why not, or ``""``."""
    if file.suffix.lower() not in SUPPORTED_SUFFIXES:
        return f"not a supported format ({', '.join(sorted(SUPPORTED_SUFFIXES))})"
    if target.exists() or target.is_symlink():
        if target.resolve() == file or filecmp.cmp(file, target, shallow=False):
            return "already in the corpus"
        return f"a different file is already at {target}; rename one of them"
    try:
        load(file)
    except UnreadableFileError as error:
        return f"unreadable: {error}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if link:
        target.symlink_to(file)
    else:
        shutil.copy2(file, target)
    return ""
