"""What a build publishes is named by content, from the checksum the engine's cache already
holds: a figure shown by two entries is one file, and nothing is hashed again."""

from __future__ import annotations

import hashlib

from journal import directives, publish
from journal.results import FigureOut, RunResult

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'


def test_figures_are_named_by_their_content_once():
    fig = FigureOut(1, "curve", SVG)
    digest = hashlib.sha256(SVG.encode()).hexdigest()
    assert publish.figure_name(fig) == f"figures/{digest[:20]}.svg"
    recorded = FigureOut(1, "curve", SVG, "ab" * 32)  # the cache's checksum is trusted
    assert publish.figure_name(recorded) == "figures/" + "ab" * 10 + ".svg"

    text = '::run a a.py\n\n::figure a curve alt="a curve"\n'
    one = directives.parse(text, "posts/one.md")
    two = directives.parse(text, "posts/two.md")
    result = RunResult({}, "", [fig])
    outcome = {("posts/one.md", "a"): result, ("posts/two.md", "a"): result}
    files, names = publish.figures([one, two], outcome)
    assert files == {f"figures/{digest[:20]}.svg": SVG.encode()}
    assert names == {SVG: f"figures/{digest[:20]}.svg"}


def test_a_notebook_pages_images_get_their_urls_when_the_page_is_known():
    markdown = f"![x]({publish.NOTEBOOK_FIGURE}figures/abc.png)"
    assert (
        publish.notebook_figures(markdown, lambda name: "../" + name) == "![x](../figures/abc.png)"
    )
