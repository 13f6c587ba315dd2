"""Running every run of a set of entries: runs that feed runs in dependency order, independent
ones in parallel, each served from the cache (or from ``frozen/``) when it can be.

A run that ``needs`` another is keyed by its own recipe plus the producer's key and the hashes of
the files it produced, so editing a producer re-runs it and exactly the runs that need it. A
producer in another entry is found by that entry's slug, even when only the consumer's entry is
being built.
"""

from __future__ import annotations

import heapq
import itertools
import shutil
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import capture, frozen, keys, runner
from .cache import sha256_file
from .directives import ParsedEntry, Run
from .errors import JournalError
from .progress import Summary
from .results import RunResult

if TYPE_CHECKING:
    from .project import Journal

IGNORED = [".venv", ".cache", ".git", "node_modules", "site", frozen.FOLDER]  # never run data
UNKNOWN_SECONDS = 1.0  # what a run never timed is assumed to take


@dataclass(eq=False)
class Node:
    """One run of one entry in the graph of runs."""

    path: str  # the entry's path, relative to the journal's root
    slug: str
    run: Run
    needs: list[Node] = field(default_factory=list)
    consumers: list[Node] = field(default_factory=list)
    error: JournalError | None = None
    outcome: RunResult | JournalError | None = None
    data: list[str] = field(default_factory=list)  # data files it read, when just executed
    recipe: dict = field(default_factory=dict)
    key: str = ""  # its static key, once its producers have settled

    @property
    def ref(self) -> str:
        return f"{self.slug}:{self.run.name}"

    @property
    def at(self) -> str:
        return f"{self.ref} ({self.run.where})"


