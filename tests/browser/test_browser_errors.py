"""An error the preview shows in the page: the real runner's message, in a real entry page with
the site's styles, wraps its long lines instead of cutting them."""

from __future__ import annotations

import textwrap
from pathlib import Path

from test_browser_reading import entry_url

from journal import render
from journal.project import Journal

LONG = "x" * 300


def runner_error(tmp_path: Path):
    """A failing run's error, from the real runner: a traceback with a 300-character line."""
    root = tmp_path / "journal"
    (root / "snippets").mkdir(parents=True)
    (root / "posts").mkdir()
    (root / "snippets" / "bad.py").write_text(
        textwrap.dedent(
            f"""\
            def main():
                raise ValueError("{LONG}")
            """
        )
    )
    (root / "posts" / "index.md").write_text("# T\n\n::run b bad.py\n")
    journal = Journal(root, cache_dir=None)
    (error,) = journal.run_all([journal.parse_file(root / "posts/index.md")]).values()
    return error


def test_an_error_in_the_page_wraps_its_long_lines(page, served, site, tmp_path):
    error = runner_error(tmp_path)
    assert LONG in str(error)
    fm = next(iter(site.entries().values()))
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(entry_url(served, fm))
        box = page.evaluate(
            """html => {
                const at = document.querySelector('.md-content .md-typeset');
                at.insertAdjacentHTML('afterbegin', html);
                const code = at.querySelector('.journal-error pre > code');
                return {scroll: code.scrollWidth, client: code.clientWidth,
                        text: code.innerText, height: code.clientHeight};
            }""",
            render.error_block(error),
        )
        assert LONG in box["text"].replace("\n", "")
        assert box["scroll"] <= box["client"], (width, box)  # nothing hidden to the right
        assert box["height"] > 100  # the long line took several lines
