"""The ONNX question encoder: the same vectors as the model, and a question path without torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SQUAD_SAMPLE, MakeCorpus
from verbatim.assistant import Assistant
from verbatim.config import Settings, packaged_model_path
from verbatim.index import lock, question_encoder
from verbatim.index.embed import Embedder
from verbatim.index.question_encoder import QuestionEncoder

# Runs the command line with the arguments given, then tells which heavy modules it imported.
CLI_THEN_HEAVY_IMPORTS = (
    "import sys\n"
    "from verbatim.cli import cli\n"
    "cli.main(sys.argv[1:])\n"
    "heavy = ('torch', 'transformers', 'sentence_transformers')\n"
    "print('heavy imports:', [name for name in heavy if name in sys.modules])\n"
)


def encoder_of(assistant: Assistant) -> QuestionEncoder:
    encoder = QuestionEncoder.find(assistant.settings.index, assistant.embedder.fingerprint)
    assert encoder is not None, "indexing exports the question encoder"
    return encoder


def model_vectors(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """The model's own vectors (an embedder beside an index encodes with its export)."""
    vectors: np.ndarray = embedder.model.encode(texts, normalize_embeddings=True)
    return vectors


def test_the_export_gives_the_models_vectors(bundled: Assistant) -> None:
    questions = [
        json.loads(line)["question"]
        for line in (SQUAD_SAMPLE / "questions.jsonl").read_text().splitlines()[::4]
    ]
    sentences = [row.text for row in bundled.index.store.sentences(range(1, 200)).values()]
    texts = questions + sentences + ["", "?!", "x " * 600, "中文 عربى ελληνικά"]
    encoder = encoder_of(bundled)
    expected = model_vectors(bundled.embedder, texts)
    one_by_one = np.vstack([encoder.encode([text]) for text in texts])
    batched = encoder.encode(texts)
    assert len(texts) > 250
    assert config_of(bundled)["quantised"], "all-MiniLM-L6-v2's weights serve in 8 bits"
    prose = len(questions) + len(sentences)
    for vectors in (one_by_one, batched):
        agreement = (expected * vectors).sum(axis=1)
        assert agreement[:prose].min() >= question_encoder.MIN_QUANTISED_AGREEMENT
        assert np.median(agreement) >= 0.99
        assert agreement[prose:].min() >= 0.95  # "", "?!", a word repeated 600 times...


def config_of(assistant: Assistant) -> dict[str, object]:
    exported = question_encoder.directory_for(
        assistant.settings.index, assistant.embedder.fingerprint
    )
    config: dict[str, object] = json.loads((exported / "encoder.json").read_text())
    return config


