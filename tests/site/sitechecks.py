"""Checks over a built site, shared by the test suite and tools/audit.py: internal links
(files and #fragments) and axe-core in a Playwright page."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup
from sitebuild import ROOT, BuiltSite, local_path, page_url

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Attributes that make the browser fetch something (a request), and those that are only links.
FETCHED = [
    ("script", "src"),
    ("link", "href"),
    ("img", "src"),
    ("iframe", "src"),
    ("source", "src"),
]
LINKED = [("a", "href")]


def parse_site(site: BuiltSite) -> dict[str, BeautifulSoup]:
    """{published URL: parsed HTML} for every built page."""
    return {
        page_url(site, p): BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
        for p in site.html_pages()
    }


def element_ids(soup: BeautifulSoup) -> set[str]:
    return {el["id"] for el in soup.find_all(id=True)} | {
        el["name"] for el in soup.find_all("a", attrs={"name": True})
    }


def broken_links(site: BuiltSite, parsed: dict | None = None) -> tuple[int, dict[str, list[str]]]:
    """(links checked, {page URL: [broken hrefs]}) for every internal href/src in the site:
    each must lead to a built file, and each #fragment to an id on that page."""
    parsed = parsed if parsed is not None else parse_site(site)
    ids = {url: element_ids(soup) for url, soup in parsed.items()}
    broken: dict[str, list[str]] = defaultdict(list)
    checked = 0
    for url, soup in parsed.items():
        for tag, attr in FETCHED + LINKED:
            for el in soup.find_all(tag, attrs={attr: True}):
                if tag == "link" and "canonical" in (el.get("rel") or []):
                    continue  # the published host's URL, checked by the SEO tests
                target = urljoin(url, el[attr])
                parts = urlsplit(target)
                if parts.scheme not in {"http", "https"} or not target.startswith(site.site_url):
                    continue
                checked += 1
                local = local_path(site, unquote(parts.path))
                if local is None or not local.is_file():
                    broken[url].append(el[attr])
                elif parts.fragment and local.suffix == ".html":
                    if unquote(parts.fragment) not in ids.get(page_url(site, local), set()):
                        broken[url].append(el[attr])
    return checked, dict(broken)


def axe_source(path: Path = AXE) -> str:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `npm ci` (package.json pins axe-core)")
    return path.read_text(encoding="utf-8")


# axe reads computed colours and boxes. Content far from the screen under content-visibility:
# auto (the home page's path) has neither laid out nor restyled (after a palette switch its
# colours are the old palette's) until a reader scrolls near it, so axe first has everything
# rendered, as it would be by then.
AXE_RUN = (
    "() => { if (!document.getElementById('axe-render-all')) {"
    " const s = document.createElement('style'); s.id = 'axe-render-all';"
    " s.textContent = '* { content-visibility: visible !important; }'; document.head.append(s); }"
    " return axe.run(document, {resultTypes: ['violations']})"
    ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
    " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))); }"
)


def axe_violations(page, url: str, source: str) -> list[dict]:
    """axe-core's violations on `url` in a Playwright page: [{id, impact, nodes}]."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(content=source)
    return page.evaluate(AXE_RUN)


def palette(page) -> str:
    """The page's palette as Material set it: 'default' (light) or 'slate' (dark)."""
    return page.evaluate("() => document.body.getAttribute('data-md-color-scheme')")


def switch_palette(page) -> str:
    """Switch the loaded page to the other palette in place, as a reader does (the toggle in the
    header, journal/adapters/theme/partials/palette.html; the browser's colour scheme follows),
    once every transition has ended; returns the new palette."""
    before = palette(page)
    page.emulate_media(color_scheme="dark" if before == "default" else "light")
    page.locator("button[data-journal-palette-index]:visible").click()
    page.wait_for_function(f"() => document.body.dataset.mdColorScheme !== {before!r}")
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")
    return palette(page)
