"""Entries show snippet code read at build time: whole modules or named sections."""

import html
import re

SNIPPET = """\
import numpy as np


# --8<-- [start:norm]
def norm(x):
    return np.sqrt((x * x).sum())  # ||x||_2
# --8<-- [end:norm]


def main():
    return {"n": float(norm(np.array([3.0, 4.0])))}
"""


def code_text(page: str) -> str:
    """The visible text of the page's code blocks."""
    blocks = re.findall(r"<code>(.*?)</code>", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", "\n".join(blocks)))


def test_section_is_shown_without_its_markers(site):
    site.snippet("geo.py", SNIPPET)
    site.entry("index.md", "# T\n\n::code geo.py#norm\n")
    site.build()
    text = code_text(site.page())
    assert "def norm(x):" in text
    assert "return np.sqrt((x * x).sum())" in text
    assert "--8<--" not in text
    assert "def main" not in text  # only the section
    assert "snippets/geo.py" in site.page()  # the block is titled with its file


def test_whole_module_is_shown(site):
    site.snippet("geo.py", SNIPPET)
    site.entry("index.md", "# T\n\n::code geo.py\n")
    site.build()
    text = code_text(site.page())
    assert "def main():" in text and "import numpy as np" in text
    assert "--8<--" not in text


def test_missing_snippet_fails_naming_the_entry_line(site):
    site.entry("index.md", "# T\n\nintro\n\n::code nowhere.py\n")
    proc = site.build(ok=False)
    assert "posts/index.md:5" in proc.stderr
    assert "snippets/nowhere.py not found" in proc.stderr


def test_missing_section_fails_naming_the_entry_line_and_known_sections(site):
    site.snippet("geo.py", SNIPPET)
    site.entry("index.md", "# T\n\n::code geo.py#nrm\n")
    proc = site.build(ok=False)
    assert "posts/index.md:3" in proc.stderr
    assert "section 'nrm' not found in snippets/geo.py" in proc.stderr
    assert "norm" in proc.stderr  # the sections that do exist


def test_directives_inside_code_fences_and_spans_are_left_alone(site):
    site.entry(
        "index.md",
        "# T\n\nWrite `{{ r.x }}` inline.\n\n```text\n::code nowhere.py\n{{ r.x }}\n```\n",
    )
    site.build()
    page = site.page()
    assert "::code nowhere.py" in page
    assert page.count("{{ r.x }}") == 2


def test_unknown_directive_is_an_error_with_a_hint(site):
    site.entry("index.md", "# T\n\n::plot x\n")
    proc = site.build(ok=False)
    assert "posts/index.md:3: unknown directive ::plot" in proc.stderr
    assert "::code, ::run, ::output, ::figure" in proc.stderr
