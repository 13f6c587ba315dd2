# The journal's commands. A fresh clone needs only Python 3.11+ and make (Node for some audits).
#   make preview   build the journal and serve it at http://127.0.0.1:8000 with live reload
#   make test      lint and run every test (the browser tests need Debian's chromium)
#
# Each job installs only what it needs into .venv, from hash-checked locks (uv pip sync):
#   requirements.lock        building and previewing (also part of the engine's cache key)
#   requirements-test.lock   the same pins plus the test tools
#   requirements-bench.lock  the same pins plus the benchmark's peer (markdown-exec)
#   requirements-uv.lock     uv itself, installed with pip the first time
# `make lock` rewrites them from pyproject.toml; each file's header names the command.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
id = $(shell cat $(1) pyproject.toml | sha256sum | cut -c1-12)
BUILD_STAMP := $(VENV)/.installed-build-$(call id,requirements.lock)
TEST_STAMP := $(VENV)/.installed-test-$(call id,requirements-test.lock)
BENCH_STAMP := $(VENV)/.installed-bench-$(call id,requirements-bench.lock)
NODE_STAMP := node_modules/.installed-$(shell sha256sum package-lock.json | cut -c1-16)
# Without npm, `make test` runs on: the tests that need Node skip and say so (in CI they fail).
NODE := $(if $(shell command -v npm),$(NODE_STAMP))
# The tests run on every core, then those that assert wall-clock time (marked `timing`) run alone,
# with no other worker competing for the cores, and with them those that read the record of what
# the entries' tests assert (marked `recorded`), which the first session writes when it ends.
# --dist loadfile: a module's fixtures (servers, browsers) are set up in one worker only;
# --no-loadscope-reorder: files start in the order tests/conftest.py gives them, longest first
# (the last sessions' seconds, else an estimate).
PYTEST_FLAGS ?= -n auto --dist loadfile --no-loadscope-reorder --durations=10
TIMING = $(shell grep -rl --include='*.py' 'pytest.mark.timing' tests)
RECORDED = $(shell grep -rl --include='*.py' 'pytest.mark.recorded' tests)
PREVIEW_ADDR ?= 127.0.0.1:8000

export NO_MKDOCS_2_WARNING := 1
export PYTHONDONTWRITEBYTECODE :=
export UV_NO_CONFIG := 1
export UV_PYTHON_DOWNLOADS := never
# Reproducible builds: every date the site shows derives from the last commit's time.
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

.PHONY: preview build test lint linkcheck bench hooks lock clean
.DEFAULT_GOAL := preview

# uv, once, into a venv made without pip (ensurepip alone takes seconds): installed by the
# Python's own pip when it has one, else by a pip bootstrapped into the venv. Later locks keep
# uv (and update it) like any other pin.
$(UV):
	@test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	@if $(PYTHON) -c "import pip" 2>/dev/null; then pip="$(PYTHON) -m pip --python $(BIN)/python"; \
	  else $(BIN)/python -m ensurepip --default-pip >/dev/null && pip="$(BIN)/python -m pip"; fi; \
	  echo "$$pip install -r requirements-uv.lock"; \
	  $$pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-uv.lock
	@touch $@

# Make .venv hold exactly $(1) (removing whatever an older lock left), then the project itself.
# No bytecode is compiled here: compiling all of it costs about 26 s of CPU (and 130 MB) for
# 5,500 modules, of which a build imports 600. Python writes each module's bytecode the first
# time it imports it (about 2 s of CPU over a first build), for every later process to read:
# PYTHONDONTWRITEBYTECODE, set on some machines, is cleared for what make starts (the runs keep
# their own fixed environment).
define sync
	$(UV) pip sync --quiet --python $(BIN)/python $(1)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
endef

$(BUILD_STAMP): requirements.lock pyproject.toml | $(UV)
	$(call sync,requirements.lock)
	@touch $@

# The test lock holds every pin of requirements.lock, so it serves the build too.
$(TEST_STAMP): requirements-test.lock requirements.lock pyproject.toml | $(UV)
	$(call sync,requirements-test.lock)
	@touch $@ $(BUILD_STAMP)

$(BENCH_STAMP): requirements-bench.lock $(BUILD_STAMP)
	$(UV) pip install --quiet --python $(BIN)/python -r requirements-bench.lock
	@touch $@

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@rm -f node_modules/.installed-* && touch $@

preview: $(BUILD_STAMP)
	$(BIN)/mkdocs serve --strict --dev-addr $(PREVIEW_ADDR)

build: $(BUILD_STAMP)
	$(BIN)/mkdocs build --strict

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(TEST_STAMP) $(NODE) lint
	@$(if $(NODE),,echo "make test: npm not found; the tests that need Node skip (with CI=true they fail)")
	status=0; $(BIN)/pytest $(PYTEST_FLAGS) -m "not timing and not recorded" || status=$$?; \
	  $(BIN)/pytest -n 0 -m "timing or recorded" $(TIMING) $(RECORDED) || status=$$?; exit $$status

# The house rules before each commit (.pre-commit-config.yaml).
hooks: $(TEST_STAMP)
	$(BIN)/pre-commit install

linkcheck: $(TEST_STAMP)
	$(BIN)/pytest -q tests/site/test_site_links.py

bench: $(BENCH_STAMP)
	$(BIN)/python bench/benchmark.py
	$(BIN)/python bench/peer.py
	$(BIN)/python bench/growth.py
	$(BIN)/python bench/hundred.py

# Re-resolve every lock from pyproject.toml (pins move only for packages whose bounds demand it;
# add --upgrade to the first command to move them all). Needs the network.
# A journal made by `journal init` gets requirements.lock and requirements-uv.lock as they are (the
# template links to them) and a test lock of the same pins plus its own test tools (pytest, ruff).
NEW_JOURNAL := journal/templates/journal
COMPILE = $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes
lock: | $(UV)
	$(COMPILE) pyproject.toml --group build -o requirements.lock
	$(COMPILE) pyproject.toml --group build --group test -c requirements.lock -o requirements-test.lock
	$(COMPILE) pyproject.toml --group build --group bench -c requirements.lock -o requirements-bench.lock
	$(COMPILE) --no-deps -c requirements.lock - -o requirements-uv.lock <<< uv
	$(COMPILE) pyproject.toml --group build -c requirements-test.lock - -o $(NEW_JOURNAL)/requirements-test.lock <<< $$'pytest\nruff'

clean:
	rm -rf site .cache
