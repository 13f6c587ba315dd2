"""The way in, read in a real browser (issue 17, item 2): the home page's path and glimpses at a
phone's and a desktop's width in both palettes, with JavaScript on and off, and the path walked
from its first entry to its last by "Next" alone, in journal.yml's order."""

from __future__ import annotations

import pytest

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}

# Every layout shift while the page loads and the reader scrolls to its end (the CLS entries).
SHIFTS = """() => new Promise(done => {
    let total = 0;
    new PerformanceObserver(list => {
        for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
    }).observe({type: 'layout-shift', buffered: true});
    const step = () => {
        if (window.scrollY + innerHeight >= document.body.scrollHeight - 2) {
            setTimeout(() => done(total), 300);
            return;
        }
        // half a screen at a time, as scrolling reaches the next screen (a wheel, a swipe):
        // a far step (content-visibility: auto) is drawn when it comes near, below the fold.
        // Whole-screen jumps on a loaded machine landed in the middle of steps not drawn yet,
        // whose first drawing moved what was shown (0.0197 once in a CI run)
        window.scrollBy(0, innerHeight / 2);
        // the next step once this one is painted (two frames), as a reader's eye needs it:
        // a fixed delay on a loaded machine scrolled past frames it never drew
        requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(step, 60)));
    };
    step();
})"""

IMAGES = """() => [...document.querySelectorAll('img.journal-glimpse__figure')].map(img => {
    const box = img.getBoundingClientRect();
    return {src: img.currentSrc, alt: img.alt, loaded: img.complete && img.naturalWidth > 0,
            ratio: box.height / box.width, declared: img.height / img.width,
            attr: img.getAttribute('height') / img.getAttribute('width'),
            filter: getComputedStyle(img).filter,
            keep: img.classList.contains('journal-glimpse__figure--keep-colours'),
            inside: box.right <= document.documentElement.clientWidth + 0.5};
})"""


def plan_order(site) -> list[dict]:
    """The entries in the plan's order: each step's entries by date (oldest is the step's own)."""
    steps = [s["n"] for part in site.identity.plan for s in part["steps"]]
    entries = list(site.entries().values())
    return [
        fm
        for n in steps
        for fm in sorted(
            (fm for fm in entries if fm.get("curriculum") == n), key=lambda fm: str(fm["date"])
        )
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_glimpses_load_undistorted_without_shifting_the_page(browser, served, site, width, scheme):
    ctx = browser.new_context(viewport=WIDTHS[width], color_scheme=scheme)
    page = ctx.new_page()
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    try:
        page.goto(served.url)
        shift = page.evaluate(SHIFTS)  # scrolls to the end: every lazy glimpse comes into view
        page.wait_for_load_state("networkidle")
        images = page.evaluate(IMAGES)
    finally:
        ctx.close()
    assert shift < 0.01, f"layout shift {shift:.4f} at {width}, {scheme}"
    html = (site.root / "index.html").read_text(encoding="utf-8")
    assert len(images) == html.count('class="journal-glimpse__figure') > 0
    for img in images:
        assert img["loaded"] and img["alt"], img["src"]
        assert img["ratio"] == pytest.approx(img["attr"], rel=0.02), img  # the space it reserved
        assert img["inside"], img
        inverted = "invert" in img["filter"]
        assert inverted == (scheme == "dark" and not img["keep"]), img
    assert failed == []


def test_without_javascript_the_path_and_the_plan_navigation_work(browser, served, site):
    ctx = browser.new_context(viewport=WIDTHS["phone"], java_script_enabled=False)
    page = ctx.new_page()
    order = plan_order(site)
    try:
        page.goto(served.url)
        assert page.locator(".journal-progress").is_visible()
        page.locator(".journal-start a.md-button").click()
        page.wait_for_load_state()
        assert page.url == served.url + order[0]["slug"] + "/"
        page.locator("nav.journal-plan-nav a.journal-plan-nav__next").click()
        page.wait_for_load_state()
        assert page.url == served.url + order[1]["slug"] + "/"
        assert page.locator("article .journal-place").is_visible()
    finally:
        ctx.close()


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_next_walks_the_whole_plan_in_order_and_previous_walks_back(browser, served, site, width):
    order = plan_order(site)
    ctx = browser.new_context(viewport=WIDTHS[width])
    page = ctx.new_page()
    try:
        page.goto(served.url + order[0]["slug"] + "/")
        walked = [order[0]["slug"]]
        for _ in order[1:]:
            link = page.locator("nav.journal-plan-nav a.journal-plan-nav__next")
            link.scroll_into_view_if_needed()
            assert link.is_visible()
            link.click()
            page.wait_for_load_state()
            walked.append(page.url.rstrip("/").rsplit("/", 1)[-1])
            place = page.locator("article .journal-place")
            assert place.is_visible()
            h1 = page.locator("article h1").first.bounding_box()
            assert place.bounding_box()["y"] < h1["y"]  # above the title, at any width
        assert walked == [fm["slug"] for fm in order]
        # the last entry's "Next" leads back to the path; "Previous" walks the plan backwards
        page.locator("nav.journal-plan-nav a.journal-plan-nav__prev").click()
        page.wait_for_load_state()
        assert page.url == served.url + order[-2]["slug"] + "/"
    finally:
        ctx.close()
