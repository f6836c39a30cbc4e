"""Which files make a corpus: the one rule that indexing, `verbatim add` and the watch share."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath

from verbatim.errors import CorpusError
from verbatim.ingest.loaders import SUPPORTED_SUFFIXES


@dataclass(frozen=True, slots=True)
class Listing:
    """The corpus as found on disk."""

    files: list[str]  # relative POSIX paths of the indexable files, sorted
    unreadable: list[tuple[str, str]]  # folders that could not be listed: (relative path, why)


def check_corpus(corpus: Path) -> None:
    """Raise :class:`CorpusError`, saying what to do, if ``corpus`` is not a folder."""
    if not corpus.is_dir():
        raise CorpusError(
            f"corpus folder {corpus} does not exist: create it and put your documents in it, "
            "or point --corpus at your documents"
        )


def passed_over(relative: PurePath) -> str | None:
    """Why the entry (file or folder) at ``relative``, its path inside a corpus, is passed over
    for its name or a folder's it is in, or None: hidden names (``.x``) and editors' leftovers
    (``#x``, ``.#x``, ``x~``, ``#x#``)."""
    for position, name in enumerate(relative.parts):
        where = "its name" if position == len(relative.parts) - 1 else f"its folder {name}"
        if name.startswith("."):
            return f"hidden ({where} starts with '.'), so never indexed: rename it to index it"
        if name.startswith("#") or name.endswith(("~", "#")):
            return (
                f"an editor's leftover ({where} starts with '#' or ends with '~' or '#'), "
                "so never indexed: rename it to index it"
            )
    return None


def not_indexable(relative: PurePath) -> str | None:
    """Why the file at ``relative``, its path inside a corpus, is not a corpus file, or None:
    it is passed over (:func:`passed_over`), or no loader reads its format."""
    if reason := passed_over(relative):
        return reason
    if relative.suffix.lower() not in SUPPORTED_SUFFIXES:
        return f"not a supported format ({', '.join(sorted(SUPPORTED_SUFFIXES))})"
    return None


def discover(corpus: Path) -> Listing:
    """The indexable files under ``corpus`` (:func:`not_indexable`), and the folders that could
    not be listed. Symbolic links to folders are not followed, so link loops cannot trap the
    walk."""
    check_corpus(corpus)
    unreadable: list[tuple[str, str]] = []

    def note(error: OSError) -> None:
        folder = Path(error.filename).relative_to(corpus).as_posix()
        unreadable.append(("" if folder == "." else folder, error.strerror or str(error)))

    files = sorted(_walk(corpus, note))
    return Listing(files, sorted(unreadable))


def _walk(corpus: Path, unreadable: Callable[[OSError], None]) -> Iterator[str]:
    for folder, subfolders, names in os.walk(corpus, onerror=unreadable, followlinks=False):
        subfolders[:] = sorted(d for d in subfolders if passed_over(PurePath(d)) is None)
        for name in names:
            if not_indexable(PurePath(name)) is not None:
                continue
            path = Path(folder, name)
            if path.is_file() or path.is_symlink():  # a broken or looping link is reported
                yield path.relative_to(corpus).as_posix()
