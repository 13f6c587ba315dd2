"""Two pure functions of Material's plugins, kept by what they read (issue 19).

- the blog's reading time (``readtime(html, words_per_minute)``: an HTML parse of the whole entry,
  for every entry at every build), kept by the HTML's hash and the words per minute;
- the search plugin's split of a page into sections (an HTML parse of every page at every build),
  kept by the page's HTML: each section's id, title and text pieces and whether it is excluded.
  What the plugin then does with them (links from the table of contents, tags, boost) runs as
  before, on every build.

Both go through stores of ``site_cache`` (in memory and between builds, bounded). And the blog
reads each entry's front matter with libyaml's loader, as MkDocs itself does, instead of PyYAML's
pure-Python one (the same values; half a second of a hundred-entry build).
"""

from __future__ import annotations

import hashlib

import yaml
from material.plugins.blog import plugin as blog_plugin
from material.plugins.blog import structure as blog_structure
from material.plugins.search import plugin as search_plugin

from .. import provenance
from . import site_cache

_READTIME = blog_plugin.readtime
_ADD_ENTRY = search_plugin.SearchIndex.add_entry_from_context
_stores: dict[str, site_cache.Store] = {}


def install(readtime: site_cache.Store | None, search: site_cache.Store | None) -> None:
    """Keep reading times and search sections in these stores (None: as Material does)."""
    _stores.clear()
    blog_structure.SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if readtime is not None:
        _stores["readtime"] = readtime
    if search is not None:
        _stores["search"] = search
    blog_plugin.readtime = _cached_readtime if readtime is not None else _plain_readtime
    search_plugin.SearchIndex.add_entry_from_context = (
        _cached_add_entry if search is not None else _ADD_ENTRY
    )


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _plain_readtime(html: str, words_per_minute: int):
    """Material's reading time of the prose: the values' popovers are not read in passing."""
    return _READTIME(provenance.without_notes(html), words_per_minute)


def _cached_readtime(html: str, words_per_minute: int):
    store = _stores["readtime"]
    key = site_cache.digest("readtime", _sha(html), words_per_minute)
    minutes = store.get(key)
    if minutes is None:
        minutes = _plain_readtime(html, words_per_minute)
        store.put(key, minutes)
    return minutes


class _Section:
    """What SearchIndex.create_entry_for_section reads of the parser's section."""

    def __init__(self, id, title: list[str], text: list[str]):
        self.id, self.title, self.text = id, title, text


def sections(html: str) -> list[list]:
    """The search parser's sections of ``html``: [id, title pieces, text pieces, excluded]."""
    parser = search_plugin.Parser()
    parser.feed(html)
    parser.close()
    return [[s.id, list(s.title), list(s.text), s.is_excluded()] for s in parser.data]


def _cached_add_entry(self, page):
    # Material's add_entry_from_context, with the parse kept by the page's HTML.
    search = page.meta.get("search") or {}
    if search.get("exclude"):
        return
    store = _stores["search"]
    key = site_cache.digest("search", _sha(page.content))
    found = store.get(key)
    if found is None:
        found = sections(page.content)
        store.put(key, found)
    for id, title, text, excluded in found:
        if not excluded:
            self.create_entry_for_section(
                _Section(id, list(title), list(text)), page.toc, page.url, page
            )
