"""Math as a reader sees it (Debian's chromium): the site's own math font, TeX's sizes and
delimiters measured against KaTeX's rendering of the same formulas, in both palettes, at phone
and desktop widths, with no script and no request leaving the site.

KaTeX (npm `katex`, package.json) is the reference only: the tests load its style sheet, fonts
and script from node_modules into the page under test, beside the journal's own MathML.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
KATEX = ROOT / "node_modules" / "katex" / "dist"
FONT = "Journal Math"
# Formulas the tests look at, by a piece of their TeX (the page's annotation holds it).
ATTENTION = r"\operatorname{Attention}"  # \left( \frac{QK^\top}{\sqrt{d}} \right)
LOSS = r"\lVert \epsilon - \epsilon_\theta\big("  # a plain \lVert beside \big( ... \big)
WIDE = r"\qquad\text{that is}\qquad"  # wider than a phone


def katex_dist() -> Path:
    if not (KATEX / "katex.min.js").is_file():
        message = f"no KaTeX at {KATEX}: run `npm ci` (package.json pins katex)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: never skipped in CI)")
        pytest.skip(message)
    return KATEX


def page_with(site, served, tex: str) -> str:
    """The URL of the entry whose formulas include `tex`."""
    for fm in site.entries().values():
        html = (site.root / fm["slug"] / "index.html").read_text(encoding="utf-8")
        for note in BeautifulSoup(html, "html.parser").find_all("annotation"):
            if tex in note.get_text():
                return f"{served.url}{fm['slug']}/"
    raise AssertionError(f"no entry has a formula with {tex!r}")


def formula(page, tex: str):
    """The `div.journal-math` (or span) holding the formula whose TeX contains `tex`."""
    return page.locator(".journal-math", has=page.locator("annotation", has_text=tex)).first


def load_katex(page) -> None:
    """KaTeX's style sheet, fonts and script into `page`, served from node_modules on the
    site's own origin (so a request leaving the site would still show)."""
    dist = katex_dist()
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    page.route(
        f"{origin}/__katex__/**",
        lambda route: route.fulfill(
            path=dist / urlsplit(route.request.url).path.split("/__katex__/")[1]
        ),
    )
    page.add_style_tag(url=f"{origin}/__katex__/katex.min.css")
    page.add_script_tag(url=f"{origin}/__katex__/katex.min.js")


BOXES = """async ([el, tex]) => {
  // Ours: the formula's row inside <math>; KaTeX's: its rendering of the same TeX, put just
  // after ours in the same container (same font size, same width).
  const ours = el.querySelector('math semantics > :first-child').getBoundingClientRect();
  const ref = document.createElement(el.tagName === 'DIV' ? 'div' : 'span');
  el.after(ref);
  katex.render(tex, ref, {displayMode: el.tagName === 'DIV', throwOnError: true});
  await document.fonts.ready;  // KaTeX's fonts load once it has drawn
  const parts = [...ref.querySelectorAll('.katex-html > .katex-base, .katex-html > .base')].map(b => b.getBoundingClientRect());
  const box = {
    left: Math.min(...parts.map(p => p.left)), right: Math.max(...parts.map(p => p.right)),
    top: Math.min(...parts.map(p => p.top)), bottom: Math.max(...parts.map(p => p.bottom)),
  };
  ref.remove();
  return {ours: [ours.width, ours.height], katex: [box.right - box.left, box.bottom - box.top]};
}"""


def sizes(page, tex: str) -> dict:
    el = formula(page, tex)
    source = el.locator("annotation").text_content()
    return el.evaluate(f"async (el, tex) => await ({BOXES})([el, tex])", source)


def font_face_status(page) -> list[str]:
    return page.evaluate(
        f"""async () => {{ await document.fonts.ready;
        return [...document.fonts].filter(f => f.family.replace(/"/g, '') === '{FONT}')
          .map(f => f.status); }}"""
    )


