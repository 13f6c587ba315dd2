"""MkDocs hook: LaTeX to MathML at build time, so equations need no script and no CDN.

pymdownx.arithmatex (generic mode) leaves `\\(...\\)` in `<span class="arithmatex">` and `\\[...\\]`
in `<div class="arithmatex">`. This hook converts each to MathML with latex2mathml; browsers render
MathML natively (Chromium since version 109, Firefox and Safari for years). The TeX source stays in
an `<annotation>` so copying and assistive technology still get it.

latex2mathml writes MathML 3, of which browsers implement the MathML Core part: `tidy` rewrites
what Core ignores or TeX sets otherwise (mathvariant, named and negative spaces, operator names,
limits, accents, upright capital Greek), so Chromium, Firefox and Safari typeset it as TeX would.
After the build, the site's math font is cut to the characters its formulas draw
(journal/adapters/mathfont.py) and each page with math preloads it.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

from latex2mathml.converter import convert
from mkdocs.plugins import event_priority
from mkdocs.utils import get_relative_url

from journal.adapters import mathfont

log = logging.getLogger("mkdocs.hooks.journal_math")

INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.S)
BLOCK = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.S)


# Operator names. latex2mathml writes \log, \tanh ... as <mi> with nothing after them ("logn"),
# and \operatorname{softmax}, \max, \det ... as <mo>, which Core spaces as an unknown operator
# (0.28em each side, "softmax (z)"). `tidy` makes every name an <mi>, and an <munder> of a
# movable-limits <mo> for the names TeX sets limits under in display (\max_j); `space_functions`
# then spaces them as TeX does.
LIMITS = ("max", "min", "sup", "inf", "lim", "liminf", "limsup", "det", "gcd", "Pr")
LIMIT_OP = '<mo movablelimits="true" lspace="0em" rspace="0em">'
FUNCTION = re.compile(r"<mi>[A-Za-z]{2,}</mi>|" + re.escape(LIMIT_OP) + r"[A-Za-z]+</mo>")
TAG = re.compile(r"<(/?)([a-z]+)[^>]*?(/?)>")
SCRIPTS = ("<msub>", "<msup>", "<msubsup>", "<munder>")
# TeX's spacing: a thin space between a function and its argument, none before a bracket, and a
# thin space before the function's name after a symbol or a number ("2 \log n", "\sin x \cos x").
APPLY = "<mo>&#x2061;</mo>"  # U+2061 FUNCTION APPLICATION: "log of n" to a screen reader
THIN = '<mspace width="0.1667em"></mspace>'
AFTER_ORDINARY = (
    "</mi>",
    "</mn>",
    "</msub>",
    "</msup>",
    "</msubsup>",
    "</mover>",
    "&#x00029;</mo>",
)
OPENING = re.compile(
    r'<mo(?: stretchy="false")?>(?:\(|\[|\{|&#x00028;|&#x0005B;|&#x0007B;)</mo>'
    r'|<mrow><mo stretchy="true" fence="true" form="prefix">'
)
# Core ignores named spaces (thinmathspace ...) and any negative width; \! is drawn as a negative
# margin, the one way Chromium narrows a row.
NAMED_SPACE = re.compile(r'<mspace width="(negative)?((?:very)*(?:thin|medium|thick)mathspace)" />')
SPACES = {
    "veryverythinmathspace": 1,
    "verythinmathspace": 2,
    "thinmathspace": 3,
    "mediummathspace": 4,
    "thickmathspace": 5,
    "verythickmathspace": 6,
    "veryverythickmathspace": 7,
}  # in eighteenths of an em
NEGATIVE_THIN = '<mspace style="margin-left: -0.1667em"></mspace>'
MSPACE = re.compile(r'<mspace width="([0-9.]+em)" />')

# TeX sets "/" as an ordinary symbol (1/27); the browser's operator table spaces it like a "+".
SLASH = "<mo>&#x0002F;</mo>"
SLASH_ORDINARY = '<mo lspace="0em" rspace="0em">&#x0002F;</mo>'
# latex2mathml's token classes that TeX sets otherwise: \pm and \mp are binary operators, \infty
# and \top ordinary symbols (an unknown <mo> gets 0.28em on each side, "e^{- ∞}").
RECLASS = {
    "<mi>&#x000B1;</mi>": "<mo>&#x000B1;</mo>",
    "<mi>&#x02213;</mi>": "<mo>&#x02213;</mo>",
    "<mo>&#x0221E;</mo>": "<mi>&#x0221E;</mi>",
    "<mo>&#x022A4;</mo>": '<mi mathvariant="normal">&#x022A4;</mi>',
    "<mo>&#x022A5;</mo>": '<mi mathvariant="normal">&#x022A5;</mi>',
}
# Capital Greek is upright in TeX; Core italicises every one-letter <mi>.
GREEK_CAPITAL = re.compile(r"<mi>(&#x00(?:39[1-9A-F]|3A[0-9A-F]);)</mi>")
# A delimiter TeX never stretches unless \left, \big... say so; Core stretches these by default.
FENCE = re.compile(
    r"(?<!</mtable>)<mo>(&#x02016;|&#x02223;|&#x0007C;|\(|\)|\[|\]|&#x00028;|&#x00029;)</mo>(?!<mtable)"
)
# An accent (\bar, \tilde, \dot ...) sits on its base: <mover accent="true">, not as a limit.
ACCENTS = (
    "&#x000AF;",
    "&#x0007E;",
    "&#x002D9;",
    "&#x000A8;",
    "&#x02192;",
    "&#x002C7;",
    "&#x0005E;",
)
ACCENT_END = re.compile(
    r'<mo(?: stretchy="(?:true|false)")?>(' + "|".join(ACCENTS) + r")</mo></mover>"
)
# A big operator takes its limits under and over it (aside outside display style: Core's operator
# table makes these movable); latex2mathml writes them as sub/superscripts inside a \left( \right).
BIG = ("&#x02211;", "&#x0220F;", "&#x02210;", "&#x022C3;", "&#x022C2;", "&#x02A01;", "&#x02A02;")
BIG_SCRIPTS = re.compile(r"<(msubsup|msub|msup)><mo>(" + "|".join(BIG) + r")</mo>")
UNDER_OVER = {"msubsup": "munderover", "msub": "munder", "msup": "mover"}
SINGLE = re.compile(r"(?:<mrow>)?<m[ion]>[^<]*</m[ion]>(?:</mrow>)?")
# A prime is a raised glyph already (U+2032); as a superscript it went up twice, small, apart.
PRIME = re.compile(r"<msup>(<mi>[^<]*</mi>)<mi>(&#x02032;|&#x02033;)</mi></msup>")
# mathvariant: Core honours only "normal"; other styles become the Unicode characters they name.
VARIANT = re.compile(r'<(mi|mn|mtext) mathvariant="([a-z-]+)">([^<]*)</\1>')


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


# Elements whose children are a base and scripts, not a row: no space between their children.
FIXED = ("<msub>", "<msup>", "<msubsup>", "<munder>", "<mover>", "<munderover>", "<mfrac>")
TOKEN_BEFORE = re.compile(r"<(mi|mn|mo)\b[^>]*>[^<]*</\1>$")


def _ordinary_before(mathml: str, last: int, begin: int) -> bool:
    """Whether an ordinary symbol precedes `begin` in the same row (so TeX puts a thin space
    before the function's name): not when it is the base whose script the name is (λ_max)."""
    head = mathml[last:begin]
    if not head.endswith(AFTER_ORDINARY):
        return False
    token = TOKEN_BEFORE.search(mathml, 0, begin)
    return not (token and mathml[: token.start()].endswith(FIXED))


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
        before = THIN if _ordinary_before(mathml, last, begin) else ""
        rest = mathml[end:]
        out.append(mathml[last:begin] + before + mathml[begin:end])
        if rest.startswith(
            NEGATIVE_THIN
        ):  # \operatorname{f}\!\left(: the author took the space out
            out.append(APPLY)
            end += len(NEGATIVE_THIN)
        elif not rest.startswith("</"):  # something follows in this row (not "$\tanh$")
            out.append(APPLY if OPENING.match(rest) else APPLY + THIN)
        last = end
    out.append(mathml[last:])
    return "".join(out)


def _restyle(match: re.Match) -> str:
    tag, name, text = match.groups()
    if name == "normal" or name not in mathfont.VARIANTS:
        return match.group(0)
    styled = "".join(mathfont.variant(c, name) for c in html.unescape(text))
    if tag == "mi" and name == "italic" and len(styled) > 1:
        letters = html.unescape(text)  # \mathit{ab}: each letter an italic <mi>
        return "".join(f"<mi>{html.escape(c)}</mi>" for c in letters)
    return f"<{tag}>{html.escape(styled, quote=False)}</{tag}>"


def _accents(mathml: str) -> str:
    """<mover accent="true"> for an accent; on one letter it keeps its size (\\hat m, not a
    caret stretched over the m's width: TeX's \\widehat is for that)."""
    out, last = [], 0
    for match in re.finditer('<mover(?: accent="true")?>', mathml):
        base_end = _element_end(mathml, match.end())
        accent = ACCENT_END.match(mathml, base_end)
        if accent:
            base = mathml[match.end() : base_end]
            one = SINGLE.fullmatch(base)
            mo = f'<mo stretchy="false">{accent.group(1)}</mo></mover>' if one else accent.group(0)
            out.append(f'{mathml[last : match.start()]}<mover accent="true">{base}{mo}')
            last = accent.end()
    out.append(mathml[last:])
    return "".join(out)


def _big_operators(mathml: str) -> str:
    while match := BIG_SCRIPTS.search(mathml):
        end = _element_end(mathml, match.start())
        tag, under = match.group(1), UNDER_OVER[match.group(1)]
        inner = mathml[match.start() + len(tag) + 2 : end - len(tag) - 3]
        mathml = f"{mathml[: match.start()]}<{under}>{inner}</{under}>{mathml[end:]}"
    return mathml


def _limits(mathml: str) -> str:
    """\\max_j: an <munder> whose <mo> moves its limit aside outside display style."""
    for name in LIMITS:
        start = re.compile(f'<msub><mo(?: movablelimits="true")?>{name}</mo>')
        while match := start.search(mathml):
            begin = match.start()
            end = _element_end(mathml, begin)
            inner = mathml[match.end() : end - len("</msub>")]
            mathml = f"{mathml[:begin]}<munder>{LIMIT_OP}{name}</mo>{inner}</munder>{mathml[end:]}"
    return mathml


def tidy(mathml: str) -> str:
    """latex2mathml's MathML rewritten into what MathML Core renders as TeX sets it.

    >>> tidy('<mi mathvariant="double-struck">R</mi><mo>softmax</mo>')
    '<mi>ℝ</mi><mi>softmax</mi>'
    """
    mathml = mathml.replace("<mi>\\arg</mi>", "<mi>arg</mi>").replace(SLASH, SLASH_ORDINARY)
    for old, new in RECLASS.items():
        mathml = mathml.replace(old, new)
    mathml = GREEK_CAPITAL.sub(r'<mi mathvariant="normal">\1</mi>', mathml)
    mathml = VARIANT.sub(_restyle, mathml)
    mathml = _limits(mathml)
    mathml = re.sub(r'<mo(?: movablelimits="true")?>([A-Za-z]{2,})</mo>', r"<mi>\1</mi>", mathml)
    mathml = _big_operators(mathml)
    mathml = FENCE.sub(r'<mo stretchy="false">\1</mo>', mathml)
    mathml = _accents(mathml)
    mathml = PRIME.sub(r'<mrow>\1<mo lspace="0em" rspace="0em">\2</mo></mrow>', mathml)
    mathml = NAMED_SPACE.sub(_named_space, mathml)
    return MSPACE.sub(r'<mspace width="\1"></mspace>', mathml)


# TeX sets no space around operators in scripts and in an inline fraction's parts (script style);
# Chromium spaces them as at full size ("x_{k + 1}"). Style levels: 0 display, 1 text, 2 script,
# 3 scriptscript.
SCRIPTED = ("msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts")


def script_spacing(mathml: str, display: str) -> str:
    """lspace and rspace 0 on every <mo> in script style that sets neither.

    >>> script_spacing("<math><msub><mi>x</mi><mrow><mi>k</mi><mo>+</mo></mrow></msub></math>", "")
    '<math><msub><mi>x</mi><mrow><mi>k</mi><mo lspace="0em" rspace="0em">+</mo></mrow></msub></math>'
    """
    out, last, stack = [], 0, []  # stack: [name, children so far, style level]
    for tag in TAG.finditer(mathml):
        closing, name, self_closing = tag.groups()
        if closing:
            if stack:
                stack.pop()
            continue
        if not stack:
            level = 0 if display == "block" else 1
        else:
            parent = stack[-1]
            level, index = parent[2], parent[1]
            parent[1] += 1
            if (parent[0] in SCRIPTED and index >= 1) or (parent[0] == "mroot" and index == 1):
                level = max(level, 1) + 1
            elif parent[0] == "mfrac":
                level += 1
        if name == "mstyle" and 'displaystyle="false"' in tag.group(0):
            level = max(level, 1)
        if name == "mo" and level >= 2 and "lspace" not in tag.group(0):
            out.append(mathml[last : tag.end() - 1] + ' lspace="0em" rspace="0em">')
            last = tag.end()
        if not self_closing:
            stack.append([name, 0, min(level, 3)])
    out.append(mathml[last:])
    return "".join(out)


def _named_space(match: re.Match) -> str:
    width = f"{SPACES[match.group(2)] / 18:.4f}em"
    if match.group(1):
        return f'<mspace style="margin-left: -{width}"></mspace>'
    return f'<mspace width="{width}"></mspace>'


def to_mathml(tex: str, display: str) -> str:
    """MathML for one TeX formula; `display` is "inline" or "block".

    >>> to_mathml("x^2", "inline")[:47]
    '<math xmlns="http://www.w3.org/1998/Math/MathML'
    """
    mathml = script_spacing(space_functions(tidy(convert(tex, display=display))), display)
    unknown = re.search(r"<m[ion]\b[^>]*>(\\(?:[A-Za-z]+|.))", mathml)
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
    if "arithmatex" in output:
        output = render_math(output, page.file.src_uri)
    if 'class="journal-math"' in output and "</head>" in output:
        output = output.replace("</head>", preload(page.url) + "</head>", 1)
    return output


def preload(page_url: str) -> str:
    """The font's preload link for a page with math: fetched with the style sheet, not after
    layout, so the formulas are drawn once in their font rather than redrawn (layout shift)."""
    href = get_relative_url(mathfont.SITE_PATH, page_url)
    return f'<link rel="preload" href="{href}" as="font" type="font/woff2" crossorigin>'


def on_post_build(config, **kwargs):
    """Cut the math font to the characters the built pages' formulas draw, and publish it with
    its licence (a page's @font-face in journal.css fetches it only when a formula needs it)."""
    site = Path(config.site_dir)
    chars = mathfont.site_chars(site)
    if not chars:
        return  # no page has a formula: no font
    root = Path(config.config_file_path).resolve().parent
    data = mathfont.subset(chars, root / ".cache" / "math-font")
    target = site / mathfont.SITE_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    licence = mathfont.FONT.with_name("OFL.txt")
    target.with_name(licence.name).write_bytes(licence.read_bytes())
