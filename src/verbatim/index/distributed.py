"""Reading and embedding on a Ray cluster: `verbatim index --ray ADDRESS` (the extra `ray`).

The driver (this process) plans the update as for a local run and keeps the store and the
FAISS files; the cluster runs a Ray Data pipeline over the new and changed files, in which an
actor pool (each actor loads the encoder once) loads, cleans and splits each file and embeds its
passages and sentences. Results stream back file by file, in the order of the plan, and are
committed about ``indexer.COMMIT_EVERY`` passages at a time, so the driver holds one commit's
vectors at most. Workers read the corpus by its path: on a cluster of several machines it must
be mounted at the same path on each (docs/scale.md).
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import verbatim
from verbatim.errors import ClusterError, UnreadableFileError
from verbatim.index import indexer
from verbatim.index.embed import Embedder
from verbatim.index.indexer import Embedded, FileState, Job, read_file, texts_of
from verbatim.index.store import DocumentRecord
from verbatim.types import Document

if TYPE_CHECKING:
    import numpy as np

CPUS_PER_ACTOR = 1  # one-thread actors, one per CPU: more throughput than fewer, wider ones
FILES_PER_BATCH = 4  # files an actor reads and embeds at once (one sorted encode)


@dataclass(frozen=True, slots=True)
class RayOptions:
    """Where the cluster is and how to use it; None picks from the cluster's resources."""

    address: str  # "auto", "ray://host:port" or "host:port"
    actors: int | None = None  # encoder actors in the pool
    cpus_per_actor: int | None = None  # CPUs each actor reserves (and torch threads it runs)
    batch_size: int | None = None  # files per batch an actor handles


def _check_reachable(address: str) -> None:
    """Fail in seconds, not after Ray's minute of retries, on an address nobody listens at."""
    if address == "auto":
        return
    target = address.removeprefix("ray://")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(
            f"--ray {address}: give `auto`, `host:port` or `ray://host:port` of a Ray cluster"
        )
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as error:
        raise ClusterError(
            f"cannot reach the Ray cluster at {address} ({error.strerror or error}): start it "
            "(`ray start --head`) or fix the address; nothing was changed"
        ) from error


