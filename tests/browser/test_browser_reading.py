"""What a reader sees, in a real browser (Debian's chromium through Playwright)."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

GISCUS_STUB = """
window.__giscus = Object.assign({}, document.currentScript.dataset);
var f = document.createElement('iframe');
f.className = 'giscus-frame'; f.title = 'Comments'; f.src = 'about:blank';
document.currentScript.after(f);
"""


def entry_url(served, fm) -> str:
    return f"{served.url}{fm['slug']}/"


def entries_by_slug(site):
    return {fm["slug"]: fm for fm in site.entries().values()}


def entries_with(site, selector: str) -> list[dict]:
    """Entries whose built page contains `selector` (checked in the HTML, then in the browser)."""
    found = []
    for fm in site.entries().values():
        html = (site.root / fm["slug"] / "index.html").read_text(encoding="utf-8")
        if BeautifulSoup(html, "html.parser").select_one(selector):
            found.append(fm)
    return found


def test_home_lists_the_entries(page, served, site):
    page.goto(served.url)
    titles = [t.strip() for t in page.locator("article.md-post--excerpt h2").all_inner_texts()]
    newest = sorted(site.entries().values(), key=lambda m: str(m["date"]), reverse=True)[:10]
    assert len(titles) == len(newest)
    assert set(titles) == {fm["title"] for fm in newest}
    dates = page.locator("article.md-post--excerpt time").evaluate_all(
        "els => els.map(e => e.getAttribute('datetime'))"
    )
    assert dates == sorted(dates, reverse=True), "entries are not newest first"
    for fm in newest:
        link = page.get_by_role("link", name=fm["title"], exact=True).first
        link.scroll_into_view_if_needed()  # the path's steps render near the screen only
        assert link.is_visible()
    assert page.journal_errors == []


def test_every_entry_shows_its_code_output_figures_and_math(page, served, site):
    seen = Counter()
    for fm in site.entries().values():
        page.goto(entry_url(served, fm))
        assert page.locator("h1").first.inner_text().strip().rstrip("¶").strip() == fm["title"]
        code = page.locator(".highlight code")
        for i in range(code.count()):
            box = code.nth(i).bounding_box()
            assert box and box["height"] > 0, fm["slug"]
            seen["code"] += 1
        outputs = page.locator(".journal-output pre")
        for i in range(outputs.count()):
            assert outputs.nth(i).inner_text().strip(), f"{fm['slug']}: empty output block"
            seen["output"] += 1
        figures = page.locator("figure.journal-figure img")
        for i in range(figures.count()):
            img = figures.nth(i)
            img.scroll_into_view_if_needed()
            page.wait_for_function("img => img.complete", arg=img.element_handle())
            natural = img.evaluate("img => [img.naturalWidth, img.naturalHeight]")
            box = img.bounding_box()
            assert natural[0] > 0 and natural[1] > 0, f"{fm['slug']}: figure {i} did not load"
            assert box["width"] > 50 and box["height"] > 50, (fm["slug"], box)
            assert img.get_attribute("alt"), f"{fm['slug']}: figure {i} without alt text"
            seen["figure"] += 1
        maths = page.locator(".journal-math math")
        for i in range(maths.count()):
            m = maths.nth(i)
            # Rendered as MathML (a MathMLElement with a layout box), not left as TeX source.
            assert m.evaluate("el => el instanceof MathMLElement"), fm["slug"]
            box = m.bounding_box()
            assert box and box["width"] > 0 and box["height"] > 0, fm["slug"]
            seen["math"] += 1
        text = page.locator("article").inner_text()
        assert not re.search(r"\\\(|\\\[|\$\$", text), f"{fm['slug']}: TeX left as source"
        assert "::code" not in text and "::figure" not in text and "{{" not in text, fm["slug"]
    assert page.journal_errors == []
    # The journal as a whole shows every kind of content; an empty check proves nothing.
    assert seen["code"] and seen["output"] and seen["figure"] and seen["math"], seen


def test_a_figure_enlarges_and_closes(page, served, site):
    fm = entries_with(site, "figure.journal-figure")[0]
    page.goto(entry_url(served, fm))
    link = page.locator("figure.journal-figure a").first
    small = link.locator("img").bounding_box()
    link.click()
    dialog = page.locator("dialog#journal-zoom")
    assert dialog.evaluate("d => d.open")
    big = dialog.locator("img").bounding_box()
    assert big["width"] > small["width"] * 1.3
    page.keyboard.press("Escape")
    assert not dialog.evaluate("d => d.open")
    assert link.get_attribute("href").endswith(".svg")  # without JavaScript: the SVG itself


def test_search_finds_an_entry_by_a_word_from_its_body(page, served, site):
    # A word that appears in exactly one entry's body and in none of the titles.
    words = {}
    for fm in site.entries().values():
        html = (site.root / fm["slug"] / "index.html").read_text(encoding="utf-8")
        body = BeautifulSoup(html, "html.parser").select_one("article.md-content__inner")
        for w in set(re.findall(r"\b[a-z]{9,}\b", body.get_text(" ").lower())):
            words.setdefault(w, set()).add(fm["slug"])
    titles = " ".join(fm["title"].lower() for fm in site.entries().values())
    unique = sorted(w for w, slugs in words.items() if len(slugs) == 1 and w not in titles)
    assert unique, "no word unique to one entry"
    word = unique[len(unique) // 2]
    (slug,) = words[word]
    page.goto(served.url)
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially(word, delay=20)  # typed as a reader types (fill() skips key events)
    link = page.locator(f"a[href*='/{slug}/']")
    result = page.locator(".md-search-result__item", has=link).first
    result.wait_for(state="visible", timeout=20_000)
    assert page.journal_errors == []


def test_palette_toggle_changes_page_figures_and_comments_theme(
    page, renamed_served, renamed_site
):  # the renamed journal: its comments are on (tests/site/sitebuild.py)
    served, site = renamed_served, renamed_site
    fm = entries_with(site, "figure.journal-figure")[0]
    page.goto(entry_url(served, fm))
    body = page.locator("body")
    img = page.locator("figure.journal-figure:not(.journal-figure--keep-colours) img").first
    container = page.locator(".giscus-container")

    def state():
        return {
            "scheme": body.get_attribute("data-md-color-scheme"),
            "bg": body.evaluate("b => getComputedStyle(b).backgroundColor"),
            "filter": img.evaluate("i => getComputedStyle(i).filter"),
            "giscus": container.get_attribute("data-theme"),
        }

    light = state()
    assert light["scheme"] == "default" and light["filter"] == "none" and light["giscus"] == "light"
    page.locator("button[data-journal-palette-index]:visible").click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    dark = state()
    assert dark["bg"] != light["bg"]
    assert "invert" in dark["filter"], dark
    assert dark["giscus"] == "dark"
    page.locator("button[data-journal-palette-index]:visible").click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'default'")
    assert state() == light
    assert page.journal_errors == []


def test_comments_container_loads_giscus_with_the_entrys_mapping(
    page, renamed_served, renamed_site
):
    served, site = renamed_served, renamed_site
    requested = []

    def fulfil(route):
        requested.append(route.request.url)
        route.fulfill(status=200, content_type="text/javascript", body=GISCUS_STUB)

    page.route("https://giscus.app/**", fulfil)
    fm = next(iter(site.entries().values()))
    page.goto(entry_url(served, fm))
    assert requested == [], "giscus must not load before the reader reaches the comments"
    page.locator(".giscus-container").scroll_into_view_if_needed()
    page.wait_for_function("window.__giscus !== undefined", timeout=5_000)
    assert requested == ["https://giscus.app/client.js"]
    data = page.evaluate("window.__giscus")
    assert data["mapping"] == "specific"
    assert data["term"] == fm.get("discussion_id", fm["slug"])
    assert data["repo"] and data["repoId"] and data["category"] and data["categoryId"]
    assert data["theme"] == "light"
    assert page.locator("iframe.giscus-frame").count() == 1


def test_without_javascript_a_link_leads_to_the_discussion(browser, renamed_served, renamed_site):
    served, site = renamed_served, renamed_site
    ctx = browser.new_context(java_script_enabled=False)
    try:
        page = ctx.new_page()
        fm = next(iter(site.entries().values()))
        page.goto(entry_url(served, fm))
        link = page.locator(".giscus-container a")
        assert link.is_visible()
        href = link.get_attribute("href")
        assert href.startswith(f"https://github.com/{site.identity.repository}/discussions")
        assert href.endswith(fm.get("discussion_id", fm["slug"]))
    finally:
        ctx.close()


def test_no_page_logs_an_error_or_calls_a_third_party(page, served, site):
    hosts = set()
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    pages = [p for p in site.html_pages() if p.name != "404.html"]
    for path in pages:
        rel = path.relative_to(site.root).as_posix().removesuffix("index.html")
        response = page.goto(served.url + rel)
        assert response.status == 200, rel
        page.wait_for_load_state("networkidle")
        assert page.journal_errors == [], (rel, page.journal_errors)
    assert hosts <= {urlsplit(served.url).netloc}, hosts


def test_unknown_address_gets_the_404_page(page, served):
    response = page.goto(served.url + "no-such-entry/")
    assert response.status == 404
    assert "Page not found" in page.locator("h1").inner_text()
    page.get_by_role("link", name="the journal's home page").is_visible()
    # its styles load (absolute URLs under the site's path)
    assert page.locator("header.md-header").evaluate("h => getComputedStyle(h).position") in {
        "sticky",
        "fixed",
    }


def test_palette_follows_the_system_first_and_then_the_readers_choice(browser, served):
    ctx = browser.new_context(color_scheme="dark")
    try:
        page = ctx.new_page()
        page.goto(served.url)
        assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
        page.locator("button[data-journal-palette-index]:visible").click()
        assert page.locator("body").get_attribute("data-md-color-scheme") == "default"
        page.goto(served.url + "roadmap/")  # the choice is remembered on the next page
        assert page.locator("body").get_attribute("data-md-color-scheme") == "default"
        toggle = page.locator("button[data-journal-palette-index]:visible")
        assert toggle.count() == 1 and toggle.get_attribute("aria-label") == "Switch to dark mode"
    finally:
        ctx.close()
