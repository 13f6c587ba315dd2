"""Layout a reader sees, measured in a real browser: nothing covers text, nothing overflows."""

from __future__ import annotations

import pytest
from test_browser_reading import entries_by_slug, entries_with, entry_url


def test_the_copy_button_of_run_output_sits_in_the_label_row_not_on_the_text(page, served, site):
    entries = entries_with(site, ".journal-output")
    assert entries, "no entry shows run output"
    checked = 0
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for fm in entries:
            page.goto(entry_url(served, fm))
            gaps = page.evaluate(
                """() => [...document.querySelectorAll('.journal-output')].map(o => {
                    const nav = o.querySelector('.md-code__nav');
                    const code = o.querySelector('pre > code');
                    if (!nav) return null;
                    const top = code.getBoundingClientRect().top
                        + parseFloat(getComputedStyle(code).paddingTop);
                    return top - nav.getBoundingClientRect().bottom;
                })"""
            )
            assert None not in gaps, f"{fm['slug']}: an output block without a copy button"
            # The button ends above the first line of output, at any width.
            assert all(gap >= 0 for gap in gaps), (fm["slug"], width, gaps)
            checked += len(gaps)
    assert checked > 0


def test_dark_palette_inverts_plots_but_not_images_and_heat_maps(browser, served, site):
    entries = entries_with(site, "figure.journal-figure--keep-colours")
    assert entries, "no figure is marked colours=keep"
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page = ctx.new_page()
    try:
        for fm in entries:
            page.goto(entry_url(served, fm))
            assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
            figures = page.evaluate(
                """() => [...document.querySelectorAll('figure.journal-figure img')].map(i => [
                    i.closest('figure').classList.contains('journal-figure--keep-colours'),
                    getComputedStyle(i).filter, getComputedStyle(i).backgroundColor])"""
            )
            for keep, filt, bg in figures:
                if keep:  # shown as drawn, on a near-white card
                    assert filt == "none", (fm["slug"], filt)
                    rgb = [int(v) for v in bg[bg.index("(") + 1 : bg.index(")")].split(",")[:3]]
                    assert min(rgb) >= 230, (fm["slug"], bg)
                else:
                    assert "invert" in filt, (fm["slug"], filt)
            # Enlarged, the figure keeps its colours too.
            page.locator("figure.journal-figure--keep-colours a").first.click()
            big = page.locator("dialog#journal-zoom img")
            assert big.evaluate("i => getComputedStyle(i).filter") == "none"
            page.keyboard.press("Escape")
        # A plot enlarged after an image is inverted again.
        plain = page.locator("figure.journal-figure:not(.journal-figure--keep-colours) a")
        if plain.count():
            plain.first.click()
            assert "invert" in page.locator("dialog#journal-zoom img").evaluate(
                "i => getComputedStyle(i).filter"
            )
    finally:
        ctx.close()


COLUMNS = """() => {
    const code = document.querySelector('.highlight pre > code');
    const probe = document.createElement('span');
    probe.textContent = 'x'.repeat(100);
    code.appendChild(probe);
    const char = probe.getBoundingClientRect().width / 100;
    probe.remove();
    const style = getComputedStyle(code);
    const inner = code.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const prose = document.querySelector('.md-content__inner > p').getBoundingClientRect().width;
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
    return [Math.floor(inner / char), prose / rem,
            document.documentElement.scrollWidth - document.documentElement.clientWidth];
}"""


def test_code_shows_its_written_width_on_a_desktop_and_prose_keeps_its_measure(page, served, site):
    fm = entries_with(site, ".highlight pre > code")[0]
    columns = {}
    for width in (1440, 1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(entry_url(served, fm))
        columns[width], prose_rem, overflow = page.evaluate(COLUMNS)
        assert prose_rem <= 36.01, (width, prose_rem)  # about 90 characters a line
        assert overflow == 0, (width, overflow)  # the page itself never scrolls sideways
    # Snippets are written to 100 columns (plus up to 4 for the line number).
    assert columns[1440] >= 104, columns
    assert columns[1280] >= 90, columns
    assert 38 <= columns[390] < 60, columns  # a phone scrolls long lines inside the block


FIGURES = """() => [...document.querySelectorAll('figure.journal-figure img')].map(img => {
    const box = img.getBoundingClientRect();
    const column = img.closest('.md-content__inner').getBoundingClientRect();
    const s = getComputedStyle(img);
    const w = box.width - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    const h = box.height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);
    return {attrs: [Number(img.getAttribute('width')), Number(img.getAttribute('height'))],
            fits: box.left >= column.left - 0.5 && box.right <= column.right + 0.5,
            ratio: (w / h) / (img.naturalWidth / img.naturalHeight), width: box.width};
})"""


def test_figures_fit_a_phone_in_both_palettes_undistorted(browser, served, site):
    entries = entries_with(site, "figure.journal-figure")
    checked = 0
    for scheme in ("light", "dark"):
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme)
        page = ctx.new_page()
        try:
            for fm in entries:
                page.goto(entry_url(served, fm))
                page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
                page.wait_for_function("[...document.images].every(i => i.complete)")
                for i, fig in enumerate(page.evaluate(FIGURES)):
                    where = (scheme, fm["slug"], i, fig)
                    # Width and height attributes reserve the space before the SVG arrives.
                    assert fig["attrs"][0] > 0 and fig["attrs"][1] > 0, where
                    assert fig["fits"] and fig["width"] < 390, where
                    assert abs(fig["ratio"] - 1) < 0.01, where
                    checked += 1
                assert page.evaluate(
                    "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
                ), (scheme, fm["slug"])
        finally:
            ctx.close()
    assert checked >= 2 * len(entries)


