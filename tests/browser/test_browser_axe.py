"""axe-core (node_modules/axe-core) finds no accessibility violation on any page, in either
palette (both checked in one load of each page)."""

from __future__ import annotations

import os

import pytest
import sitechecks


@pytest.fixture(scope="module")
def axe_source():
    """axe-core from node_modules: without it (no npm) the tests skip, except with CI=true."""
    try:
        return sitechecks.axe_source()
    except FileNotFoundError as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{err} (CI=true: these tests never skip in CI)")
        pytest.skip(str(err))


def test_no_axe_violations(browser, served, site, axe_source):
    """Each page is loaded once, in the light palette: axe runs, then the page is switched to the
    dark palette in place (the header's toggle) and axe runs again."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    ctx.add_init_script("localStorage.clear()")  # the reader's palette is kept: forget it
    failures, checked = {}, {}
    try:
        page = ctx.new_page()
        for path in site.html_pages():
            rel = path.relative_to(site.root).as_posix().removesuffix("index.html")
            page.emulate_media(color_scheme="light")
            violations = {"default": sitechecks.axe_violations(page, served.url + rel, axe_source)}
            schemes = [sitechecks.palette(page), sitechecks.switch_palette(page)]
            violations["slate"] = page.evaluate(sitechecks.AXE_RUN)
            checked[rel or "/"] = schemes
            for scheme, found in violations.items():
                if found:
                    failures[f"{rel or '/'} ({scheme})"] = found
    finally:
        ctx.close()
    assert len(checked) > 5
    assert all(schemes == ["default", "slate"] for schemes in checked.values()), checked
    assert not failures, failures


def test_axe_finds_a_violation_when_there_is_one(browser, served, axe_source):
    """The check above can fail: an image without alt text on a real page is reported."""
    page = browser.new_page()
    try:
        page.goto(served.url)
        page.evaluate(
            "() => { const i = document.createElement('img'); i.src = 'assets/favicon.svg';"
            " document.querySelector('article').appendChild(i); }"
        )
        page.add_script_tag(content=axe_source)
        ids = page.evaluate("() => axe.run(document).then(r => r.violations.map(v => v.id))")
        assert "image-alt" in ids
    finally:
        page.close()


def test_axe_after_the_switch_sees_the_dark_palette(browser, served, axe_source):
    """The switch above really puts the page in the dark palette before axe runs again: text
    that is readable on the light palette only (dark grey in the dark palette) is reported."""
    page = browser.new_page(color_scheme="light")
    try:
        page.goto(served.url)
        page.wait_for_load_state("networkidle")
        page.add_style_tag(content='[data-md-color-scheme="slate"] .md-content p {color: #333}')
        page.add_script_tag(content=axe_source)
        ids = "() => axe.run(document).then(r => r.violations.map(v => v.id))"
        assert "color-contrast" not in page.evaluate(ids)
        assert sitechecks.switch_palette(page) == "slate"
        assert "color-contrast" in page.evaluate(ids)
    finally:
        page.close()
