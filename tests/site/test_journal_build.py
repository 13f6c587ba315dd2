"""The real journal, built with --strict: every entry's page and figure is there, nothing raw
is left, and two clean builds from clones in different folders are byte-identical."""

from __future__ import annotations

import filecmp
import os
import re
import subprocess
from pathlib import Path

import sitebuild

RAW = re.compile(r"^::(code|run|output|figure)\b|--8<--|\{\{\s*[\w-]+\.\w+", re.M)


def test_every_entry_has_its_page(site):
    entries = site.entries()
    assert len(entries) >= 2
    for name, meta in entries.items():
        page = site.root / meta["slug"] / "index.html"
        assert page.is_file(), f"{name}: no page at {page.relative_to(site.root)}"
        assert meta["title"] in page.read_text(encoding="utf-8")


def test_every_figure_referenced_exists_and_is_svg(site):
    count = 0
    for page in site.html_pages():
        html = page.read_text(encoding="utf-8")
        for src in re.findall(r'<img src="([^"]+\.svg)"', html):
            if src.startswith(("http:", "https:", "/")):
                continue
            target = (page.parent / src).resolve()
            assert target.is_file(), f"{page.relative_to(site.root)} shows missing {src}"
            assert b"<svg" in target.read_bytes()[:2000]
            count += 1
    assert count >= 2


def test_no_raw_markers_or_build_errors_left(site):
    for page in site.html_pages():
        html = page.read_text(encoding="utf-8")
        raw = RAW.search(html)
        assert raw is None, f"{page.relative_to(site.root)} still holds {raw.group(0)!r}"
        assert "journal-error" not in html


def _clone_and_build(dest: Path, cache: Path, epoch: str) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(sitebuild.ROOT), str(dest)], check=True)
    env = {"SOURCE_DATE_EPOCH": epoch, "JOURNAL_CACHE_DIR": str(cache)}
    sitebuild.build(dest / "site", dest / "mkdocs.yml", env=env)
    return dest / "site"


def _differences(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b)
    out = [f"{a.name}: only in one: {n}" for n in cmp.left_only + cmp.right_only]
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    out += [f"differs: {n}" for n in mismatch + errors]
    for sub in cmp.common_dirs:
        out += [f"{sub}/{d}" for d in _differences(a / sub, b / sub)]
    return out


def test_two_clean_builds_are_byte_identical(tmp_path, site):
    """The session's own build (when this checkout is as committed, else a clone's) and a clone's
    in another folder, both from the session's run cache."""
    epoch = site.env["SOURCE_DATE_EPOCH"]
    cache = Path(os.environ.get("JOURNAL_CACHE_DIR", sitebuild.ROOT / ".cache" / "journal"))
    one = site.root if site.clean else _clone_and_build(tmp_path / "first-clone", cache, epoch)
    two = _clone_and_build(tmp_path / "elsewhere" / "second", cache, epoch)
    assert len(list(one.rglob("*.html"))) > 5
    assert _differences(one, two) == []
