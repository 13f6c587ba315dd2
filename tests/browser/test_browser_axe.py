"""axe-core (node_modules/axe-core) finds no accessibility violation on any page, in either palette."""

from __future__ import annotations

import pytest
import sitebuild

AXE = sitebuild.ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` (package.json pins axe-core)")
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_axe_violations(browser, served, site, axe_source, scheme):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    failures = {}
    try:
        page = ctx.new_page()
        for path in site.html_pages():
            rel = path.relative_to(site.root).as_posix().removesuffix("index.html")
            page.goto(served.url + rel)
            page.add_script_tag(content=axe_source)
            result = page.evaluate(
                "() => axe.run(document, {resultTypes: ['violations']})"
                ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
                " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"
            )
            if result:
                failures[rel or "/"] = result
    finally:
        ctx.close()
    assert not failures, failures
