"""Change this journal's identity in one place, journal.yml, and everything follows: a copy of the
repository with another title, author, repository, site URL and a renamed category (the entries
moved to it) builds with `mkdocs build --strict`, passes `journal check`, and its feeds, links,
roadmap, pages and comments carry the new identity and nothing of the old one. One build
(sitebuild.renamed_site, shared with the comments tests)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import sitebuild
from bs4 import BeautifulSoup
from sitechecks import broken_links, parse_site

from journal import identity

ROOT = Path(__file__).resolve().parents[2]
JOURNAL = Path(sys.executable).with_name("journal")
OLD = identity.load(ROOT)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_the_copy_really_has_another_identity(renamed_site):
    new = renamed_site.identity
    for key in ("title", "description", "author_name", "repository", "site_url", "host"):
        assert getattr(new, key) != getattr(OLD, key), key
    old_part, new_part = sitebuild.RENAMED_PART
    assert new_part in new.categories and old_part not in new.categories
    assert old_part in OLD.categories


def test_journal_check_passes_on_the_renamed_journal(renamed_site):
    root = renamed_site.config_file.parent
    done = subprocess.run(
        [str(JOURNAL), "check", "--root", str(root)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # and it knows the new category only: an entry still in the old one is reported
    entry = next(p for p in sorted((root / "posts/entries").glob("*.md")) if
                 f"  - {sitebuild.RENAMED_PART[1]}\n" in p.read_text(encoding="utf-8"))  # fmt: skip
    from journal.check import Checker

    checker = Checker(root)
    text = entry.read_text(encoding="utf-8")
    entry.write_text(text.replace(*reversed(sitebuild.RENAMED_PART)), encoding="utf-8")
    try:
        found = [str(p) for p in checker.run()]
    finally:
        entry.write_text(text, encoding="utf-8")
    assert any(f"unknown category {sitebuild.RENAMED_PART[0]!r}" in p for p in found), found


def test_pages_carry_the_new_name_address_author_and_repository(renamed_site):
    site, new = renamed_site, renamed_site.identity
    home = soup(site.root / "index.html")
    assert home.title.string.strip() == new.title
    assert home.find("link", rel="canonical")["href"] == new.site_url
    assert home.find("meta", attrs={"name": "author"})["content"] == new.author_name
    assert home.find("a", class_="md-source")["href"].rstrip("/") == new.repo_url
    for page in site.html_pages():
        text = page.read_text(encoding="utf-8")
        for trace in (OLD.site_url, OLD.repository, f"<title>{OLD.title}"):
            assert trace not in text, (page, trace)
    robots = (site.root / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {new.site_url}sitemap.xml" in robots


def test_feeds_follow_the_new_identity(renamed_site):
    site, new = renamed_site, renamed_site.identity
    for name in ("feed.xml", "rss.xml"):
        parsed = feedparser.parse((site.root / name).read_bytes())
        assert not parsed.bozo and parsed.feed.title == new.title
        assert len(parsed.entries) == len(site.entries())
        for entry in parsed.entries:
            assert entry.link.startswith(new.site_url), entry.link
    for entry in feedparser.parse((site.root / "feed.xml").read_bytes()).entries:
        assert entry.id.startswith(f"tag:{new.host},"), entry.id
    feed = json.loads((site.root / "feed.json").read_text(encoding="utf-8"))
    assert feed["home_page_url"] == new.site_url and feed["title"] == new.title
    assert feed["feed_url"] == new.site_url + "feed.json"


def test_links_on_the_renamed_site_all_resolve(renamed_site):
    parsed = parse_site(renamed_site)
    assert set(parsed) and all(url.startswith(renamed_site.site_url) for url in parsed)
    checked, broken = broken_links(renamed_site, parsed)
    assert checked > 100
    assert not broken, dict(list(broken.items())[:5])


def test_the_roadmap_and_the_categories_follow_the_renamed_part(renamed_site):
    site, new = renamed_site, renamed_site.identity
    roadmap = soup(site.root / "roadmap" / "index.html")
    parts = [h.get_text(strip=True).rstrip("¶").strip() for h in roadmap.select("article h2")]
    assert parts[: len(new.categories)] == new.categories
    old_part, new_part = sitebuild.RENAMED_PART
    slug = re.sub(r"[^a-z0-9]+", "-", new_part.lower()).strip("-")
    old_slug = re.sub(r"[^a-z0-9]+", "-", old_part.lower()).strip("-")
    assert (site.root / "category" / slug / "index.html").is_file()
    assert not (site.root / "category" / old_slug).exists()
    moved = [m for m in site.entries().values() if m["categories"][0] == new_part]
    assert moved, "no entry in the renamed category"
    listing = (site.root / "category" / slug / "index.html").read_text(encoding="utf-8")
    assert all(m["title"] in listing for m in moved)


def test_comments_point_at_the_new_repository_only(renamed_site):
    site, new = renamed_site, renamed_site.identity
    for meta in site.entries().values():
        page = soup(site.root / meta["slug"] / "index.html")
        (container,) = page.select(".giscus-container")
        assert container["data-repo"] == new.repository
        href = container.select_one("a[href]")["href"]
        assert urlsplit(href).path.startswith(f"/{new.repository}/discussions/")


def test_the_social_card_is_drawn_from_each_identity(site, renamed_site):
    """The link-preview image shows the journal's title: each build draws its own."""
    card = sitebuild.load_hook("social_card")
    ours, theirs = (s.root / card.CARD for s in (site, renamed_site))
    assert ours.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert ours.read_bytes() != theirs.read_bytes()
    for built, path in ((site, ours), (renamed_site, theirs)):
        ident = built.identity
        expected = card.draw(ident.title, ident.description, ident.author_about)
        assert path.read_bytes() == expected, built.identity.title