class Scheduler:
    """One round of runs for ``journal``; ``refreeze`` names (entry path, run name) to execute
    and write to ``frozen/`` instead of reading from it."""

    def __init__(
        self, journal: Journal, refreeze: set[tuple[str, str]] = frozenset(), dry: bool = False
    ):
        self.journal = journal
        self.refreeze = set(refreeze)
        self.dry = dry  # look up only, execute nothing (to find what the cache must keep)
        self.keys: set[str] = set()
        self.nodes: dict[tuple[str, str], Node] = {}
        self.by_slug: dict[str, dict[str, Node]] = {}
        self.summary = Summary()
        self.unstarted: set = set()  # runs of this round not started nor settled yet
        self.by_key: dict[str, Future | RunResult] = {}
        self.in_flight: dict[Future, list[Node]] = {}
        self.future_key: dict[Future, str] = {}
        self.ready: list[tuple[float, int, Node]] = []  # a heap: longest path to the end first
        self.order = itertools.count()
        self.rank: dict[Node, float] = {}
        self.timed: dict[str, float] = {}  # seconds of the runs executed in this round, by ref
        self.waiting: dict[Node, int] = {}
        self.sources: dict[Path, dict[str, str]] = {}  # each snippet's sources, hashed once

    # -- the graph --------------------------------------------------------------------------------
    def _add_entry(self, entry: ParsedEntry) -> list[Node]:
        slug = self.journal.slug_of(entry.path)
        added = []
        for run in entry.runs:
            if (entry.path, run.name) not in self.nodes:
                node = Node(entry.path, slug, run)
                self.nodes[(entry.path, run.name)] = node
                self.by_slug.setdefault(slug, {})[run.name] = node
                added.append(node)
        self.by_slug.setdefault(slug, {})
        return added

    def _link(self, todo: list[Node]) -> None:
        """Resolve every ``needs=``, pulling in the entries of producers found by slug."""
        while todo:
            node = todo.pop()
            for need in node.run.needs:
                slug, _, name = need.rpartition(":")
                slug = slug or node.slug
                if slug not in self.by_slug:
                    try:
                        entry = self.journal.find_entry(slug)
                    except JournalError as err:
                        entry, node.error = None, err
                    if entry is not None:
                        todo.extend(self._add_entry(entry))
                producers = self.by_slug.get(slug)
                producer = producers.get(name) if producers is not None else None
                if producers is None:
                    node.error = JournalError(
                        f"run {node.run.name!r} needs {need}, but no entry has the slug {slug!r}",
                        node.run.where,
                        hint="write needs=RUN for a run of this entry, needs=SLUG:RUN for "
                        "another entry's (SLUG is its front matter's slug)",
                    )
                elif producer is None:
                    runs = ", ".join(sorted(producers)) or "none"
                    node.error = JournalError(
                        f"run {node.run.name!r} needs {need}, but entry {slug!r} has no run "
                        f"{name!r}",
                        node.run.where,
                        hint=f"its runs: {runs}",
                    )
                elif not producer.run.produces:
                    node.error = JournalError(
                        f"run {node.run.name!r} needs {producer.at}, which produces no files",
                        node.run.where,
                        hint=f"declare what it writes at {producer.run.where}: "
                        f"'::run {producer.run.name} ... produces=FILE,...'",
                    )
                elif producer is node:
                    node.error = JournalError(f"run {node.run.name!r} needs itself", node.run.where)
                else:
                    node.needs.append(producer)
                    producer.consumers.append(node)
        self._find_cycles()

    def _find_cycles(self) -> None:
        state: dict[Node, int] = {}  # 1: on the current path, 2: done

        def visit(node: Node, path: list[Node]) -> None:
            state[node] = 1
            path.append(node)
            for producer in node.needs:
                if state.get(producer) == 1:
                    cycle = path[path.index(producer) :]
                    text = " -> ".join(n.at for n in [*cycle, producer])
                    for member in cycle:
                        member.error = JournalError(
                            f"runs need each other in a cycle: {text}",
                            member.run.where,
                            hint="a run can only need runs that do not need it, directly or not",
                        )
                elif producer not in state:
                    visit(producer, path)
            path.pop()
            state[node] = 2

        for node in list(self.nodes.values()):
            if node not in state:
                visit(node, [])

    # -- running ----------------------------------------------------------------------------------
    def run(
        self, entries: list[ParsedEntry], only: set[tuple[str, str]] | None = None
    ) -> dict[tuple[str, str], RunResult | JournalError]:
        """Every run of ``entries`` (only the runs ``only`` names and those they need, if given)."""
        started = time.perf_counter()
        todo = []
        for entry in entries:
            todo.extend(self._add_entry(entry))
        wanted = [(entry.path, run.name) for entry in entries for run in entry.runs]
        self._link(todo)
        if only is not None:
            wanted = [pair for pair in wanted if pair in only]
            self._restrict([self.nodes[pair] for pair in wanted])
        self.journal.reporter.start(0)
        self.waiting = {n: len(n.needs) for n in self.nodes.values()}
        self._rank()
        self.unstarted = set(self.nodes.values())  # for the progress line's total
        self.journal.reporter.waiting = len(self.unstarted)
        for node in self.nodes.values():
            if node.error is not None:
                self._settle(node, node.error)
            elif not node.needs:
                self._ready(node)
        jobs = max(1, self.journal.jobs)
        with ThreadPoolExecutor(max_workers=jobs) as self.pool:
            while self.ready or self.in_flight:
                # at most `jobs` executing: the rest wait in the heap, where a run that becomes
                # ready later (a model's consumer) can still go before runs queued earlier
                while self.ready and len(self.in_flight) < jobs:
                    node = heapq.heappop(self.ready)[2]
                    if node.outcome is None:
                        self._start(node)
                if self.in_flight:
                    done, _ = wait(list(self.in_flight), return_when=FIRST_COMPLETED)
                    for future in done:
                        users = self.in_flight.pop(future)
                        self._finish(self.future_key.pop(future), users, future.result())
        self.summary.seconds = time.perf_counter() - started
        if not self.dry:
            self.journal.cache.remember_durations(self.timed)
        if wanted:
            self.journal.reporter.summary(self.summary)
        return {pair: self.nodes[pair].outcome for pair in wanted}

    def _restrict(self, chosen: list[Node]) -> None:
        """Keep only ``chosen`` and the runs they need, directly or not."""
        keep: set[Node] = set()
        todo = list(chosen)
        while todo:
            node = todo.pop()
            if node not in keep:
                keep.add(node)
                todo.extend(node.needs)
        self.nodes = {pair: n for pair, n in self.nodes.items() if n in keep}
        for node in keep:
            node.consumers = [c for c in node.consumers if c in keep]

    def _settle(self, node: Node, outcome: RunResult | JournalError) -> None:
        if node.outcome is not None:
            return
        node.outcome = outcome
        self._started(node)
        if isinstance(outcome, JournalError):
            self.summary.failed += 1
        for consumer in node.consumers:
            self.waiting[consumer] -= 1
            if self.waiting[consumer] <= 0 and consumer.outcome is None:
                self._ready(consumer)

    # -- order: the longest remaining path first --------------------------------------------------
    # A cold build's wall time is at least its longest chain of runs (a model trained, then the
    # runs that use it), so the runs on that chain start first; among the rest, the longest
    # first (the classic longest-processing-time rule), which keeps both cores busy to the end.
    # Durations are those of the last execution, kept in the cache folder; a run never timed
    # counts UNKNOWN_SECONDS, so on a first build a producer still starts before a lone run.
    def _rank(self) -> None:
        known = self.journal.cache.durations()
        self.rank = {}

        def rank(node: Node) -> float:
            if node not in self.rank:
                self.rank[node] = 0.0  # a cycle's member (already an error) ends the path
                own = known.get(node.ref, UNKNOWN_SECONDS)
                self.rank[node] = own + max((rank(c) for c in node.consumers), default=0.0)
            return self.rank[node]

        for node in self.nodes.values():
            rank(node)

    def _started(self, node: Node) -> None:
        """``node`` no longer waits: it executes, or it is settled without executing."""
        self.unstarted.discard(node)
        self.journal.reporter.waiting = len(self.unstarted)

    def _ready(self, node: Node) -> None:
        heapq.heappush(self.ready, (-self.rank.get(node, 0.0), next(self.order), node))

    def _label(self, node: Node, snippet: Path) -> str:
        return f"{node.path}:{node.run.where.line} {node.run.name} ({self.journal.rel(snippet)})"

    def _start(self, node: Node) -> None:
        """Settle ``node`` at once (an error, the cache, a frozen result) or start executing it."""
        journal, run = self.journal, node.run
        failed = [p for p in node.needs if isinstance(p.outcome, JournalError)]
        if failed:
            self._settle(
                node,
                JournalError(
                    f"run {run.name!r} needs {failed[0].at}, which failed",
                    run.where,
                    hint="fix the run it needs first (its error is reported too)",
                ),
            )
            return
        try:
            snippet = journal.snippet(run.file, run.where)
            needed = {
                p.ref: {rel: sha256_file(path) for rel, path in sorted(p.outcome.files.items())}
                for p in node.needs
            }
            if snippet not in self.sources:  # a snippet serves several runs
                self.sources[snippet] = keys.sources(journal.root, snippet)
            node.recipe = keys.recipe(journal.root, run, snippet, needed, self.sources[snippet])
            key = keys.static_key(
                journal.environment_key, node.recipe, [p.outcome.key for p in node.needs]
            )
        except JournalError as err:
            self._settle(node, err)
            return
        node.key = key
        self.keys.add(key)
        label = self._label(node, snippet)
        refreezing = (node.path, run.name) in self.refreeze
        if run.frozen and not refreezing:
            self._settle(node, self._frozen(node))
            if not isinstance(node.outcome, JournalError):
                self.summary.cached += 1
                journal.reporter.cached(f"{label} frozen")
            return
        known = self.by_key.get(key)
        if isinstance(known, RunResult) and not refreezing:
            self.summary.cached += 1
            self._settle(node, known)
            return
        if isinstance(known, Future) and not refreezing:
            self.in_flight[known].append(node)
            return
        if journal.execution == "cache" and not refreezing:
            cached = journal.cache.lookup(key, journal.root)
            if cached is not None:
                self.summary.cached += 1
                journal.reporter.cached(label)
                self.by_key[key] = cached
                self._settle(node, cached)
                return
        if self.dry:
            self._settle(node, JournalError(f"run {run.name!r} is not in the cache", run.where))
            return
        self._started(node)
        journal.reporter.total += 1
        future = self.pool.submit(self._execute, node, snippet, key, label)
        self.in_flight[future] = [node]
        self.future_key[future] = key
        self.by_key[key] = future

    def _frozen(self, node: Node) -> RunResult | JournalError:
        try:
            result = frozen.load(self.journal.root, node.slug, node.run, node.recipe)
        except JournalError as err:
            return err
        if result.stale and not self.journal.show_stale:
            return JournalError(
                f"frozen run {node.run.name!r} is stale: {result.stale}",
                node.run.where,
                hint=f"measure it again and commit the result: "
                f"{frozen.refreeze_command(node.slug, node.run.name)}",
            )
        return result

    def _finish(self, key: str, users: list[Node], result: RunResult | JournalError) -> None:
        if isinstance(result, RunResult):
            self.summary.executed += 1
            self.summary.cached += len(users) - 1
            self.by_key[key] = result
        else:
            del self.by_key[key]
        for node in users:
            if isinstance(result, RunResult) and (node.path, node.run.name) in self.refreeze:
                data = {rel: sha256_file(self.journal.root / rel) for rel in users[0].data}
                frozen.write(self.journal.root, node.slug, node.run.name, result, node.recipe, data)
                self.journal.reporter.stream.write(
                    f"journal: froze {node.ref} in {frozen.folder(self.journal.root, node.slug, node.run.name).relative_to(self.journal.root)}\n"
                )
                result = frozen.load(self.journal.root, node.slug, node.run, node.recipe)
            self._settle(node, result)

    def _execute(self, node: Node, snippet: Path, key: str, label: str):
        journal, run = self.journal, node.run
        journal.reporter.running(label)
        scratch = Path(tempfile.mkdtemp(prefix="journal-out-"))
        work = Path(tempfile.mkdtemp(prefix="journal-run-"))
        started = time.perf_counter()
        try:
            self._place_inputs(node, work)
            spec = runner.RunSpec(
                run.where, run.name, snippet, run.function, run.timeout, run.memory
            )
            raw = runner.execute(
                spec,
                scratch,
                journal.root,
                journal.snippets_dir,
                IGNORED,
                on_output=lambda line: journal.reporter.output(label, line),
                workdir=work,
            )
            missing = [f for f in run.produces if not (work / f).is_file()]
            if missing:
                users = ", ".join(c.at for c in node.consumers) or "no run yet"
                raise JournalError(
                    f"run {run.name!r} promised {', '.join(missing)} (produces=) but did not "
                    "write it into its working directory",
                    run.where,
                    hint=f"write it by a relative path, e.g. open({missing[0]!r}, 'wb'); "
                    f"needed by: {users}",
                )
            children = raw.pop("children", [])
            if children and not run.inputs:
                raise JournalError(
                    f"run {run.name!r} started a child process ({children[0]}); the files a "
                    "child reads are invisible to the cache, which could serve a stale result",
                    run.where,
                    hint=f"declare what it reads: '::run {run.name} {run.file} "
                    "inputs=data/file.txt,...' (files or folders, relative to the journal or "
                    "absolute), or inputs=none if it reads no file",
                )
            # a file outside the journal that is gone once the run ended was its own (a
            # temporary folder it made): never an input
            opened = [p for p in raw.pop("opened") if not Path(p).is_absolute() or Path(p).exists()]
            node.data = keys.data_files(journal.root, opened)
            stdout, note = capture.kept_output(scratch / "stdout.txt")
            result = journal.cache.store(
                key,
                journal.root,
                node.data,
                stdout,
                note,
                [(fig, scratch / fig["file"]) for fig in raw["figures"]],
                raw["values"],
                raw["seconds"],
                {rel: work / rel for rel in run.produces},
            )
            self.timed[node.ref] = raw["seconds"]  # in the function: not the worker's start
            journal.reporter.finished(label, "executed", time.perf_counter() - started)
            return result
        except JournalError as err:
            journal.reporter.finished(label, "FAILED", time.perf_counter() - started, err)
            return err
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            shutil.rmtree(work, ignore_errors=True)

    @staticmethod
    def _place_inputs(node: Node, work: Path) -> None:
        """Copy every file the needed runs produced into the run's working directory."""
        placed: dict[str, Node] = {}
        for producer in node.needs:
            for rel, path in producer.outcome.files.items():
                if rel in placed:
                    raise JournalError(
                        f"run {node.run.name!r} needs two runs that both produce {rel}: "
                        f"{placed[rel].at} and {producer.at}",
                        node.run.where,
                    )
                placed[rel] = producer
                target = work / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
