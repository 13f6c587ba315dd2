"""The journal's math beside KaTeX's, as PNG screenshots and a table of box sizes.

    .venv/bin/python tools/math_compare.py OUT --site /tmp/site   # an existing build
    .venv/bin/python tools/math_compare.py OUT                    # build into a temporary folder

Every formula of posts/ (`$...$` and `$$...$$`; those quoting a run's value are skipped) and a
set of hard ones are typeset twice in Debian's chromium, row by row: left, the journal's MathML
(journal/adapters/hooks/mathml.py) with the built site's real style sheets and math font; right,
KaTeX (node_modules/katex, its own CSS and fonts). Both sit in the same `.md-typeset` column of a
built page, so they share the body text's size. Writes OUT/NAME-light.png and OUT/NAME-dark.png
per sheet (display, inline, hard) and OUT/sizes.tsv: each formula's width and height in both, and
their ratios. KaTeX runs only here and in the tests; the site never loads it.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "site"))
import sitebuild  # noqa: E402

from journal.adapters import mathfont  # noqa: E402
from journal.adapters.hooks import mathml  # noqa: E402

KATEX = ROOT / "node_modules" / "katex" / "dist"
CHROMIUM = os.environ.get("JOURNAL_CHROMIUM", "/usr/bin/chromium")
DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$")
HARD = [
    r"\left( \sum_{k=1}^{n} a_k b_k \right)^2 \le \left( \sum_{k=1}^{n} a_k^2 \right)"
    r" \left( \sum_{k=1}^{n} b_k^2 \right)",
    r"f(x) = \int_{-\infty}^{\infty} \hat f(\xi)\, e^{2 \pi i \xi x} \, d\xi",
    r"\mathbf{A} = \begin{pmatrix} a_{11} & a_{12} \\ a_{21} & a_{22} \end{pmatrix}, \qquad"
    r" \det \mathbf{A} = a_{11} a_{22} - a_{12} a_{21}",
    r"\operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_{j=1}^{K} e^{z_j}}",
    r"\nabla_\theta \mathcal{L} = \mathbb{E}_{x \sim p}\left[ \frac{\partial \ell}"
    r"{\partial \theta} \right], \quad \theta \in \mathbb{R}^d",
    r"\sqrt{\frac{1}{n-1} \sum_{i=1}^n (x_i - \bar x)^2}",
    r"\max_{\lVert v \rVert = 1} v^\top A v = \lambda_{\max}, \qquad \log \det (I + A)",
    r"\Pr(A \mid B) = \frac{\Pr(B \mid A) \Pr(A)}{\Pr(B)}",
    r"x_{k+1} = x_k - \alpha \nabla f(x_k) \quad \text{for } k = 0, 1, \dots",
    r"\lim_{h \to 0} \frac{f(x+h) - f(x)}{h} = f'(x)",
    r"\Bigl( \frac{a}{b} \Bigr) \bigl[ x \bigr] \Big\{ y \Big\}",
    r"\tilde\beta_t = \frac{1 - \bar\alpha_{t-1}}{1 - \bar\alpha_t} \beta_t, \quad \hat{m}_t",
]


def formulas(posts: Path) -> tuple[list[str], list[str]]:
    """The display and inline formulas of every entry, each once, in reading order."""
    display, inline = [], []
    for path in sorted(posts.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.S | re.M)  # not code blocks
        display += [f.strip() for f in DISPLAY.findall(text)]
        inline += INLINE.findall(DISPLAY.sub("", text))
    keep = lambda fs: list(dict.fromkeys(f for f in fs if "{{" not in f))  # noqa: E731
    return keep(display), keep(inline)


def sheet(rows: list[str], display: bool) -> str:
    """An article body: a table of formulas, ours left, KaTeX's (filled in the browser) right."""
    out = ['<table class="mc"><tr><th>journal (MathML, STIX Two Math)</th><th>KaTeX</th></tr>']
    for i, tex in enumerate(rows):
        try:
            ours = mathml.to_mathml(tex, "block" if display else "inline")
        except ValueError as exc:  # the build warns and leaves such a formula as TeX
            ours = f"<math><mtext>not converted: {html.escape(str(exc))}</mtext></math>"
        tag = "div" if display else "span"
        out.append(
            f'<tr><td><{tag} class="journal-math" id="o{i}">{ours}</{tag}></td>'
            f'<td><{tag} class="ref" id="k{i}" data-tex="{html.escape(tex)}"></{tag}></td></tr>'
        )
    return "\n".join(out) + "</table>"


STYLE = """
.md-header, .md-sidebar, .md-tabs, .md-footer, .md-source-file { display: none !important; }
.md-main__inner { margin-top: 0; }
.md-content { margin: 0 !important; max-width: none; }
.md-grid { max-width: none; }
.mc { width: 100%; border-collapse: collapse; display: table !important; }
.mc td, .mc th { border-top: 1px solid var(--md-default-fg-color--lightest); padding: 0.3em 0.6em;
  width: 50%; vertical-align: middle; }
.mc td div.journal-math, .mc td .katex-display { margin: 0.2em 0; }
"""

