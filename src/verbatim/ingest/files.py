"""Finding the corpus files and reading them as text, whatever their encoding."""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from verbatim.errors import CorpusError, UnreadableFileError
from verbatim.ingest.limits import too_large


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


def discover(corpus: Path) -> Listing:
    """The indexable files under ``corpus``, and the folders that could not be listed.

    Hidden files and folders and editor leftovers (``.#x``, ``x~``, ``#x#``) are passed over;
    symbolic links to folders are not followed, so link loops cannot trap the walk.
    """
    check_corpus(corpus)
    unreadable: list[tuple[str, str]] = []

    def note(error: OSError) -> None:
        folder = Path(error.filename).relative_to(corpus).as_posix()
        unreadable.append(("" if folder == "." else folder, error.strerror or str(error)))

    files = sorted(_walk(corpus, note))
    return Listing(files, sorted(unreadable))


def _walk(corpus: Path, unreadable: Callable[[OSError], None]) -> Iterator[str]:
    from verbatim.ingest.loaders import SUPPORTED_SUFFIXES  # the loaders read files with this

    for folder, subfolders, names in os.walk(corpus, onerror=unreadable, followlinks=False):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in names:
            if _is_leftover(name) or Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            path = Path(folder, name)
            if path.is_file() or path.is_symlink():  # a broken or looping link is reported
                yield path.relative_to(corpus).as_posix()


def _is_leftover(name: str) -> bool:
    return name.startswith((".", "#")) or name.endswith(("~", "#"))


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


_LATIN_CODE_PAGES = (
    "cp1250", "cp1252", "cp1257", "latin_1", "iso8859", "mac_latin2", "mac_roman",
    "mac_iceland", "mac_turkish", "cp775", "cp850", "cp437",
)  # fmt: skip


def decode(data: bytes) -> str:
    """Decode file bytes: a BOM if present, else UTF-8, else the best charset guess.

    Raises :class:`UnreadableFileError` for binary data.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:8192]:
        raise UnreadableFileError("binary content (NUL bytes), not text")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnreadableFileError("not text in any encoding recognised")
    if best.encoding.startswith(_LATIN_CODE_PAGES):
        # Bytes alone cannot tell the Latin-script code pages apart; Windows-1252 (a superset
        # of ISO 8859-1) is by far the most common of them.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return str(best)


def read_text(path: Path) -> str:
    """Read one corpus file as text."""
    try:
        if reason := too_large(path.stat().st_size):
            raise UnreadableFileError(reason)
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableFileError(error.strerror or str(error)) from error
    if b"\x00" in data[:8192] and not data.startswith(tuple(bom for bom, _ in _BOMS)):
        raise UnreadableFileError("binary content (NUL bytes), not text")
    return decode(data)
