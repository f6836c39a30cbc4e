"""Indexing on Ray against indexing in one process, on the same corpus, in one run:

    PYTHONPATH=src nice -n 10 .venv/bin/python benchmarks/distributed.py [--copies 12]

The corpus is the squad-dev articles in ../shared/eval copied ``--copies`` times (12 copies:
5,268 passages, 31,140 sentences). Each configuration builds a fresh index in its own process
(`verbatim index --rebuild` without the question-encoder export, which is not ingest), so the
driver's peak RSS is that process's own:

- local: this process reads and embeds (torch on all cores);
- Ray, 1 worker: a head with no CPUs (it only schedules) and one worker node with every core;
  the default pool: one one-thread encoder actor per core;
- Ray, 2 workers: the head and two worker nodes with half the cores each; one actor per core.

On one machine the two workers share its cores, so 2 workers measure the engine's scaling
overhead, not a speed-up; on N machines the rate adds up per machine (docs/scale.md).
Target: Ray with 1 worker >= 0.85x local (the engine's overhead <= 15 %).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "eval" / "squad-dev" / "corpus"
RAY = Path(sys.executable).with_name("ray")


def make_corpus(folder: Path, copies: int) -> Path:
    corpus = folder / "corpus"
    for number in range(copies):
        shutil.copytree(SQUAD, corpus / f"copy-{number:02d}")
    return corpus


def one_run(corpus: Path, index: Path, address: str | None) -> dict[str, float]:
    """Build the index once, in this process; what it took."""
    from verbatim.config import packaged_model_path
    from verbatim.index import indexer
    from verbatim.index.embed import Embedder

    indexer.prepare_question_encoder = lambda *_: None  # type: ignore[assignment]
    embedder = Embedder(packaged_model_path())
    started = time.perf_counter()
    if address is None:
        report = indexer.update(corpus, index, embedder, rebuild=True)
    else:
        from verbatim.index.distributed import RayIngest, RayOptions

        with RayIngest(RayOptions(address), embedder) as engine:
            report = indexer.update(corpus, index, embedder, rebuild=True, ingest=engine)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "passages": report.passages_embedded,
        "sentences": report.sentences_embedded,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ports() -> list[str]:
    names = ("node-manager", "object-manager", "dashboard-agent-listen", "dashboard-agent-grpc")
    names += ("metrics-export", "runtime-env-agent")
    return [f"--{name}-port={_free_port()}" for name in names]


class Cluster:
    """A head without CPUs and worker nodes with the given CPUs, each a `ray start --block`
    stopped by its own pid (never `ray stop`, which stops every Ray on the machine)."""

    def __init__(self, worker_cpus: list[int]) -> None:
        self.folder = tempfile.mkdtemp(prefix="vb-", dir="/tmp")
        port = _free_port()
        self.address = f"127.0.0.1:{port}"
        self.processes: list[subprocess.Popen[bytes]] = []
        common = ["--block", "--disable-usage-stats", "--object-store-memory=500000000"]
        head = [f"--port={port}", f"--temp-dir={self.folder}", "--include-dashboard=false"]
        head += [f"--ray-client-server-port={_free_port()}", "--num-cpus=0"]
        self._start("head", ["--head", *head, *common, *_ports()])
        for number, cpus in enumerate(worker_cpus):
            node = [f"--address={self.address}", f"--num-cpus={cpus}", *common, *_ports()]
            self._start(f"worker-{number}", node)

    def _start(self, name: str, arguments: list[str]) -> None:
        log = Path(self.folder) / f"{name}.log"
        # Ray runs its workers 15 steps nicer than itself by default, which on a shared machine
        # hands the cores to everything else: here they run at this benchmark's niceness, as the
        # local run does.
        environment = os.environ | {
            "RAY_USAGE_STATS_ENABLED": "0",
            "HF_HUB_OFFLINE": "1",
            "RAY_worker_niceness": "0",
        }
        process = subprocess.Popen(
            [str(RAY), "start", *arguments],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            env=environment,
        )
        self.processes.append(process)
        for _ in range(480):
            if "Ray runtime started" in log.read_text(errors="replace"):
                return
            if process.poll() is not None:
                break
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"Ray {name} did not start:\n{log.read_text(errors='replace')}")

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def measure(corpus: Path, folder: Path, name: str, address: str | None) -> dict[str, float]:
    """One configuration in a fresh process, so its peak RSS is its own."""
    index = folder / f"index-{name.replace(' ', '-').replace(',', '')}"
    command = [sys.executable, __file__, "--one", str(corpus), str(index), address or "local"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=12)
    parser.add_argument("--one", nargs=3, metavar=("CORPUS", "INDEX", "ADDRESS"))
    args = parser.parse_args()
    if args.one:
        corpus, index, address = args.one
        result = one_run(Path(corpus), Path(index), None if address == "local" else address)
        print(json.dumps(result))
        return
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="verbatim-distributed-") as name:
        folder = Path(name)
        corpus = make_corpus(folder, args.copies)
        results = {"local": measure(corpus, folder, "local", None)}
        for label, nodes in (("Ray, 1 worker", [cores]), ("Ray, 2 workers", [cores // 2] * 2)):
            cluster = Cluster([max(1, n) for n in nodes])
            try:
                results[label] = measure(corpus, folder, label, cluster.address)
            finally:
                cluster.stop()
    local = results["local"]
    print(
        f"squad-dev x {args.copies}: {int(local['passages'])} passages, "
        f"{int(local['sentences'])} sentences; {cores} cores; a fresh index each\n"
    )
    print("| configuration | seconds | passages/s | x local | driver peak RSS (MiB) |")
    print("|---|---|---|---|---|")
    for label, result in results.items():
        rate = result["passages"] / result["seconds"]
        ratio = local["seconds"] / result["seconds"]
        print(
            f"| {label} | {result['seconds']:.1f} | {rate:.1f} | {ratio:.2f} | "
            f"{result['peak_rss_mib']:.0f} |"
        )


if __name__ == "__main__":
    main()
