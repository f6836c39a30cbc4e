"""Sentence embeddings with a local sentence-transformers model, imported only when needed."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from verbatim.errors import ModelError

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from verbatim.index.question_encoder import QuestionEncoder

Progress = Callable[[int, int], None]

_STEP = 256  # texts per progress report; the model batches further inside
BATCH_SIZE = 32  # 16 to 64 encode equally fast here; padding is what costs, hence the sorting


def model_fingerprint(model_path: Path) -> str:
    """A digest of the model's configuration and weight files (names, sizes, small files' bytes),
    so an index knows which model made its vectors without loading that model."""
    if not model_path.is_dir():
        raise ModelError(
            f"model folder {model_path} does not exist: point --model (or VERBATIM_MODEL) at a "
            "local sentence-transformers model folder"
        )
    digest = hashlib.sha256()
    for path in sorted(p for p in model_path.rglob("*") if p.is_file()):
        relative = path.relative_to(model_path).as_posix()
        if relative.startswith(".") or relative.lower().endswith(".md"):
            continue
        size = path.stat().st_size
        digest.update(f"{relative}\0{size}\0".encode())
        if size <= 1 << 20:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def _load_model(model_path: Path) -> SentenceTransformer:
    """Load a model once per process, however many assistants use it."""
    # Never reach for a model hub: everything this program uses is on disk.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(str(model_path), device="cpu")
    except (OSError, ValueError) as error:
        raise ModelError(
            f"cannot load a sentence-transformers model from {model_path} ({error}): "
            "point --model at a local sentence-transformers model folder"
        ) from error


class Embedder:
    """Encodes texts to unit-length float32 vectors (so inner product is cosine similarity):
    with the model's ONNX export beside the index in ``index_directory`` where there is one
    (made by :func:`verbatim.index.indexer.prepare_question_encoder`: 1.4 times as fast, and
    torch is never imported), else with the model itself. ``threads``: the export's (0: one per
    core)."""

    def __init__(
        self, model_path: Path, index_directory: Path | None = None, threads: int = 0
    ) -> None:
        self.model_path = model_path.resolve()
        self.fingerprint = model_fingerprint(self.model_path)
        self.index_directory = index_directory
        self.threads = threads
        self._exported: QuestionEncoder | None = None

    @property
    def model(self) -> SentenceTransformer:
        return _load_model(self.model_path)

    def exported(self) -> QuestionEncoder | None:
        """The model's export beside the index, once there is one."""
        if self._exported is None and self.index_directory is not None:
            from verbatim.index.question_encoder import QuestionEncoder

            self._exported = QuestionEncoder.find(
                self.index_directory, self.fingerprint, remove_broken=False, threads=self.threads
            )
        return self._exported

    @property
    def dimension(self) -> int:
        if exported := self.exported():
            return exported.dimension
        model = self.model
        get_dimension = getattr(model, "get_embedding_dimension", None) or (
            model.get_sentence_embedding_dimension  # sentence-transformers before 6
        )
        size = get_dimension()
        if size is None:
            raise ModelError(f"model {self.model_path} does not say its embedding dimension")
        return int(size)

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Unit vectors for ``texts``, shape (len(texts), dimension)."""
        import numpy as np  # not at the top: `verbatim status` has no use for it

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Longest first over all texts, not only within each step, so batches hold texts of
        # like length and little padding is encoded.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        exported = self.exported()
        for start in range(0, len(texts), _STEP):
            chosen = order[start : start + _STEP]
            batch = [texts[i] for i in chosen]
            vectors[chosen] = (
                exported.encode(batch)
                if exported
                else self.model.encode(
                    batch,
                    batch_size=BATCH_SIZE,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            )
            if progress is not None:
                progress(min(start + _STEP, len(texts)), len(texts))
        return vectors
