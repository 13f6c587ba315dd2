"""Frozen runs: measured by `journal freeze`, committed under frozen/, never executed by a build;
a change to what they depend on fails the build with the command that refreezes (the preview shows
the stale result marked stale); a lock bump does not."""

from __future__ import annotations

import json
import subprocess
import sys

from journal.project import Journal

ENTRY = """\
---
slug: bench
---
# Bench

::run speed speed.py frozen produces=t.txt

::output speed

::run use use.py needs=speed

took={{ speed.t }} used={{ use.u }}
"""


def bench(site):
    site.counted_snippet(
        "speed.py",
        "    open('t.txt', 'w').write('5')\n    print('timed')\n    return {'t': 0.25}",
    )
    site.counted_snippet("use.py", "    return {'u': 2 * int(open('t.txt').read())}")
    site.entry("index.md", ENTRY)


def journal_cli(site, *words):
    return subprocess.run(
        [sys.executable, "-m", "journal.cli", *words, "--root", str(site.root)],
        env={**site_env(site)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def site_env(site):
    import os

    return {**os.environ, "RUN_LOG": str(site.log), "NO_MKDOCS_2_WARNING": "1"}


def test_a_frozen_run_is_measured_once_and_never_executed_by_a_build(site):
    bench(site)
    err = site.build(ok=False).stderr
    assert "posts/index.md:6: run 'speed' is frozen but has no frozen result" in err
    assert "journal freeze bench:speed" in err
    assert site.executions() == []

    frozen = journal_cli(site, "freeze", "bench")
    assert frozen.returncode == 0, frozen.stderr
    assert site.executions() == ["speed"]
    record = json.loads((site.root / "frozen/bench/speed/result.json").read_text())
    assert record["values"] == {"t": 0.25}
    assert set(record["measured"]) >= {"cpu", "cores", "os", "python", "numpy", "date", "seconds"}
    assert record["files"] == {"t.txt": record["files"]["t.txt"]}
    assert (site.root / "frozen/bench/speed/files/t.txt").read_text() == "5"

    site.log.write_text("")
    site.build()
    site.build(env={"JOURNAL_CACHE": "off"})  # force: still never executed
    assert site.executions() == ["use", "use"]  # its consumer runs; the frozen run does not
    page = site.page()
    assert "took=0.25 used=10" in page and "timed" in page
    assert "Measured on " in page and f"numpy {record['measured']['numpy']}" in page

    # A lock bump (an automated dependency update) is no reason to fail: it is not checked.
    (site.root / "requirements.lock").write_text("numpy==9.9.9\n")
    site.build()


def test_a_changed_dependency_fails_the_build_naming_the_run_and_the_command(site):
    bench(site)
    assert journal_cli(site, "freeze", "bench:speed").returncode == 0
    site.counted_snippet("speed.py", "    open('t.txt', 'w').write('6')\n    return {'t': 0.5}")
    site.log.write_text("")
    err = site.build(ok=False).stderr
    assert "posts/index.md:6: frozen run 'speed' is stale: snippets/speed.py changed" in err
    assert "journal freeze bench:speed" in err
    assert site.executions() == []

    # the preview keeps the old result, marked stale, and keeps running
    journal = Journal(site.root, show_stale=True)
    entry = journal.parse_file(site.root / "posts/index.md")
    outcome = journal.run_all([entry])
    text = (site.root / "posts/index.md").read_text()
    html = journal.render(text, entry, outcome, lambda svg: "fig.svg").markdown
    assert "took=0.25" in html and "stale: snippets/speed.py changed" in html
    assert "refreeze with journal freeze bench:speed" in html

    assert journal_cli(site, "freeze", "bench").returncode == 0
    site.build()
    assert "took=0.5 used=12" in site.page()


def test_freeze_refuses_what_is_not_frozen(site):
    bench(site)
    out = journal_cli(site, "freeze", "bench:use")
    assert out.returncode == 2 and "run 'use' is not frozen" in out.stderr
    out = journal_cli(site, "freeze", "nowhere")
    assert out.returncode == 2 and "no entry has the slug 'nowhere'" in out.stderr
