"""Shared fixtures: isolated settings, small corpora written on the fly, the bundled corpus."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from verbatim.assistant import Assistant
from verbatim.config import CORPUS_ENV, INDEX_ENV, MODEL_ENV, Settings, packaged_model_path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BUNDLED_CORPUS = REPO / "corpus"

MakeCorpus = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's VERBATIM_* settings."""
    for name in (CORPUS_ENV, INDEX_ENV, MODEL_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    (tmp_path / "corpus").mkdir()
    return Settings(tmp_path / "corpus", tmp_path / "index", packaged_model_path())


@pytest.fixture
def write_files(settings: Settings) -> Callable[[dict[str, str | bytes]], Path]:
    """Write ``{relative path: text or bytes}`` into the test corpus and return its folder."""

    def write(files: dict[str, str | bytes]) -> Path:
        for relative, content in files.items():
            path = settings.corpus / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return settings.corpus

    return write


@pytest.fixture
def assistant(settings: Settings) -> Assistant:
    assistant = Assistant(settings)
    yield assistant
    assistant.close()


@pytest.fixture(scope="session")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """An assistant over the bundled corpus, indexed once per test session."""
    index = tmp_path_factory.mktemp("bundled-index")
    assistant = Assistant(Settings(BUNDLED_CORPUS, index, packaged_model_path()))
    assistant.update_index()
    yield assistant
    assistant.close()


def shared_path(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} is not there: shared/ must stand beside the project checkout")
    return path
