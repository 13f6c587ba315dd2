"""Whatever a run prints, the pages and the feeds stay valid: a copy of the fixture journal, with
the site's feeds hook, gets an entry whose snippet prints every kind of control character (NUL,
BEL, ESC, form feed), ANSI colours and a progress bar redrawn with carriage returns. It is built
with the real ``journal build``; the feeds are read by a real XML parser and by feedparser, and
every page by the Nu Html Checker."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).with_name("fixture_site")
JOURNAL = Path(sys.executable).with_name("journal")
sys.path.insert(0, str(ROOT / "tests" / "site"))
import nuchecker  # noqa: E402

NOISY = r'''"""Prints what terminals and careless programs print."""

import sys

FORM-FEED


def main():
    print("nul[\x00] bel[\x07] ff[\x0c] vt[\x0b] del[\x7f] c1[\x85]")
    print("\x1b[1;31mred and bold\x1b[0m, then plain")
    for percent in (0, 50, 100):
        sys.stdout.write(f"\rtraining {percent:3d}% [{'#' * (percent // 10):<10}]")
    print()
    print("<script>alert(1)</script> stays text")
    print("```python")
    print("~~~ fences stay text")
    print("```")
    return {"label": "tab\there, bell\x07 here", "count": 3}
'''.replace("FORM-FEED", "\f")  # PEP 8 allows a form feed in source

ENTRY = """\
---
title: Noisy output
date: 2026-11-03
description: An entry whose run prints control characters, colours and a progress bar.
categories:
  - Foundations
slug: noisy
discussion_id: noisy
curriculum: 2
draft: false
---

# Noisy output

Pairs $x_{i<j}$ come first (a `<` the Markdown scanner once took for a tag).

<!-- more -->

::code noisy.py

::run noisy noisy.py
::output noisy

The label is {{ noisy.label }} and the count {{ noisy.count }}.
"""
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("published")
    root = base / "journal"
    shutil.copytree(FIXTURE, root)
    # the feeds come with the journal plugin (journal/adapters/hooks/feeds.py), as in any journal
    (root / "snippets" / "noisy.py").write_text(NOISY, encoding="utf-8")
    (root / "posts" / "entries" / "noisy.md").write_text(ENTRY, encoding="utf-8")
    out = base / "site"
    done = subprocess.run(
        [str(JOURNAL), "build", "--root", str(root), "-d", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "JOURNAL_CACHE_DIR": str(base / "cache")},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_the_page_shows_control_characters_as_symbols_and_applies_terminal_escapes(built):
    page = (built / "noisy" / "index.html").read_text(encoding="utf-8")
    assert not FORBIDDEN.search(page), FORBIDDEN.search(page)
    output = re.search(r'<div class="journal-output">\s*<pre><code>(.*?)</code>', page, re.S)[1]
    assert "<script>" not in output
    assert [html.unescape(line) for line in output.splitlines()] == [
        r"nul[␀] bel[␇] ff[␌] vt[␋] del[␡] c1[\x85]",
        "red and bold, then plain",
        "training 100% [##########]",  # the bar as a terminal leaves it: its last state
        "<script>alert(1)</script> stays text",
        "```python",  # printed fences stay in the output, not parsed as code blocks
        "~~~ fences stay text",
        "```",
    ]
    assert "bell␇ here and the count 3." in page  # a quoted string value too


def test_output_blocks_never_land_inside_a_paragraph(built):
    page = (built / "noisy" / "index.html").read_text(encoding="utf-8")
    assert page.count('<div class="journal-output">') == 1
    assert not re.search(r"<p>\s*<div", page)


@pytest.mark.parametrize("name", ["feed.xml", "rss.xml"])
def test_feeds_stay_well_formed_xml(built, name):
    data = (built / name).read_bytes()
    root = ET.fromstring(data)  # raises on anything XML cannot carry
    assert root.tag in {"{http://www.w3.org/2005/Atom}feed", "rss"}
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    noisy = next(e for e in parsed.entries if e.title == "Noisy output")
    content = noisy.content[0].value
    assert "nul[␀] bel[␇]" in content and "training 100%" in content
    assert "\x1b" not in content


def test_every_page_validates_with_the_nu_html_checker(built):
    missing = nuchecker.available()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the Nu Html Checker cannot run: {missing}")
        pytest.skip(f"the Nu Html Checker cannot run: {missing}")
    errors = nuchecker.check(built)
    assert not errors, "\n".join(map(str, errors))


def test_the_feed_hook_never_writes_what_xml_cannot_carry():
    """Defence in depth: a title with a control character still gives a feed a parser reads."""
    import datetime as dt

    from journal.adapters.hooks import feeds

    when = dt.datetime(2026, 11, 3, tzinfo=dt.UTC)
    entry = feeds.FeedEntry(
        "tag:x,2026-11-03:a",
        "https://x/a/",
        "bell\x07",
        "nul\x00",
        "<p>\x0c</p>",
        when,
        when,
        "me",
        ("Foundations",),
        (),
    )
    site = {"url": "https://x/", "title": "t", "description": "", "author": "", "updated": when}
    for doc in (feeds.atom(site, [entry]), feeds.rss(site, [entry])):
        ET.fromstring(doc)
        assert not feedparser.parse(doc).bozo
