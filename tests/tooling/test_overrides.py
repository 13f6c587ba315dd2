"""The theme overrides follow the pinned Material. A template in journal/adapters/theme/ that replaces one of
Material's (a partial, or blog-post.html: both have no blocks to override one by one) records the
sha256 of the original it was made from in its first line. When an upgrade of mkdocs-material
changes that original, this test names the file: compare the two, carry Material's change over,
then record the new hash. Templates that extend Material's (main.html, 404.html) override blocks
only and need no record."""

from __future__ import annotations

import hashlib
import re
import sys
from importlib.metadata import version
from pathlib import Path

import material

ROOT = Path(__file__).resolve().parents[2]
OVERRIDES = ROOT / "journal" / "adapters" / "theme"
MATERIAL = Path(material.__file__).parent / "templates"
RECORD = re.compile(
    r"^\{#- Replaces Material (?P<version>\S+)'s (?P<path>\S+), sha256:(?P<sha>[0-9a-f]{64}) "
)


def templates() -> list[Path]:
    return sorted(OVERRIDES.rglob("*.html"))


def record_of(path: Path) -> re.Match | None:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    return RECORD.match(first)


def test_every_replacement_records_its_original():
    missing = []
    for path in templates():
        rel = path.relative_to(OVERRIDES).as_posix()
        extends = "{% extends " in path.read_text(encoding="utf-8")
        if (MATERIAL / rel).is_file() and not extends and record_of(path) is None:
            missing.append(rel)
    assert not missing, f"overrides without the hash of Material's original: {missing}"


def test_the_originals_are_unchanged_in_the_pinned_material():
    installed = version("mkdocs-material")
    changed = []
    recorded = 0
    for path in templates():
        match = record_of(path)
        if match is None:
            continue
        recorded += 1
        rel = path.relative_to(OVERRIDES).as_posix()
        assert match["path"] == rel, f"{rel} records the original of {match['path']}"
        original = MATERIAL / rel
        assert original.is_file(), f"Material {installed} has no {rel} any more"
        sha = hashlib.sha256(original.read_bytes()).hexdigest()
        if sha != match["sha"]:
            changed.append(f"{rel} (recorded from Material {match['version']}, now {installed})")
    assert recorded >= 9
    assert not changed, (
        "Material's originals changed under these overrides; compare each with Material's, "
        f"carry the change over, and record the new sha256: {changed}"
    )


def test_the_check_sees_a_changed_original(tmp_path, monkeypatch):
    """The comparison above can fail: an original with one changed byte is reported."""
    copy = tmp_path / "templates"
    (copy / "partials").mkdir(parents=True)
    original = MATERIAL / "partials" / "tags.html"
    (copy / "partials" / "tags.html").write_bytes(original.read_bytes() + b" ")
    for path in templates():
        rel = path.relative_to(OVERRIDES)
        if rel.as_posix() != "partials/tags.html" and (MATERIAL / rel).is_file():
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            (copy / rel).write_bytes((MATERIAL / rel).read_bytes())
    monkeypatch.setattr(sys.modules[__name__], "MATERIAL", copy)
    try:
        test_the_originals_are_unchanged_in_the_pinned_material()
    except AssertionError as err:
        assert "partials/tags.html" in str(err) and "blog-post.html" not in str(err)
    else:
        raise AssertionError("a changed original went unnoticed")