def test_weights_that_disagree_in_8_bits_are_kept_whole(
    bundled: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(question_encoder, "MIN_QUANTISED_AGREEMENT", 1.0)
    target = tmp_path / "encoder"

    agreement = question_encoder.export(bundled.embedder, target)

    config = json.loads((target / "encoder.json").read_text())
    assert not config["quantised"]
    assert agreement >= question_encoder.MIN_AGREEMENT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["encoder"], "no staging left behind"
    texts = ["Who commanded the Quds Force?", "The ferry to Hydra leaves at nine."]
    vectors = QuestionEncoder(target).encode(texts)
    assert (model_vectors(bundled.embedder, texts) * vectors).sum(axis=1).min() >= 0.999


def test_asking_does_not_import_torch(bundled: Assistant) -> None:
    """Each cold `ask` loads the export on a thread of its own while it opens the index; run a
    few times, as a race between the two threads (numpy imported on both at once) fails one
    time in three, and then removes the export as broken."""
    exported = question_encoder.directory_for(bundled.settings.index, bundled.embedder.fingerprint)
    before = (exported / "encoder.json").stat()
    places = ["--corpus", str(bundled.settings.corpus), "--index", str(bundled.settings.index)]
    for _ in range(5):
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                CLI_THEN_HEAVY_IMPORTS,
                *places,
                "ask",
                "--json",
                "Who commanded the Quds Force?",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        reply = json.loads(result.stdout.splitlines()[0])
        assert reply["answers"]
        assert result.stdout.splitlines()[-1] == "heavy imports: []"
    after = (exported / "encoder.json").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_indexing_encodes_documents_with_the_export_and_without_torch(
    assistant: Assistant, write_files: MakeCorpus
) -> None:
    """The first build makes the export, and encodes with it: its vectors are the export's;
    from then on an update (here in a process of its own) never imports torch."""
    write_files({"cat.txt": "The cat was domesticated in the Near East about 7500 BC.\n"})
    assistant.update_index()
    encoder = encoder_of(assistant)
    index = assistant.index
    with index.store.reading():
        (sentence,) = index.store.sentences([1]).values()
    text = f"cat: {sentence.text}"  # read with its heading path: the file's name
    stored = index.sentence_vectors.vectors([sentence.id])[0]
    assert float(stored @ encoder.encode([text])[0]) > 0.9999
    assistant.close()
    write_files({"ferry.txt": "The ferry to Hydra leaves at nine every morning.\n"})
    settings = assistant.settings
    places = ["--corpus", str(settings.corpus), "--index", str(settings.index)]
    result = subprocess.run(
        [sys.executable, "-c", CLI_THEN_HEAVY_IMPORTS, *places, "index"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "heavy imports: []"
    answers = assistant.ask("When does the ferry to Hydra leave?").answers
    assert "nine" in answers[0].text


def test_a_cold_ask_that_fails_exits_with_its_error(bundled: Assistant, tmp_path: Path) -> None:
    """The encoder loading on its thread when an error stops the question (here an index of
    an older chunker) must not outlive the interpreter: it aborted the process (exit 134)."""
    index = tmp_path / "index"
    shutil.copytree(bundled.settings.index, index)
    manifest = json.loads((index / "manifest.json").read_text())
    (index / "manifest.json").write_text(json.dumps({**manifest, "chunker_version": 1}))
    places = ["--corpus", str(bundled.settings.corpus), "--index", str(index)]
    for _ in range(3):
        result = subprocess.run(
            [sys.executable, "-c", "from verbatim.cli import main; main()", *places, "ask", "Who?"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and "--rebuild" in result.stderr


def test_a_cold_ask_starts_no_blas_threads(bundled: Assistant) -> None:
    """numpy's OpenBLAS starting a thread per core cost a cold `ask` ~0.1 s that nothing it
    does uses (unless the user asks for them). (FAISS's OpenBLAS runs on OpenMP threads, which
    start only when first used.)"""
    script = (
        "import sys\n"
        "from threadpoolctl import threadpool_info\n"
        "from verbatim.cli import main\n"
        "sys.argv[0] = 'verbatim'\n"
        "main()\n"
        "blas = {p['num_threads'] for p in threadpool_info() if 'numpy' in p['filepath']}\n"
        "print('blas threads:', sorted(blas))\n"
    )
    places = ["--corpus", str(bundled.settings.corpus), "--index", str(bundled.settings.index)]
    environment = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}

    def blas_threads(**chosen: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", script, *places, "ask", "Who commanded the Quds Force?"],
            capture_output=True,
            text=True,
            check=True,
            env={**environment, **chosen},
        )
        return result.stdout.splitlines()[-1]

    assert os.cpu_count() != 1, "one core starts one thread anyway: nothing to tell apart"
    assert blas_threads() == "blas threads: [1]"
    assert blas_threads(OPENBLAS_NUM_THREADS="2") == "blas threads: [2]"


def test_an_index_without_an_export_still_answers_and_gets_one(
    assistant: Assistant, write_files
) -> None:
    write_files({"notes.txt": "The ferry to Hydra leaves at nine in the morning.\n"})
    assistant.update_index()
    settings = assistant.settings
    exported = question_encoder.directory_for(settings.index, assistant.embedder.fingerprint)
    shutil.rmtree(exported)  # as an index made by an earlier Verbatim

    older = Assistant(settings)
    assert isinstance(older.question_encoder, Embedder)
    assert older.ask("When does the ferry leave?").answers[0].text.startswith("The ferry")
    with lock.writing(settings.index):  # another process writes the index: it exports, not us
        assert older.ensure_index() is None
    assert sorted(p.name for p in settings.index.glob("encoder-*")) == []
    older.ensure_index()
    assert exported.is_dir()
    assert isinstance(Assistant(settings).question_encoder, QuestionEncoder)
    older.close()


def test_an_index_folder_that_cannot_be_written_still_answers_with_a_warning(
    assistant: Assistant, write_files, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export missing from an index folder that is read-only (a shared or mounted index):
    the export cannot be made, which costs only speed."""
    write_files({"notes.txt": "The ferry to Hydra leaves at nine in the morning.\n"})
    assistant.update_index()
    settings = assistant.settings
    shutil.rmtree(question_encoder.directory_for(settings.index, assistant.embedder.fingerprint))

    def read_only(directory: Path, wait: float = 0.0) -> None:
        raise PermissionError(13, "Permission denied", str(directory / lock.LOCK_FILE))

    monkeypatch.setattr(lock, "writing", read_only)  # what a read-only folder does, as root too
    reader = Assistant(settings)
    report = reader.ensure_index()

    assert report is not None and len(report.warnings) == 1
    assert "cannot write the question encoder" in report.warnings[0]
    assert "Permission denied" in report.warnings[0]
    assert reader.ask("When does the ferry leave?").answers[0].text.startswith("The ferry")
    reader.close()


def test_an_export_made_by_an_earlier_verbatim_is_made_again(
    assistant: Assistant, write_files
) -> None:
    write_files({"notes.txt": "The ferry to Hydra leaves at nine in the morning.\n"})
    assistant.update_index()
    exported = question_encoder.directory_for(
        assistant.settings.index, assistant.embedder.fingerprint
    )
    config = json.loads((exported / "encoder.json").read_text())
    del config["version"], config["quantised"]  # as the first exporter wrote it
    (exported / "encoder.json").write_text(json.dumps(config))
    assert question_encoder.damage(exported) is None, "whole, only older"

    report = Assistant(assistant.settings).ensure_index()

    assert report is None, "made again without a warning"
    again = json.loads((exported / "encoder.json").read_text())
    assert again["version"] == question_encoder.EXPORT_VERSION
    assert again["quantised"]
    assistant.close()


def test_a_model_that_cannot_be_exported_warns_once_and_uses_torch(
    tmp_path: Path, write_files
) -> None:
    model = tmp_path / "max-pooling-model"
    shutil.copytree(
        packaged_model_path(), model, ignore=shutil.ignore_patterns("model.safetensors")
    )
    os.symlink(packaged_model_path() / "model.safetensors", model / "model.safetensors")
    pooling = json.loads((model / "1_Pooling" / "config.json").read_text())
    pooling.update(pooling_mode_mean_tokens=False, pooling_mode_max_tokens=True)
    (model / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    corpus = write_files({"notes.txt": "The ferry to Hydra leaves at nine in the morning.\n"})
    settings = Settings(corpus, tmp_path / "index", model)
    assistant = Assistant(settings)

    report = assistant.update_index()

    assert len(report.warnings) == 1
    assert "questions will load the full model" in report.warnings[0]
    assert not assistant.update_index().warnings, "the failure is remembered, not retried"
    assert isinstance(assistant.question_encoder, Embedder)
    reply = assistant.ask("When does the ferry to Hydra leave?")
    assert reply.answers[0].text.startswith("The ferry to Hydra")
    assistant.close()
