"""axe-core (node_modules/axe-core) finds no accessibility violation on any page, in either
palette."""

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


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_axe_violations(browser, served, site, axe_source, scheme):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    failures = {}
    try:
        page = ctx.new_page()
        for path in site.html_pages():
            rel = path.relative_to(site.root).as_posix().removesuffix("index.html")
            violations = sitechecks.axe_violations(page, served.url + rel, axe_source)
            if violations:
                failures[rel or "/"] = violations
    finally:
        ctx.close()
    assert len(site.html_pages()) > 5
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
