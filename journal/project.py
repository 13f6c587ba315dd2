"""The journal as a whole: where its entries, snippets, cache and frozen results live, how it
executes (one setting, ``execution``), and the entry points the adapter, the tests and the
command line use. The work itself is done by ``schedule`` (running), ``keys`` (what a run depends
on), ``cache`` (what is stored) and ``page`` (rendering)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from . import directives, keys, page
from .cache import Cache
from .directives import ParsedEntry
from .errors import JournalError
from .progress import Reporter, Silent
from .results import RunResult
from .schedule import IGNORED, Scheduler

__all__ = ["EXECUTION_MODES", "IGNORED", "Journal", "execution_from_environment"]

# off: pages without results (a plain build); cache: the cache serves what it holds and keeps
# what runs; force: every run executes afresh, the cache is neither read nor written. Frozen runs
# are never executed by any of them (``journal freeze`` does that).
EXECUTION_MODES = ("off", "cache", "force")
_SLUG = re.compile(r"^slug:\s*['\"]?([\w-]+)['\"]?\s*$", re.M)


def execution_from_environment(default: str = "cache") -> str:
    """``JOURNAL_EXECUTION=off|cache|force``; the older switches still work:
    ``JOURNAL_EXECUTE=off`` means off, ``JOURNAL_CACHE=off`` means force."""
    off = {"0", "off", "false", "no"}
    mode = os.environ.get("JOURNAL_EXECUTION", "").strip().lower()
    if mode:
        if mode not in EXECUTION_MODES:
            raise JournalError(
                f"JOURNAL_EXECUTION={mode} is not known", hint=f"use one of {EXECUTION_MODES}"
            )
        return mode
    if os.environ.get("JOURNAL_EXECUTE", "").lower() in off:
        return "off"
    if os.environ.get("JOURNAL_CACHE", "").lower() in off:
        return "force"
    return default


class Journal:
    """A journal rooted at ``root``: entries under ``entries_dir``, their directives resolved
    against ``snippets_dir``, results kept in ``cache_dir`` (``None``: kept for this process only)."""

    def __init__(
        self,
        root: Path,
        snippets_dir: str = "snippets",
        cache_dir: str | None = ".cache/journal",
        execution: str = "cache",
        jobs: int | None = None,
        reporter: Reporter | None = None,
        entries_dir: str = "posts",
        show_stale: bool = False,
    ):
        if execution not in EXECUTION_MODES:
            raise ValueError(f"execution must be one of {EXECUTION_MODES}, not {execution!r}")
        self.root = Path(root).resolve()
        self.snippets_dir = self.root / snippets_dir
        self.entries_dir = self.root / entries_dir
        self.execution = execution
        persistent = cache_dir is not None and execution == "cache"
        self.cache = Cache(self.root / cache_dir if persistent else None)
        self.jobs = jobs or os.cpu_count() or 1
        self.reporter = reporter or Silent()
        self.show_stale = show_stale  # the preview shows a stale frozen result, marked stale
        self.environment_key = keys.environment_hash(self.root)
        self._slugs: dict[Path, tuple[int, str]] = {}

    @property
    def executes(self) -> bool:
        return self.execution != "off"

    # -- entries ----------------------------------------------------------------------------------
    def rel(self, path: Path) -> str:
        path = Path(path).resolve()
        return (
            path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)
        )

    def parse(self, text: str, rel_path: str) -> ParsedEntry:
        return directives.parse(text, rel_path)

    def parse_file(self, path: Path) -> ParsedEntry:
        return self.parse(Path(path).read_text(encoding="utf-8"), self.rel(path))

    def slug_of(self, rel_path: str) -> str:
        """The entry's front-matter ``slug``, else its file name without the extension."""
        path = self.root / rel_path
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return Path(rel_path).stem
        known = self._slugs.get(path)
        if known is None or known[0] != mtime:
            text = path.read_text(encoding="utf-8", errors="replace")
            front = text.split("\n---", 1)[0] if text.startswith("---") else ""
            match = _SLUG.search(front)
            known = (mtime, match.group(1) if match else path.stem)
            self._slugs[path] = known
        return known[1]

    def entry_files(self) -> list[Path]:
        return sorted(self.entries_dir.rglob("*.md")) if self.entries_dir.is_dir() else []

    def find_entry(self, slug: str) -> ParsedEntry | None:
        """The entry whose slug is ``slug``, parsed; None if there is none."""
        for path in self.entry_files():
            if self.slug_of(self.rel(path)) == slug:
                return self.parse_file(path)
        return None

    # -- running ----------------------------------------------------------------------------------
    def run_all(
        self, entries: list[ParsedEntry], refreeze: set[tuple[str, str]] = frozenset()
    ) -> dict[tuple[str, str], RunResult | JournalError]:
        """Every run of ``entries`` (and of the runs they need): served from ``frozen/`` or the
        cache when possible, else executed, in dependency order and in parallel where independent.

        Returns a result or an error for each (entry path, run name); never raises for a run.
        Identical runs (same key) in different entries execute once.
        """
        if not self.executes:  # a plain build: pages are rendered without any result
            return {}
        return Scheduler(self, refreeze).run(entries)

    def results_for(self, path: Path) -> dict[str, RunResult]:
        """The results of every run of one entry; raises the first error (for tests and tools)."""
        entry = self.parse_file(path)
        outcome = self.run_all([entry])
        results = {}
        for run in entry.runs:
            result = outcome[(entry.path, run.name)]
            if isinstance(result, JournalError):
                raise result
            results[run.name] = result
        return results

    def all_entries(self) -> list[ParsedEntry]:
        """Every Markdown page under the entries folder that parses (others are skipped here;
        the build and ``journal check`` report them)."""
        entries = []
        for path in self.entry_files():
            try:
                entries.append(self.parse_file(path))
            except (JournalError, UnicodeDecodeError):
                continue
        return entries

    # -- frozen results and the cache's size ------------------------------------------------------
    def freeze(self, selectors: list[str]) -> dict[tuple[str, str], RunResult | JournalError]:
        """Execute the frozen runs named by ``SLUG`` (all its frozen runs) or ``SLUG:RUN`` and
        write their results under ``frozen/``. Raises for a selector that names nothing."""
        chosen: set[tuple[str, str]] = set()
        entries: dict[str, ParsedEntry] = {}
        for selector in selectors:
            slug, _, name = selector.partition(":")
            entry = self.find_entry(slug)
            if entry is None:
                raise JournalError(f"no entry has the slug {slug!r}", hint="see its front matter")
            runs = [r for r in entry.runs if (r.name == name if name else r.frozen)]
            if not runs:
                known = ", ".join(r.name + (" (frozen)" if r.frozen else "") for r in entry.runs)
                raise JournalError(
                    f"{selector}: no {'run ' + repr(name) if name else 'frozen run'} in "
                    f"{entry.path}",
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
        outcome = Scheduler(self, refreeze=chosen).run(list(entries.values()), only=chosen)
        return {pair: outcome[pair] for pair in sorted(chosen)}

    def prune(self, dry_run: bool = False) -> tuple[list[Path], int]:
        """Remove from the cache what no current run or notebook can hit; returns what was (or,
        with ``dry_run``, would be) removed and its size in bytes."""
        from . import notebook

        scheduler = Scheduler(self, dry=True)
        reporter, self.reporter = self.reporter, Silent()
        try:
            scheduler.run(self.all_entries())
        finally:
            self.reporter = reporter
        notebooks = set()
        if self.entries_dir.is_dir():
            for path in sorted(self.entries_dir.rglob("*.ipynb")):
                try:
                    nb = notebook.read(path, self.rel(path))
                except JournalError:
                    continue
                notebooks.add(
                    notebook.cache_key(nb, self.environment_key, self.snippets_dir, self.root)
                )
        if not dry_run:
            self.cache.forget_durations({node.ref for node in scheduler.nodes.values()})
        return self.cache.prune(scheduler.keys, notebooks, self.root, dry_run)

    # -- rendering --------------------------------------------------------------------------------
    def render(
        self,
        text: str,
        entry: ParsedEntry,
        outcome: dict[tuple[str, str], RunResult | JournalError],
        figure_url: Callable[[str], str],
        errors: list[JournalError] | None = None,
    ) -> str:
        """See ``page.render_entry``."""
        return page.render_entry(self, text, entry, outcome, figure_url, errors)
