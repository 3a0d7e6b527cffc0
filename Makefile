# pilkada-archive: every target uses .venv, which `make install` creates and keeps current.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= data/archive.db

.PHONY: install demo run test test-fast lint fixtures gold eval bench bench-quick clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,eval]"
	touch $(STAMP)

demo: install
	$(BIN)/pilkada-archive demo --db $(DB)

run: install
	$(BIN)/pilkada-archive crawl --db $(DB) && $(BIN)/pilkada-archive serve --db $(DB)

test: install
	bash .ci/test-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# Pure and unit tests only (no crawl, browser or benchmark): seconds, for the edit-test loop.
test-fast: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not slow" -q

lint: install
	$(BIN)/ruff check .

fixtures: install
	$(BIN)/python -m tests.regenerate

gold: install
	$(BIN)/python -m tests.gold.build

eval: install
	$(BIN)/python -m bench.evaluate
	$(BIN)/python -m bench.layouts

bench: install
	$(BIN)/python -m bench.run

bench-quick: install
	$(BIN)/python -m bench.run --quick

clean:
	rm -rf $(VENV) build *.egg-info