def phone(browser, scheme: str):
    """A context the size of a 390 x 844 phone with a touch screen, in the given palette."""
    return browser.new_context(
        viewport={"width": 390, "height": 844}, color_scheme=scheme, has_touch=True, is_mobile=True
    )


PHONE_META = """() => {
    const box = s => document.querySelector(s).getBoundingClientRect();
    const meta = box('.md-post__meta'), h1 = box('article h1'), article = box('article');
    return {meta_top: meta.top, meta_bottom: meta.bottom, h1_top: h1.top,
            article_bottom: article.bottom};
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_an_entrys_date_category_and_reading_time_sit_just_above_its_title(
    browser, served, site, scheme
):
    ctx = phone(browser, scheme)
    try:
        page = ctx.new_page()
        for fm in entries_by_slug(site).values():
            page.goto(entry_url(served, fm))
            meta = page.locator(".md-post__meta").first
            assert "read" in meta.inner_text() and page.locator(".md-post__meta time").count()
            at = page.evaluate(PHONE_META)
            where = (scheme, fm["slug"], at)
            # Above the title (Material's default puts it below the article, after the comments),
            # separated from it by the tags at most: within 200 px, a quarter of the screen.
            assert at["meta_bottom"] <= at["h1_top"] < at["meta_bottom"] + 200, where
            assert at["meta_top"] < at["article_bottom"], where
    finally:
        ctx.close()


FIRST_LINE = """() => [...document.querySelectorAll('.highlight')].map(block => {
    const nav = block.querySelector('.md-code__nav');
    const code = block.querySelector('pre > code');
    if (!nav || !code) return null;
    const s = getComputedStyle(code);
    const top = code.getBoundingClientRect().top + parseFloat(s.paddingTop);
    const b = nav.getBoundingClientRect();
    return {gap: top - b.bottom, scrolls: code.scrollWidth > code.clientWidth,
            overflow: s.overflowX, scrollbar: s.scrollbarColor};
}).filter(Boolean)"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_the_copy_button_is_clear_of_the_first_code_line_and_long_lines_scroll(
    browser, served, site, scheme
):
    ctx = phone(browser, scheme)
    try:
        page = ctx.new_page()
        blocks = scrolling = 0
        for fm in entries_with(site, ".highlight pre > code"):
            page.goto(entry_url(served, fm))
            for b in page.evaluate(FIRST_LINE):
                # The first line's text box starts below the button's box: they do not intersect.
                assert b["gap"] >= 0, (scheme, fm["slug"], b)
                assert b["overflow"] == "auto", (scheme, fm["slug"], b)
                if b["scrolls"]:  # a cut line: a scrollbar that is drawn, not transparent
                    assert "transparent transparent" not in b["scrollbar"], b
                    assert b["scrollbar"] not in ("auto", ""), b
                    scrolling += 1
                blocks += 1
        assert blocks > 0 and scrolling > 0, (blocks, scrolling)
    finally:
        ctx.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_a_tapped_figure_opens_at_twice_its_width_and_pans(
    browser, served, site, scheme
):
    ctx = phone(browser, scheme)
    try:
        page = ctx.new_page()
        checked = 0
        for fm in entries_with(site, "figure.journal-figure"):
            page.goto(entry_url(served, fm))
            link = page.locator("figure.journal-figure a").first
            # A link with a name (the image's alt text) to a file the site serves.
            href = link.evaluate("a => a.href")
            assert page.request.get(href).status == 200, href
            assert link.locator("img").get_attribute("alt")
            link.scroll_into_view_if_needed()
            small = link.locator("img").bounding_box()
            link.tap()
            dialog = page.locator("dialog#journal-zoom")
            big = dialog.locator("img").bounding_box()
            pans = dialog.evaluate("d => d.scrollWidth - d.clientWidth")
            where = (scheme, fm["slug"], small, big, pans)
            assert dialog.evaluate("d => d.open"), where
            assert big["width"] >= 1.9 * small["width"], where
            assert pans > 0, where
            page.keyboard.press("Escape")
            checked += 1
        assert checked > 0
    finally:
        ctx.close()
