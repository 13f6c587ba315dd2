"""The feeds: Atom, RSS and JSON Feed list the newest entries (every one, while there are fewer
than feeds.FEED_LENGTH), with absolute links, parsed by feedparser."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
import sitebuild
from bs4 import BeautifulSoup

feeds = sitebuild.load_hook("feeds")


def _date(meta) -> dt.date:
    date = meta["date"]
    date = date.get("created") if isinstance(date, dict) else date
    return date.date() if isinstance(date, dt.datetime) else date


def _titles(site) -> set[str]:
    """The titles a feed lists: the newest feeds.FEED_LENGTH entries'."""
    metas = sorted(site.entries().values(), key=_date, reverse=True)
    return {meta["title"] for meta in metas[: feeds.FEED_LENGTH]}


@pytest.mark.parametrize(("name", "version"), [("feed.xml", "atom10"), ("rss.xml", "rss20")])
def test_xml_feed_is_valid_and_lists_the_newest_entries(site, name, version):
    parsed = feedparser.parse((site.root / name).read_bytes())
    assert not parsed.bozo, f"{name} is not well-formed: {parsed.get('bozo_exception')}"
    assert parsed.version == version
    assert parsed.feed.title == site.identity.title
    assert {e.title for e in parsed.entries} == _titles(site)
    assert len(parsed.entries) == min(len(site.entries()), feeds.FEED_LENGTH)
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
        assert entry.id.startswith(f"tag:{urlsplit(site.site_url).hostname},"), entry.id
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


# Runs in a child process under a faked clock: every Python clock (time.time, time_ns, localtime,
# datetime.now/utcnow/today, date.today) reads CLOCK, and TZ is set by the parent. Then the hook's
# own entry point, on_post_build, writes the three feeds of one entry into OUT; with
# CLOCK_IN_FEED=1 the feed's "updated" is taken from the clock instead (the control: proves a
# feed that did read the clock would differ).
CLOCK_CHILD = """
import datetime as dt, os, sys, time, types
from pathlib import Path

CLOCK = float(os.environ["CLOCK"])
time.time = lambda: CLOCK
time.time_ns = lambda: int(CLOCK * 1e9)
_localtime, _gmtime = time.localtime, time.gmtime
time.localtime = lambda secs=None: _localtime(CLOCK if secs is None else secs)
time.gmtime = lambda secs=None: _gmtime(CLOCK if secs is None else secs)
time.tzset()


class FakeDatetime(dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls.fromtimestamp(CLOCK, tz)

    @classmethod
    def utcnow(cls):
        return cls.fromtimestamp(CLOCK, dt.UTC).replace(tzinfo=None)

    @classmethod
    def today(cls):
        return cls.fromtimestamp(CLOCK)


class FakeDate(dt.date):
    @classmethod
    def today(cls):
        return cls.fromtimestamp(CLOCK)


dt.datetime, dt.date = FakeDatetime, FakeDate

sys.path.insert(0, sys.argv[1])
import sitebuild

feeds = sitebuild.load_hook("feeds")
if os.environ.get("CLOCK_IN_FEED"):
    real_atom = feeds.atom
    feeds.atom = lambda site, entries: real_atom({**site, "updated": dt.datetime.now(dt.UTC)}, entries)

ns = types.SimpleNamespace
post = ns(
    file=ns(name="x.md", inclusion=ns(is_excluded=lambda: False)),
    content='<p>C <a href="../y/">y</a></p>',
    url="x/",
    config=ns(date=ns(created=dt.datetime(2026, 11, 5, 9, 30), updated=None)),
    meta={"title": "T & <b>", "description": "S", "discussion_id": "x-id", "tags": ["t"]},
    title="T",
    authors=[ns(name="A")],
    categories=[ns(title="Foundations")],
)
config = ns(
    plugins={"material/blog": ns(blog=ns(posts=[post]))},
    site_url="https://h.example/journal/",
    site_name="J",
    site_description="D",
    site_author="A",
    site_dir=sys.argv[2],
)
feeds.on_post_build(config)
print(dt.datetime.now().isoformat(), time.strftime("%z"))
"""


