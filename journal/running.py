"""Running a journal's entries: every run served from ``frozen/`` or the cache, else executed by
the scheduler (``schedule``, keyed by ``keys``); freezing chosen runs; pruning the cache."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import notebook
from .directives import ParsedEntry
from .errors import JournalError
from .progress import Silent
from .results import RunResult
from .schedule import Scheduler

if TYPE_CHECKING:
    from .project import Journal


def run_all(
    journal: Journal, entries: list[ParsedEntry], refreeze: set[tuple[str, str]] = frozenset()
) -> dict[tuple[str, str], RunResult | JournalError]:
    """Every run of ``entries`` (and of the runs they need): served from ``frozen/`` or the
    cache when possible, else executed, in dependency order and in parallel where independent.

    Returns a result or an error for each (entry path, run name); never raises for a run.
    Identical runs (same key) in different entries execute once.
    """
    if not journal.executes:  # a plain build: pages are rendered without any result
        return {}
    return Scheduler(journal, refreeze).run(entries)


def results_for(journal: Journal, path: Path) -> dict[str, RunResult]:
    """The results of every run of one entry; raises the first error (for tests and tools)."""
    entry = journal.parse_file(path)
    outcome = run_all(journal, [entry])
    results = {}
    for run in entry.runs:
        result = outcome[(entry.path, run.name)]
        if isinstance(result, JournalError):
            raise result
        results[run.name] = result
    return results


def freeze(
    journal: Journal, selectors: list[str]
) -> dict[tuple[str, str], RunResult | JournalError]:
    """Execute the frozen runs named by ``SLUG`` (all its frozen runs) or ``SLUG:RUN`` and
    write their results under ``frozen/``. Raises for a selector that names nothing."""
    chosen: set[tuple[str, str]] = set()
    entries: dict[str, ParsedEntry] = {}
    for selector in selectors:
        slug, _, name = selector.partition(":")
        entry = journal.find_entry(slug)
        if entry is None:
            raise JournalError(f"no entry has the slug {slug!r}", hint="see its front matter")
        runs = [r for r in entry.runs if (r.name == name if name else r.frozen)]
        if not runs:
            known = ", ".join(r.name + (" (frozen)" if r.frozen else "") for r in entry.runs)
            raise JournalError(
                f"{selector}: no {'run ' + repr(name) if name else 'frozen run'} in {entry.path}",
                hint=f"its runs: {known or 'none'}",
            )
        for run in runs:
            if not run.frozen:
                raise JournalError(
                    f"run {run.name!r} is not frozen",
                    run.where,
                    hint=f"mark it first: '::run {run.name} {run.file} ... frozen'",
                )
            chosen.add((entry.path, run.name))
        entries[entry.path] = entry
    outcome = Scheduler(journal, refreeze=chosen).run(list(entries.values()), only=chosen)
    return {pair: outcome[pair] for pair in sorted(chosen)}


def prune(journal: Journal, dry_run: bool = False) -> tuple[list[Path], int]:
    """Remove from the cache what no current run or notebook can hit; returns what was (or,
    with ``dry_run``, would be) removed and its size in bytes."""

    scheduler = Scheduler(journal, dry=True)
    reporter, journal.reporter = journal.reporter, Silent()
    try:
        scheduler.run(journal.all_entries())
    finally:
        journal.reporter = reporter
    notebooks = set()
    if journal.entries_dir.is_dir():
        for path in sorted(journal.entries_dir.rglob("*.ipynb")):
            try:
                nb = notebook.read(path, journal.rel(path))
            except JournalError:
                continue
            notebooks.add(
                notebook.cache_key(nb, journal.environment_key, journal.snippets_dir, journal.root)
            )
    if not dry_run:
        journal.cache.forget_durations({node.ref for node in scheduler.nodes.values()})
    return journal.cache.prune(scheduler.keys, notebooks, journal.root, dry_run)
