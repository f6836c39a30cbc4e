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
from verbatim.ingest.files import not_indexable, passed_over


@dataclass(slots=True)
class Added:
    """Files put into the corpus (relative paths) and files passed over, with the reason."""

    added: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def add_paths(paths: list[Path], corpus: Path, *, link: bool = False) -> Added:
    """Copy (or symbolically link, with ``link``) each file, and each readable file under each
    folder, into ``corpus``; a folder keeps its name and inner layout. Nothing in the corpus
    is overwritten, and a file the index would pass over (:func:`not_indexable`) is refused."""
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
        for file, relative, refused in _entries(source):
            reason = refused or _place(file, corpus / relative, link)
            if reason:
                result.skipped.append((str(file), reason))
            else:
                result.added.append(relative.as_posix())
    return result


def _entries(source: Path) -> Iterator[tuple[Path, Path, str | None]]:
    """The files to add from ``source``, each with its path relative to the corpus and why the
    index would pass it over (or None); a folder the index passes over is named once, not
    walked."""
    top = Path(source.name)
    if source.is_file():
        yield source, top, not_indexable(top)
        return
    if reason := passed_over(top):
        yield source, top, reason
        return
    for folder, subfolders, names in os.walk(source):
        inside = Path(source.name, Path(folder).relative_to(source))
        for name in sorted(subfolders):
            if reason := passed_over(inside / name):
                yield Path(folder, name), inside / name, reason
        subfolders[:] = sorted(d for d in subfolders if passed_over(inside / d) is None)
        for name in sorted(names):
            yield Path(folder, name), inside / name, not_indexable(inside / name)


def _place(file: Path, target: Path, link: bool) -> str:
    """Put ``file`` at ``target``; return why not, or ``""``."""
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
