"""Verbatim: answers quoted verbatim from your documents, each with its source."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from verbatim.assistant import Assistant
    from verbatim.config import Settings
    from verbatim.errors import VerbatimError
    from verbatim.types import Answer, Reply, Source

__all__ = ["Answer", "Assistant", "Reply", "Settings", "Source", "VerbatimError"]

_HOMES = {
    "Assistant": "verbatim.assistant",
    "Settings": "verbatim.config",
    "VerbatimError": "verbatim.errors",
    "Answer": "verbatim.types",
    "Reply": "verbatim.types",
    "Source": "verbatim.types",
}


def __getattr__(name: str) -> Any:
    # Imported on first use, so `verbatim --help` does not pay for numpy and the model stack.
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'verbatim' has no attribute {name!r}")
