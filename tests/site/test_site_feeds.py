"""The feeds: Atom, RSS and JSON Feed list every entry, with absolute links, parsed by feedparser."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
import sitebuild
from bs4 import BeautifulSoup

feeds = sitebuild.load_hook("feeds")


def _titles(site) -> set[str]:
    return {meta["title"] for meta in site.entries().values()}


@pytest.mark.parametrize(("name", "version"), [("feed.xml", "atom10"), ("rss.xml", "rss20")])
def test_xml_feed_is_valid_and_lists_every_entry(site, name, version):
    parsed = feedparser.parse((site.root / name).read_bytes())
    assert not parsed.bozo, f"{name} is not well-formed: {parsed.get('bozo_exception')}"
    assert parsed.version == version
    assert parsed.feed.title == "Learning AI in public"
    assert {e.title for e in parsed.entries} == _titles(site)
    assert len(parsed.entries) == len(site.entries())
    for entry in parsed.entries:
        assert entry.link.startswith(site.site_url), entry.link
        target = sitebuild.local_path(site, "/" + entry.link.split("/", 3)[3])
        assert target is not None and target.is_file(), f"{entry.link} is not a built page"
        assert entry.summary, f"{entry.title}: empty summary"
        assert entry.content[0].value, f"{entry.title}: no full content"


def test_feed_entries_are_newest_first_and_dated_from_front_matter(site):
    parsed = feedparser.parse((site.root / "feed.xml").read_bytes())
    by_title = {meta["title"]: meta for meta in site.entries().values()}
    dates = []
    for entry in parsed.entries:
        published = dt.date(*entry.published_parsed[:3])
        meta_date = by_title[entry.title]["date"]
        meta_date = meta_date.get("created") if isinstance(meta_date, dict) else meta_date
        if isinstance(meta_date, dt.datetime):
            meta_date = meta_date.date()
        assert published == meta_date, entry.title
        dates.append(published)
    assert dates == sorted(dates, reverse=True)


def test_atom_ids_follow_the_discussion_id_not_the_url(site):
    parsed = feedparser.parse((site.root / "feed.xml").read_bytes())
    by_title = {meta["title"]: meta for meta in site.entries().values()}
    for entry in parsed.entries:
        key = by_title[entry.title].get("discussion_id") or by_title[entry.title]["slug"]
        assert entry.id.startswith("tag:example.github.io,"), entry.id
        assert entry.id.endswith(":" + key), entry.id


def test_feed_content_has_only_absolute_links(site):
    parsed = feedparser.parse((site.root / "feed.xml").read_bytes())
    for entry in parsed.entries:
        html = entry.content[0].value
        for attr in ('href="', 'src="'):
            for chunk in html.split(attr)[1:]:
                url = chunk.split('"', 1)[0]
                assert url.startswith(("https://", "http://", "mailto:", "data:")), (
                    entry.title,
                    url,
                )


def test_json_feed(site):
    doc = json.loads((site.root / "feed.json").read_text(encoding="utf-8"))
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["feed_url"] == site.site_url + "feed.json"
    assert {item["title"] for item in doc["items"]} == _titles(site)
    for item in doc["items"]:
        assert item["url"].startswith(site.site_url)
        assert item["content_html"] and item["summary"]
        dt.datetime.fromisoformat(item["date_published"])


def test_every_page_advertises_the_feeds(site):
    wanted = {
        "application/atom+xml": "feed.xml",
        "application/rss+xml": "rss.xml",
        "application/feed+json": "feed.json",
    }
    for page in site.html_pages():
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        links = {a["type"]: a["href"] for a in soup.select('head link[rel="alternate"][type]')}
        for kind, name in wanted.items():
            assert links.get(kind, "").endswith(name), (page, kind)
            target = urlsplit(urljoin(sitebuild.page_url(site, page), links[kind])).path
            assert sitebuild.local_path(site, target) == site.root / name, page


def test_absolutize_resolves_relative_urls_against_the_page():
    html = (
        '<a href="../x/#y">x</a> <img src="f.svg"> <a href="#top">t</a> <a href="https://o/">o</a>'
    )
    out = feeds.absolutize(html, "https://h/j/entry/")
    assert out == (
        '<a href="https://h/j/x/#y">x</a> <img src="https://h/j/entry/f.svg"> '
        '<a href="https://h/j/entry/#top">t</a> <a href="https://o/">o</a>'
    )


def test_feeds_do_not_depend_on_the_clock():
    entry = feeds.FeedEntry(
        id="tag:h,2026-11-05:x",
        url="https://h/x/",
        title="T & <b>",
        summary="S",
        content_html="<p>C</p>",
        published=dt.datetime(2026, 11, 5, tzinfo=dt.UTC),
        updated=dt.datetime(2026, 11, 6, tzinfo=dt.UTC),
        author="A",
        categories=("Foundations",),
        tags=("t",),
    )
    site = {"url": "https://h/", "title": "J", "description": "D", "author": "A"}
    site["updated"] = entry.updated
    first = (feeds.atom(site, [entry]), feeds.rss(site, [entry]), feeds.json_feed(site, [entry]))
    again = (feeds.atom(site, [entry]), feeds.rss(site, [entry]), feeds.json_feed(site, [entry]))
    assert first == again
    parsed = feedparser.parse(first[1])
    assert parsed.entries[0].title == "T & <b>"
    assert parsed.feed.updated_parsed[:3] == (2026, 11, 6)


def test_the_journal_has_entries(site):
    """A guard: the feed tests above prove nothing on an empty journal."""
    assert site.entries(), f"no published entry in {site.docs_dir / 'entries'}"
