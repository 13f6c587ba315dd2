"""Correction notes on the built site: each corrected entry shows its dated note under its title
and in its excerpt, its metadata and the feeds carry the correction's date as "updated", and the
feeds' content carries the note (feeds parsed with feedparser)."""

from __future__ import annotations

import datetime as dt
import json
import re

import feedparser
import pytest
import sitebuild
from bs4 import BeautifulSoup

from journal import corrections

hook = sitebuild.load_hook("corrections")


def corrected(site) -> dict[str, tuple[dict, list[corrections.Correction]]]:
    """Every published entry with corrections, by title: (front matter, corrections)."""
    out = {}
    for meta in site.entries().values():
        items = corrections.read(meta)
        if items:
            out[meta["title"]] = (meta, items)
    return out


def note_words(note: str) -> str:
    """The note's first words as plain text (the Markdown of a note is mostly plain)."""
    return " ".join(re.sub(r"[*_`\"$\\]", "", note).split()[:6])


def text(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").replace('"', "").split())


def test_the_journal_has_corrected_entries(site):
    assert len(corrected(site)) >= 1


def test_each_corrected_entry_shows_its_dated_notes_under_its_title(site):
    for meta, items in corrected(site).values():
        soup = BeautifulSoup((site.root / meta["slug"] / "index.html").read_text(), "html.parser")
        article = soup.select_one("article.md-content__inner")
        h1, first_h2 = article.find("h1"), article.find("h2")
        notes = article.select(".admonition.note")
        assert notes, meta["title"]
        for note in notes:  # between the title and the first section: near the top
            assert h1.sourceline <= note.sourceline < first_h2.sourceline
        titles = [n.select_one(".admonition-title").get_text(strip=True) for n in notes]
        newest = max(c.date for c in items)
        assert titles[0] == f"Corrected on {newest.day} {newest:%B %Y}"
        shown = " ".join(text(str(n)) for n in notes)
        for c in items:
            assert note_words(c.note) in shown, (meta["title"], c.note)
        # the entry's metadata shows the correction's date as "updated"
        assert soup.find("time", attrs={"datetime": f"{newest} 00:00:00+00:00"}), meta["title"]


def test_the_home_page_excerpt_shows_the_note(site):
    home = text((site.root / "index.html").read_text())
    for title, (_, items) in corrected(site).items():
        newest = max(c.date for c in items)
        assert f"Corrected on {newest.day} {newest:%B %Y}" in home, title


def test_feeds_carry_the_update_date_and_the_note(site):
    atom = feedparser.parse((site.root / "feed.xml").read_bytes())
    assert not atom.bozo
    jfeed = {i["title"]: i for i in json.loads((site.root / "feed.json").read_text())["items"]}
    fixed = corrected(site)
    for entry in atom.entries:
        published = dt.date(*entry.published_parsed[:3])
        updated = dt.date(*entry.updated_parsed[:3])
        item = jfeed[entry.title]
        if entry.title not in fixed:
            assert updated == published, entry.title
            assert "Corrected on" not in entry.content[0].value
            continue
        items = fixed[entry.title][1]
        newest = max(c.date for c in items)
        assert updated == newest > published, entry.title
        assert item["date_modified"] == f"{newest.isoformat()}T00:00:00+00:00"
        for content in (entry.content[0].value, item["content_html"]):
            assert f"Corrected on {newest.day} {newest:%B %Y}" in content
            for c in items:
                assert note_words(c.note) in text(content), c.note
    assert dt.date(*atom.feed.updated_parsed[:3]) == max(
        max(c.date for c in items) for _, items in fixed.values()
    )


def test_the_hook_puts_the_note_after_the_title_newest_date_first():
    items = [
        corrections.Correction(dt.date(2026, 12, 1), "First note says what changed."),
        corrections.Correction(dt.date(2027, 1, 5), "Second note says what changed."),
    ]
    out = hook.insert_after_title("# Title\n\nOpening.\n", hook.note_markdown(items))
    assert out.index("# Title") < out.index("5 January 2027") < out.index("1 December 2026")
    assert out.index("1 December 2026") < out.index("Opening.")
    assert hook.insert_after_title("No title.\n", "BLOCK").startswith("BLOCK")


@pytest.mark.parametrize(
    "meta, message",
    [
        ({"date": dt.date(2026, 11, 1), "corrections": "fixed"}, "must be a list"),
        ({"corrections": [{"date": "soon", "note": "it says what changed now"}]}, "not a date"),
        (
            {"date": dt.date(2026, 12, 2), "corrections": [{"date": dt.date(2026, 12, 1), "note": "it says what changed now"}]},
            "before the entry itself",
        ),
    ],
)  # fmt: skip
def test_a_malformed_correction_is_refused(meta, message):
    with pytest.raises(corrections.CorrectionError, match=message):
        corrections.read(meta)
