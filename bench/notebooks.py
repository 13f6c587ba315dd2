"""The take-home notebooks (journal/export.py): for every entry, the notebook's size, what it
costs to generate, what it costs to execute as a reader would (nbclient, an empty folder, no
access to the repository: tests/site/notebookrun.py), and how its numbers compare with the
page's (values compared, the largest relative float difference, printed outputs compared).

    .venv/bin/python bench/notebooks.py [--site DIR] [--only SLUG ...] [--cached]

Without --site it builds the journal (warm, from the engine's cache) into a temporary folder.
Execution is cold (the executed-notebook cache is neither read nor written) unless --cached.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "site"))

import notebookrun  # noqa: E402

from journal import codelinks, export  # noqa: E402
from journal.cache import Cache  # noqa: E402
from journal.project import Journal  # noqa: E402


def cell_seconds(cell) -> float:
    """How long a cell ran, from the timestamps nbclient records."""
    from datetime import datetime

    timing = cell.metadata.get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return 0.0
    return (end - start).total_seconds()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--cached", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-notebooks-"))
    site = args.site
    if site is None:
        site = tmp / "site"
        subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
            cwd=ROOT,
            check=True,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
    journal = Journal(ROOT)
    entries = journal.all_entries()
    outcome = journal.run_all(entries)
    commit = codelinks.commit_of(journal)

    print("generation (ms per entry, no cache; the build keeps them by content):")
    total = 0.0
    for entry in entries:
        if not entry.runs:
            continue
        started = time.perf_counter()
        export.entry_notebook(journal, entry, outcome, "https://example.org/", commit)
        ms = (time.perf_counter() - started) * 1000
        total += ms
        print(f"  {journal.slug_of(entry.path):36s} {ms:7.1f} ms")
    print(f"  total {total:.0f} ms for {sum(1 for e in entries if e.runs)} entries")

    cache = Cache(ROOT / ".cache" / "journal" if args.cached else None)
    rows = []
    for path in sorted(site.rglob("*.ipynb")):
        slug = path.stem
        if args.only and slug not in args.only:
            continue
        data = path.read_bytes()
        cpu = children_cpu()
        started = time.perf_counter()
        ran = notebookrun.execute(
            data, ROOT, cache, journal.environment_key, tmp / "work" / slug, name=slug
        )
        wall = time.perf_counter() - started
        cpu = children_cpu() - cpu
        got = notebookrun.compare(
            ran, outcome, notebookrun.FLOAT_RTOL, measured=notebookrun.MEASURED
        )
        rows.append((slug, len(data), wall, cpu, got, ran))
        print(
            f"{slug:36s} {len(data) / 1000:6.1f} KB  {wall:6.1f} s wall  {cpu:6.1f} s cpu  "
            f"{got.values:4d} values  worst {got.worst:.1e}  {got.outputs:2d} outputs  "
            f"{len(got.frozen)} frozen  {'cached' if ran.cached else ''}"
        )
        frozen_seconds = sum(
            cell_seconds(c) for c in ran.node.cells if c.metadata.get("journal", {}).get("frozen")
        )
        if frozen_seconds:
            print(f"    of which frozen runs (not compared): {frozen_seconds:.1f} s wall")
        for problem in got.problems[:8]:
            print("    " + problem.replace("\n", "\n    "))
        if ran.isolation and any(ran.isolation[k] for k in ("opened", "sys_path", "modules")):
            print(f"    NOT ISOLATED: {ran.isolation}")
    print(
        f"all: {sum(r[1] for r in rows) / 1000:.0f} KB, {sum(r[2] for r in rows):.0f} s wall, "
        f"{sum(r[3] for r in rows):.0f} s cpu, {sum(r[4].values for r in rows)} values, worst "
        f"{max((r[4].worst for r in rows), default=0):.1e}, "
        f"{sum(len(r[4].problems) for r in rows)} problems"
    )


if __name__ == "__main__":
    main()
