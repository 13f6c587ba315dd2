"""Two builds of one commit, from two fresh clones with SOURCE_DATE_EPOCH set, are byte-identical,
every file (feeds, sitemap and search index included): nothing the site shows depends on the
machine's speed or the clock (timings are frozen runs, see frozen/).

One build executes every run from an empty cache. The other reads the results this test session
already executed for the entries' tests (the `all_runs` fixture, in the checkout's cache): in CI,
on a fresh clone, those are a second cold execution on another process, so the comparison is two
independent cold executions while the suite pays for only one more."""

from __future__ import annotations

import subprocess

import pytest
import sitebuild


@pytest.mark.slow
def test_a_cold_build_and_the_sessions_results_give_byte_identical_sites(tmp_path, all_runs):
    assert all_runs  # executed (or found) by this session, in the checkout's cache
    env = {"SOURCE_DATE_EPOCH": "1785000000", "JOURNAL_EXECUTION": "cache"}
    caches = {"session": sitebuild.ROOT / ".cache" / "journal", "cold": tmp_path / "cache-cold"}
    sites = []
    for name, cache in caches.items():
        clone = tmp_path / f"clone-{name}"
        subprocess.run(
            ["git", "clone", "--quiet", str(sitebuild.ROOT), str(clone)], check=True, timeout=120
        )
        log = sitebuild.build(
            tmp_path / name,
            config=clone / "mkdocs.yml",
            env={**env, "JOURNAL_CACHE_DIR": str(cache)},
        )
        if name == "cold":  # empty: every run executes
            assert " 0 executed" not in log
            assert any(cache.rglob("meta.json"))
        sites.append(tmp_path / name)
    one, two = sitebuild.digests(sites[0]), sitebuild.digests(sites[1])
    assert one.keys() == two.keys()
    differ = sorted(k for k in one if one[k] != two[k])
    assert not differ, f"files that differ between two builds: {differ}"
    assert {"feed.xml", "rss.xml", "feed.json", "sitemap.xml"} <= one.keys()
    assert "search/search_index.json" in one
