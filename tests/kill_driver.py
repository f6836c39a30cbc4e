"""`verbatim index` run in a subprocess that SIGKILLs itself at its Nth moment of index work.

Usage: python kill_driver.py CORPUS INDEX KILL_AT [--rebuild]. Moments are opens, renames,
removals and SQLite connections under INDEX (audit events), every few embedded texts, and each
side of every SQLite COMMIT. KILL_AT 0 kills no one and prints the moments, one a line, so a
test can choose among them. Texts are embedded by the index's own ONNX export of the model
(the same vectors, without importing torch), so each run starts in about a second.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from verbatim.assistant import Assistant
from verbatim.config import Settings, packaged_model_path
from verbatim.index.embed import Embedder
from verbatim.index.question_encoder import QuestionEncoder, directory_for
from verbatim.index.store import Store

FILE_EVENTS = ("open", "os.rename", "os.remove", "os.mkdir", "shutil.rmtree", "sqlite3.connect")
EMBED_STEP = 4  # texts between two moments while embedding

corpus, index, kill_at = Path(sys.argv[1]), Path(sys.argv[2]).resolve(), int(sys.argv[3])
moments: list[str] = []


def moment(name: str) -> None:
    moments.append(name)
    if len(moments) == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)


def audit(event: str, args: tuple[Any, ...]) -> None:
    if event in FILE_EVENTS and args and str(args[0]).startswith(str(index)):
        moment(f"{event} {Path(str(args[0])).name}")


class OnnxEmbedder(Embedder):
    """The packaged model, run through the ONNX export that indexing made beside the index."""

    def __init__(self, model_path: Path) -> None:
        super().__init__(model_path)
        self.encoder = QuestionEncoder(directory_for(index, self.fingerprint))

    @property
    def dimension(self) -> int:
        return self.encoder.dimension

    def encode(self, texts: Sequence[str], progress: Any = None) -> Any:
        import numpy as np

        parts = [np.zeros((0, self.dimension), dtype=np.float32)]
        for start in range(0, len(texts), EMBED_STEP):
            parts.append(self.encoder.encode(texts[start : start + EMBED_STEP]))
            moment("embedding")
        return np.vstack(parts)


original_transaction = Store.transaction


@contextmanager
def transaction(self: Store) -> Iterator[None]:
    with original_transaction(self):
        yield
        moment("before COMMIT")
    moment("after COMMIT")


Store.transaction = transaction  # type: ignore[method-assign]
assistant = Assistant(Settings(corpus, index, packaged_model_path()))
assistant.embedder = OnnxEmbedder(assistant.settings.model)
print("started", flush=True)
sys.addaudithook(audit)
report = assistant.update_index(rebuild="--rebuild" in sys.argv)
print("\n".join(moments), flush=True)
