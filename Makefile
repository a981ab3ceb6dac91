# Coordination — developer and CI entry points. Run `make help` for the list.
#
#   make demo    venv + WeasyPrint's system libraries, then the demo service (HOST/PORT overridable)
#   make test    venv + Debian packages (PostgreSQL, ClamAV, Chromium, fonts), ruff, then pytest on
#                SQLite and on a throwaway PostgreSQL cluster (scripts/with-postgres.sh)

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# The slowest tests are printed at the end of every run (what to look at when the suite slows down).
PYTEST_DURATIONS ?= --durations=15
# pytest-xdist workers: each has its own PostgreSQL database in the one cluster, its own SQLite files and its
# own servers (S3, clamd, OIDC, uvicorn) on free ports; the PostgreSQL and browser tests wait on I/O, so more
# workers than cores pays (measured on 2 cores). PYTEST_WORKERS=0 runs in this process, serially.
PYTEST_WORKERS ?= 4
# One test at a time to each worker (--maxschedchunk 1), in the order of tests/conftest.py (heaviest
# first, browser tests last): no worker ends the run alone on a long test queued behind others.
PYTEST_PARALLEL ?= -n $(PYTEST_WORKERS) --dist load --maxschedchunk 1
SLOW_TIERS := e2e or faults or hardening
LINT_PATHS := $(wildcard src tests bench)

export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Python's bytecode cache on, whatever the caller's environment says: with PYTHONDONTWRITEBYTECODE=1 every
# pytest worker and every process a test starts (CLI runs, servers) compiles the sources again, and pytest
# rewrites the asserts of ~500 modules again per worker (10 s of CPU per worker for collection, 4.6 s
# with the cache).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help venv system-deps demo test test-fast test-clock lint format bench clean

help:
	@echo "make demo         run the demo service on http://$(HOST):$(PORT) (make demo HOST=0.0.0.0 PORT=9000)"
	@echo "make test         ruff + the whole test suite on SQLite and a throwaway PostgreSQL"
	@echo "make test-clock   the tests that count days, with the clock at 00:30 in Brussels (winter, summer)"
	@echo "make test-fast    the same without the slow tiers ($(SLOW_TIERS)): the edit-run loop"
	@echo "make venv         create $(VENV) and install the package with its test extras"
	@echo "make system-deps  install the missing Debian packages (PostgreSQL, ClamAV, Chromium, fonts, pango)"
	@echo "make lint         ruff check + ruff format --check + import contract + mypy (ratchet: .mypy-ratchet may only go down)"
	@echo "make format       ruff format + ruff check --fix"
	@echo "make bench        run every bench/*/bench_*.py (with a throwaway PostgreSQL)"
	@echo "make clean        remove $(VENV) and caches (keeps ./var, the demo's data)"

# Re-install only when pyproject.toml is newer than the stamp (or the venv is gone).
venv: $(STAMP)

# uv (installed into the venv by pip, so nothing else is needed on a fresh machine) installs the same
# versions as pip in a fraction of its time (pip: ~90 s on a loaded 2-core machine); pip is the fallback.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	if $(BIN)/python -m pip install -q "uv>=0.5,<1" && $(BIN)/python -m uv pip install -q --python $(BIN)/python -e '.[test]'; then :; \
	else echo "uv failed: installing with pip"; $(BIN)/python -m pip install -q -e '.[test]'; fi
	@touch $@

system-deps:
	@scripts/system-deps.sh all

demo: venv
	@scripts/system-deps.sh weasyprint
	$(BIN)/coordination demo --host $(HOST) --port $(PORT)

test: venv system-deps
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	PYTHONPATH=scripts $(BIN)/lint-imports --no-cache
	scripts/mypy-ratchet.sh $(BIN)/mypy
	scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_PARALLEL) $(PYTEST_DURATIONS) $(PYTEST_ARGS)

test-fast: venv
	scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_PARALLEL) $(PYTEST_DURATIONS) -m "not ($(SLOW_TIERS))" $(PYTEST_ARGS)

# The tests that count days, run again with the clock at the hour where a UTC day and a Brussels day
# differ: 23:30 UTC in winter and 22:30 UTC in summer (both 00:30 in Brussels). See coordination.clock.
CLOCK_HOURS := 2026-12-06T23:30:00+00:00 2026-07-04T22:30:00+00:00

test-clock: venv system-deps
	for at in $(CLOCK_HOURS); do \
		COORDINATION_CLOCK_AT=$$at scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_PARALLEL) -m clock -q -p no:cacheprovider; \
	done

lint: venv
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	PYTHONPATH=scripts $(BIN)/lint-imports --no-cache
	scripts/mypy-ratchet.sh $(BIN)/mypy

format: venv
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

bench: venv
	@scripts/system-deps.sh postgres weasyprint
	scripts/with-postgres.sh scripts/run-benches.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis build dist src/*.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
