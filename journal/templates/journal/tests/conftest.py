"""Shared fixtures: the journal's engine over this repository, and the results of an entry's runs
(executed once, or read from the cache the site build also uses)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from journal.project import Journal

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "snippets"))  # tests import snippet modules as a reader would


@pytest.fixture(scope="session")
def journal() -> Journal:
    return Journal(ROOT)


@pytest.fixture(scope="session")
def entry_runs(journal):
    """``entry_runs("posts/entries/x.md")`` -> {run name: RunResult}; fails on a failed run."""

    return lambda path: journal.results_for(ROOT / path)
