"""Reading a corpus file's bytes as text, whatever their encoding."""

from __future__ import annotations

import codecs
from pathlib import Path

from verbatim.errors import UnreadableFileError
from verbatim.ingest.limits import too_large

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
