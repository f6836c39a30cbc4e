"""`verbatim serve`: one warm :class:`Assistant` answering `verbatim ask` over a Unix socket.

The socket is only reachable by its owner (a 0700 folder or the index folder, a 0600 socket).
Each connection sends JSON lines ``{"protocol", "corpus", "index", "model", "question", "k"}``
and gets back ``{"reply": dataclasses.asdict(reply), "json": reply.to_dict()}``, or
``{"fallback": why}`` when the asker should answer in-process: another corpus, index or model,
a corpus changed since the index was updated (the asker updates it, with its progress shown),
or any error (the asker then meets it itself and reports it as usual). The server notices an
updated index by its manifest and generation, and reopens it before answering.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import math
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import IO, Any

from verbatim.assistant import Assistant
from verbatim.errors import VerbatimError
from verbatim.index import indexer
from verbatim.serve.client import MAX_LINE, PROTOCOL, identity, socket_path

DEFAULT_IDLE_SECONDS = 900.0
# Without a watch on the corpus, how long a look at it (sizes and times of every file) stays
# good: scanning thousands of files costs more than answering (163 ms for 3,660 files).
FRESH_FOR_SECONDS = 2.0
# With one, changes are reported this soon after they settle.
WATCH_DEBOUNCE_MS, WATCH_STEP_MS = 200, 50


class Server:
    """Answers questions for one corpus, index and model until idle for ``idle_seconds``
    (never, when that is 0)."""

    def __init__(
        self,
        assistant: Assistant,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        fresh_for: float = FRESH_FOR_SECONDS,
    ) -> None:
        self.assistant = assistant
        self.identity = identity(assistant.settings)
        self.idle_seconds = idle_seconds
        self.fresh_for = fresh_for
        self._fresh_at = -math.inf  # when the corpus was last seen to match the index
        # While the corpus is watched, it is looked at only after it changed (or the index was
        # reopened), so questions in between pay nothing for freshness.
        self._watching = False
        self._changed = threading.Event()
        self._stop_watching = threading.Event()
        self.path = socket_path(assistant.settings.index)
        self._lock = threading.Lock()  # one question at a time uses the assistant
        self._active = 0  # open connections
        self._last_seen = time.monotonic()
        self._opened: tuple[Any, ...] | None = None  # what the last question was answered from
        self._reopen_if_updated()  # opens the index now, not at the first question

    # -- answering -------------------------------------------------------------------------
    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """The response to one request (see the module docstring)."""
        if request.get("protocol") != PROTOCOL:
            return {"fallback": "another protocol version"}
        if {key: request.get(key) for key in self.identity} != self.identity:
            return {"fallback": "this server serves another corpus, index or model"}
        with self._lock:
            try:
                self._reopen_if_updated()
                if not self._corpus_matches_index():
                    return {"fallback": "the corpus changed since the index was updated"}
                reply = self.assistant.ask(str(request["question"]), int(request["k"]))
            except VerbatimError as error:
                return {"fallback": str(error)}
        return {"reply": dataclasses.asdict(reply), "json": reply.to_dict()}

    def _corpus_matches_index(self) -> bool:
        if self._watching:
            if not self._changed.is_set():
                return True
            self._changed.clear()  # a change during the look below sets it again
        elif time.monotonic() - self._fresh_at < self.fresh_for:
            return True
        if indexer.is_stale(self.assistant.settings.corpus, self.assistant.index):
            self._changed.set()
            return False
        self._fresh_at = time.monotonic()
        return True

    def start_watching(self) -> None:
        """Watch the corpus in the background from now on (until :meth:`close`); if
        the watch fails, freshness falls back to a look every ``fresh_for`` seconds."""
        from verbatim.watch import corpus_changes

        settings = self.assistant.settings
        changes = corpus_changes(
            settings.corpus, settings.index, self._stop_watching, WATCH_DEBOUNCE_MS, WATCH_STEP_MS
        )

        def watch() -> None:
            try:
                for _ in changes:
                    self._changed.set()
                    self._watching = True  # set up: every change from now on is seen
            except (OSError, RuntimeError, VerbatimError):
                pass
            self._watching = False

        threading.Thread(target=watch, name="verbatim-serve-watch", daemon=True).start()

    @property
    def watching(self) -> bool:
        """Whether the corpus watch is set up (questions then look at the corpus only after it
        changed); until then, and if it fails, they look every ``fresh_for`` seconds."""
        return self._watching

    def close(self) -> None:
        """Stop watching the corpus."""
        self._stop_watching.set()

    def _reopen_if_updated(self) -> None:
        """Open the index `verbatim index` published or committed since the last question
        (:meth:`Assistant.answering_from`), and then look at the corpus again for it."""
        state = self.assistant.answering_from(opening=True)
        if state != self._opened:
            self._opened = state
            self._fresh_at = -math.inf
            self._changed.set()

    # -- the socket ------------------------------------------------------------------------
    def serve_forever(self, ready: IO[str] | None = None) -> None:
        """Listen until idle (or until SIGTERM or SIGINT), watching the corpus; remove the socket
        on the way out."""
        self.start_watching()
        with (
            contextlib.suppress(KeyboardInterrupt),
            contextlib.closing(self),
            self._listening() as listener,
        ):
            if ready is not None:
                print(f"Serving {self.identity['corpus']} on {self.path}", file=ready, flush=True)
            while True:
                listener.settimeout(self._wait())
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    if self._is_idle():
                        return
                    continue
                with self._lock:
                    self._active += 1
                threading.Thread(target=self._converse, args=(connection,), daemon=True).start()

    def _wait(self) -> float | None:
        if not self.idle_seconds:
            return None
        return max(self._last_seen + self.idle_seconds - time.monotonic(), 0.05)

    def _is_idle(self) -> bool:
        with self._lock:
            quiet = time.monotonic() - self._last_seen
            return self._active == 0 and quiet >= self.idle_seconds

    def _converse(self, connection: socket.socket) -> None:
        connection.settimeout(self.idle_seconds or None)  # a silent client counts as gone
        try:
            with connection, connection.makefile("rwb") as stream:
                while line := stream.readline(MAX_LINE):
                    response = self.answer(json.loads(line))
                    stream.write(json.dumps(response).encode() + b"\n")
                    stream.flush()
                    self._last_seen = time.monotonic()
        except (OSError, ValueError) as error:  # a client gone or garbled: only it is affected
            print(f"verbatim serve: dropped a connection: {error}", file=sys.stderr)
        finally:
            with self._lock:
                self._active -= 1
                self._last_seen = time.monotonic()

    @contextlib.contextmanager
    def _listening(self) -> Iterator[socket.socket]:
        folder = self.path.parent
        if folder != self.assistant.settings.index.resolve():
            _private_folder(folder)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise VerbatimError(
                    f"a server is already running for this index (socket {self.path}): "
                    "stop it first, or just use it"
                ) from None
            self.path.unlink(missing_ok=True)  # left by a server that did not stop cleanly
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            previous = os.umask(0o177)  # the socket is born 0600: no window for others
            try:
                listener.bind(str(self.path))
            finally:
                os.umask(previous)
            listener.listen(16)
            stopping = signal.signal(signal.SIGTERM, _exit)
            try:
                yield listener
            finally:
                signal.signal(signal.SIGTERM, stopping)
                listener.close()
                self.path.unlink(missing_ok=True)


def _exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _private_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    state = folder.stat()
    if state.st_uid != os.getuid() or state.st_mode & 0o077:
        raise VerbatimError(
            f"{folder} is not private to you: remove it, or use a shorter --index path"
        )
