"""MkDocs hook: LaTeX to MathML at build time, so equations need no script and no CDN.

pymdownx.arithmatex (generic mode) leaves `\\(...\\)` in `<span class="arithmatex">` and `\\[...\\]`
in `<div class="arithmatex">`. This hook converts each to MathML with latex2mathml; browsers render
MathML natively (Chromium since version 109, Firefox and Safari for years). The TeX source stays in
an `<annotation>` so copying and assistive technology still get it.
"""

from __future__ import annotations

import html
import logging
import re

from latex2mathml.converter import convert
from mkdocs.plugins import event_priority

log = logging.getLogger("mkdocs.hooks.journal_math")

INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.S)
BLOCK = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.S)


def to_mathml(tex: str, display: str) -> str:
    """MathML for one TeX formula; `display` is "inline" or "block".

    >>> to_mathml("x^2", "inline")[:46]
    '<math xmlns="http://www.w3.org/1998/Math/MathML'
    """
    mathml = convert(tex, display=display)
    unknown = re.search(r"<m[ion]>(\\[A-Za-z]+)", mathml)
    if unknown:  # latex2mathml prints commands it does not know as text
        raise ValueError(f"unsupported command {unknown.group(1)}")
    # Wrap the presentation in <semantics> with the TeX source as an annotation.
    start = mathml.index(">") + 1
    end = mathml.rindex("</math>")
    annotation = f'<annotation encoding="application/x-tex">{html.escape(tex)}</annotation>'
    return f"{mathml[:start]}<semantics>{mathml[start:end]}{annotation}</semantics></math>"


def render_math(page_html: str, where: str = "") -> str:
    """Replace arithmatex's generic output in an HTML string with MathML."""

    def replace(match: re.Match, display: str) -> str:
        tex = html.unescape(match.group(1)).strip()
        try:
            mathml = to_mathml(tex, display)
        except Exception as exc:  # latex2mathml raises several types for unsupported TeX
            log.warning(
                "%s: cannot convert the formula %r to MathML (%s); simplify it", where, tex, exc
            )
            return match.group(0)
        if display == "block":
            return f'<div class="journal-math" tabindex="0">{mathml}</div>'
        return f'<span class="journal-math">{mathml}</span>'

    page_html = BLOCK.sub(lambda m: replace(m, "block"), page_html)
    return INLINE.sub(lambda m: replace(m, "inline"), page_html)


@event_priority(-90)  # after other content hooks, so feeds and search see MathML
def on_page_content(html_text, page, config, files, **kwargs):
    return render_math(html_text, page.file.src_uri)


def on_post_page(output, page, config, **kwargs):
    # Excerpts on the index, archive and category pages are rendered by the blog plugin after
    # on_page_content; convert whatever is left in the final HTML.
    if "arithmatex" not in output:
        return output
    return render_math(output, page.file.src_uri)
