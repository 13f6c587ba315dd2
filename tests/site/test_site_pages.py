"""What every page of the built journal carries: descriptions, canonical URLs, Open Graph,
the blog's structure (archive, categories, tags, authors, reading time, previous/next), the
roadmap and the comments container."""

from __future__ import annotations

import datetime as dt
import logging
import re
import xml.etree.ElementTree as ET

import pytest
import sitebuild
from bs4 import BeautifulSoup

roadmap = sitebuild.load_hook("roadmap")
structure = sitebuild.load_hook("structure")


def soup_of(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def meta(soup, key) -> str | None:
    el = soup.find("meta", attrs={"name": key}) or soup.find("meta", attrs={"property": key})
    return el["content"] if el else None


def entry_page(site, meta_: dict):
    return site.root / meta_["slug"] / "index.html"


# ---------------------------------------------------------------- descriptions, canonical, OG


def test_every_page_has_description_canonical_and_open_graph(site):
    for path in site.html_pages():
        if path.name == "404.html":
            continue
        soup = soup_of(path)
        where = path.relative_to(site.root).as_posix()
        description = meta(soup, "description")
        assert description and 50 <= len(description) <= 300, (where, description)
        url = site.site_url + where.removesuffix("index.html")
        canonical = soup.find("link", rel="canonical")
        assert canonical and canonical["href"] == url, where
        assert meta(soup, "og:url") == url, where
        assert meta(soup, "og:title"), where
        assert meta(soup, "og:description") == description, where
        assert meta(soup, "og:type") in {"article", "website"}, where
        image = meta(soup, "og:image")
        assert image == site.site_url + "assets/social-card.png", where
        assert (site.root / "assets" / "social-card.png").is_file()
        assert soup.title and soup.title.string.strip(), where
        assert soup.html.get("lang") == "en", where


def test_entries_are_articles_with_their_own_description(site):
    for name, fm in site.entries().items():
        soup = soup_of(entry_page(site, fm))
        assert meta(soup, "og:type") == "article", name
        date = fm["date"].get("created") if isinstance(fm["date"], dict) else fm["date"]
        assert meta(soup, "article:published_time").startswith(str(date)[:10]), name
        if fm.get("description"):
            assert meta(soup, "description") == fm["description"], name


def test_sitemap_lists_every_page_and_robots_points_to_it(site):
    tree = ET.parse(site.root / "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    listed = {loc.text for loc in tree.getroot().findall("s:url/s:loc", ns)}
    for fm in site.entries().values():
        assert f"{site.site_url}{fm['slug']}/" in listed
    assert site.site_url in listed and f"{site.site_url}roadmap/" in listed
    robots = (site.root / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {site.site_url}sitemap.xml" in robots


def test_404_page_exists_and_leads_home(site):
    soup = soup_of(site.root / "404.html")
    assert "not found" in soup.get_text().lower()
    home = soup.find("a", string=re.compile("home page"))
    assert home and home["href"] == site.prefix  # absolute path: 404.html answers any address
    assert soup.find("a", href=site.prefix + "roadmap/")
    assert soup.find("meta", attrs={"name": "robots", "content": "noindex"})


# ---------------------------------------------------------------- blog structure


def test_home_lists_every_entry_with_excerpt_date_and_reading_time(site):
    soup = soup_of(site.root / "index.html")
    excerpts = soup.select("article.md-post--excerpt")
    titles = {a.h2.get_text(strip=True) for a in excerpts if a.h2} | {
        h.get_text(strip=True) for a in excerpts for h in a.select("h1, h2")
    }
    per_page = 10
    expected = sorted(site.entries().values(), key=lambda m: str(m["date"]), reverse=True)
    for fm in expected[:per_page]:
        assert fm["title"] in titles, fm["title"]
    for article in excerpts:
        assert article.find("time"), "an excerpt without a date"
        assert "min read" in article.get_text(), "an excerpt without a reading time"
        assert article.select_one(".md-post__authors img[alt]"), "an excerpt without its author"


def listing_text(index):
    """The text of a paginated listing: its first page and every later page (page/N/)."""
    pages = [index, *sorted(index.parent.glob("page/*/index.html"))]
    return "".join(page.read_text(encoding="utf-8") for page in pages)


def test_archive_category_and_tag_pages_cover_every_entry(site):
    for name, fm in site.entries().items():
        date = fm["date"].get("created") if isinstance(fm["date"], dict) else fm["date"]
        archive = site.root / "archive" / f"{date:%Y}" / f"{date:%m}" / "index.html"
        assert archive.is_file(), f"{name}: no archive page {archive}"
        assert fm["title"] in listing_text(archive)
        for category in fm.get("categories") or []:
            slug = category.lower().replace(" ", "-")
            page = site.root / "category" / slug / "index.html"
            assert page.is_file() and fm["title"] in listing_text(page), category
        tags = (site.root / "tags" / "index.html").read_text(encoding="utf-8")
        for tag in fm.get("tags") or []:
            assert tag in tags, (name, tag)


def test_categories_follow_the_plan(site):
    """The blog's categories are the plan's parts (journal.yml), each with its page; the
    entries use no other."""
    allowed = site.identity.categories
    assert [part["name"] for part in roadmap.load_plan(site.config_file.parent)] == allowed
    for name, fm in site.entries().items():
        assert fm.get("categories"), f"{name} has no category"
        assert set(fm["categories"]) <= set(allowed), name
    for category in allowed:
        slug = re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-")
        assert (site.root / "category" / slug / "index.html").is_file(), category


def test_entry_pages_show_author_date_and_reading_time(site):
    # previous and next follow the plan, not the dates: tests/site/test_site_home.py
    for fm in site.entries().values():
        soup = soup_of(entry_page(site, fm))
        sidebar = soup.select_one(".md-sidebar--post")
        assert sidebar.select_one(".md-post__authors img[alt]"), fm["slug"]
        assert sidebar.find("time"), fm["slug"]
        assert "min read" in sidebar.get_text(), fm["slug"]


# ---------------------------------------------------------------- roadmap


def test_roadmap_shows_every_step_and_links_the_entries_that_cover_it(site):
    soup = soup_of(site.root / "roadmap" / "index.html")
    rows = {}
    for tr in soup.select("article table tbody tr"):
        cells = tr.find_all("td")
        rows[int(cells[0].get_text())] = cells
    steps = [s["n"] for part in roadmap.load_plan(site.config_file.parent) for s in part["steps"]]
    assert sorted(rows) == sorted(steps)
    covered = {}
    for fm in site.entries().values():
        if fm.get("curriculum") is not None:
            covered.setdefault(int(fm["curriculum"]), []).append(fm)
    for n, cells in rows.items():
        links = {a.get_text(strip=True): a["href"] for a in cells[2].find_all("a")}
        expected = {fm["title"] for fm in covered.get(n, [])}
        assert set(links) == expected, n
        for fm in covered.get(n, []):
            assert links[fm["title"]].rstrip("/").endswith(fm["slug"]), n
    written = len(set(covered) & set(steps))
    assert f"{written} of {len(steps)} steps written" in soup.get_text()


def test_roadmap_render_from_a_made_up_plan():
    plan = [
        {
            "name": "A",
            "summary": "s",
            "steps": [{"n": 0, "title": "zero"}, {"n": 1, "title": "one"}],
        },
        {"name": "B", "summary": "t", "steps": [{"n": 2, "title": "two"}]},
    ]
    entries = [
        roadmap.Entry("entries/x.md", "X", dt.date(2026, 11, 2), 1),
        roadmap.Entry("entries/y.md", "Y", dt.date(2026, 11, 1), 1),
        roadmap.Entry("entries/z.md", "Z", dt.date(2026, 11, 3), 9),
    ]
    md = roadmap.render(plan, entries)
    assert "**1 of 3 steps written.**" in md
    assert "| 1 | one | [Y](entries/y.md)<br>[X](entries/x.md) | 2026-11-01<br>2026-11-02 |" in md
    assert "| 0 | zero | *planned* |  |" in md
    assert "## Off the plan" in md and "[Z](entries/z.md)" in md


# ---------------------------------------------------------------- comments


def test_every_entry_has_a_discussion_id(site):
    missing = [name for name, fm in site.entries().items() if not fm.get("discussion_id")]
    assert not missing, f"entries without discussion_id (see AUTHORING.md): {missing}"


def test_comments_on_every_entry_and_on_no_index_page(renamed_site):
    """With real giscus ids (the renamed journal's) every entry, and only entries, carries
    the comments, for the journal's own repository."""
    site = renamed_site
    giscus = site.identity.comments
    assert giscus["repo"] == site.identity.repository
    entry_pages = set()
    for fm in site.entries().values():
        path = entry_page(site, fm)
        entry_pages.add(path)
        containers = soup_of(path).select(".giscus-container")
        assert len(containers) == 1, fm["slug"]
        c = containers[0]
        assert c["data-repo"] == giscus["repo"]
        assert c["data-repo-id"] == giscus["repo_id"]
        assert c["data-category"] == giscus["category"]
        assert c["data-category-id"] == giscus["category_id"]
        assert c["data-mapping"] == "specific"
        assert c["data-term"] == (fm.get("discussion_id") or fm["slug"])
        fallback = c.select_one("a[href]")
        assert fallback["href"].startswith(giscus["discussions_url"] + "?")
        assert fallback["href"].endswith("discussions_q=" + c["data-term"])
    for path in site.html_pages():
        if path not in entry_pages:
            assert not soup_of(path).select(".giscus-container"), path


def test_missing_giscus_settings_are_reported_once_at_info_level(caplog):
    """The hook alone (no journal plugin): an incomplete extra.giscus means no comments."""
    class Config(dict):
        extra: dict

    caplog.set_level(logging.INFO, logger="mkdocs.hooks.journal_site")
    structure._giscus_reported = False
    for extra in ({}, {"giscus": {"repo": "o/r", "repo_id": "", "category": "c"}}):
        cfg = Config()
        cfg.extra = dict(extra)
        structure.on_config(cfg)
        assert cfg.extra["giscus_enabled"] is False
    records = [r for r in caplog.records if "giscus" in r.getMessage()]
    assert len(records) == 1 and records[0].levelno == logging.INFO
    full = {"repo": "o/r", "repo_id": "R_1", "category": "C", "category_id": "DIC_1"}
    assert structure.giscus_settings({"giscus": full}) == full


def test_comments_are_on_exactly_when_the_identity_has_real_giscus_ids(site, renamed_site):
    """This journal's ids are placeholders until its owner gets real ones: its build says so
    once (with the reason) and no page carries comments; the renamed journal's ids are real."""
    for built in (site, renamed_site):
        pages = [p.read_text(encoding="utf-8") for p in built.html_pages()]
        said = built.log.count("building without comments")
        assert "WARNING" not in built.log
        if built.identity.comments is None:
            assert said == 1 and f"giscus: {built.identity.no_comments};" in built.log
            assert pages and not any("giscus-container" in p for p in pages)
        else:
            assert said == 0 and sum("giscus-container" in p for p in pages) == len(
                built.entries()
            )
    assert renamed_site.identity.comments is not None


def test_excerpt_description_fallback():
    md = "# Title\n\nI wanted *one* [idea](x.md) and got {{ r.v }} two.\n\n::code x.py\n<!-- more -->\nrest"
    assert structure.plain_excerpt(md) == "I wanted one idea and got two."
    long = "word " * 100
    cut = structure.plain_excerpt(long)
    assert len(cut) <= 160 and cut.endswith("…")
