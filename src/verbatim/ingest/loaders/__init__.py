"""Loaders: one module per file format, chosen by content sniffing, then by extension.

A loader module has ``sniff(head: bytes) -> bool`` (true when the first bytes of a file say it is
of that format whatever its name) and ``load(path: Path) -> Extracted``, which raises
:class:`UnreadableFileError` for a file it cannot read; it imports its parsing library inside
``load``. Supporting a new format means one new module and its line in ``_SUFFIXES``.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from verbatim.errors import UnreadableFileError
from verbatim.ingest.limits import Budget

if TYPE_CHECKING:
    from verbatim.ingest.extracted import Extracted

# Module names under this package with their extensions, in the order their sniffing is tried.
_SUFFIXES = {
    "pdf": (".pdf",),
    "docx": (".docx",),
    "html": (".html", ".htm", ".xhtml"),
    "markdown": (".md", ".markdown"),
    "text": (".txt",),
}
SUPPORTED_SUFFIXES = frozenset(suffix for names in _SUFFIXES.values() for suffix in names)
SNIFF_BYTES = 1024


def _module(name: str) -> ModuleType:
    return import_module(f"{__name__}.{name}")


def loader_for(path: Path) -> ModuleType:
    """The loader module for ``path``: the format its content announces, else its extension."""
    try:
        with path.open("rb") as file:
            head = file.read(SNIFF_BYTES)
    except OSError as error:
        raise UnreadableFileError(error.strerror or str(error)) from error
    suffix = path.suffix.lower()
    for name in _SUFFIXES:
        module = _module(name)
        if suffix not in _SUFFIXES[name] and module.sniff(head):
            return module
    for name, suffixes in _SUFFIXES.items():
        if suffix in suffixes:
            return _module(name)
    raise UnreadableFileError(f"no loader for {suffix or 'files without an extension'}")


def load(path: Path) -> Extracted:
    """Read one corpus file with the loader for its format, as a terminal would show it."""
    try:
        extracted: Extracted = loader_for(path).load(path)
    except UnreadableFileError:
        raise
    except Exception as error:
        # A parsing library failing on one odd file must not stop the whole corpus from
        # being indexed: the file is skipped with this reason, like any unreadable file.
        raise UnreadableFileError(f"{type(error).__name__}: {error}") from error
    Budget("its text").spend(len(extracted.text))  # loaders that can run long stop sooner
    return extracted.printable()
