"""The journal as a whole: where its snippets and cache live, how a run's cache key is made,
running every run of a set of entries in parallel, and rendering an entry's Markdown."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import __version__, deps, directives, render, runner, snippets
from .cache import Cache, sha256_file
from .directives import Code, Figure, Output, ParsedEntry, Run, ValueRef
from .errors import JournalError, did_you_mean
from .progress import Reporter, Silent, Summary
from .results import FigureOut, RunResult, decode_value

LOCK_FILES = ("requirements.lock",)
IGNORED = [".venv", ".cache", ".git", "node_modules", "site"]  # never data a run depends on


class Journal:
    """A journal rooted at ``root``: entries' directives resolved against ``snippets``."""

    def __init__(
        self,
        root: Path,
        snippets_dir: str = "snippets",
        cache_dir: str | None = ".cache/journal",
        execute: bool = True,
        jobs: int | None = None,
        reporter: Reporter | None = None,
    ):
        self.root = Path(root).resolve()
        self.snippets_dir = self.root / snippets_dir
        self.cache = Cache(self.root / cache_dir if cache_dir else None)
        self.execute = execute
        self.jobs = jobs or os.cpu_count() or 1
        self.reporter = reporter or Silent()
        self._environment_key = self._environment_hash()

    # -- keys -----------------------------------------------------------------------------------
    def _environment_hash(self) -> str:
        """What every run depends on: engine, the run's process (environment, worker), Python,
        locked libraries."""
        h = hashlib.sha256(f"journal {__version__}\0{sys.version}\0{sys.platform}".encode())
        h.update(runner.fingerprint().encode())  # the run's environment, worker, fork server
        for name in LOCK_FILES:
            lock = self.root / name
            h.update(f"\0{name}\0{sha256_file(lock) if lock.is_file() else '-'}".encode())
        return h.hexdigest()

    def static_key(self, snippet: Path, function: str) -> str:
        """The cache key of calling ``function`` of ``snippet``, before knowing its data files."""
        h = hashlib.sha256(self._environment_key.encode())
        h.update(f"\0call\0{function}".encode())
        for source in deps.local_sources(snippet):
            rel = source.relative_to(self.root).as_posix()
            h.update(f"\0{rel}\0{sha256_file(source)}".encode())
        return h.hexdigest()

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

    # -- running ----------------------------------------------------------------------------------
    def run_all(
        self, entries: list[ParsedEntry]
    ) -> dict[tuple[str, str], RunResult | JournalError]:
        """Every run of ``entries``: from the cache if there, else executed in parallel.

        Returns a result or an error for each (entry path, run name); never raises for a run.
        Identical runs (same static key) in different entries execute once.
        """
        started = time.perf_counter()
        summary = Summary()
        outcome: dict[tuple[str, str], RunResult | JournalError] = {}
        if not self.execute:  # a plain build: pages are rendered without any result
            return outcome
        todo: dict[str, list[tuple[str, Run, Path]]] = {}
        for entry in entries:
            for run in entry.runs:
                try:
                    snippet = snippets.resolve(self.snippets_dir, self.root, run.file, run.where)
                except JournalError as err:
                    outcome[(entry.path, run.name)] = err
                    summary.failed += 1
                    continue
                key = self.static_key(snippet, run.function)
                todo.setdefault(key, []).append((entry.path, run, snippet))

        pending = []
        for key, users in todo.items():
            cached = self.cache.lookup(key, self.root)
            if cached is not None:
                for path, run, snippet in users:
                    outcome[(path, run.name)] = cached
                    self.reporter.cached(
                        f"{path}:{run.where.line} {run.name} ({self.rel(snippet)})"
                    )
                summary.cached += len(users)
            else:
                pending.append((key, users))

        self.reporter.start(len(pending))
        if pending:
            with ThreadPoolExecutor(max_workers=min(self.jobs, len(pending))) as pool:
                for (_key, users), result in zip(
                    pending, pool.map(self._execute, pending), strict=True
                ):
                    for path, run, _ in users:
                        outcome[(path, run.name)] = result
                    if isinstance(result, JournalError):
                        summary.failed += len(users)
                    else:
                        summary.executed += 1
                        summary.cached += len(users) - 1
        summary.seconds = time.perf_counter() - started
        if outcome:
            self.reporter.summary(summary)
        return outcome

    def _execute(self, job) -> RunResult | JournalError:
        key, users = job
        path, run, snippet = users[0]
        label = f"{path}:{run.where.line} {run.name} ({self.rel(snippet)})"
        self.reporter.running(label)
        spec = runner.RunSpec(run.where, run.name, snippet, run.function, run.timeout, run.memory)
        scratch = Path(tempfile.mkdtemp(prefix="journal-out-"))
        started = time.perf_counter()
        try:
            result = runner.execute(
                spec,
                scratch,
                self.root,
                self.snippets_dir,
                IGNORED,
                on_output=lambda line: self.reporter.output(label, line),
            )
            opened = self._data_files(result.pop("opened"))
            self.cache.store(key, self.root, opened, scratch, result)
            stdout = (scratch / "stdout.txt").read_bytes().decode("utf-8", errors="replace")
            figures = [render_figure(scratch, fig) for fig in result["figures"]]
            values = {k: decode_value(v) for k, v in result["values"].items()}
            self.reporter.finished(label, "executed", time.perf_counter() - started)
            return RunResult(values, stdout, figures, result["seconds"], cached=False)
        except JournalError as err:
            self.reporter.finished(label, "FAILED", time.perf_counter() - started, err)
            return err
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _data_files(self, opened: list[str]) -> list[str]:
        """What a run read, as files whose content joins its cache key.

        Compiled modules stand for their source: a module imported in a way the static scan
        cannot see (``importlib.import_module(name)``) is still a dependency, and a rewritten
        ``__pycache__`` never is."""
        files = set()
        for rel in opened:
            path = Path(rel)
            if path.suffix == ".pyc" and path.parent.name == "__pycache__":
                source = path.parent.parent / (path.name.split(".")[0] + ".py")
                if (self.root / source).is_file():
                    files.add(source.as_posix())
            else:
                files.add(rel)
        return sorted(files)

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

    # -- rendering --------------------------------------------------------------------------------
    def render(
        self,
        text: str,
        entry: ParsedEntry,
        outcome: dict[tuple[str, str], RunResult | JournalError],
        figure_url: Callable[[str], str],
        errors: list[JournalError] | None = None,
    ) -> str:
        """The entry's Markdown with every directive replaced by what it stands for.

        ``figure_url(svg)`` publishes a figure and returns its URL relative to the page. With
        ``errors=None`` the first problem raises; with a list, problems are shown in the page
        and appended to it (the live preview keeps running).
        """

        def fail(err: JournalError, inline: bool = False) -> str:
            if errors is None:
                raise err
            if err not in errors:
                errors.append(err)
            return render.error_inline(err) if inline else render.error_block(err)

        def result_of(name: str) -> RunResult | JournalError:
            return outcome.get((entry.path, name)) or JournalError(f"run {name!r} has no result")

        def directive(d) -> str:
            if isinstance(d, directives.Invalid):  # a line that cannot be read
                return fail(d.error)
            if not self.execute and not isinstance(d, Code):
                return render.not_executed_block() if isinstance(d, Output) else ""
            try:
                if isinstance(d, Code):
                    return render.code_block(
                        snippets.read(self.snippets_dir, self.root, d.file, d.section, d.where)
                    )
                result = result_of(d.name)
                if isinstance(d, Run):
                    return fail(result) if isinstance(result, JournalError) else ""
                if isinstance(result, JournalError):
                    return "" if errors is not None else fail(result)
                if isinstance(d, Output):
                    return render.output_block(result.stdout)
                if isinstance(d, Figure):
                    fig = result.figure(d.figure)
                    if fig is None:
                        names = ", ".join(f.name for f in result.figure_list) or "none"
                        raise JournalError(
                            f"run {d.name!r} has no figure {d.figure!r}",
                            d.where,
                            hint=f'its figures: {names}; label one with plt.subplots(num="{d.figure}")',
                        )
                    width, height = render.svg_size(fig.svg)
                    return render.figure_block(
                        figure_url(fig.svg), d.alt, d.caption, width, height, d.keep_colours
                    )
            except JournalError as err:
                return fail(err)
            raise AssertionError(d)

        def value(ref: ValueRef | JournalError) -> str:
            if isinstance(ref, JournalError):  # a reference that cannot be read
                return fail(ref, inline=True)
            if not self.execute:
                return "…"
            result = result_of(ref.name)
            if isinstance(result, JournalError):
                return fail(result, inline=True) if errors is None else "…"
            if ref.key not in result.values:
                known = ", ".join(sorted(result.values)) or "none"
                close = did_you_mean(ref.key, result.values)
                return fail(
                    JournalError(
                        f"run {ref.name!r} returned no value {ref.key!r}",
                        ref.where,
                        hint=f"{close + ' ' if close else ''}return it from the run's function; "
                        f"its values: {known}",
                    ),
                    inline=True,
                )
            try:
                return render.value_text(result.values[ref.key], ref)
            except JournalError as err:
                return fail(err, inline=True)

        return directives.substitute(text, entry.path, directive, value)


def render_figure(folder: Path, fig: dict) -> FigureOut:
    """A figure the worker wrote into ``folder``."""
    return FigureOut(fig["index"], fig["label"], (folder / fig["file"]).read_text(encoding="utf-8"))
