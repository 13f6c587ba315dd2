# The journal's commands. A fresh clone needs only Python 3.11+, make and (for the audits) Node.
#   make preview   build the journal and serve it at http://127.0.0.1:8000 with live reload
#   make test      lint and run every test (the browser tests need Debian's chromium)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK_ID := $(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(LOCK_ID)
NODE_STAMP := node_modules/.installed-$(shell sha256sum package-lock.json | cut -c1-16)

export NO_MKDOCS_2_WARNING := 1
# Reproducible builds: every date the site shows derives from the last commit's time.
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

.PHONY: preview build test lint linkcheck bench clean
.DEFAULT_GOAL := preview

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@rm -f node_modules/.installed-* && touch $@

preview: $(STAMP)
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

build: $(STAMP)
	$(BIN)/mkdocs build --strict

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) $(NODE_STAMP) lint
	$(BIN)/pytest

linkcheck: $(STAMP) $(NODE_STAMP)
	$(BIN)/pytest -q tests/site/test_site_links.py

bench: $(STAMP)
	$(BIN)/python bench/benchmark.py

clean:
	rm -rf site .cache
