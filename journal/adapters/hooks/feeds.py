"""MkDocs hook: Atom, RSS 2.0 and JSON Feed of the journal's entries.

Written from the blog plugin's posts after the build, the newest 20 (FEED_LENGTH): full content
with absolute links, the description as summary, categories and tags. Every date comes from the
entries' front matter (the feed's own "updated" is the newest entry's date), never from the
clock or git, so two builds of the same sources give byte-identical feeds, in a fresh clone too.

Files: feed.xml (Atom), rss.xml (RSS 2.0), feed.json (JSON Feed 1.1), at the site root.

Why a hook and not mkdocs-rss-plugin (which the journal used until November 2026):
- ids that survive a change of URL: each entry's id is a tag URI built from its `discussion_id`
  (RFC 4151); the plugin identifies an item by its page URL, so renaming a slug makes every
  reader see the entry twice;
- no network and no git at build time: the plugin dates pages from `git log` (GitPython) and
  brings an HTTP client (urllib3 with CacheControl) to size remote images; here every date is
  front matter, so a shallow clone, a tarball or an offline machine builds the same feeds;
- byte-identical builds: nothing read from the clock, the repository or the network
  (tests/site/test_site_feeds.py runs this hook under two faked clocks and time zones);
- Atom too, and one dependency less: about 250 lines over the blog plugin's own posts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from journal import provenance

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
ATTR_URL = re.compile(r'(\s(?:href|src|poster)=")([^"]*)(")')
# Characters XML 1.0 cannot carry at all (section 2.2, Char). Pages never hold them (the engine
# shows a run's control characters as symbols), but one stray character in a title or a page
# must not make a whole feed unreadable.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML cannot carry replaced by U+FFFD."""
    return NOT_XML.sub("\ufffd", text)


@dataclass(frozen=True)
class FeedEntry:
    """One entry as the feeds carry it."""

    id: str  # a tag: URI from the discussion id, so it survives a change of URL
    url: str  # absolute
    title: str
    summary: str
    content_html: str  # links made absolute
    published: dt.datetime  # timezone-aware
    updated: dt.datetime
    author: str
    categories: tuple[str, ...]
    tags: tuple[str, ...]


def absolutize(html: str, base: str) -> str:
    """Make every href/src in `html` absolute against `base` (the page's own URL).

    >>> absolutize('<a href="../x/">x</a><img src="f.svg">', "https://h/a/b/")
    '<a href="https://h/a/x/">x</a><img src="https://h/a/b/f.svg">'
    """

    def fix(m: re.Match) -> str:
        url = m.group(2)
        if url.startswith(("data:", "mailto:")) or urlsplit(url).scheme:
            return m.group(0)
        return m.group(1) + urljoin(base, url) + m.group(3)

    return ATTR_URL.sub(fix, html)


def aware(value: dt.datetime | dt.date) -> dt.datetime:
    """A timezone-aware datetime (UTC when the front matter gave none)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def tag_uri(site_url: str, date: dt.datetime, key: str) -> str:
    """An RFC 4151 tag URI, e.g. tag:example.github.io,2026-11-05:linear-algebra."""
    host = urlsplit(site_url).hostname or "localhost"
    return f"tag:{host},{date.date().isoformat()}:{key}"


def atom(site: dict, entries: list[FeedEntry]) -> bytes:
    """The Atom 1.0 document (RFC 4287)."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(
            parent, f"{{{ATOM_NS}}}{tag}", {k: xml_text(v) for k, v in attrs.items()}
        )
        if text is not None:
            el.text = xml_text(text)
        return el

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", site["url"])
    sub(feed, "title", site["title"])
    sub(feed, "subtitle", site["description"])
    sub(feed, "updated", site["updated"].isoformat())
    sub(feed, "link", rel="alternate", type="text/html", href=site["url"])
    sub(feed, "link", rel="self", type="application/atom+xml", href=site["url"] + "feed.xml")
    author = sub(feed, "author")
    sub(author, "name", site["author"])
    sub(feed, "generator", "learning-journal")
    for e in entries:
        item = sub(feed, "entry")
        sub(item, "id", e.id)
        sub(item, "title", e.title)
        sub(item, "link", rel="alternate", type="text/html", href=e.url)
        sub(item, "published", e.published.isoformat())
        sub(item, "updated", e.updated.isoformat())
        sub(sub(item, "author"), "name", e.author)
        for term in e.categories + e.tags:
            sub(item, "category", term=term)
        sub(item, "summary", e.summary)
        sub(item, "content", e.content_html, type="html")
    return _xml(feed)


