"""A new user's first run, from an empty clone of HEAD (pip's and uv's caches stay as they are,
warm, as on CI's machine; the execution cache starts empty):

- `make preview`: seconds until the home page answers, split into installing .venv and building,
  and the size of .venv it made; the first build serves at once and the runs execute after it
  (journal/background.py), so then the seconds until every run is done, and the journal's cold
  compute: the seconds inside the run functions (the engine's durations.json) and the notebooks;
- with --test, in a second empty clone: `make test` wall and CPU time, the same cold compute as
  the tests' own runs measured it (the suite's overhead is the rest), and .venv's size.

Usage: ``python bench/first_run.py [--test] [--keep]``. Prints one line per measure, with the CPU
time beside each wall time: on a busy machine, CPU time over the number of cores is the better
guide to an idle machine's wall time. Targets (issue 18, on 2 cores): first page within 60 s,
`make test` within 150 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLD = re.compile(r"journal: (\d+) runs: (\d+) executed.* in ([\d.]+) s")
NOTEBOOK = re.compile(r"executed\s+([\d.]+) s\s+\S+\.ipynb")
PASSED = re.compile(r"=+ (.*(?:passed|failed).*) in ([\d.]+)s")


def clone(dest: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(dest)], check=True)
    return dest


def cpu_seconds() -> float:
    """User plus system time of every finished child process so far (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def size_mb(path: Path) -> float:
    """Bytes of every file under ``path`` (hard links counted once), in MB."""
    seen, total = set(), 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            st = p.stat()
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total / 1e6


def cold_compute(folder: Path, log: str) -> str:
    """Seconds inside the run functions (as the engine recorded them) and in the notebooks."""
    record = folder / ".cache" / "journal" / "durations.json"
    runs = sum(json.loads(record.read_text()).values()) if record.is_file() else 0.0
    notebooks = sum(float(s) for s in NOTEBOOK.findall(log))
    return f"{runs:.1f} s in run functions + {notebooks:.1f} s of notebooks"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_page(folder: Path) -> dict:
    """Start `make preview` on a free port; time the .venv and the first answered page."""
    port = free_port()
    log = folder / "preview.log"
    env = {**os.environ, "CI": ""}
    env.pop("VIRTUAL_ENV", None)
    started, cpu = time.perf_counter(), cpu_seconds()
    with open(log, "w") as out:
        proc = subprocess.Popen(
            ["make", "preview", f"PREVIEW_ADDR=127.0.0.1:{port}"],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    installed = None
    try:
        while True:
            if installed is None and list((folder / ".venv").glob(".installed-build-*")):
                installed = time.perf_counter() - started
            try:  # the preview serves at its root: mkdocs.yml has no site_url
                url = f"http://127.0.0.1:{port}/"
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if proc.poll() is not None:
                raise SystemExit(f"make preview stopped:\n{log.read_text()[-3000:]}")
            time.sleep(0.25)
        served = time.perf_counter() - started
        while not COLD.search(log.read_text()) and time.perf_counter() - started < 1800:
            if proc.poll() is not None:
                break
            time.sleep(0.25)  # the runs the first page did not wait for
        complete = time.perf_counter() - started
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    cold = COLD.search(log.read_text())
    return {
        "first page (s)": round(served, 1),
        "CPU time until stopped (s)": round(cpu_seconds() - cpu, 1),
        "installing .venv (s)": round(installed or 0, 1),
        "building (s)": round(served - (installed or 0), 1),
        "every run done (s)": round(complete, 1),
        "runs executed, cold": f"{cold[2]} of {cold[1]} in {cold[3]} s" if cold else "none",
        "journal's cold compute": cold_compute(folder, log.read_text()),
        ".venv for the preview (MB)": round(size_mb(folder / ".venv")),
    }


def make_test(folder: Path) -> dict:
    env = {**os.environ}
    env.pop("VIRTUAL_ENV", None)
    started, cpu = time.perf_counter(), cpu_seconds()
    proc = subprocess.run(["make", "test"], cwd=folder, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    out = proc.stdout + proc.stderr
    summary = PASSED.search(out)
    return {
        "make test (s)": round(wall, 1),
        "CPU time (s)": round(cpu_seconds() - cpu, 1),
        "pytest says": f"{summary[1]} in {summary[2]} s" if summary else out[-2000:],
        "exit status": proc.returncode,
        "journal's cold compute": cold_compute(folder, out),
        ".venv for the tests (MB)": round(size_mb(folder / ".venv")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--test", action="store_true", help="also time `make test`")
    parser.add_argument("--keep", action="store_true", help="keep the clones")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="journal-first-run-"))
    try:
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for name, value in first_page(clone(base / "preview")).items():
            print(f"{name}: {value}")
        if args.test:
            for name, value in make_test(clone(base / "test")).items():
                print(f"{name}: {value}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        if args.keep:
            print(f"clones kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