def _feeds_under_clock(tmp_path, name: str, clock: float, tz: str, clock_in_feed: bool = False):
    out = tmp_path / name
    out.mkdir()
    env = {**os.environ, "CLOCK": str(clock), "TZ": tz}
    if clock_in_feed:
        env["CLOCK_IN_FEED"] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", CLOCK_CHILD, str(sitebuild.ROOT / "tests" / "site"), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = {n: (out / n).read_bytes() for n in ("feed.xml", "rss.xml", "feed.json")}
    return files, proc.stdout.strip()


# Two clocks 38 years and 26 hours of offset apart: 2001-02-03 04:05:06 UTC read in UTC, and
# 2039-10-11 12:13:14 UTC read in Kiritimati (UTC+14).
CLOCKS = [(981173106.0, "UTC"), (2201947994.0, "Pacific/Kiritimati")]


def test_feeds_do_not_depend_on_the_clock(tmp_path):
    (one, seen_one), (two, seen_two) = (
        _feeds_under_clock(tmp_path, f"clock{i}", clock, tz) for i, (clock, tz) in enumerate(CLOCKS)
    )
    assert seen_one == "2001-02-03T04:05:06 +0000"  # each child really saw its own clock
    assert seen_two == "2039-10-12T02:13:14 +1400"
    assert one == two
    parsed = feedparser.parse(one["rss.xml"])
    assert parsed.entries[0].title == "T & <b>"
    assert parsed.entries[0].id == "tag:h.example,2026-11-05:x-id"
    assert parsed.feed.updated_parsed[:4] == (2026, 11, 5, 9)  # the entry's date, not the clock
    assert parsed.entries[0].link == "https://h.example/journal/x/"


def test_the_clock_test_sees_a_feed_that_reads_the_clock(tmp_path):
    """The control: the same harness with the Atom feed's "updated" read from the clock finds
    the two feeds different, so the test above can fail."""
    (one, _), (two, _) = (
        _feeds_under_clock(tmp_path, f"clock{i}", clock, tz, clock_in_feed=True)
        for i, (clock, tz) in enumerate(CLOCKS)
    )
    assert one["feed.xml"] != two["feed.xml"]
    assert b"<updated>2001-02-03T04:05:06+00:00<" in one["feed.xml"]
    assert b"<updated>2039-10-11T12:13:14+00:00<" in two["feed.xml"]
    assert one["rss.xml"] == two["rss.xml"]


def test_the_journal_has_entries(site):
    """A guard: the feed tests above prove nothing on an empty journal."""
    assert site.entries(), f"no published entry in {site.docs_dir / 'entries'}"


def test_a_feed_holds_the_newest_entries_only():
    """A journal of 25 entries: the feeds carry the 20 newest, newest first (the real blog
    plugin's posts, reduced to what collect() reads)."""
    from types import SimpleNamespace as NS

    def post(day: int):
        return NS(
            file=NS(inclusion=NS(is_excluded=lambda: False), name=f"e{day}.md"),
            content=f"<p>entry {day}</p>",
            url=f"e{day}/",
            config=NS(date=NS(created=dt.datetime(2026, 1, day), updated=None)),
            meta={"title": f"Entry {day}", "discussion_id": f"e{day}"},
            title=f"Entry {day}",
            authors=[],
            categories=[],
        )

    posts = [post(day) for day in (3, 25, 1, *range(4, 25), 2)]
    config = NS(
        plugins={"material/blog": NS(blog=NS(posts=posts))},
        site_url="https://h/j/",
        site_author="A",
    )
    titles = [e.title for e in feeds.collect(config)]
    assert titles == [f"Entry {day}" for day in range(25, 5, -1)]
    assert len(feeds.collect(config, length=100)) == 25
