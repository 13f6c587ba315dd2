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


# Function names latex2mathml writes as <mi> with nothing after them, so "\log n" read "logn".
# (\det, \max, \Pr ... come out as <mo>, which the browser already spaces as operators.)
FUNCTIONS = (
    "arccos arcsin arctan arg cos cosh cot coth csc deg dim exp hom ker lg ln log sec sin sinh "
    "tan tanh"
).split()
FUNCTION = re.compile("<mi>(?:" + "|".join(FUNCTIONS) + ")</mi>")
TAG = re.compile(r"<(/?)([a-z]+)[^>]*?(/?)>")
SCRIPTS = ("<msub>", "<msup>", "<msubsup>")
# TeX's spacing: a thin space between a function and its argument, none before a bracket, and a
# thin space before the function's name after a symbol or a number ("2 \log n", "\sin x \cos x").
APPLY = "<mo>&#x2061;</mo>"  # U+2061 FUNCTION APPLICATION: "log of n" to a screen reader
THIN = '<mspace width="0.1667em"></mspace>'
AFTER_ORDINARY = ("</mi>", "</mn>", "</msub>", "</msup>", "</msubsup>", "&#x00029;</mo>")
OPENING = re.compile(r'<mo(?: stretchy="false")?>(?:\(|\[|\{|&#x00028;|&#x0005B;|&#x0007B;)</mo>')

# TeX sets "/" as an ordinary symbol (1/27); the browser's operator table spaces it like a "+".
SLASH = "<mo>&#x0002F;</mo>"
SLASH_ORDINARY = '<mo lspace="0em" rspace="0em">&#x0002F;</mo>'


def _element_end(mathml: str, start: int) -> int:
    """Index just past the element that opens at `start` (its matching close tag)."""
    depth = 0
    for tag in TAG.finditer(mathml, start):
        closing, self_closing = tag.group(1), tag.group(3)
        if self_closing:
            continue
        depth += -1 if closing else 1
        if depth == 0:
            return tag.end()
    return len(mathml)


def space_functions(mathml: str) -> str:
    """Function application after log, tanh, ... and thin spaces around them as TeX sets them.

    >>> space_functions("<mrow><mi>log</mi><mi>n</mi></mrow>")
    '<mrow><mi>log</mi><mo>&#x2061;</mo><mspace width="0.1667em"></mspace><mi>n</mi></mrow>'
    """
    out, last = [], 0
    for match in FUNCTION.finditer(mathml):
        if match.start() < last:
            continue
        begin, end = match.start(), match.end()
        for script in SCRIPTS:  # \tanh^2 a: the space goes after the whole superscript
            if mathml.startswith(script, begin - len(script)):
                begin -= len(script)
                end = _element_end(mathml, begin)
                break
        before = THIN if mathml[last:begin].endswith(AFTER_ORDINARY) else ""
        rest = mathml[end:]
        out.append(mathml[last:begin] + before + mathml[begin:end])
        if not rest.startswith("</"):  # something follows in this row (not "$\tanh$")
            out.append(APPLY if OPENING.match(rest) else APPLY + THIN)
        last = end
    out.append(mathml[last:])
    return "".join(out)


def to_mathml(tex: str, display: str) -> str:
    """MathML for one TeX formula; `display` is "inline" or "block".

    >>> to_mathml("x^2", "inline")[:47]
    '<math xmlns="http://www.w3.org/1998/Math/MathML'
    """
    mathml = convert(tex, display=display).replace("<mi>\\arg</mi>", "<mi>arg</mi>")
    mathml = space_functions(mathml).replace(SLASH, SLASH_ORDINARY)
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
