# factledger task runner: `make help` lists the targets.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
UV_VERSION := 0.13.9

# Prefect stays on this machine: no telemetry, no update checks, a local home.
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_HOME ?= $(CURDIR)/.prefect

CRON ?= 0 6 * * *

.PHONY: help run test test-fast lint bench quality serve lock clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/factledger: pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (factledger needs Python 3.11)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

run: $(BIN)/factledger  ## set up .venv if needed, then run the pipeline on data/raw
	$(BIN)/factledger run

test: $(BIN)/factledger  ## set up .venv if needed, then run the whole test suite
	$(BIN)/python -m pytest

test-fast: $(BIN)/factledger  ## unit tests only (no Prefect flow runs)
	$(BIN)/python -m pytest -m "not integration"

serve: $(BIN)/factledger  ## serve the pipeline as a scheduled Prefect deployment (CRON="0 6 * * *")
	$(BIN)/factledger serve --cron "$(CRON)"

lint: $(BIN)/factledger  ## ruff over the code
	$(BIN)/ruff check flows checks tests bench

bench: $(BIN)/factledger  ## run the benchmarks in bench/ (tens of minutes; see bench/README.md)
	$(BIN)/python bench/bench_extract.py
	$(BIN)/python bench/bench_validate.py
	$(BIN)/python bench/bench_dask.py
	$(BIN)/python bench/bench_e2e.py

quality: $(BIN)/factledger  ## measure extraction and checks on ../shared/corpus (full texts, then quote documents)
	mkdir -p bench/out
	$(BIN)/factledger evaluate --corpus ../shared/corpus --json bench/out/quality_full.json
	$(BIN)/factledger evaluate --corpus ../shared/corpus --json bench/out/quality_quotes.json --quotes-only

lock: $(BIN)/factledger  ## re-pin requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:  ## remove the environment and everything generated under data/curated
	rm -rf $(VENV) .prefect data/curated/*.duckdb data/curated/*.wal data/curated/publications data/curated/current data/curated/report data/curated/reports data/curated/parquet* data/curated/gx
