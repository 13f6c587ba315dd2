"""Math at build time: MathML that MathML Core typesets as TeX would, and the math font cut to
what the site's formulas draw (journal/adapters/hooks/mathml.py, journal/adapters/mathfont.py)."""

from __future__ import annotations

import io
import re
from urllib.parse import urljoin, urlsplit

import sitebuild
from bs4 import BeautifulSoup
from fontTools.ttLib import TTFont

from journal.adapters import mathfont

mathml = sitebuild.load_hook("mathml")


def body(tex: str, display: str = "inline") -> str:
    out = mathml.to_mathml(tex, display)
    return out[out.index("<semantics>") + 11 : out.index("<annotation")]


def test_styles_core_ignores_become_the_unicode_characters_they_name():
    # Chromium honours mathvariant="normal" only: \mathbf{1} drew a plain 1, \texttt a serif word.
    assert body(r"\mathbf{1}") == "<mrow><mrow><mn>\U0001d7cf</mn></mrow></mrow>"
    assert body(r"\texttt{ab}") == "<mrow><mtext>\U0001d68a\U0001d68b</mtext></mrow>"
    assert "&#x0211D;" in body(r"\mathbb{R}") and "&#x1D4AA;" in body(r"\mathcal{O}")
    assert "mathvariant" not in body(r"\boldsymbol{\alpha}") and "\U0001d736" in body(
        r"\boldsymbol{\alpha}"
    )
    # \mathrm keeps mathvariant="normal", the one value Core honours.
    assert body(r"\mathrm{SE}").count('mathvariant="normal"') == 2


def test_symbols_get_tex_classes_and_capital_greek_stays_upright():
    assert body(r"e^{-\infty}").endswith("<mi>&#x0221E;</mi></mrow></msup></mrow>")
    assert "<mo>&#x000B1;</mo>" in body(r"a \pm b")
    assert body(r"A^\top") == (
        '<mrow><msup><mi>A</mi><mi mathvariant="normal">&#x022A4;</mi></msup></mrow>'
    )
    assert body(r"\Phi(x)").startswith('<mrow><mi mathvariant="normal">&#x003A6;</mi>')
    assert body(r"\phi").startswith("<mrow><mi>&#x003D5;</mi>")  # lower case stays italic


def test_spaces_are_lengths_core_understands():
    # Core ignores named spaces and negative widths; \! becomes a negative margin.
    assert body(r"a \, b") == '<mrow><mi>a</mi><mspace width="0.167em"></mspace><mi>b</mi></mrow>'
    assert body(r"a \! b") == (
        '<mrow><mi>a</mi><mspace style="margin-left: -0.1667em"></mspace><mi>b</mi></mrow>'
    )
    assert "mathspace" not in body(r"\mathcal{N}\!\left(x\right)")
    # \operatorname{f}\!\left(: the author cancels TeX's space; no space and no negative margin.
    out = body(r"\operatorname{softmax}\!\left(\frac{a}{b}\right)", "block")
    assert out.startswith('<mrow><mi>softmax</mi><mo>&#x2061;</mo><mrow><mo stretchy="true"')


def test_delimiters_stretch_only_where_tex_stretches_them():
    # \lVert ... \rVert and \mid never stretch in TeX; Core stretches a bare "‖" to its row.
    assert body(r"\lVert a \rVert").count('<mo stretchy="false">&#x02016;</mo>') == 2
    assert '<mo stretchy="false">&#x02223;</mo>' in body(r"P(a \mid b)")
    # \left( \right) and a matrix's parentheses do.
    assert body(r"\left(\frac{a}{b}\right)").count('stretchy="true"') == 2
    matrix = body(r"\begin{pmatrix} a \\ b \end{pmatrix}")
    assert "<mo>&#x00028;</mo><mtable>" in matrix and "</mtable><mo>&#x00029;</mo>" in matrix


