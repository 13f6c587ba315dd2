"""Throwaway MkDocs sites for the benchmarks, and timing their builds."""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

JOURNAL_YML = """\
site_name: bench
docs_dir: posts
plugins:
  - journal
markdown_extensions:
  - attr_list
  - md_in_html
  - pymdownx.highlight
  - pymdownx.superfences
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


CPU: list[float] = []  # processor seconds of each build, its runs included, in order


@dataclass(frozen=True)
class Built:
    """One ``mkdocs build``: wall seconds, processor seconds of every process it started (its
    runs included; a loaded machine distorts them less than wall time) and its log (stderr)."""

    wall: float
    cpu: float
    log: str


def run_build(root: Path, site_dir: Path | None = None, **env: str) -> Built:
    """Build ``root`` with ``mkdocs build --strict`` into ``site_dir`` (default ``root/out``);
    stops the benchmark if the build fails."""
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **env}
    full_env.pop("GITHUB_ACTIONS", None)
    # as `make` runs a build: Python keeps each module's bytecode (set on some machines, this
    # variable made every build compile its 400 modules again: about 0.9 s of each)
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site_dir or root / "out")],
        cwd=root,
        env=full_env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - before
    if proc.returncode != 0:
        sys.exit(f"build of {root} failed:\n{proc.stderr[-3000:]}")
    return Built(seconds, cpu, proc.stderr)


def build(root: Path, **env: str) -> float:
    """Seconds of one build of ``root`` (see run_build); its processor time is appended to CPU."""
    built = run_build(root, **env)
    CPU.append(built.cpu)
    return built.wall


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def clear(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def median(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} s (" + ", ".join(f"{v:.2f}" for v in values) + ")"


def load() -> str:
    """The machine's load average: the numbers mean little when it is far above the cores."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} cores"
