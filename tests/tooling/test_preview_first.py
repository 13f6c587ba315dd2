"""`make preview` serves before the runs finish (journal/background.py): the first build renders
every page at once with a placeholder for each run not in the cache, the runs execute in the
background, and the pages are rebuilt with their results when the runs are done.

The fixture journal's beta run waits for a gate file the test creates only after it has read the
first page: so the first page is served while beta is certainly still executing, whatever the
machine's speed, and nothing here depends on how long anything takes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

FIXTURE = Path(__file__).with_name("fixture_site")
MKDOCS = Path(sys.executable).with_name("mkdocs")
GATED = '''"""Beta, held until {gate} exists (the test opens the gate)."""

import os
import time

import matplotlib.pyplot as plt


def main():
    deadline = time.monotonic() + 600
    while not os.path.exists({gate!r}):
        if time.monotonic() > deadline:
            raise TimeoutError("the test never opened the gate")
        time.sleep(0.05)
    print("beta value 5")
    fig, ax = plt.subplots(figsize=(2, 1.5), num="dots")
    ax.plot([0, 1, 2], [0, 1, 2], "o")
    return {{"value": 5}}
'''


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _wait(proc, log: Path, url: str, until, what: str, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = _get(url)
        if page is not None and until(page):
            return page
        assert proc.poll() is None, f"the preview stopped:\n{log.read_text()[-3000:]}"
        time.sleep(0.05)
    raise AssertionError(f"{url} never {what}:\n{log.read_text()[-3000:]}")


def test_the_first_page_is_served_before_the_runs_finish(tmp_path):
    root = tmp_path / "journal"
    shutil.copytree(FIXTURE, root)
    gate = tmp_path / "gate"
    (root / "snippets" / "beta.py").write_text(GATED.format(gate=str(gate)), encoding="utf-8")
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "JOURNAL_CACHE_DIR": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1"}
    env.pop("GITHUB_ACTIONS", None)
    log = tmp_path / "stderr.txt"
    url = f"http://127.0.0.1:{port}/first/"
    with open(log, "w") as err:  # what `make preview` runs
        proc = subprocess.Popen(
            [str(MKDOCS), "serve", "--strict", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        first = _wait(proc, log, url, lambda page: True, "answered")
        # served with placeholders: no run has a result yet (beta holds the round open)
        assert "Alpha says … and beta says …" in first
        assert first.count("running…") == 2, first  # beta's output and its figure
        assert "Three dots" not in first
        assert not re.search(r"executed\s+[\d.]+ s\s+\S+ beta", log.read_text())
        gate.write_text("open\n")
        done = _wait(proc, log, url, lambda page: "beta says 5" in page, "showed the results")
        assert "Alpha says 49 and beta says 5" in done
        assert "running…" not in done
        assert 'alt="Three dots rising from left to right."' in done
        assert "beta value 5" in done
        text = log.read_text()
        assert text.index("Serving on") < re.search(r"executed\s+[\d.]+ s\s+\S+ beta", text).start()
    finally:
        gate.write_text("open\n")  # let the run end if the test failed before opening it
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
