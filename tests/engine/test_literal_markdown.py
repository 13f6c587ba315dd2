"""Where Markdown shows text literally, ``{{ run.value }}`` and directives stay literal: the scanner
in journal/directives.py agrees with Python-Markdown itself, with the journal's extensions, on a
corpus of tricky layouts. Each reference is replaced by a unique token, the document is rendered
by Python-Markdown, and a token counts as literal when it lands in ``<code>`` or a comment; the
scanner must say literal for exactly those tokens."""

from __future__ import annotations

import itertools
import re

import markdown
import pytest

from journal import directives
from journal.directives import VALUE_REF, scan

EXTENSIONS = [  # as in mkdocs.yml, plus content tabs
    "abbr",
    "admonition",
    "attr_list",
    "md_in_html",
    "def_list",
    "footnotes",
    "tables",
    "toc",
    "pymdownx.highlight",
    "pymdownx.inlinehilite",
    "pymdownx.superfences",
    "pymdownx.details",
    "pymdownx.tabbed",
]

CASES = {
    "paragraph": "text {{ r.a }} and {{ r.b:.2f }}\n",
    "inline code": "a `{{ r.a }}` b {{ r.b }}\n",
    "double backticks": "a ``x ` {{ r.a }}`` b {{ r.b }}\n",
    "indented code": "para\n\n    code {{ r.a }}\n\nback {{ r.b }}\n",
    "indented code, tab": "para\n\n\t{{ r.a }}\n",
    "code of two blocks": "para\n\n    code\n\n    {{ r.a }}\n\nback {{ r.b }}\n",
    "lazy continuation": "para\n    lazy {{ r.a }}\n",
    "fence": "```text\n{{ r.a }}\n```\n{{ r.b }}\n",
    "long fence holding a short one": "````md\n```\n{{ r.a }}\n```\n````\n{{ r.b }}\n",
    "tilde fence": "~~~\n{{ r.a }}\n~~~\n",
    "list paragraph": "- item {{ r.a }}\n\n    para {{ r.b }}\n",
    "list code": "- item\n\n        code {{ r.a }}\n",
    "two-space list": "- item\n\n  para {{ r.a }}\n",
    "nested list": "- a\n    - b {{ r.a }}\n\n        para {{ r.b }}\n",
    "ordered list fence": "1. x\n\n    ```text\n    {{ r.a }}\n    ```\n\n    after {{ r.b }}\n",
    "list then paragraph then code": "- item\n\nPara {{ r.a }}.\n\n    {{ r.b }}\n",
    "comment": "<!-- {{ r.a }} -->\n\ntext {{ r.b }} <!-- {{ r.c }} --> {{ r.d }}\n",
    "comment of several lines": "<!--\n{{ r.a }}\n-->\n\n{{ r.b }}\n",
    "comment opened mid-line": "text {{ r.a }} <!-- {{ r.b }}\nstill {{ r.c }} -->\n",
    "html block": "<div markdown>\n\n{{ r.a }}\n\n</div>\n",
    "admonition": '!!! note "T"\n    Body {{ r.a }}\n\n    more {{ r.b }}\n',
    "admonition after a blank line": "!!! note\n\n    Body {{ r.a }}\n",
    "admonition code": "!!! note\n\n    Body\n\n        code {{ r.a }}\n",
    "details": '??? note "T"\n\n    Body {{ r.a }}\n',
    "content tab": '=== "A"\n\n    Body {{ r.a }}\n',
    "footnote": "Text[^1].\n\n[^1]: note {{ r.a }}\n\n    second {{ r.b }}\n",
    "definition": "Term\n\n:   def {{ r.a }}\n\n    more {{ r.b }}\n",
    "block quote": "> quoted {{ r.a }}\n>\n>     code {{ r.b }}\n",
    "table": "| a | b |\n| --- | --- |\n| {{ r.a }} | `{{ r.b }}` |\n",
}


def literal_tokens(source: str) -> tuple[str, set[str], set[str]]:
    """(source with tokens, tokens Python-Markdown shows literally, tokens the scanner does)."""
    count = itertools.count()
    tokenized = VALUE_REF.sub(lambda m: f"TOK{next(count)}X", source)
    html = markdown.markdown(tokenized, extensions=EXTENSIONS)
    by_markdown = set()
    for m in re.finditer(r"<code[^>]*>.*?</code>|<!--.*?-->", html, re.S):
        by_markdown |= set(re.findall(r"TOK\d+X", m.group(0)))
    by_scanner = set()
    for _, line, spans in scan(tokenized):
        for t in re.finditer(r"TOK\d+X", line):
            if spans is None or any(s <= t.start() < e for s, e in spans):
                by_scanner.add(t.group(0))
    return html, by_markdown, by_scanner


@pytest.mark.parametrize("source", CASES.values(), ids=CASES.keys())
def test_the_scanner_agrees_with_python_markdown(source):
    html, by_markdown, by_scanner = literal_tokens(source)
    assert by_scanner == by_markdown, html


NESTED = {  # where Markdown would publish a directive as text: an error of the entry
    "admonition": "!!! note\n    ::output r\n",
    "admonition after a blank line": "!!! note\n\n    ::output r\n",
    "details": '??? note "Full output"\n\n    ::output r\n',
    "content tab": '=== "A"\n\n    ::figure r 1 alt="x"\n',
    "list item": "- item\n\n    ::code a.py\n",
    "footnote": "Text[^1].\n\n[^1]: note\n\n    ::run r a.py\n",
    "block quote": "> ::output r\n",
}
SHOWN_AS_CODE = {  # where Markdown shows it as code (an entry showing the syntax): no error
    "indented code": "para\n\n    ::output r\n",
    "admonition code": "!!! note\n\n    Body\n\n        ::output r\n",
    "fence in a list": "- item\n\n    ```text\n    ::output r\n    ```\n",
    "quoted code": "> quoted\n>\n>     ::output r\n",
}


@pytest.mark.parametrize("source", NESTED.values(), ids=NESTED.keys())
def test_a_directive_markdown_would_show_as_text_is_an_error_at_its_line(source):
    html = markdown.markdown(source, extensions=EXTENSIONS)
    assert "::" in re.sub(r"<code[^>]*>.*?</code>", "", html, flags=re.S)  # published as text
    entry = directives.parse("# T\n\n" + source, "x.md", strict=False)
    line = 3 + source.splitlines().index(next(s for s in source.splitlines() if "::" in s))
    assert [(p.where.line, "is indented or quoted" in str(p)) for p in entry.problems] == [
        (line, True)
    ]


@pytest.mark.parametrize("source", SHOWN_AS_CODE.values(), ids=SHOWN_AS_CODE.keys())
def test_a_directive_shown_as_code_is_no_error(source):
    html = markdown.markdown(source, extensions=EXTENSIONS)
    assert "::" not in re.sub(r"<code[^>]*>.*?</code>", "", html, flags=re.S)
    assert directives.parse("# T\n\n" + source, "x.md", strict=False).problems == []