RENDER = """() => {
  const out = [];
  for (const ref of document.querySelectorAll('.ref')) {
    katex.render(ref.dataset.tex, ref, {displayMode: ref.tagName === 'DIV', throwOnError: false});
    const i = ref.id.slice(1);
    const ours = (document.querySelector('#o' + i + ' math semantics > :first-child')
      || document.querySelector('#o' + i + ' math')).getBoundingClientRect();
    const parts = [...ref.querySelectorAll('.katex-html > .katex-base, .katex-html > .base')].map(b => b.getBoundingClientRect());
    const w = Math.max(...parts.map(p => p.right)) - Math.min(...parts.map(p => p.left));
    const h = Math.max(...parts.map(p => p.bottom)) - Math.min(...parts.map(p => p.top));
    out.push([ours.width, ours.height, w, h]);
  }
  return out;
}"""


def compare(site: sitebuild.BuiltSite, out: Path, width: int = 1100) -> list[tuple]:
    from playwright.sync_api import sync_playwright

    display, inline = formulas(ROOT / "posts")
    sheets = {"display": (display, True), "inline": (inline[:60], False), "hard": (HARD, True)}
    # The site's font holds the site's characters only; the hard formulas draw more (an integral).
    chars = mathfont.site_chars(site.root)
    for rows, is_display in sheets.values():
        chars |= mathfont.drawn(sheet(rows, is_display))
    font = mathfont.subset(chars, ROOT / ".cache" / "math-font")
    server = sitebuild.serve(site)
    entry = next(iter(site.entries().values()))["slug"]
    table = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for scheme in ("light", "dark"):
                ctx = browser.new_context(
                    viewport={"width": width, "height": 900}, color_scheme=scheme
                )
                page = ctx.new_page()
                origin = "{0.scheme}://{0.netloc}".format(urlsplit(server.url))
                page.route(
                    f"{origin}/__katex__/**",
                    lambda route: route.fulfill(
                        path=KATEX / urlsplit(route.request.url).path.split("/__katex__/")[1]
                    ),
                )
                page.route(
                    f"{origin}/**/{mathfont.SITE_PATH}",
                    lambda route: route.fulfill(body=font, content_type="font/woff2"),
                )
                for name, (rows, is_display) in sheets.items():
                    page.goto(f"{server.url}{entry}/")
                    page.add_style_tag(url=f"{origin}/__katex__/katex.min.css")
                    page.add_style_tag(content=STYLE)
                    page.add_script_tag(url=f"{origin}/__katex__/katex.min.js")
                    page.evaluate(
                        "body => { const a = document.querySelector('article.md-content__inner');"
                        " a.innerHTML = body; }",
                        sheet(rows, is_display),
                    )
                    page.evaluate("document.fonts.ready.then(() => null)")
                    boxes = page.evaluate(RENDER)
                    page.evaluate("document.fonts.ready.then(() => null)")
                    page.locator("table.mc").screenshot(path=out / f"{name}-{scheme}.png")
                    if scheme == "light":
                        for tex, (ow, oh, kw, kh) in zip(rows, boxes, strict=True):
                            table.append((name, tex, ow, oh, kw, kh))
                ctx.close()
            browser.close()
    finally:
        server.close()
    with open(out / "sizes.tsv", "w", encoding="utf-8") as f:
        f.write("sheet\ttex\tours_w\tours_h\tkatex_w\tkatex_h\tw_ratio\th_ratio\n")
        for name, tex, ow, oh, kw, kh in table:
            f.write(f"{name}\t{' '.join(tex.split())}\t{ow:.1f}\t{oh:.1f}\t{kw:.1f}\t{kh:.1f}")
            f.write(f"\t{ow / kw:.3f}\t{oh / kh:.3f}\n")
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for the PNGs and sizes.tsv")
    parser.add_argument("--site", type=Path, help="an existing build of this journal")
    args = parser.parse_args(argv)
    if not (KATEX / "katex.min.js").is_file():
        sys.exit(f"no KaTeX at {KATEX}: run `npm ci`")
    args.out.mkdir(parents=True, exist_ok=True)
    cfg = sitebuild.config_file()
    if args.site is None:
        args.site = Path(tempfile.mkdtemp(prefix="math-compare-")) / "site"
        sitebuild.build(args.site, cfg)
    site = sitebuild.BuiltSite(args.site, cfg, sitebuild.read_site_url(cfg), "")
    table = compare(site, args.out)
    for name in ("display", "inline", "hard"):
        rows = [r for r in table if r[0] == name]
        w = [r[2] / r[4] for r in rows]
        h = [r[3] / r[5] for r in rows]
        print(
            f"{name:8} {len(rows):3} formulas  width ours/KaTeX median {statistics.median(w):.3f}"
            f" [{min(w):.2f}, {max(w):.2f}]  height median {statistics.median(h):.3f}"
            f" [{min(h):.2f}, {max(h):.2f}]"
        )
    print(f"wrote {args.out}/{{display,inline,hard}}-{{light,dark}}.png and sizes.tsv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
