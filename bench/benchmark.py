"""Measure the build targets of the executable journal and print them.

- cold build: an empty cache, every run executes; against its target, (time inside the run
  functions + the notebooks' execution) / cores + plain build + 3 s;
- warm build: nothing changed, nothing executes (median of --repeat builds);
- plain build: the same pages with execution turned off (JOURNAL_EXECUTION=off), median;
- touch one snippet: which runs re-execute, against the runs that depend on it;
- optionally (--tests) the test suite's wall time.

It works on a fresh clone of HEAD in a temporary folder, so the numbers do not depend on
this checkout's cache. Usage: ``python bench/benchmark.py [--repeat 3] [--snippet qr.py] [--tests]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sites import run_build  # noqa: E402

from journal import deps  # noqa: E402
from journal.cache import Cache  # noqa: E402
from journal.project import Journal  # noqa: E402
from journal.schedule import Node, Scheduler  # noqa: E402

EXECUTED = re.compile(r"executed\s+[\d.]+ s\s+(\S+):\d+ (\S+) ")
NOTEBOOK = re.compile(r"executed\s+([\d.]+) s\s+\S+\.ipynb")


def build(clone: Path, cache: Path, **env) -> tuple[float, str]:
    built = run_build(clone, clone / "site", JOURNAL_CACHE_DIR=str(cache), **env)
    return built.wall, built.log


def dependents(clone: Path, cache: Path, snippet: str) -> set[str]:
    """The runs (entry:name) that must re-execute when ``snippet`` changes: those whose snippet
    imports it, directly or not, those that read it as data when they last ran (the engine's
    cache records what each run opened), and every run that needs one of those."""
    journal = Journal(clone, cache_dir=str(cache))
    target = (clone / "snippets" / snippet).resolve()
    rel = str(target.relative_to(clone))
    scheduler = Scheduler(journal, dry=True)
    scheduler.run(journal.all_entries())
    found: set[Node] = set()
    for node in scheduler.nodes.values():
        imports = deps.local_sources(clone / "snippets" / node.run.file)
        if target in imports or rel in (journal.cache.data_files(node.key) or []):
            found.add(node)
    todo = list(found)
    while todo:
        for consumer in todo.pop().consumers:
            if consumer not in found:
                found.add(consumer)
                todo.append(consumer)
    return {f"{node.path}:{node.run.name}" for node in found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--snippet", default="qr.py", help="the snippet to touch")
    parser.add_argument("--tests", action="store_true", help="also time the test suite")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="journal-bench-"))
    try:
        clone, cache = work / "clone", work / "cache"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)

        cold, log = build(clone, cache)
        runs = len(EXECUTED.findall(log))
        # the time inside the run functions, as the engine recorded it, and the notebooks' kernels
        inside = sum(Cache(cache).durations().values())
        notebooks = sum(float(s) for s in NOTEBOOK.findall(log))
        warm = [build(clone, cache)[0] for _ in range(args.repeat)]
        plain = [build(clone, cache, JOURNAL_EXECUTION="off")[0] for _ in range(args.repeat)]

        expected = dependents(clone, cache, args.snippet)  # before the change, as last run
        snippet = clone / "snippets" / args.snippet
        snippet.write_text(snippet.read_text() + "\n# touched by the benchmark\n")
        touched, log = build(clone, cache)
        executed = {f"{path}:{name}" for path, name in EXECUTED.findall(log)}

        warm_s, plain_s = statistics.median(warm), statistics.median(plain)
        print(f"cold build:   {cold:6.2f} s  ({runs} runs executed)")
        cores = os.cpu_count() or 1
        target = (inside + notebooks) / cores + statistics.median(plain) + 3
        print(
            f"  in run functions {inside:.2f} s + notebooks {notebooks:.2f} s; target "
            f"(that / {cores} cores + plain + 3 s) {target:.2f} s: "
            + ("met" if cold <= target else "NOT met")
        )
        print(
            f"warm build:   {warm_s:6.2f} s  (median of {args.repeat}: {', '.join(f'{w:.2f}' for w in warm)})"
        )
        print(f"plain build:  {plain_s:6.2f} s  (median of {args.repeat}, execution off)")
        print(f"warm / plain: {warm_s / plain_s:6.3f}  (target <= 1.15)")
        print(
            f"touch {args.snippet}: rebuild {touched:.2f} s, executed {len(executed)} runs: {sorted(executed)}"
        )
        print(f"  runs that depend on it: {sorted(expected)}; exact: {executed == expected}")
        if args.tests:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=ROOT, check=False)
            print(f"test suite:   {time.perf_counter() - started:6.1f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
