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


# -- literal Markdown, marks and clear errors (issue 11) ------------------------------------------
def test_references_markdown_shows_literally_stay_literal(site):
    site.snippet("v.py", "def main():\n    return {'x': 42}\n")
    site.entry(
        "index.md",
        """\
        # T

        ::run r v.py

        Quoted: {{ r.x }}.

            {{ r.x }} in an indented code block
            ::code nowhere.py

        - a list item quoting {{ r.x }}

            ```text
            {{ r.x }} in a fence inside the list item
            ```

        <!-- {{ r.x }} in a comment -->

        <!--
        ::code nowhere.py
        {{ r.x }} in a comment of several lines
        -->
        """,
    )
    site.build()
    text = html.unescape(re.sub(r"<[^>]+>", "", site.page()))
    assert "Quoted: 42." in text
    assert "a list item quoting 42" in text
    assert "{{ r.x }} in an indented code block\n::code nowhere.py" in text
    assert "{{ r.x }} in a fence inside the list item" in text
    page = site.page()
    assert "<!-- {{ r.x }} in a comment -->" in page
    assert "::code nowhere.py\n{{ r.x }} in a comment of several lines" in page


def test_a_nan_quoted_in_the_prose_is_an_error_unless_marked(site):
    site.snippet("v.py", "def main():\n    return {'loss': float('nan'), 'top': float('inf')}\n")
    site.entry("index.md", "# T\n\n::run r v.py\n\nThe loss is {{ r.loss:.3f }}.\n")
    proc = site.build(ok=False)
    assert "posts/index.md:5: {{ r.loss }} is nan, not a finite number" in proc.stderr
    assert "{{ r.loss | nonfinite }}" in proc.stderr  # the hint says how to allow it
    site.entry(
        "index.md",
        "# T\n\n::run r v.py\n\nThe loss is {{ r.loss:.3f | nonfinite }}, "
        "the top {{ r.top | nonfinite }}.\n",
    )
    site.build()
    assert "The loss is nan, the top inf." in site.page()


def test_a_mistyped_value_or_section_suggests_the_closest(site):
    site.snippet("geo.py", SNIPPET)
    site.entry("index.md", "# T\n\n::run g geo.py\n\n{{ g.m }}\n")
    proc = site.build(ok=False)
    assert "posts/index.md:5: run 'g' returned no value 'm'" in proc.stderr
    site.entry("index.md", "# T\n\n::run g geo.py\n\n{{ g.nn }}\n")
    proc = site.build(ok=False)
    assert "did you mean `n`?" in proc.stderr
    site.entry("index.md", "# T\n\n::code geo.py#nrom\n")
    proc = site.build(ok=False)
    assert (
        "posts/index.md:3: section 'nrom' not found in snippets/geo.py: did you mean `norm`?"
        in (proc.stderr)
    )


def test_a_section_with_no_end_marker_says_so_and_where_it_starts(site):
    site.snippet("geo.py", SNIPPET.replace("# --8<-- [end:norm]\n", ""))
    site.entry("index.md", "# T\n\n::code geo.py#norm\n")
    proc = site.build(ok=False)
    assert "posts/index.md:3: section 'norm' in snippets/geo.py has no end marker" in proc.stderr
    assert "its start is snippets/geo.py:4" in proc.stderr


def test_a_snippet_that_is_not_utf8_is_a_clear_error(site):
    (site.root / "snippets" / "lat.py").write_bytes(b'def main():\n    s = "caf\xe9"\n')
    site.entry("index.md", "# T\n\nintro\n\n::code lat.py\n")
    proc = site.build(ok=False)
    assert "Traceback" not in proc.stderr
    assert "posts/index.md:5: snippets/lat.py:2 is not utf-8 text (byte 0xe9)" in proc.stderr
    # a coding line is honoured, as Python honours it
    (site.root / "snippets" / "lat.py").write_bytes(
        b'# -*- coding: latin-1 -*-\ndef main():\n    s = "caf\xe9"\n'
    )
    site.build()
    assert "café" in html.unescape(site.page())


def test_a_cache_folder_that_is_a_file_is_a_clear_error(site, tmp_path):
    blocker = tmp_path / "cache-file"
    blocker.write_text("")
    site.snippet("v.py", "def main():\n    return {'x': 1}\n")
    site.entry("index.md", "# T\n\n::run r v.py\n\n{{ r.x }}\n")
    proc = site.build(ok=False, env={"JOURNAL_CACHE_DIR": str(blocker)})
    assert "Traceback" not in proc.stderr
    assert f"journal: JOURNAL_CACHE_DIR={blocker}: {blocker} is a file, not a folder" in (
        proc.stderr
    )


