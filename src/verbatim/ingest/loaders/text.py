"""Plain text (and wikitext): read as it is; its layout comes from the text itself."""

from __future__ import annotations

from pathlib import Path

from verbatim.ingest.decoding import read_text
from verbatim.ingest.extracted import Extracted


def sniff(head: bytes) -> bool:
    return False  # text is what is left when no other format claims a file


def load(path: Path) -> Extracted:
    return Extracted(read_text(path))
