"""The whole journal: `journal check` finds no problem, and the site builds as it is published
(`mkdocs build --strict`: any warning fails) with the opening entry's number in its page."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def test_journal_check_finds_no_problem():
    done = subprocess.run(
        [sys.executable, "-m", "journal.cli", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no problems" in done.stderr


def test_site_builds_strictly(tmp_path, entry_runs):
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    dice = entry_runs("posts/entries/@@slug@@.md")["dice"]
    page = (site / "@@slug@@" / "index.html").read_text(encoding="utf-8")
    assert f"{dice.values['mean']:.3f}" in page
    assert (site / "roadmap" / "index.html").is_file()
    assert (site / "feed.xml").is_file()
