"""Questions (and documents) encoded with ONNX Runtime, so that asking never imports torch.

Before an index is first built, the sentence-transformers model's transformer is exported to
ONNX beside it (:func:`export`) and checked to give the model's vectors; from then on a question
costs a ~0.3 s session load instead of a ~10 s torch import, and indexing encodes documents
with it too (:class:`verbatim.index.embed.Embedder`). The export keeps its weights in 8 bits
where that still gives nearly the model's vectors: a question is then encoded in a third of the
time, from a file a quarter the size.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from verbatim.index.embed import Embedder

MIN_AGREEMENT = 0.999  # least cosine between an export's vectors and the model's own
# ... and for one with 8-bit weights. all-MiniLM-L6-v2's gives 0.989 or more on the dev sets'
# questions (0.993 on average) and answers as often (SQuAD held out 0.773 vs 0.776 answer@1,
# realdocs-dev 0.650 either way); encoding takes 3 instead of 8.5 ms.
MIN_QUANTISED_AGREEMENT = 0.98
EXPORT_VERSION = 2  # 2: weights in 8 bits where they agree; an older export is made again
_BATCH = 32  # texts encoded in one run by an export with full weights
# An export with 8-bit weights quantises its activations with one scale per run, so a text run
# beside others gets another vector (cosine 0.987-0.99 to its own): it encodes one text per
# run, which makes a text's vector its own, and is as fast (no padding to encode).
_QUANTISED_BATCH = 1
_CONFIG = "encoder.json"
_MODEL = "model.onnx"  # optimised graph; full weights are beside it, in model.onnx.data
_PROBES = (  # texts on which an export must agree with the model it was made from
    "Who commanded the Quds Force?",
    "When was the treaty signed, and by whom?",
    "a",
    "Ünïcödé, 中文 and عربى in one line.",
    " ".join(["A long passage of words to reach the model's maximum length."] * 40),
)


def directory_for(index_directory: Path, fingerprint: str) -> Path:
    """Where the encoder for the model with ``fingerprint`` lives in an index directory."""
    return index_directory / f"encoder-{fingerprint}"


class QuestionEncoder:
    """An exported model: a tokenizer, an ONNX transformer and its pooling, run on the CPU."""

    def __init__(self, directory: Path, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        config = json.loads((directory / _CONFIG).read_text(encoding="utf-8"))
        self._pooling: str = config["pooling"]
        self._input_names: list[str] = config["input_names"]
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.enable_truncation(config["max_length"])
        self._tokenizer.no_padding()  # padded per batch, in _run
        self._pad_id: int = config["pad_id"]
        self._batch = _QUANTISED_BATCH if config["quantised"] else _BATCH
        self.dimension: int = config["dimension"]
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only
        # optimised once at export time; loading skips that work (0.14 s instead of 0.31 s)
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        # A question is a few tokens: more threads only hand work around, and their spinning
        # between runs slows the FAISS search that follows (warm p50 150 → 30 ms when busy).
        # Documents are encoded on ``threads`` (0: one per core).
        options.intra_op_num_threads = threads
        self._session = onnxruntime.InferenceSession(
            str(directory / _MODEL), options, providers=["CPUExecutionProvider"]
        )

    @classmethod
    def find(
        cls,
        index_directory: Path,
        fingerprint: str,
        *,
        remove_broken: bool = True,
        threads: int = 1,
    ) -> QuestionEncoder | None:
        """The encoder exported for ``fingerprint``, or None if there is none.

        An export that does not load is removed unless not ``remove_broken`` (it is made from
        the model again at the next :func:`verbatim.index.indexer.prepare_question_encoder`):
        meanwhile questions are encoded by the model itself, which costs only speed."""
        directory = directory_for(index_directory, fingerprint)
        if not (directory / _CONFIG).is_file():
            return None
        try:
            return cls(directory, threads)
        except Exception:
            if remove_broken:
                shutil.rmtree(directory, ignore_errors=True)
            return None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for ``texts``, as the sentence-transformers model would give them."""
        import numpy as np

        encodings = self._tokenizer.encode_batch(list(texts))
        # batches of texts of similar length, so that little is padding
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        vectors = np.zeros((len(encodings), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self._batch):
            chosen = order[start : start + self._batch]
            vectors[chosen] = self._run([encodings[i] for i in chosen])
        return vectors

    def _run(self, encodings: list[Any]) -> np.ndarray:
        import numpy as np

        width = max(len(e.ids) for e in encodings)
        columns = {
            "input_ids": [e.ids + [self._pad_id] * (width - len(e.ids)) for e in encodings],
            "attention_mask": [[1] * len(e.ids) + [0] * (width - len(e.ids)) for e in encodings],
            "token_type_ids": [e.type_ids + [0] * (width - len(e.ids)) for e in encodings],
        }
        feed = {name: np.asarray(columns[name], dtype=np.int64) for name in self._input_names}
        (tokens,) = self._session.run(None, feed)
        if self._pooling == "cls":
            pooled = tokens[:, 0]
        else:
            mask = np.asarray(columns["attention_mask"], dtype=np.float32)[..., None]
            pooled = (tokens * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-12)


class LoadingQuestionEncoder:
    """:meth:`QuestionEncoder.find` run on a thread of its own while the caller's goes on:
    ONNX Runtime builds its session outside the GIL, so opening the index meanwhile costs a
    cold question no time. A broken export is left in place, for the caller to tell and
    repair."""

    def __init__(self, index_directory: Path, fingerprint: str) -> None:
        self._found: QuestionEncoder | None = None
        self._thread: threading.Thread | None = None
        if (directory_for(index_directory, fingerprint) / _CONFIG).is_file():
            # imported on this thread: numpy's C extension fails to import on two at once
            import numpy  # noqa: F401
            import onnxruntime  # noqa: F401
            import tokenizers  # noqa: F401

            # not a daemon: a process leaving meanwhile (an error, Ctrl-C) waits for it, as
            # ONNX Runtime aborts the process if a session is built while it exits
            self._thread = threading.Thread(
                target=self._find, args=(index_directory, fingerprint), daemon=False
            )
            self._thread.start()

    def _find(self, index_directory: Path, fingerprint: str) -> None:
        self._found = QuestionEncoder.find(index_directory, fingerprint, remove_broken=False)

    def result(self) -> QuestionEncoder | None:
        """The encoder found (None if there is none), once its loading has ended."""
        if self._thread is not None:
            self._thread.join()
        return self._found


def outdated(directory: Path) -> bool:
    """Whether the export in ``directory`` was made by an earlier Verbatim's exporter (or
    cannot tell): one to make again, as :data:`EXPORT_VERSION` does better."""
    try:
        config = json.loads((directory / _CONFIG).read_text("utf-8"))
        return bool(config.get("version", 1) < EXPORT_VERSION)
    except (OSError, ValueError, AttributeError, TypeError):
        return True


def damage(directory: Path) -> str | None:
    """What is wrong with an export folder (a file missing or of another size than when it was
    written), or None when it looks whole; a stat per file, no loading."""
    try:
        expected: dict[str, int] = json.loads((directory / _CONFIG).read_text("utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"{_CONFIG} is missing or unreadable"
    for name, size in expected.items():
        path = directory / name
        actual = path.stat().st_size if path.is_file() else None
        if actual != size:
            found = "missing" if actual is None else f"{actual:,} bytes"
            return f"{name} is {found}, not {size:,} bytes"
    return None


def export(embedder: Embedder, target: Path) -> float:
    """Export the model of ``embedder`` to ``target`` (a new folder, written atomically) and
    return the least cosine between its vectors and the model's on probe texts.

    The export has 8-bit weights if they agree with the model to :data:`MIN_QUANTISED_AGREEMENT`
    (else the full ones). Raises :class:`ValueError` for a model this export cannot reproduce
    (another pooling, extra modules) or whose export disagrees with it; nothing is left behind
    then.
    """
    model = embedder.model
    full, quantised = _staging(target), _staging(target)
    try:
        config = _export_full(embedder, full)
        agreement = _agreement(model, QuestionEncoder(full))
        if agreement < MIN_AGREEMENT:
            raise ValueError(f"the ONNX export agrees with the model only to cosine {agreement}")
        chosen = full
        if _quantise(full, quantised, config):
            quantised_agreement = _agreement(model, QuestionEncoder(quantised))
            if quantised_agreement >= MIN_QUANTISED_AGREEMENT:
                chosen, agreement = quantised, quantised_agreement
        os.replace(chosen, target)
    finally:
        for staging in (full, quantised):
            shutil.rmtree(staging, ignore_errors=True)
    return agreement


def _staging(target: Path) -> Path:
    staging = target.with_name(f"{target.name}.tmp-{secrets.token_hex(4)}")
    staging.mkdir(parents=True)
    return staging


def _export_full(embedder: Embedder, staging: Path) -> dict[str, Any]:
    """Write the model's transformer with its full weights, its tokenizer and its config to
    ``staging``; return the config."""
    model = embedder.model
    pooling = _pooling(model)
    transformer: Any = model[0]
    tokenizer: Any = transformer.tokenizer
    names = [n for n in tokenizer.model_input_names if n in ("input_ids", "attention_mask")]
    names += [n for n in tokenizer.model_input_names if n == "token_type_ids"]
    traced = staging / "traced.onnx"
    _export_transformer(transformer.auto_model, tokenizer, names, traced)
    _optimise(traced, staging / _MODEL)
    traced.unlink()
    tokenizer.backend_tokenizer.save(str(staging / "tokenizer.json"))
    config = {
        "version": EXPORT_VERSION,
        "pooling": pooling,
        "input_names": names,
        "max_length": int(model.max_seq_length or tokenizer.model_max_length),
        "pad_id": int(tokenizer.pad_token_id or 0),
        "dimension": embedder.dimension,
        "quantised": False,
    }
    _write_config(staging, config)
    return config


def _write_config(staging: Path, config: dict[str, Any]) -> None:
    """Write the config with each file's size, so that a truncated or swapped file is told
    at a stat's cost."""
    files = {path.name: path.stat().st_size for path in sorted(staging.iterdir())}
    text = json.dumps({**config, "files": files}, indent=2) + "\n"
    (staging / _CONFIG).write_text(text, encoding="utf-8")


def _quantise(full: Path, staging: Path, config: dict[str, Any]) -> bool:
    """Write the export in ``full`` to ``staging`` with 8-bit weights (one scale per output
    channel; activations quantised as each question runs); False if it cannot be done."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    shutil.copy(full / "tokenizer.json", staging / "tokenizer.json")
    # The quantiser logs advice through the root logger, which would set up logging to the
    # terminal: a handler of our own keeps it from doing so, and disable() quiets the advice.
    quiet, disabled = logging.NullHandler(), logging.root.manager.disable
    logging.root.addHandler(quiet)
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(
            full / _MODEL,
            staging / _MODEL,
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    except Exception:  # a graph the quantiser does not know: the full weights serve
        return False
    finally:
        logging.disable(disabled)
        logging.root.removeHandler(quiet)
    _write_config(staging, {**config, "quantised": True})
    return True


def _pooling(model: SentenceTransformer) -> str:
    kinds = [type(module).__name__ for module in model]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise ValueError(f"cannot export a model made of {', '.join(kinds)}")
    pooling: Any = model[1]
    config = pooling.get_config_dict()
    mode = config.get("pooling_mode") or (
        "mean" if config.get("pooling_mode_mean_tokens") else "cls"
    )
    if mode not in ("mean", "cls") or config.get("include_prompt") is False:
        raise ValueError(f"cannot export {mode} pooling")
    return str(mode)


def _export_transformer(transformer: Any, tokenizer: Any, names: list[str], path: Path) -> None:
    import torch

    class _Positional(torch.nn.Module):  # the exporter passes inputs by position
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            arguments = dict(zip(names, inputs, strict=True))
            return self.transformer(**arguments).last_hidden_state

    sample = tokenizer(
        ["a short one", "and a somewhat longer sample text"], padding=True, return_tensors="pt"
    )
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "token_embeddings"]}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes, which are dynamic here
        torch.onnx.export(
            _Positional().eval(),
            tuple(sample[name] for name in names),
            str(path),
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _optimise(source: Path, target: Path) -> None:
    """Save ``source`` as ONNX Runtime optimises it, weights in a file beside it, which loads
    about twice as fast as the traced graph."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(target)
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_file_name", f"{target.name}.data"
    )
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_min_size_in_bytes", "1024"
    )
    onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])


def _agreement(model: SentenceTransformer, encoder: QuestionEncoder) -> float:
    expected = model.encode(list(_PROBES), normalize_embeddings=True, convert_to_numpy=True)
    actual = encoder.encode(_PROBES)
    # one at a time too: a batch pads, a single question does not
    single = [encoder.encode([text])[0] for text in _PROBES]
    return float(min((expected * actual).sum(axis=1).min(), (expected * single).sum(axis=1).min()))
