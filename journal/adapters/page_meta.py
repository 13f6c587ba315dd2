"""A page's front matter as MkDocs reads it (``mkdocs.utils.meta.get_data``), read once per text
(issue 19): a build asks for each entry's several times (drafts left out, the roadmap, the home
page), and the preview again at every save, for entries that did not change.

The mapping returned is shared: read it, never change it (it is read-only at its top level).
"""

from __future__ import annotations

from types import MappingProxyType

from mkdocs.utils.meta import get_data

LIMIT = 4096  # texts kept (a journal's pages, several versions of each); then forgotten at once
_kept: dict[str, MappingProxyType] = {}


def meta(text: str) -> MappingProxyType:
    """The front matter of the page ``text``, as MkDocs reads it (an empty mapping if none);
    raises as ``get_data`` does for front matter it cannot read."""
    found = _kept.get(text)
    if found is None:
        _, data = get_data(text)
        if len(_kept) >= LIMIT:
            _kept.clear()
        found = _kept[text] = MappingProxyType(data)
    return found