def luminance(rgb: str) -> float:
    values = [float(v) / 255 for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_formulas_are_drawn_in_the_sites_math_font_and_keep_their_contrast(
    browser, served, site, width, scheme
):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(page_with(site, served, ATTENTION))
    assert font_face_status(page) == ["loaded"]  # declared once, fetched, decoded
    el = formula(page, ATTENTION)
    el.scroll_into_view_if_needed()
    # The glyphs are the font's: the same formula in the fallback fonts has another width.
    widths = el.evaluate(
        """el => {
        const m = el.querySelector('math'), row = m.querySelector('semantics > :first-child');
        const ours = row.getBoundingClientRect().width;
        m.style.fontFamily = getComputedStyle(m).fontFamily.split(',').slice(1).join(',');
        const other = row.getBoundingClientRect().width;
        m.style.fontFamily = '';
        return [ours, other]; }"""
    )
    assert abs(widths[0] - widths[1]) > 2, widths
    assert page.evaluate(f"document.fonts.check('16px \"{FONT}\"', '\u2211')")
    # The palette's text colour, on the palette's background, at WCAG AA or better.
    colour = el.evaluate("el => getComputedStyle(el.querySelector('math')).color")
    text = page.evaluate("getComputedStyle(document.querySelector('.md-typeset')).color")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert colour == text, (colour, text)
    assert luminance(background) < 0.1 if scheme == "dark" else luminance(background) > 0.8
    assert contrast(colour, background) >= 7, (colour, background)
    if width == 390:  # a formula wider than the phone scrolls in its own box, not the page
        wide = formula(page, WIDE) if page.locator("annotation", has_text=WIDE).count() else None
        if wide is None:
            page.goto(page_with(site, served, WIDE))
            wide = formula(page, WIDE)
        overflow = wide.evaluate(
            "el => [el.scrollWidth, el.clientWidth, getComputedStyle(el).overflowX]"
        )
        assert overflow[0] > overflow[1] and overflow[2] == "auto", overflow
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


def test_display_math_is_the_size_of_katexs(page, served, site):
    """Each display formula's box against KaTeX's box for the same TeX: width 0.80-1.05 times
    (STIX Two Math at 1.15em has about KaTeX's x-height, but is a narrower face than Computer
    Modern at 1.21em), height 0.87-1.2 times (before: a stretched \\lVert made one 1.25 times,
    flat fractions 0.83)."""
    ratios = []
    for tex in (ATTENTION, LOSS, r"\frac{\partial \mathcal{L}}{\partial W_{ab}}", r"\hat{\mu}_n ="):
        page.goto(page_with(site, served, tex))
        load_katex(page)
        box = sizes(page, tex)
        ratio = (box["ours"][0] / box["katex"][0], box["ours"][1] / box["katex"][1])
        ratios.append((tex, ratio, box))
    for _tex, (w, h), _box in ratios:
        assert 0.8 <= w <= 1.05 and 0.87 <= h <= 1.2, ratios
    assert page.journal_errors == []


def test_a_stretchy_delimiter_covers_its_fraction_and_a_plain_one_keeps_its_size(
    page, served, site
):
    page.goto(page_with(site, served, ATTENTION))
    el = formula(page, ATTENTION)
    fence = el.locator('mo[form="prefix"][stretchy="true"]').first.bounding_box()
    fraction = el.locator("mfrac").first.bounding_box()
    assert fence["height"] >= fraction["height"], (fence, fraction)
    # \lVert beside \big( ... \big): TeX draws it at its natural size; MathML Core would stretch
    # a bare "‖" to the whole row, taller than the \big brackets.
    page.goto(page_with(site, served, LOSS))
    el = formula(page, LOSS)
    bars = el.locator("mo", has_text="\u2016")
    big = el.locator('mo[minsize="1.2em"]').first.bounding_box()
    assert bars.count() == 2
    for i in range(2):
        bar = bars.nth(i).bounding_box()
        assert bar["height"] < 0.95 * big["height"], (bar, big)


def test_math_needs_no_script_and_no_request_leaves_the_site(browser, served, site):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    requests, fonts = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("response", lambda r: fonts.append((r.url, r.status)) if ".woff2" in r.url else None)
    page.goto(page_with(site, served, ATTENTION), wait_until="load")
    page.wait_for_load_state("networkidle")
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(served.url))
    assert requests and all(u.startswith(origin) or u.startswith("data:") for u in requests), [
        u for u in requests if not u.startswith(origin)
    ]
    assert [(urlsplit(u).path.rsplit("/", 1)[1], s) for u, s in fonts] == [
        ("journal-math.woff2", 200)
    ], fonts
    maths = page.locator(".journal-math math")
    assert maths.count() > 10
    for i in range(maths.count()):
        assert maths.nth(i).evaluate(
            "m => m instanceof MathMLElement && m.getBoundingClientRect().width > 0"
        )
    context.close()