class RayIngest:
    """An :data:`verbatim.index.indexer.Ingest` engine on a Ray cluster; a context manager that
    connects on entry (raising :class:`ClusterError` when it cannot) and disconnects on exit."""

    def __init__(self, options: RayOptions, embedder: Embedder) -> None:
        self.options = options
        self.embedder = embedder
        self.actors = 0
        self.cpus_per_actor = 0
        self.batch_size = 0

    def __enter__(self) -> RayIngest:
        try:
            import ray
        except ImportError as error:
            raise ClusterError(
                "--ray needs Ray: install Verbatim with `pip install '.[ray]'`"
            ) from error
        _check_reachable(self.options.address)
        package = Path(verbatim.__file__).parent
        runtime_env = {
            # The workers run this very Verbatim, whatever is installed on the nodes.
            "py_modules": [str(package)],
            "env_vars": {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
        }
        # Ray's own logs stay in its session folder: the run prints Verbatim's progress only.
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
        for name in ("ray", "ray.data"):
            logging.getLogger(name).setLevel(logging.ERROR)
        try:
            ray.init(
                address=self.options.address,
                runtime_env=runtime_env,
                logging_level=logging.ERROR,
                log_to_driver=False,
            )
        except Exception as error:  # Ray raises ConnectionError, RuntimeError, ...
            raise ClusterError(
                f"cannot connect to the Ray cluster at {self.options.address} "
                f"({_first_line(error)}): start it (`ray start --head`) or fix the address; "
                "nothing was changed"
            ) from error
        try:
            self._size_the_pool()
        except BaseException:
            ray.shutdown()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        import ray

        ray.shutdown()

    def _size_the_pool(self) -> None:
        """Actors, CPUs per actor and batch size from the cluster's nodes unless given."""
        import ray

        cpus = [
            int(node["Resources"].get("CPU", 0))
            for node in ray.nodes()
            if node.get("Alive") and node["Resources"].get("CPU", 0) >= 1
        ]
        if not cpus:
            raise ClusterError(
                f"the Ray cluster at {self.options.address} has no CPUs to run on: add a "
                "worker (`ray start --address ...`)"
            )
        per_actor = self.options.cpus_per_actor or CPUS_PER_ACTOR
        self.cpus_per_actor = per_actor
        self.actors = self.options.actors or max(1, sum(n // per_actor for n in cpus))
        self.batch_size = self.options.batch_size or FILES_PER_BATCH

    def __call__(self, job: Job) -> Iterator[Embedded]:
        import numpy as np

        if not job.candidates:
            yield _empty(job.dimension)
            return
        rows = self._pipeline(job)
        pending: list[tuple[Document, str, FileState]] = []
        passages: list[np.ndarray] = []
        sentences: list[np.ndarray] = []
        touched: list[tuple[DocumentRecord, FileState]] = []
        size = 0
        yielded = False
        states = {state.path: state for state in job.candidates}
        total_bytes = sum(state.size for state in job.candidates)
        done_bytes = done_passages = 0
        for done_files, row in enumerate(rows, start=1):
            if row["fingerprint"] != self.embedder.fingerprint:
                raise ClusterError(
                    f"the Ray workers' model at {self.embedder.model_path} is not the one here "
                    f"({row['fingerprint']}, here {self.embedder.fingerprint}): install the same "
                    "model on every node"
                )
            state = states[row["path"]]
            read = pickle.loads(row["read"])
            if job.progress:
                # The stage a local run reports, in passages. The cluster sends whole files, so
                # the run's total is not known until the last one: until then it is estimated
                # from the bytes read so far, and exact after the last file.
                done_bytes += state.size
                done_passages += len(read[0].passages) if isinstance(read, tuple) else 0
                total = estimated_total(done_passages, done_bytes, total_bytes)
                if done_files < len(job.candidates):  # done == total would end the CLI's line
                    total = max(total, done_passages + 1)
                job.progress("embedding passages", done_passages, total)
            if isinstance(read, UnreadableFileError):
                job.report.skipped.append((state.path, str(read)))
                continue
            if isinstance(read, DocumentRecord):
                touched.append((read, state))
                continue
            document, digest = read
            pending.append((document, digest, state))
            passages.append(_matrix(row["passage_vectors"], job.dimension))
            sentences.append(_matrix(row["sentence_vectors"], job.dimension))
            size += len(document.passages)
            if size >= indexer.COMMIT_EVERY:
                yield Embedded(pending, np.vstack(passages), np.vstack(sentences), touched)
                pending, passages, sentences, touched, size = [], [], [], [], 0
                yielded = True
        if pending or touched or not yielded:
            empty = np.zeros((0, job.dimension), dtype=np.float32)
            yield Embedded(
                pending, np.vstack([empty, *passages]), np.vstack([empty, *sentences]), touched
            )

    def _pipeline(self, job: Job) -> Iterable[dict[str, Any]]:
        """The Ray Data pipeline: files in, one row per file out, in the order given."""
        import ray.data

        logging.getLogger("ray.data").setLevel(logging.ERROR)  # its own logs stay in its folder
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True  # the local path's order, and ids
        context.enable_progress_bars = False
        items = [
            {
                "path": state.path,
                "state": pickle.dumps(state),
                "known": pickle.dumps(job.known[state.path]) if state.path in job.known else b"",
            }
            for state in job.candidates
        ]
        blocks = max(1, min(len(items), -(-len(items) // self.batch_size)))
        dataset = ray.data.from_items(items, override_num_blocks=blocks).map_batches(
            _Encoder,
            fn_constructor_kwargs={
                "corpus": str(job.corpus.resolve()),
                "model": str(self.embedder.model_path),
                "index": str(self.embedder.index_directory or ""),
                "threads": self.cpus_per_actor,
            },
            batch_size=self.batch_size,
            batch_format="numpy",
            # Ray Data restarts an actor that dies and runs its batches again (max_restarts
            # and max_task_retries are -1 by default for a pool).
            compute=ray.data.ActorPoolStrategy(size=self.actors),
            num_cpus=self.cpus_per_actor,
        )
        return dataset.iter_rows()


class _Encoder:
    """One actor of the pool: loads the encoder once, then reads and embeds batches of files."""

    def __init__(self, corpus: str, model: str, index: str, threads: int) -> None:
        self.corpus = Path(corpus)
        # The model's export beside the index where the worker sees it, else the model itself
        self.embedder = Embedder(Path(model), Path(index) if index else None, threads)
        if not self.embedder.exported():
            import torch

            torch.set_num_threads(threads)
            self.embedder.model  # noqa: B018 - load it now, once per actor

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        import numpy as np

        reads = []
        for state, known in zip(batch["state"], batch["known"], strict=True):
            record = pickle.loads(known) if len(known) else None
            reads.append(read_file(self.corpus, pickle.loads(state), record))
        documents = [read[0] for read in reads if isinstance(read, tuple)]
        passage_texts, sentence_texts = texts_of(documents)
        # The whole batch in one encode: texts sorted by length across its files.
        passage_vectors = iter(_split(self.embedder.encode(passage_texts), documents, False))
        sentence_vectors = iter(_split(self.embedder.encode(sentence_texts), documents, True))
        out: dict[str, list[Any]] = {
            "path": [],
            "read": [],
            "passage_vectors": [],
            "sentence_vectors": [],
            "fingerprint": [],
        }
        for path, read in zip(batch["path"], reads, strict=True):
            parsed = isinstance(read, tuple)
            out["path"].append(path)
            out["read"].append(pickle.dumps(read))
            out["passage_vectors"].append(next(passage_vectors) if parsed else b"")
            out["sentence_vectors"].append(next(sentence_vectors) if parsed else b"")
            out["fingerprint"].append(self.embedder.fingerprint)
        return {name: np.array(values, dtype=object) for name, values in out.items()}


def estimated_total(done_passages: int, done_bytes: int, total_bytes: int) -> int:
    """The passages a run will have embedded, from the ``done_passages`` of its first
    ``done_bytes`` bytes of files out of ``total_bytes``: as many per byte for the rest; never
    fewer than ``done_passages``, and exactly that once all bytes are done."""
    if done_bytes <= 0 or done_bytes >= total_bytes:
        return done_passages
    return max(done_passages, round(done_passages * total_bytes / done_bytes))


def _split(vectors: np.ndarray, documents: list[Document], sentences: bool) -> list[bytes]:
    """The rows of ``vectors`` of each document, as float32 bytes."""
    parts = []
    start = 0
    for document in documents:
        count = (
            sum(len(p.sentences) for p in document.passages)
            if sentences
            else len(document.passages)
        )
        parts.append(vectors[start : start + count].astype("float32").tobytes())
        start += count
    return parts


def _matrix(data: bytes, dimension: int) -> np.ndarray:
    import numpy as np

    return np.frombuffer(data, dtype=np.float32).reshape(-1, dimension)


def _empty(dimension: int) -> Embedded:
    import numpy as np

    empty = np.zeros((0, dimension), dtype=np.float32)
    return Embedded([], empty, empty)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
