"""Links and requests in the built site: nothing broken, nothing fetched from a third party."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from sitechecks import FETCHED, broken_links, parse_site


@pytest.fixture(scope="module")
def parsed(site):
    """{published URL: BeautifulSoup} for every built HTML page."""
    return parse_site(site)


def test_no_broken_internal_links(site, parsed):
    """Every internal href/src leads to a built file, and every #fragment to an id on it."""
    checked, broken = broken_links(site, parsed)
    assert checked > 100
    assert not broken, "broken links:\n" + "\n".join(f"{k}: {v}" for k, v in broken.items())


def test_the_link_checker_finds_a_broken_link(site, parsed):
    """The check above can fail: a page with a dead link and a dead anchor is caught."""
    from bs4 import BeautifulSoup

    home = site.site_url
    bad = dict(parsed)
    bad[home + "made-up/"] = BeautifulSoup(
        '<a href="../no-such-page/">x</a><a href="../roadmap/#no-such-anchor">y</a>'
        '<a href="../roadmap/">fine</a>',
        "html.parser",
    )
    _, broken = broken_links(site, bad)
    assert broken == {home + "made-up/": ["../no-such-page/", "../roadmap/#no-such-anchor"]}


def test_no_third_party_requests_in_the_html(site, parsed):
    """Scripts, styles, images and frames all come from the site itself (giscus is loaded by
    assets/journal.js only when a reader reaches the comments, and is tested in the browser)."""
    outside = []
    for url, soup in parsed.items():
        for tag, attr in FETCHED:
            for el in soup.find_all(tag, attrs={attr: True}):
                rel = el.get("rel") or []
                if tag == "link" and ({"canonical", "alternate", "prev", "next"} & set(rel)):
                    continue  # not fetched
                target = urljoin(url, el[attr])
                if urlsplit(target).scheme in {"http", "https"} and not target.startswith(
                    site.site_url
                ):
                    outside.append((url, target))
    assert not outside, outside


CDNS = (
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "cdn.jsdelivr.net",
    "unpkg.com",
    "cdnjs.cloudflare.com",
    "polyfill.io",
    "api.github.com",
)


def test_no_google_fonts_cdn_or_github_api_anywhere(site):
    """No page, style sheet or script of ours names a font host or CDN (Material's bundle is
    checked too: it calls api.github.com only for a data-md-component="source" element, which
    journal/adapters/theme/partials/source.html leaves out)."""
    for path in [
        *site.root.rglob("*.html"),
        *site.root.rglob("*.css"),
        site.root / "assets/journal.js",
    ]:
        text = path.read_text(encoding="utf-8", errors="replace").lower()
        for host in CDNS:
            assert "//" + host not in text, f"{path.relative_to(site.root)} loads from {host}"
    for path in site.html_pages():
        assert 'data-md-component="source"' not in path.read_text(encoding="utf-8"), path


def test_external_links_are_well_formed(site, parsed):
    """External links cannot be fetched here (no network); they must at least be absolute
    https URLs with a host."""
    for url, soup in parsed.items():
        for a in soup.find_all("a", href=True):
            parts = urlsplit(a["href"])
            if parts.scheme in {"http", "https"} and parts.netloc not in {"", "127.0.0.1"}:
                if parts.netloc == urlsplit(site.site_url).netloc:  # the site's own address
                    continue
                assert parts.scheme == "https" and "." in parts.netloc, (url, a["href"])
