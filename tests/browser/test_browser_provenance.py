"""A quoted value says where it comes from, in a real browser: hover, keyboard focus and a tap
open its popover, which names the snippet function that computed it and the test that asserts it
(from the record the entries' tests left, .cache/journal/asserted.json), links both at the published
commit, and fits the viewport at 390 and 1280 px in both palettes, with or without script."""

from __future__ import annotations

import re

import pytest
from test_browser_reading import entries_by_slug, entry_url

# Built with the record the entries' tests leave: `make test` runs these after them.
pytestmark = pytest.mark.recorded

SLUG = "probability-you-can-run"
SHA = r"[0-9a-f]{40}"


def popover(page, value) -> dict:
    """The open popover of ``value``: its box, text and links, and the viewport's width."""
    return value.evaluate(
        """v => { const p = v.querySelector('.jv-p'); const r = p.getBoundingClientRect();
            return {shown: getComputedStyle(p).display !== 'none', left: r.left, right: r.right,
                    top: r.top, bottom: r.bottom, text: p.textContent,
                    links: [...p.querySelectorAll('a')].map(a => a.href),
                    width: document.documentElement.clientWidth, value: v.getBoundingClientRect().bottom}; }"""
    )


def check_open(page, value, how: str) -> None:
    box = popover(page, value)
    assert box["shown"], f"{how}: the popover did not open"
    assert 0 <= box["left"] and box["right"] <= box["width"], f"{how}: past the viewport {box}"
    assert box["top"] >= box["value"] - 1, f"{how}: the popover covers its own value {box}"
    made, *tests = box["links"]
    assert re.fullmatch(
        rf"https://github\.com/[\w.-]+/[\w.-]+/blob/{SHA}/snippets/monte_carlo\.py#L\d+-L\d+",
        made,
    ), made
    assert "Computed by snippets/monte_carlo.py · main in run mc." in box["text"]
    assert "Asserted by" in box["text"], box["text"]
    (test,) = tests
    assert re.fullmatch(
        rf"https://github\.com/[\w.-]+/[\w.-]+/blob/{SHA}/tests/entries/test_probability\.py#L\d+",
        test,
    ), test
    line = int(test.rsplit("#L", 1)[1])
    assert f"line {line}" in box["text"] and "assert " in box["text"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_a_value_opens_its_provenance_on_hover_focus_and_tap(browser, served, site, width, scheme):
    assert SLUG in entries_by_slug(site)
    touch = width == 390
    ctx = browser.new_context(
        viewport={"width": width, "height": 800}, color_scheme=scheme, has_touch=touch
    )
    page = ctx.new_page()
    try:
        page.goto(entry_url(served, {"slug": SLUG}))
        values = page.locator("article .jv")
        assert values.count() >= 20  # the entry quotes dozens of computed values
        value = values.nth(1)  # the estimate of pi, in the first paragraph after the output
        assert value.evaluate("v => v.firstChild.textContent") == "3.14117"
        value.scroll_into_view_if_needed()
        assert not popover(page, value)["shown"]

        value.hover()
        check_open(page, value, "hover")
        page.mouse.move(0, 0)
        assert not popover(page, value)["shown"], "the popover stays after the pointer left"

        for _ in range(400):  # Tab through the page until the value has the focus
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('jv')"):
                break
        at = page.evaluate(
            "[...document.querySelectorAll('article .jv')].indexOf(document.activeElement)"
        )
        assert at >= 0, "Tab never reached a value"
        first = values.nth(at)
        check_open(page, first, "focus")
        page.keyboard.press("Tab")  # into the popover's first link: it stays open
        assert page.evaluate("document.activeElement.closest('.jv-p') !== null")
        assert popover(page, first)["shown"]
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Escape")
        assert not popover(page, first)["shown"], "Escape does not close it"

        if touch:
            page.mouse.move(0, 0)
            page.locator("h1").first.click()
            value.tap()
            check_open(page, value, "tap")
    finally:
        ctx.close()


def test_the_popover_needs_no_script(browser, served, site):
    ctx = browser.new_context(viewport={"width": 390, "height": 800}, java_script_enabled=False)
    page = ctx.new_page()
    try:
        page.goto(entry_url(served, {"slug": SLUG}))
        value = page.locator("article .jv").nth(1)
        value.scroll_into_view_if_needed()
        value.hover()
        check_open(page, value, "hover without script")
    finally:
        ctx.close()


def test_the_popover_is_the_value_s_description_for_assistive_technology(page, served):
    page.goto(entry_url(served, {"slug": SLUG}))
    value = page.locator("article .jv").nth(1)
    described = value.get_attribute("aria-describedby")
    tip = page.locator(f"#{described}")
    assert tip.get_attribute("role") == "tooltip"
    assert tip.text_content().startswith("Computed by")
    ids = page.evaluate("[...document.querySelectorAll('.jv-p')].map(p => p.id)")
    assert len(ids) == len(set(ids)), "two popovers share an id"


def test_every_popover_of_the_longest_entry_fits_a_phone(browser, served, site):
    """Each popover opened in turn (as :hover does) lies inside a 390 px viewport and below its
    value, on the entry that quotes the most values."""
    slug = "inference-and-deployment"
    assert slug in entries_by_slug(site)
    ctx = browser.new_context(viewport={"width": 390, "height": 800}, has_touch=True)
    page = ctx.new_page()
    try:
        page.goto(entry_url(served, {"slug": slug}))
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('article .jv')].map(v => {
                const p = v.querySelector('.jv-p');
                p.style.display = 'block';
                const r = p.getBoundingClientRect(), t = v.getBoundingClientRect();
                p.style.display = '';
                return [r.left, r.right, r.top - t.bottom, document.documentElement.clientWidth];
            })"""
        )
        assert len(boxes) >= 50
        for left, right, gap, width in boxes:
            assert 0 <= left and right <= width, (left, right, width)
            assert -1 <= gap <= 40, gap  # just below the value's line
    finally:
        ctx.close()
