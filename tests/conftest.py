"""Shared fixtures: isolated settings, small corpora written on the fly, the bundled corpus."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import watchfiles

from verbatim.assistant import Assistant
from verbatim.config import (
    CORPUS_ENV,
    INDEX_ENV,
    MODEL_ENV,
    RAY_ENV,
    Settings,
    packaged_model_path,
)

REPO = Path(__file__).resolve().parents[1]
BUNDLED_CORPUS = REPO / "corpus"
TEST_DATA = REPO / "tests" / "data"
SQUAD_SAMPLE = TEST_DATA / "squad-dev-sample"  # two SQuAD articles and their questions

MakeCorpus = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's VERBATIM_* settings."""
    for name in (CORPUS_ENV, INDEX_ENV, MODEL_ENV, RAY_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def slow_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Corpus watches take a second to set up: a change made meanwhile, which the operating
    system's watch never sees, lands in that window every time instead of by chance."""
    watch = watchfiles.watch

    def slow_to_set_up(*args, **options):  # type: ignore[no-untyped-def]
        time.sleep(1.0)
        yield from watch(*args, **options)

    monkeypatch.setattr(watchfiles, "watch", slow_to_set_up)


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


def record_searches(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The questions ``assistant`` searches from now on, in order; each is still searched."""
    searched: list[str] = []
    search = assistant.ask
    monkeypatch.setattr(
        assistant,
        "ask",
        lambda question, *a, **kw: searched.append(question) or search(question, *a, **kw),
    )
    return searched


CATS = "# Cats\n\nThe domestic cat was domesticated in the Near East around 7500 BC.\n"


@pytest.fixture(scope="session")
def _cats_template(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A one-file corpus and its index (with the question-encoder export), built once."""
    root = tmp_path_factory.mktemp("cats-template")
    (root / "corpus").mkdir()
    (root / "corpus" / "cats.md").write_text(CATS, encoding="utf-8")
    template = Settings(root / "corpus", root / "index", packaged_model_path())
    builder = Assistant(template)
    builder.update_index()
    builder.close()
    return template


@pytest.fixture
def cats_indexed(_cats_template: Settings, settings: Settings) -> Settings:
    """``settings`` whose corpus holds cats.md and whose index is built (copied, not re-made)."""
    shutil.copy2(_cats_template.corpus / "cats.md", settings.corpus / "cats.md")
    shutil.copytree(_cats_template.index, settings.index)
    return settings
