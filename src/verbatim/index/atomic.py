"""Files written whole or not at all (to a temporary name, synced to disk, then renamed), and
read back whole or reported as damage."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from verbatim.errors import REBUILD, IndexDamagedError


def write_file(path: Path, write: Callable[[Path], object]) -> None:
    """Have ``write`` fill a temporary file beside ``path``, then put it in place atomically."""
    temporary = path.with_name(path.name + ".tmp")
    write(temporary)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def write_text(path: Path, text: str) -> None:
    write_file(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def write_arrays(path: Path, arrays: dict[str, Any]) -> None:
    """Numpy arrays by name, as an uncompressed ``.npz`` file."""
    import numpy as np

    def write(temporary: Path) -> None:
        with open(temporary, "wb") as handle:
            np.savez(handle, **arrays)

    write_file(path, write)


def read_arrays(path: Path, keys: list[str], what: str) -> dict[str, Any]:
    """The arrays ``keys`` of an ``.npz`` file written by :func:`write_arrays`; an unreadable
    file, or one without them, is index damage named as ``what`` (e.g. "vector file")."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in keys}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise IndexDamagedError(f"the {what} {path.name} is unreadable: {REBUILD}") from error
