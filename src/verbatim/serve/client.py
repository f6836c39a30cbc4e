"""Asking a running `verbatim serve` instead of loading the index in this process.

Kept light (sockets and JSON only) so that a `verbatim ask` answered by the server starts in
about a tenth of a second. Whenever the server is absent, serves another corpus, index or model,
or cannot answer exactly as this process would, the caller answers in-process instead.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import socket
import tempfile
import types
import typing
from pathlib import Path
from typing import Any

from verbatim.config import Settings
from verbatim.types import Reply

PROTOCOL = 1
SOCKET_NAME = "serve.sock"
_MAX_SOCKET_PATH = 100  # bytes; AF_UNIX allows 107 on Linux, 103 on macOS
_CONNECT_SECONDS = 1.0
_REPLY_SECONDS = 30.0  # a question takes milliseconds; reopening a large index, a second or so
MAX_LINE = 1 << 24  # bytes in one request or reply line


def socket_path(index: Path) -> Path:
    """Where the server for ``index`` listens: in the index folder, or in a per-user runtime
    folder, named by a digest of the index path, when that path is too long for AF_UNIX."""
    index = index.resolve()
    path = index / SOCKET_NAME
    if len(os.fsencode(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(os.fsencode(index)).hexdigest()[:20]
    return runtime_directory() / f"{digest}.sock"


def runtime_directory() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"verbatim-{os.getuid()}"


def identity(settings: Settings) -> dict[str, str]:
    """What a server must be serving to answer for ``settings``."""
    return {
        "corpus": str(settings.corpus.resolve()),
        "index": str(settings.index.resolve()),
        "model": str(settings.model.resolve()),
    }


def is_serving(index: Path) -> bool:
    """True when a server accepts connections for ``index``."""
    connection = _connect(socket_path(index))
    if connection is None:
        return False
    connection.close()
    return True


def _connect(path: Path) -> socket.socket | None:
    try:
        if os.stat(path).st_uid != os.getuid():  # only ever talk to our own server
            return None
    except OSError:
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(_CONNECT_SECONDS)
    try:
        connection.connect(str(path))
    except OSError:  # a stale socket file: no server behind it
        connection.close()
        return None
    connection.settimeout(_REPLY_SECONDS)
    return connection


class Client:
    """A connection to the server for one corpus, index and model."""

    def __init__(self, connection: socket.socket, settings: Settings) -> None:
        self._connection: socket.socket | None = connection
        self._stream = connection.makefile("rwb")
        self._identity = identity(settings)

    @classmethod
    def connect(cls, settings: Settings) -> Client | None:
        """A client of the running server for ``settings.index``, or None if none runs."""
        connection = _connect(socket_path(settings.index))
        return None if connection is None else cls(connection, settings)

    def ask(self, question: str, k: int) -> Reply | None:
        """The server's reply, or None when it cannot give one this process would give; the
        client is closed then, and later questions are answered in-process."""
        if self._connection is None:
            return None
        request = {"protocol": PROTOCOL, **self._identity, "question": question, "k": k}
        try:
            self._stream.write(json.dumps(request).encode() + b"\n")
            self._stream.flush()
            response = json.loads(self._stream.readline(MAX_LINE))
            reply = rebuild(Reply, response["reply"])
            # The reply must print exactly as the server's own would: else answer in-process.
            if json.dumps(reply.to_dict()) != json.dumps(response["json"]):
                raise ValueError("the reply did not survive the way here")
        except (OSError, ValueError, KeyError, TypeError):
            self.close()
            return None
        return reply

    def close(self) -> None:
        if self._connection is not None:
            self._stream.close()
            self._connection.close()
            self._connection = None


def rebuild(kind: Any, data: Any) -> Any:
    """The value of type ``kind`` that :func:`dataclasses.asdict` turned into ``data``."""
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        hints = typing.get_type_hints(kind)
        fields = (f.name for f in dataclasses.fields(kind) if f.init and f.name in data)
        return kind(**{name: rebuild(hints[name], data[name]) for name in fields})
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin is tuple:
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return tuple(rebuild(arguments[0], item) for item in data)
        return tuple(rebuild(a, item) for a, item in zip(arguments, data, strict=True))
    if origin is list:
        return [rebuild(arguments[0], item) for item in data]
    if origin is dict:
        return {key: rebuild(arguments[1], item) for key, item in data.items()}
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        return rebuild(next(a for a in arguments if a is not type(None)), data)
    return data
