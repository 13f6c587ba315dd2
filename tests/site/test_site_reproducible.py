"""Two cold builds of one commit, from two fresh clones with separate caches and SOURCE_DATE_EPOCH
set, are byte-identical, every file (feeds, sitemap and search index included): nothing the site
shows depends on the machine's speed or the clock (timings are frozen runs, see frozen/)."""

from __future__ import annotations

import hashlib
import subprocess

import pytest
import sitebuild


def digests(root):
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_two_cold_builds_from_fresh_clones_are_byte_identical(tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1785000000", "JOURNAL_EXECUTION": "cache"}
    sites = []
    for name in ("one", "two"):
        clone = tmp_path / f"clone-{name}"
        subprocess.run(
            ["git", "clone", "--quiet", str(sitebuild.ROOT), str(clone)], check=True, timeout=120
        )
        cache = tmp_path / f"cache-{name}"  # empty: every run executes
        log = sitebuild.build(
            tmp_path / name,
            config=clone / "mkdocs.yml",
            env={**env, "JOURNAL_CACHE_DIR": str(cache)},
        )
        assert " 0 executed" not in log  # a cold build: runs executed, from no shared cache
        assert any(cache.rglob("meta.json"))
        sites.append(tmp_path / name)
    one, two = digests(sites[0]), digests(sites[1])
    assert one.keys() == two.keys()
    differ = sorted(k for k in one if one[k] != two[k])
    assert not differ, f"files that differ between two builds: {differ}"
    assert {"feed.xml", "rss.xml", "feed.json", "sitemap.xml"} <= one.keys()
    assert "search/search_index.json" in one