def rss(site: dict, entries: list[FeedEntry]) -> bytes:
    """The RSS 2.0 document, full content in content:encoded."""
    ET.register_namespace("content", CONTENT_NS)
    ET.register_namespace("atom", ATOM_NS)
    root = ET.Element("rss", version="2.0")
    channel = ET.SubElement(root, "channel")

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
        if text is not None:
            el.text = xml_text(text)
        return el

    sub(channel, "title", site["title"])
    sub(channel, "link", site["url"])
    sub(channel, "description", site["description"])
    sub(channel, "language", "en")
    sub(channel, "lastBuildDate", format_datetime(site["updated"]))
    sub(channel, "generator", "learning-journal")
    sub(
        channel,
        f"{{{ATOM_NS}}}link",
        href=site["url"] + "rss.xml",
        rel="self",
        type="application/rss+xml",
    )
    for e in entries:
        item = sub(channel, "item")
        sub(item, "title", e.title)
        sub(item, "link", e.url)
        sub(item, "guid", e.id, isPermaLink="false")
        sub(item, "pubDate", format_datetime(e.published))
        for term in e.categories + e.tags:
            sub(item, "category", term)
        sub(item, "description", e.summary)
        sub(item, f"{{{CONTENT_NS}}}encoded", e.content_html)
    return _xml(root)


def json_feed(site: dict, entries: list[FeedEntry]) -> bytes:
    """The JSON Feed 1.1 document."""
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": site["title"],
        "home_page_url": site["url"],
        "feed_url": site["url"] + "feed.json",
        "description": site["description"],
        "language": "en",
        "authors": [{"name": site["author"]}],
        "items": [
            {
                "id": e.id,
                "url": e.url,
                "title": e.title,
                "summary": e.summary,
                "content_html": e.content_html,
                "date_published": e.published.isoformat(),
                "date_modified": e.updated.isoformat(),
                "authors": [{"name": e.author}],
                "tags": list(e.categories + e.tags),
            }
            for e in entries
        ],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


# The newest entries only, as Material's RSS plugin does (its `length`, 20): a reader's feed
# client fetches the whole file at every poll, and a journal of a hundred entries in full was
# megabytes, rewritten at every build.
FEED_LENGTH = 20


def collect(config, length: int = FEED_LENGTH) -> list[FeedEntry]:
    """The ``length`` newest built, non-draft entries of the blog plugin, newest first."""
    blog = config.plugins["material/blog"]
    site_url = config.site_url or "http://localhost/"
    posts = [
        post
        for post in blog.blog.posts
        if not post.file.inclusion.is_excluded() and post.content is not None
    ]
    posts.sort(
        key=lambda post: (aware(post.config.date.created), urljoin(site_url, post.url)),
        reverse=True,
    )
    entries = []
    for post in posts[:length]:
        url = urljoin(site_url, post.url)
        created = aware(post.config.date.created)
        updated = aware(post.config.date.updated or post.config.date.created)
        key = str(post.meta.get("discussion_id") or post.meta.get("slug") or post.file.name)
        authors = [a.name for a in post.authors] or [config.site_author or "unknown"]
        entries.append(
            FeedEntry(
                id=tag_uri(site_url, created, key),
                url=url,
                title=str(post.meta.get("title") or post.title),
                summary=str(post.meta.get("description") or ""),
                content_html=absolutize(provenance.without_notes(post.content), url),
                published=created,
                updated=updated,
                author=", ".join(authors),
                categories=tuple(c.title for c in post.categories),
                tags=tuple(str(t) for t in post.meta.get("tags") or ()),
            )
        )
    return entries


def on_post_build(config, **kwargs):
    entries = collect(config)
    site_url = (config.site_url or "http://localhost/").rstrip("/") + "/"
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    site = {
        "url": site_url,
        "title": config.site_name,
        "description": config.site_description or "",
        "author": config.site_author or "",
        "updated": max((max(e.published, e.updated) for e in entries), default=epoch),
    }
    out = Path(config.site_dir)
    (out / "feed.xml").write_bytes(atom(site, entries))
    (out / "rss.xml").write_bytes(rss(site, entries))
    (out / "feed.json").write_bytes(json_feed(site, entries))