def test_an_impossible_date_stops_the_build_at_its_line_before_anything_runs(site):
    site.counted_snippet("c.py")
    site.entry(
        "index.md", "---\ntitle: T\ndate:\n  created: 2026-02-30\n---\n\n# T\n\n::run c c.py\n"
    )
    proc = site.build(ok=False)
    assert (
        "journal: posts/index.md:4: date: 2026-02-30 is not a date "
        "(day is out of range for month; write YYYY-MM-DD)"
    ) in proc.stderr
    assert site.executions() == []


def test_code_blocks_on_consecutive_lines_are_blocks_of_their_own(site):
    """Two ::code lines in a row used to land in one paragraph (<p><div ...>: invalid HTML).
    A shell script is highlighted as shell, a control character shows as its symbol."""
    site.snippet("geo.py", SNIPPET)
    site.snippet("run.sh", "#!/bin/sh\necho hi\f\n")
    site.entry("index.md", "# T\n\nSome text.\n::code geo.py#norm\n::code run.sh\n")
    site.build()
    page = site.page()
    assert len(re.findall(r'<div class="[^"]*highlight', page)) == 2
    assert not re.search(r"<p>\s*<div", page)
    assert '<span class="ch">#!/bin/sh</span>' in page  # a shebang, as Pygments' bash lexer says
    assert "echo" in code_text(page) and "\u240c" in code_text(page)  # the form feed, shown
    assert "\f" not in page


def test_a_section_marked_twice_is_an_error_naming_both_lines(site):
    site.snippet(
        "two.py",
        "# --8<-- [start:s]\nx = 1\n# --8<-- [end:s]\n\n# --8<-- [start:s]\ny = 2\n# --8<-- [end:s]\n",
    )
    site.entry("index.md", "# T\n\n::code two.py#s\n")
    proc = site.build(ok=False)
    assert (
        "posts/index.md:3: section 's' is marked more than once in snippets/two.py "
        "(snippets/two.py:1 and snippets/two.py:5)" in proc.stderr
    )


def test_lines_are_counted_as_editors_count_them(site):
    """A line separator pasted into the prose (U+2028) or a form feed in a snippet is no line
    break: str.splitlines took them for one, and every later line was named one too far."""
    site.snippet("ff.py", "x = 1\n\f\n# --8<-- [start:s]\ny = 2\n# --8<-- [end:s]\n")
    site.entry("index.md", "# T\n\nPasted\u2028prose.\n\n::code ff.py#t\n")
    proc = site.build(ok=False)
    assert "posts/index.md:5: section 't' not found in snippets/ff.py" in proc.stderr
    site.entry("index.md", "# T\n\nPasted\u2028prose.\n\n::code ff.py#s\n")
    site.build()
    assert '<span class="normal">4</span>' in site.page()  # y = 2: the file's line 4


def test_a_value_is_text_the_run_computed_never_markup(site):
    """A string a run returns is shown as it is: before, "[x](javascript:...)" became a link,
    "*e*" emphasis, "a|b" a new cell of the table it stood in, ":smile:" could become a picture."""
    shown = "[x](javascript:alert(1)) *e* _u_ `c` a|b {: .k } $y$ \\\\ :smile:"
    site.snippet("s.py", f"def main():\n    return {{'s': {shown!r}, 'n': 1.5}}\n")
    site.entry(
        "index.md",
        "# T\n\n::run r s.py\n\nV {{ r.s }} end.\n\n| a | b |\n| --- | --- |\n| {{ r.s }} | 2 |\n",
    )
    site.build()
    page = site.page()
    body = page[page.index("<p>V ") :]
    assert "javascript:" not in re.sub(r"&#\d+;", "", body)  # no link was made, only text
    assert not re.search(r"<(em|code|a |img)", body[: body.index("</table>")])
    assert html.unescape(re.sub(r"<[^>]+>", "", body[: body.index("</p>")])) == f"V {shown} end."
    cells = re.findall(r"<td[^>]*>(.*?)</td>", body[: body.index("</table>")], re.S)
    assert [html.unescape(c) for c in cells] == [shown, "2"]  # one cell, not split at |
