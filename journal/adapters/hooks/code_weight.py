"""MkDocs hook: lighter highlighted code.

Pygments wraps every token in a span. Names (`n`) and whitespace (`w`) are drawn exactly like
plain code text in Material's theme (the name colour is the code colour), and punctuation (`p`)
and operators (`o`) only in a slightly dimmer grey that assets/journal.css drops. Their spans
are half of a long entry's elements, and every element costs style and layout time on a slow
phone. This hook unwraps them: keywords, strings, numbers, comments and builtins keep their
colours.
"""

from __future__ import annotations

import re

from mkdocs.plugins import event_priority

PLAIN_TOKEN = re.compile(r'<span class="(?:n|w|p|o)">([^<]*)</span>')


def unwrap_plain_tokens(html: str) -> str:
    """Replace the spans of names, whitespace, punctuation and operators by their text.

    >>> unwrap_plain_tokens('<span class="k">def</span><span class="w"> </span><span class="n">f</span>')
    '<span class="k">def</span> f'
    >>> unwrap_plain_tokens('<span class="n">x</span><span class="o">=</span><span class="p">(</span>')
    'x=('
    """
    # the pattern captures each span's text, so splitting by it leaves the text between the spans
    # and the text inside them, in order: joined, the page without them (a sub() with a
    # template called Python for each of a page's thousands of spans, 3.7 times as long)
    return "".join(PLAIN_TOKEN.split(html))


@event_priority(-95)
def on_page_content(html, page, config, files, **kwargs):
    if '<div class="highlight">' not in html:
        return html
    return unwrap_plain_tokens(html)
