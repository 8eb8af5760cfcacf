# tinbao developer tasks. Every target sets up what it needs from nothing.
#
#   make venv    create .venv and install the project with dev extras
#   make run     init, migrate, then the sandbox (no TINBAO_BOT_TOKEN) or the bot
#   make test    pytest on SQLite, then again on a throwaway PostgreSQL cluster
#   make lint    ruff check ., mypy on every package and bench/ (settings in pyproject.toml),
#                then the layers' import contracts (tests/core/test_layers.py)
#   make bench   run the scripts in bench/
#
# Variables: PYTHON (interpreter that creates the venv, default python3),
# PYTEST_ARGS (extra pytest arguments, e.g. make test PYTEST_ARGS="-x -k tips").

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.tinbao-dev-installed
PYTEST_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: venv run test lint bench

venv: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever pyproject.toml is newer than the stamp, or the venv's python had
# to be (re)created; .venv/bin/python is a symlink, so make sees the interpreter's mtime.
$(STAMP): pyproject.toml $(PY)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e ".[dev]"
	touch $@

run: venv
	$(VENV)/bin/tinbao init
	$(VENV)/bin/tinbao db upgrade
	@# An exported TINBAO_BOT_TOKEN (even empty) wins over .env, as in the settings.
	@if [[ -n "$${TINBAO_BOT_TOKEN+set}" ]]; then \
		token_set=$$([[ -n "$${TINBAO_BOT_TOKEN}" ]] && echo yes || echo no); \
	elif [[ -f .env ]] && grep -Eq '^[[:space:]]*(export[[:space:]]+)?TINBAO_BOT_TOKEN[[:space:]]*=[[:space:]]*["'"'"']?[^[:space:]"'"'"'#]' .env; then \
		token_set=yes; \
	else \
		token_set=no; \
	fi; \
	if [[ $$token_set == yes ]]; then \
		echo "+ $(VENV)/bin/tinbao run"; exec $(VENV)/bin/tinbao run; \
	else \
		echo "No TINBAO_BOT_TOKEN configured (env or .env): starting the sandbox."; \
		echo "+ $(VENV)/bin/tinbao sandbox"; exec $(VENV)/bin/tinbao sandbox; \
	fi

# Both runs always happen; the target fails when either fails (pytest exit codes kept).
test: venv
	@sqlite=0; postgres=0; \
	echo "==> pytest on SQLite"; \
	env -u TINBAO_TEST_DATABASE $(PY) -m pytest $(PYTEST_ARGS) || sqlite=$$?; \
	echo "==> pytest on PostgreSQL (TINBAO_TEST_DATABASE=postgresql)"; \
	TINBAO_TEST_DATABASE=postgresql $(PY) -m pytest $(PYTEST_ARGS) || postgres=$$?; \
	echo "==> pytest exit codes: sqlite=$$sqlite postgresql=$$postgres"; \
	if [[ $$sqlite -ne 0 ]]; then exit $$sqlite; fi; \
	exit $$postgres

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -q -p no:cacheprovider tests/core/test_layers.py

# Runs every bench/*.py not starting with "_", in name order, from the repo root.
bench: venv
	@shopt -s nullglob; scripts=(); \
	for f in bench/*.py; do [[ $$(basename "$$f") == _* ]] || scripts+=("$$f"); done; \
	if [[ $${#scripts[@]} -eq 0 ]]; then echo "no benchmarks found in bench/" >&2; exit 1; fi; \
	for f in "$${scripts[@]}"; do \
		echo "==> $$f"; PYTHONPATH=.$${PYTHONPATH:+:$$PYTHONPATH} $(PY) "$$f"; \
	done
