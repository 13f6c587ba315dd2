"""Highlighted code, kept by what it was made from (issue 19).

Pygments was most of a warm build's time: every code block of every entry is highlighted again
at every build, and Material's blog plugin renders each entry once more for every listing page
that shows its excerpt (index, archive, category), highlighting its code each time. The HTML
Pygments makes depends only on the code, the lexer and formatter settings and the library
versions, so ``pymdownx.highlight.Highlight.highlight`` (which pymdownx.superfences and indented
code go through) is wrapped to look that up first in a store of ``site_cache``.

Calls whose result is not plain HTML made from the arguments alone are passed through unchanged:
inline code (an element, not text), titles in HTML mode and automatic titles (they write into the
page's Markdown stash), and settings that are not plain data.
"""

from __future__ import annotations

import inspect

from pymdownx import highlight as pymdownx_highlight

from . import site_cache

_ORIGINAL = pymdownx_highlight.Highlight.highlight
_SIGNATURE = inspect.signature(_ORIGINAL)
_store: site_cache.Store | None = None


def install(store: site_cache.Store | None) -> None:
    """Highlight through ``store`` (None: as pymdownx does)."""
    global _store
    _store = store
    pymdownx_highlight.Highlight.highlight = _ORIGINAL if store is None else _cached_highlight


def key(highlighter, arguments: dict) -> str | None:
    """The key of one call: the highlighter's settings and the call's arguments, or None when the
    result is not plain HTML made from them alone."""
    settings = {k: v for k, v in vars(highlighter).items() if k != "md"}
    if arguments.get("inline") or settings.get("auto_title"):
        return None
    if settings.get("title_mode") == "html" and arguments.get("title"):
        return None
    if not (settings.get("line_spans") or settings.get("line_anchors")):
        # The block's number appears in the HTML only in line span and anchor ids; the blog's
        # excerpts count blocks on from one listing page to the next (their Markdown instance
        # is never reset), so it must not split the key when it is not shown.
        arguments = {**arguments, "code_block_count": None}
    try:
        return site_cache.digest("highlight", settings, arguments)
    except TypeError:  # a setting that is not plain data: do not guess
        return None


def _cached_highlight(self, *args, **kwargs):
    store = _store
    if store is None:
        return _ORIGINAL(self, *args, **kwargs)
    bound = _SIGNATURE.bind(self, *args, **kwargs)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    del arguments["self"]
    k = key(self, arguments)
    if k is None:
        return _ORIGINAL(self, *args, **kwargs)
    html = store.get(k)
    if html is None:
        html = _ORIGINAL(self, *args, **kwargs)
        if isinstance(html, str):
            store.put(k, html)
    return html
