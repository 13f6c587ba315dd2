"""The small build hooks on their own: LaTeX to MathML and the lighter code markup."""

from __future__ import annotations

import html
import logging
import re

import markdown
import sitebuild

mathml = sitebuild.load_hook("mathml")
code_weight = sitebuild.load_hook("code_weight")


def arithmatex(md: str) -> str:
    return markdown.markdown(
        md,
        extensions=["pymdownx.arithmatex"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )


def test_inline_and_display_math_become_mathml_with_the_tex_kept():
    out = mathml.render_math(arithmatex("Let $x^2 < y$ hold.\n\n$$\n\\frac{a}{b}\n$$\n"))
    assert "arithmatex" not in out
    inline, block = re.findall(r"<math[^>]*>.*?</math>", out, flags=re.S)
    assert 'display="inline"' in inline and "<msup><mi>x</mi><mn>2</mn></msup>" in inline
    assert "<mo>&#x0003C;</mo>" in inline  # the escaped "<" reached latex2mathml as "<"
    assert '<annotation encoding="application/x-tex">x^2 &lt; y</annotation>' in inline
    assert 'display="block"' in block and "<mfrac><mrow><mi>a</mi></mrow><mrow><mi>b</mi>" in block
    assert out.count('class="journal-math"') == 2


def test_function_names_are_spaced_from_their_arguments_as_tex_does():
    def body(tex):
        out = mathml.to_mathml(tex, "inline")
        return out[out.index("<semantics>") + 11 : out.index("<annotation")]

    apply, thin = "<mo>&#x2061;</mo>", '<mspace width="0.1667em"></mspace>'
    # latex2mathml alone writes <mi>log</mi><mi>n</mi>: the browser draws "logn".
    assert body("\\log n") == f"<mrow><mi>log</mi>{apply}{thin}<mi>n</mi></mrow>"
    assert body("\\tanh a") == f"<mrow><mi>tanh</mi>{apply}{thin}<mi>a</mi></mrow>"
    assert body("\\log 27") == f"<mrow><mi>log</mi>{apply}{thin}<mn>27</mn></mrow>"
    # No space before a bracket; after a sub/superscript, not inside it; none with nothing after.
    assert body("\\ln(x)").startswith(f"<mrow><mi>ln</mi>{apply}<mo stretchy")
    assert body("\\tanh^2 a") == (
        f"<mrow><msup><mi>tanh</mi><mn>2</mn></msup>{apply}{thin}<mi>a</mi></mrow>"
    )
    assert (
        body("1 - \\tanh^2")
        == "<mrow><mn>1</mn><mo>&#x02212;</mo><msup><mi>tanh</mi><mn>2</mn></msup></mrow>"
    )
    # A thin space before the name after a symbol, as between two products of functions.
    assert body("\\sin x \\cos x").count(thin) == 3
    # \\arg, which latex2mathml leaves as raw TeX, becomes a function name too.
    assert body("\\arg z") == f"<mrow><mi>arg</mi>{apply}{thin}<mi>z</mi></mrow>"
    # A slash is unspaced, as in TeX: 1/27, not 1 / 27.
    assert (
        body("1/27")
        == '<mrow><mn>1</mn><mo lspace="0em" rspace="0em">&#x0002F;</mo><mn>27</mn></mrow>'
    )
    # Names latex2mathml writes as <mo> (Core spaces an unknown <mo> 0.28em each side) are spaced
    # as functions too; \\max takes its limit under it in display style, aside inline.
    limit = '<mo movablelimits="true" lspace="0em" rspace="0em">'
    assert body("\\max_i x_i") == (
        f"<mrow><munder>{limit}max</mo><mi>i</mi></munder>{apply}{thin}"
        "<msub><mi>x</mi><mi>i</mi></msub></mrow>"
    )
    assert body("\\operatorname{diag}(p)").startswith(f"<mrow><mi>diag</mi>{apply}<mo stretchy")
    # In a subscript the name is the script, not a neighbour of the base: no space (lambda_max).
    assert body("\\lambda_{\\max}") == (
        "<mrow><msub><mi>&#x003BB;</mi><mrow><mi>max</mi></mrow></msub></mrow>"
    )


def test_tex_that_cannot_be_converted_is_reported_and_left_readable(caplog):
    caplog.set_level(logging.WARNING, logger="mkdocs.hooks.journal_math")
    for tex in ("x^", "\\unknowncmd{x}"):  # a syntax error; a command it does not know
        src = arithmatex(f"Broken: ${tex}$.")
        out = mathml.render_math(src, "entries/x.md")
        assert out == src
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2 and all("entries/x.md" in m for m in messages), messages
    assert "unsupported command \\unknowncmd" in messages[1]


def test_unwrapping_code_tokens_keeps_the_text_and_the_coloured_tokens():
    html_in = markdown.markdown(
        "```python\ndef f(x, y=2):\n    return x ** y  # power\n```",
        extensions=["pymdownx.highlight", "pymdownx.superfences"],
    )
    out = code_weight.unwrap_plain_tokens(html_in)

    def text(h):
        return html.unescape(re.sub(r"<[^>]+>", "", h))

    assert text(out) == text(html_in)
    assert out.count("<span") < html_in.count("<span") / 2
    for kept in ('<span class="k">def</span>', '<span class="mi">2</span>', '<span class="c1">'):
        assert kept in out
    assert not re.search(r'<span class="(n|w|p|o)">', out)
