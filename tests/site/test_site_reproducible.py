"""Two clean builds with SOURCE_DATE_EPOCH set are byte-identical (feeds and sitemap included)."""

from __future__ import annotations

import hashlib

import pytest
import sitebuild


def digests(root):
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_two_builds_are_byte_identical(tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1785000000"}
    sitebuild.build(tmp_path / "one", env=env)
    sitebuild.build(tmp_path / "two", env=env)
    one, two = digests(tmp_path / "one"), digests(tmp_path / "two")
    assert one.keys() == two.keys()
    differ = sorted(k for k in one if one[k] != two[k])
    assert not differ, f"files that differ between two builds: {differ}"
    assert {"feed.xml", "rss.xml", "feed.json", "sitemap.xml"} <= one.keys()
