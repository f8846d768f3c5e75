# Two commands for a fresh machine: `make run` (the mock with demo data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

run: $(STAMP)  ## start the mock on http://127.0.0.1:8080 with demo data (ARGS="--fresh" etc.)
	$(PY) run_mock.py $(ARGS)

test: $(STAMP)  ## install what the tests need and run the whole suite
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff (lint + format check) and mypy --strict on the package
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,dev]'
	$(PY) -m ruff check . && $(PY) -m ruff format --check . && $(PY) -m mypy

bench: $(STAMP)  ## the performance benchmark (installs wrk if missing)
	$(PY) bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) .mock-data *.egg-info .pytest_cache
