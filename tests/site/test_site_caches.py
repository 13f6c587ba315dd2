"""The site's own caches (journal/adapters/site_cache.py: highlighted code, ...) change no byte of
the built site. The journal is built three times with one run cache (so the pages hold the same
run results): with them on and empty (filled as the build goes: within one build, the blog's
listing pages reuse what the entries' own pages made; this is the session's own build, whose site
caches start in a folder of their own), with the site caches off (JOURNAL_SITE_CACHE=off, as MkDocs
alone builds it), and again with them filled by the first build. Every file of the three sites is
compared byte for byte, nothing excluded: pages, listing pages, feeds, sitemap (and its .gz),
search index, figures, assets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sitebuild


def values(path: Path) -> dict:
    """A store's values: its file is a line about it (versions, checksum), then the values."""
    return json.loads(path.read_bytes().partition(b"\n")[2])


@pytest.mark.slow
def test_the_site_caches_change_no_byte_of_the_site(tmp_path, site):
    env = {"SOURCE_DATE_EPOCH": site.env["SOURCE_DATE_EPOCH"]}
    caches = Path(site.env["JOURNAL_SITE_CACHE"])  # empty when the session's build began
    stored = {p.name: p.stat().st_mtime_ns for p in caches.glob("*.json")}
    highlighted = values(caches / "highlight.json")
    assert len(highlighted) > 50  # every code block of every entry, once
    assert len(values(caches / "mathml.json")) > 50  # formulas
    kept = {p.relative_to(caches) for p in caches.rglob("*") if p.is_file()}
    assert {p.parent.name for p in kept} >= {"pages", "excerpts", "templates"}
    sitebuild.build(tmp_path / "off", env={**env, "JOURNAL_SITE_CACHE": "off"})
    sitebuild.build(tmp_path / "warm", env={**env, "JOURNAL_SITE_CACHE": str(caches)})
    # the warm build found everything: it added nothing, so it rewrote no store
    assert {p.name: p.stat().st_mtime_ns for p in caches.glob("*.json")} == stored
    # ... and converted no page, excerpt or template again
    assert {p.relative_to(caches) for p in caches.rglob("*") if p.is_file()} == kept

    off = sitebuild.digests(tmp_path / "off")
    assert {"index.html", "sitemap.xml", "sitemap.xml.gz", "search/search_index.json"} <= set(off)
    assert {"feed.xml", "rss.xml", "feed.json", "archive/2026/11/index.html"} <= set(off)
    for name, folder in (("cold", site.root), ("warm", tmp_path / "warm")):
        other = sitebuild.digests(folder)
        assert other.keys() == off.keys(), f"{name}: files differ from the uncached build"
        differ = sorted(k for k in off if off[k] != other[k])
        assert not differ, f"{name}: files that differ from the uncached build: {differ}"
