"""Growth (issue 10): a synthetic journal of N entries, each with two runs whose functions take
about 10 ms, built cold (empty cache), warm (nothing changed) and plain (execution off).

Targets: each run costs the cold build at most 50 ms ((cold - plain) / runs); a warm build stays
within 1.15 x the plain one, at every N.

    .venv/bin/python bench/growth.py [--sizes 20 80 240] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from sites import CPU, JOURNAL_YML, build, clear, load, median, write

SNIPPET = """\
import time

import numpy as np


def main():
    started = time.perf_counter()
    a = np.random.default_rng({seed}).standard_normal((64, 64))
    while time.perf_counter() - started < 0.010:  # about 10 ms of work
        a = np.tanh(a @ a / 8)
    return {{"value": float(a.sum())}}
"""
ENTRY = """\
# Entry {i}

::run a run{i}a.py

::run b run{i}b.py

A is {{{{ a.value:.3f }}}}, B is {{{{ b.value:.3f }}}}.
"""


def journal(root: Path, entries: int) -> None:
    write(root / "mkdocs.yml", JOURNAL_YML)
    for i in range(entries):
        for j, part in enumerate("ab"):
            write(root / "snippets" / f"run{i}{part}.py", SNIPPET.format(seed=2 * i + j))
        write(root / "posts" / f"entry{i}.md", ENTRY.format(i=i))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 80, 240])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"growth benchmark: {load()}")
    work = Path(tempfile.mkdtemp(prefix="journal-growth-"))
    try:
        for n in args.sizes:
            root, cache = work / f"n{n}", work / f"n{n}-cache"
            journal(root, n)
            cold, warm, plain, cold_cpu, plain_cpu = [], [], [], [], []
            for _ in range(args.repeat):
                clear(cache)
                cold.append(build(root, JOURNAL_CACHE_DIR=str(cache)))
                cold_cpu.append(CPU[-1])
                warm.append(build(root, JOURNAL_CACHE_DIR=str(cache)))
                plain.append(build(root, JOURNAL_EXECUTE="off"))
                plain_cpu.append(CPU[-1])
            runs = 2 * n
            per_run = (statistics.median(cold) - statistics.median(plain)) / runs
            ratio = statistics.median(warm) / statistics.median(plain)
            print(f"N={n:4} ({runs} runs)")
            print(f"  cold  {median(cold)}")
            print(f"  warm  {median(warm)}")
            print(f"  plain {median(plain)}")
            print(
                f"  cold cost per run {1000 * per_run:5.1f} ms (target <= 50): "
                + ("met" if per_run <= 0.050 else "MISSED")
            )
            cpu = (statistics.median(cold_cpu) - statistics.median(plain_cpu)) / runs
            print(
                f"  processor time per run {1000 * cpu:5.1f} ms (cold minus plain, all processes;"
                f" on {os.cpu_count()} idle cores a run costs about this / {os.cpu_count()})"
            )
            print(
                f"  warm / plain {ratio:.3f} (target <= 1.15): "
                + ("met" if ratio <= 1.15 else "MISSED")
            )
        print(f"after: {load()}")
    finally:
        clear(work)


if __name__ == "__main__":
    main()
