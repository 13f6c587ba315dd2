"""What the live preview reads again at every save, kept while it has not changed (issue 19).

``journal preview`` rebuilds in one process; at each save MkDocs hands the adapter every page
again, and the adapter used to parse every entry's directives and front matter and follow every
snippet's imports again, for one changed file. Here each is kept by what it was made from: an
entry's parse by its text, its front-matter check by its text (a snippet's local imports are
kept by the core, ``deps.local_sources``). A one-shot build reads each once, as before.
"""

from __future__ import annotations

import functools
import os

from .. import directives, parsed

_parsed: dict[tuple[str, bool], tuple[str, directives.ParsedEntry]] = {}


def parse(text: str, rel: str, strict: bool) -> directives.ParsedEntry:
    """``directives.parse``, kept by the entry's text (errors are raised again each time); the
    first time in a process, read back from the cache folder when it was kept (``parsed``)."""
    kept = _parsed.get((rel, strict))
    if kept is not None and kept[0] == text:
        return kept[1]
    entry = parsed.parse(text, rel, strict=strict)
    _parsed[(rel, strict)] = (text, entry)
    return entry


def front_matter_check(check):
    """``check(text, rel)`` kept by its arguments (the last few hundred pages)."""
    return functools.lru_cache(maxsize=1024)(check)


def keep_listings(files) -> None:
    """In the preview (``mkdocs serve --dirty``), leave the blog's listing pages (archive,
    categories, later index pages) as the last full build wrote them. The blog writes their
    sources afresh at every build, so MkDocs saw them as changed and rendered each again at
    every save, with the excerpts of only the entries that save rebuilt: an archive month lost
    its entries. Each is still read (its title names a category in the feeds and the nav) but
    not rendered again; a listing page that was never written is built."""
    from material.plugins.blog.structure import View

    for file in files:  # the blog keeps its views out of documentation_pages() until its on_nav
        page = getattr(file, "page", None)
        if isinstance(page, View) and os.path.isfile(file.abs_dest_path):
            file.is_modified = functools.partial(_not_read_yet, page)


def _not_read_yet(page) -> bool:
    return page.content is None
