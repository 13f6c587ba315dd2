"""Two builds of one commit, from two fresh clones with SOURCE_DATE_EPOCH set, are byte-identical,
every file (feeds, sitemap and search index included): nothing the site shows depends on the
machine's speed or the clock (timings are frozen runs, see frozen/).

One build executes every run from an empty cache, in a clone. The other is the session's own
build (when this checkout's files are as committed, it is a build of the same commit; else a
clone is built from the session's cache): in CI, on a fresh clone, the session's runs are a
cold execution of their own, in another process, so the comparison is two independent cold
executions while the suite pays for only one more."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import sitebuild

from journal import provenance


def _clone_and_build(tmp_path, name: str, env: dict):
    clone = tmp_path / f"clone-{name}"
    subprocess.run(
        ["git", "clone", "--quiet", str(sitebuild.ROOT), str(clone)], check=True, timeout=120
    )
    # what this checkout's tests asserted when they last ran (a second `make test` here has it
    # when its session builds), which the pages show beside each value: not a run's result
    record = provenance.record_path(sitebuild.ROOT)
    if record.is_file():
        provenance.record_path(clone).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(record, provenance.record_path(clone))
    log = sitebuild.build(tmp_path / name, config=clone / "mkdocs.yml", env=env)
    return tmp_path / name, log


@pytest.mark.slow
def test_a_cold_build_and_the_sessions_results_give_byte_identical_sites(tmp_path, site):
    env = {"SOURCE_DATE_EPOCH": site.env["SOURCE_DATE_EPOCH"], "JOURNAL_EXECUTION": "cache"}
    if site.clean:
        session = site.root
    else:  # local changes: build HEAD from the results the session keeps
        session_cache = sitebuild.ROOT / ".cache" / "journal"
        session, _ = _clone_and_build(tmp_path, "session", {**env, "JOURNAL_CACHE_DIR": str(session_cache)})
    cache = tmp_path / "cache-cold"  # empty: every run executes
    cold, log = _clone_and_build(tmp_path, "cold", {**env, "JOURNAL_CACHE_DIR": str(cache)})
    assert " 0 executed" not in log
    assert any(cache.rglob("meta.json"))
    one, two = sitebuild.digests(session), sitebuild.digests(cold)
    assert one.keys() == two.keys()
    differ = sorted(k for k in one if one[k] != two[k])
    assert not differ, f"files that differ between two builds: {differ}"
    assert {"feed.xml", "rss.xml", "feed.json", "sitemap.xml"} <= one.keys()
    assert "search/search_index.json" in one