def test_accents_sit_on_their_base():
    for tex in (r"\bar\alpha", r"\tilde\beta", r"\hat{m}", r"\dot x"):
        assert body(tex).startswith('<mrow><mover accent="true">'), tex
    assert '<mover accent="true">' not in body(r"\overset{a}{b}")


def test_the_italic_a_browser_draws_for_a_letter_and_the_styles():
    assert mathfont.italic("x") == "\U0001d465" and mathfont.italic("h") == "\u210e"
    assert mathfont.italic("\u03bb") == "\U0001d706"
    assert mathfont.italic("+") == "+" and mathfont.italic("1") == "1"
    assert mathfont.variant("R", "double-struck") == "\u211d"
    assert mathfont.variant("L", "script") == "\u2112"
    assert mathfont.variant("x", "unknown-style") == "x"
    drawn = mathfont.drawn(
        '<math><mi>x</mi><mi mathvariant="normal">&#x003A6;</mi><msqrt><mn>2</mn></msqrt>'
        "<mi>log</mi><annotation>\\zeta</annotation></math>"
    )
    assert drawn == {"\U0001d465", "x", "\u03a6", "2", "\u221a", "l", "o", "g"}


def test_the_cut_font_keeps_the_math_table_and_the_larger_brackets(tmp_path):
    data = mathfont.subset({"(", ")", "\u221a", "\u2211"}, tmp_path)
    assert data[:4] == b"wOF2"
    font = TTFont(io.BytesIO(data))
    assert "MATH" in font
    cmap = font.getBestCmap()
    assert {ord("("), 0x221A, 0x2211, 0x1D465} <= set(cmap)  # asked for, and the base set
    assert 0x1D6FC not in cmap  # italic alpha: not asked for
    variants = font["MATH"].table.MathVariants
    vertical = dict(
        zip(variants.VertGlyphCoverage.glyphs, variants.VertGlyphConstruction, strict=True)
    )
    sizes = vertical[cmap[ord("(")]].MathGlyphVariantRecord
    assert len(sizes) >= 4 and all(v.VariantGlyph in font.getGlyphOrder() for v in sizes)
    assert 5_000 < len(data) < 60_000, len(data)
    assert list(tmp_path.glob("*.woff2")) and mathfont.subset({"("}, tmp_path) != data
    assert mathfont.subset({"(", ")", "\u221a", "\u2211"}, tmp_path) == data  # from the cache


def test_the_built_site_serves_the_cut_font_to_pages_with_math_only(site):
    font_file = site.root / mathfont.SITE_PATH
    font = TTFont(io.BytesIO(font_file.read_bytes()))
    cmap = set(font.getBestCmap())
    missing, with_math, without = set(), 0, 0
    for path in site.html_pages():
        text = path.read_text(encoding="utf-8")
        preloads = re.findall(r'<link rel="preload" href="([^"]+)" as="font"[^>]*>', text)
        if "<math" not in text:
            assert not preloads, path
            without += 1
            continue
        with_math += 1
        missing |= {c for c in mathfont.drawn(text) if ord(c) not in cmap}
        (href,) = preloads
        target = sitebuild.local_path(
            site, urlsplit(urljoin(sitebuild.page_url(site, path), href)).path
        )
        assert target == font_file, (path, href)
    assert with_math >= 10 and without >= 3, (with_math, without)
    assert not missing, f"drawn in formulas but not in the font: {sorted(missing)}"
    assert (font_file.parent / "OFL.txt").read_text().startswith("Copyright")
    assert len(font_file.read_bytes()) < 60_000


def test_every_formula_of_the_site_converts(site):
    """No formula is left as TeX source, and none has a named space or a style Core ignores."""
    for path in site.html_pages():
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        assert not soup.select(".arithmatex"), path
        for math in soup.find_all("math"):
            markup = str(math)
            assert "mathspace" not in markup, path
            variants = set(re.findall(r'mathvariant="([^"]+)"', markup))
            assert variants <= {"normal"}, (path, variants)
