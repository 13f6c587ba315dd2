"""The peer benchmark (issue 10): six pages, each a seeded numpy computation of about a second that
prints a number and draws a figure, built by this engine and by markdown-exec side by side.

For each engine, ``--repeat`` times (medians reported): a cold build (the journal's cache empty),
a warm build (nothing changed) and a build after editing one page's code. markdown-exec runs every
block in the build process at every build, so its three builds cost about the same; it gets one
BLAS thread, as every journal run has, so both do the same arithmetic. Targets:
journal cold <= 0.8 x markdown-exec's, warm <= 0.2 x, one edit <= 0.4 x.

    .venv/bin/python bench/peer.py [--repeat 3] [--pages 6] [--seconds 1.0]

markdown-exec comes from the lock's bench group; without it only the journal is measured.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import statistics
import tempfile
import time
from pathlib import Path

from sites import CPU, JOURNAL_YML, build, clear, load, median, write

WORK = """\
import matplotlib.pyplot as plt
import numpy as np


def main():
    rng = np.random.default_rng({seed})
    a = rng.standard_normal((200, 200)) / 14
    for _ in range({steps}):
        a = np.tanh(a @ a / 15 + 0.1 * rng.standard_normal(a.shape))
    value = float(np.abs(a).mean())
    print(f"mean |a| = {{value:.6f}}")
    fig, ax = plt.subplots()
    ax.hist(a.ravel(), bins=40)
    return {{"value": value}}
"""
JOURNAL_PAGE = """\
# Page {seed}

::run w work{seed}.py

Mean {{{{ w.value:.4f }}}}.

::output w

::figure w 1 alt="A histogram of the entries"
"""
MDEXEC_PAGE = """\
# Page {seed}

```python exec="on" html="true"
{code}
import io
value = main()["value"]
print(f"<p>Mean {{value:.4f}}.</p>")
buffer = io.StringIO()
plt.gcf().savefig(buffer, format="svg")
plt.close("all")
print(buffer.getvalue())
```
"""
MDEXEC_YML = """\
site_name: bench
docs_dir: docs
plugins:
  - markdown-exec
markdown_extensions:
  - pymdownx.superfences
"""


def calibrate(seconds: float) -> int:
    """How many steps make the computation take ``seconds`` of processor time here."""
    saved = dict(os.environ)
    os.environ.update(
        OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg"
    )  # as in a run; numpy reads it once
    namespace: dict = {}
    exec(WORK.format(seed=0, steps=50), namespace)
    os.environ.clear()
    os.environ.update(saved)  # the builds get the caller's environment
    with contextlib.redirect_stdout(io.StringIO()):
        namespace["main"]()  # once to warm up (libraries, memory), then timed
        started = time.process_time()  # not wall time: other processes share the cores
        namespace["main"]()
    per_step = (time.process_time() - started) / 50
    namespace["plt"].close("all")
    return max(1, round(seconds / per_step))


def journal_site(root: Path, pages: int, steps: int) -> Path:
    write(root / "mkdocs.yml", JOURNAL_YML)
    for seed in range(pages):
        write(root / "snippets" / f"work{seed}.py", WORK.format(seed=seed, steps=steps))
        write(root / "posts" / f"page{seed}.md", JOURNAL_PAGE.format(seed=seed))
    return root / "snippets" / "work0.py"


def mdexec_site(root: Path, pages: int, steps: int) -> Path:
    write(root / "mkdocs.yml", MDEXEC_YML)
    for seed in range(pages):
        code = WORK.format(seed=seed, steps=steps)
        write(root / "docs" / f"page{seed}.md", MDEXEC_PAGE.format(seed=seed, code=code))
    return root / "docs" / "page0.md"


# markdown-exec computes in the build process: with the BLAS thread count the journal's runs have,
# both do the same arithmetic (left to itself, OpenBLAS's threads spin on a loaded machine).
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
CPU_BY_ENGINE: dict[str, dict[str, list[float]]] = {}  # processor seconds, per engine and kind


def measure(root: Path, edited: Path, repeat: int, env: dict) -> dict[str, list[float]]:
    cache = root.parent / f"{root.name}-cache"
    times: dict[str, list[float]] = {"cold": [], "warm": [], "edit": []}
    cpu: dict[str, list[float]] = {kind: [] for kind in times}
    CPU_BY_ENGINE[root.name] = cpu
    original = edited.read_text()
    for i in range(repeat):
        clear(cache)
        edited.write_text(original)
        for kind in times:
            if kind == "edit":
                edited.write_text(original.replace("bins=40", f"bins={41 + i}"))
            times[kind].append(build(root, JOURNAL_CACHE_DIR=str(cache), **env))
            cpu[kind].append(CPU[-1])
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=1.0, help="each computation's length")
    args = parser.parse_args()

    steps = calibrate(args.seconds)
    print(f"peer benchmark: {args.pages} pages, {steps} steps each (~{args.seconds:g} s); {load()}")
    work = Path(tempfile.mkdtemp(prefix="journal-peer-"))
    try:
        journal = journal_site(work / "journal", args.pages, steps)
        ours = measure(work / "journal", journal, args.repeat, {})
        for kind, values in ours.items():
            cpu = statistics.median(CPU_BY_ENGINE["journal"][kind])
            print(f"  journal        {kind:5} {median(values)}  processor {cpu:6.2f} s")
        if importlib.util.find_spec("markdown_exec") is None:
            print(
                "markdown-exec is NOT installed, so there is nothing to compare with: "
                "install the lock's bench group (or: .venv/bin/python -m pip install "
                "markdown-exec==1.12.6) and run again"
            )
            return
        other = mdexec_site(work / "mdexec", args.pages, steps)
        theirs = measure(work / "mdexec", other, args.repeat, ONE_THREAD)
        for kind, values in theirs.items():
            cpu = statistics.median(CPU_BY_ENGINE["mdexec"][kind])
            print(f"  markdown-exec  {kind:5} {median(values)}  processor {cpu:6.2f} s")
        targets = {"cold": 0.8, "warm": 0.2, "edit": 0.4}
        for kind, target in targets.items():
            ratio = statistics.median(ours[kind]) / statistics.median(theirs[kind])
            verdict = "met" if ratio <= target else "MISSED"
            print(
                f"  {kind:5} journal / markdown-exec = {ratio:.2f} (target <= {target}): {verdict}"
            )
        print(f"  after: {load()}")
    finally:
        clear(work)


if __name__ == "__main__":
    main()
