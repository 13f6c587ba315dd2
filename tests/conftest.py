"""Shared fixtures: the journal's engine over this repository, with the cache the build uses,
so each run executes at most once across the tests and the site build, and the built and served
site. Safe under pytest-xdist (`make test` runs `pytest -n auto`): the site is built once into a
folder every worker shares, and the runs execute in one worker at a time (tests/site/sitebuild.py)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from journal.project import Journal

# One BLAS thread per test process, as every run has (journal/runner.py): the workers already use
# every core, and OpenBLAS's own threads on top of them spin for nothing (training a small GPT in
# a test took 3.5 times the CPU with them). Set before anything imports numpy (neither pytest
# nor the engine does; the xdist workers inherit it).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = ROOT / "posts" / "entries"
SITEBUILD = ROOT / "tests" / "site" / "sitebuild.py"
RECORDER = ROOT / "tests" / "assert_recorder.py"  # which values the passing tests assert
sys.path.insert(0, str(ROOT / "snippets"))  # tests import snippet modules as a reader would
sys.path.insert(0, str(SITEBUILD.parent))  # and sitebuild, sitechecks, nuchecker


# Long poles first: `make test` hands whole files to the workers (--dist loadfile) in the order
# collected (--no-loadscope-reorder), so the files that take longest start first and no worker is
# left finishing one long file while the other idles. The order is the last sessions' seconds per
# file (kept in pytest's cache), else an estimate: files that build whole sites (marked slow), the
# browser's, the entries' (they wait for the journal's runs), then the rest, as collected.
SECONDS_PER_FILE = "journal/seconds-per-file"
ESTIMATE = {"slow": 120.0, "tests/browser/": 60.0, "tests/entries/": 10.0}


def pytest_collection_modifyitems(config, items):
    cache = getattr(config, "cache", None)  # None under -p no:cacheprovider
    known = cache.get(SECONDS_PER_FILE, {}) if cache is not None else {}
    files: dict[str, list] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::")[0], []).append(item)

    def seconds(path: str) -> float:
        if path in known:
            return known[path]
        if any(item.get_closest_marker("slow") for item in files[path]):
            return ESTIMATE["slow"]
        return next((s for prefix, s in ESTIMATE.items() if path.startswith(prefix)), 1.0)

    order = sorted(files, key=seconds, reverse=True)  # stable: ties keep the collected order
    items[:] = [item for path in order for item in files[path]]


_seconds: dict[str, float] = {}  # this session's seconds per file (setup, call and teardown)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    _seconds[path] = _seconds.get(path, 0.0) + report.duration


def pytest_sessionfinish(session):
    """The controlling process (not an xdist worker) keeps each file's seconds for next time."""
    config = session.config
    if getattr(config, "cache", None) is None or hasattr(config, "workerinput") or not _seconds:
        return
    known = config.cache.get(SECONDS_PER_FILE, {})
    known.update({path: round(s, 1) for path, s in _seconds.items()})
    here = config.rootpath
    config.cache.set(SECONDS_PER_FILE, {p: s for p, s in known.items() if (here / p).is_file()})


def _sitebuild():
    """tests/site/sitebuild.py, imported on first use: a copy of this file in a fixture journal
    (tests/tooling/test_cli.py makes one for `journal new`) has no tests/site."""
    import sitebuild

    return sitebuild


def pytest_configure(config):
    if RECORDER.is_file():  # a copy of this file in a fixture journal may have none
        import assert_recorder

        assert_recorder.register(config, ROOT)


def _watched(entry: str, run: str, result):
    """``result`` with values that record which keys the running test asserts."""
    recorder = sys.modules.get("assert_recorder")
    return recorder.watch(entry, run, result) if recorder else result


@pytest.fixture(scope="session", autouse=True)
def _shared_folder(tmp_path_factory, worker_id):
    """The folder all of this session's processes share: pytest's session folder, whose parent
    holds each xdist worker's own (pytest keeps the last three sessions and removes older ones)."""
    if SITEBUILD.is_file():
        base = tmp_path_factory.getbasetemp()
        _sitebuild().SHARED = base if worker_id == "master" else base.parent


@pytest.fixture(scope="session")
def journal() -> Journal:
    return Journal(ROOT)


@pytest.fixture(scope="session")
def all_runs(journal):
    """Every run of every entry, executed in parallel once (or read from the cache)."""
    entries = [journal.parse_file(p) for p in sorted(ENTRIES.glob("*.md"))]
    lock = _sitebuild().runs_lock() if SITEBUILD.is_file() else contextlib.nullcontext()
    with lock:
        return journal.run_all(entries)


@pytest.fixture(scope="session")
def entry_runs(journal, all_runs):
    """``entry_runs("posts/entries/x.md")`` -> {run name: RunResult}; fails on a failed run."""

    def get(path: str):
        entry = journal.parse_file(ROOT / path)
        results = {}
        for run in entry.runs:
            result = all_runs.get((entry.path, run.name))
            if result is None:  # an entry added since the session started
                result = journal.results_for(ROOT / path)[run.name]
            if isinstance(result, Exception):
                raise result
            results[run.name] = _watched(entry.path, run.name, result)
        return results

    return get


@pytest.fixture(scope="session")
def recorded(tmp_path_factory):
    """The record of the values the entries' tests assert (.cache/journal/asserted.json), which
    the build reads to say which test asserts each quoted value. `make test` runs the tests that
    need it (marked `recorded`) after the others, whose session writes it; run on their own where
    there is none (a fresh clone), they first run the entries' tests to make it."""
    from journal import provenance

    path = provenance.record_path(ROOT)
    lock = _sitebuild().runs_lock() if SITEBUILD.is_file() else contextlib.nullcontext()
    with lock:
        if provenance.load(path) is None:
            command = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-m", "not timing"]
            command += [f"--basetemp={tmp_path_factory.mktemp('record')}", "tests/entries"]
            subprocess.run(command, cwd=ROOT, check=False)
    tests = provenance.load(path)
    assert tests is not None and tests.asserted, f"no record at {path}: the entries' tests failed"
    return tests


@pytest.fixture(scope="session")
def site(request):
    """The journal as `mkdocs build --strict` makes it (built once per session; tests/engine
    has its own `site`, a small fixture journal). In a session with tests marked `recorded`,
    built once the record exists."""
    if any(item.get_closest_marker("recorded") for item in request.session.items):
        request.getfixturevalue("recorded")
    return _sitebuild().built_site()


@pytest.fixture(scope="session")
def served(site):
    """The built site on http://127.0.0.1:<port>/<site_url path>/, for tests/site and
    tests/browser alike (one server per worker, over the shared folder)."""
    server = _sitebuild().serve(site)
    yield server
    server.close()


@pytest.fixture(scope="session")
def renamed_site():
    """This journal built under another identity (tests/site/sitebuild.py's RENAMED): another
    title, author, repository, address and category, and comments switched on."""
    return _sitebuild().renamed_site()


@pytest.fixture(scope="session")
def renamed_served(renamed_site):
    server = _sitebuild().serve(renamed_site)
    yield server
    server.close()
