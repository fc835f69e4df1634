# Two commands for a newcomer: `make report` and `make test`. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help report test lint bench docs screenshots clean-outputs venv dist

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

venv: $(STAMP)

## make help: this list (the default target)
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed -e 's/^## //'

## make report: every topic report for each quarter of 2020-21 (outputs/internal/) plus the annual
## committee paper (public by default: outputs/public/), from data/demo
report: $(STAMP)
	$(BIN)/qa-analysis report --year 2020-21 --annual 2020-21

## make test: the whole test suite (what CI runs)
test: $(STAMP)
	$(BIN)/python -m pytest

## make dist: the wheel under dist/ (notebooks, template and demo data inside), for
## `pip install dist/qa_analysis-*.whl` anywhere: another folder, Windows, conda
dist: $(STAMP)
	rm -rf build dist
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .
	rm -rf build
	@ls dist/*.whl

## make lint: ruff on the package, the tests and the notebooks
lint: $(STAMP)
	$(BIN)/ruff check qa_analysis tests benchmarks notebooks

## make docs: regenerate docs/metrics.md (metric registry) and docs/inputs.md (input schemas);
## a test fails when either is stale
docs: $(STAMP)
	$(BIN)/python -m qa_analysis.metrics.docs
	$(BIN)/python -m qa_analysis.io.dictionary

## make bench: the benchmarks (not part of make test); results under outputs/bench/
bench: $(STAMP)
	$(BIN)/python -m benchmarks

## make screenshots: full-page PNGs of the generated reports under outputs/screenshots/
screenshots: $(STAMP)
	$(BIN)/python -m pytest tests/browser -m browser --screenshots

## make clean-outputs: empty outputs/ (keeps .gitkeep)
clean-outputs:
	find outputs -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
