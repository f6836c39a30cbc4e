# Two entry points (see README): `make run` and `make test`. Both set up .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RAY_STAMP := $(VENV)/.installed-ray

.PHONY: run test lint bench clean

# torch comes first and pinned: this machine has a local CPU wheel of 2.13.0, while letting
# sentence-transformers pull torch itself would fetch a multi-gigabyte CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# The tests also run a real local Ray cluster: the optional `ray` extra, which the chat app and
# `verbatim index` without --ray never need.
$(RAY_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,ray]'
	touch $(RAY_STAMP)

# The chat app on the bundled corpus; it builds the index on first run.
run: $(STAMP)
	$(BIN)/verbatim chat

test: $(RAY_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/quality_baselines.py

clean:
	rm -rf $(VENV) embeddings/manifest.json embeddings/store-*
