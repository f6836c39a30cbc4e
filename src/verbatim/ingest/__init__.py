"""Ingest: files → documents (layout, sentences, passages), with spans into the original text.

The package itself holds what listing and loading a corpus needs; parsing is in
:mod:`verbatim.ingest.parse`, imported only where files are read (a question never is).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from verbatim.errors import UnreadableFileError
from verbatim.ingest.decoding import read_text
from verbatim.ingest.files import check_corpus, discover
from verbatim.ingest.loaders import load

if TYPE_CHECKING:
    from verbatim.ingest.extracted import Extracted

# Bump when parsing, cleaning or chunking changes what is indexed (or what the model reads of it:
# 6, sentences read with their heading path; 7, "argv[1]" kept where a document does not cite
# the Wikipedia way; 8, a web extract titled by its first table row's lone cell; 9, plain-text
# headings after a no-break space, FAQ questions marked "Q:" or long, "#" comments in text; 10,
# nor "#" comments that end as sentences do): old indexes then need a rebuild.
CHUNKER_VERSION = 10

__all__ = [
    "CHUNKER_VERSION",
    "UnreadableFileError",
    "check_corpus",
    "content_digest",
    "discover",
    "load",
    "read_text",
]


def content_digest(extracted: Extracted) -> str:
    """What tells a changed file from one merely touched: the hash of the text read from it."""
    return hashlib.sha256(extracted.text.encode("utf-8", "surrogatepass")).hexdigest()
