"""Progress on long work: which runs execute (with their times) or come from the cache, a bar in a
terminal, a summary line, plain lines in logs, GitHub ``::error`` annotations in Actions."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from journal.progress import Reporter, Summary
from journal.project import Journal

FIXTURE = Path(__file__).with_name("fixture_site")
JOURNAL = Path(sys.executable).with_name("journal")
ENTRY = """---
title: e
---

::run good ok.py
::run broken bad.py
"""


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "ok.py").write_text("def main():\n    return {'x': 1}\n")
    (tmp_path / "snippets" / "bad.py").write_text(
        "def main():\n    raise ValueError('no good\\nat all 100%')\n"
    )
    return tmp_path


def run_twice(root: Path, **reporter_options) -> list[str]:
    """Run the entry's two runs twice (the second time, the good one is cached)."""
    outputs = []
    for _ in range(2):
        stream = io.StringIO()
        journal = Journal(root, reporter=Reporter(stream=stream, **reporter_options))
        journal.run_all([journal.parse(ENTRY, "posts/entries/e.md")])
        outputs.append(stream.getvalue())
    return outputs


def test_plain_lines_say_what_ran_how_long_what_was_cached_and_sum_up(project):
    first, second = run_twice(project, live=False, github=False)
    assert re.search(
        r"^journal: \[\d/2\] executed\s+\d+\.\d\d s  posts/entries/e\.md:5 good \(snippets/ok\.py\)$",
        first,
        re.M,
    )
    assert re.search(
        r"^journal: \[\d/2\] FAILED\s+\d+\.\d\d s  posts/entries/e\.md:6 broken", first, re.M
    )
    assert re.search(
        r"^journal: 2 runs: 1 executed, 0 cached, 1 failed in \d+\.\d\d s$", first, re.M
    )
    assert "\r" not in first and "\033" not in first and "::error" not in first
    # Second round: the success comes from the cache, the failure runs again.
    assert "journal: cached  posts/entries/e.md:5 good (snippets/ok.py)\n" in second
    assert re.search(r"^journal: \[1/1\] FAILED", second, re.M)
    assert re.search(r"^journal: 2 runs: 0 executed, 1 cached, 1 failed in", second, re.M)


def test_github_actions_gets_error_annotations_at_the_snippet_line(project):
    first, _ = run_twice(project, live=False, github=True)
    errors = [line for line in first.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1
    assert errors[0].startswith("::error file=snippets/bad.py,line=2::")
    message = errors[0].split("::", 2)[2]
    assert "ValueError" in message
    assert "\n" not in message and "%0A" in message  # one line: newlines encoded
    assert "100%25" in message  # '%' encoded first, as GitHub requires


def test_a_terminal_gets_a_bar_and_one_line_of_cached_runs(project):
    first, second = run_twice(project, live=True, github=False)
    assert re.search(r"journal: \[-{24}\] 0/2 running ", first)  # the bar before the first finishes
    assert "\r\033[K" in first
    assert "journal: cached: posts/entries/e.md:5 good\n" in second
    assert "journal: cached  " not in second  # no line per cached run in a terminal


def test_reporter_defaults_follow_the_stream_and_the_environment(monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    reporter = Reporter(stream=io.StringIO())
    assert reporter.live is False and reporter.github is True
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert Reporter(stream=io.StringIO()).github is False


def test_summary_line():
    line = Summary(executed=3, cached=5, failed=1, seconds=2.345).line()
    assert line == "journal: 9 runs: 3 executed, 5 cached, 1 failed in 2.35 s"


def test_a_failing_build_in_actions_annotates_through_the_real_cli(tmp_path):
    root = tmp_path / "journal"
    shutil.copytree(FIXTURE, root)
    beta = root / "snippets" / "beta.py"
    beta.write_text(beta.read_text().replace("VALUE = 1", "VALUE = 1 / 0"))
    env = {**os.environ, "GITHUB_ACTIONS": "true", "JOURNAL_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [str(JOURNAL), "build", "--root", str(root), "-d", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode != 0
    assert "::error file=snippets/beta.py,line=5::" in done.stderr
    assert re.search(r"journal: 2 runs: 1 executed, 0 cached, 1 failed", done.stderr)


def test_the_count_of_runs_is_known_from_the_first_line_and_only_falls(project):
    """Five runs on one core, two of them with one key: the first line already counts all five
    (it used to count the runs started so far: [1/1] for the first of four). A run the cache
    answers, or that shares a run's key, leaves the count once it is answered, so the count
    only falls and never drops below the runs executed."""
    for name in ("b", "c", "d"):
        (project / "snippets" / f"{name}.py").write_text(
            f"def main():\n    return {{'{name}': 1}}\n"
        )
    entry = "---\ntitle: e\n---\n\n" + "".join(
        f"::run {name} {name if name != 'a' else 'ok'}.py\n" for name in "abcd"
    )
    entry += "::run again ok.py\n"  # the same key as run a: it waits for a, never executes
    stream = io.StringIO()
    journal = Journal(project, jobs=1, reporter=Reporter(stream=stream, live=False, github=False))
    journal.run_all([journal.parse(entry, "posts/entries/e.md")])
    counts = [
        tuple(map(int, m))
        for m in re.findall(r"^journal: \[(\d+)/(\d+)\]", stream.getvalue(), re.M)
    ]
    assert [done for done, _ in counts] == [1, 2, 3, 4]
    totals = [total for _, total in counts]
    assert totals[0] == 5
    assert totals == sorted(totals, reverse=True)
    assert all(total >= 4 for total in totals)
    assert "5 runs: 4 executed, 1 cached, 0 failed" in stream.getvalue()
