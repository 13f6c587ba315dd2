"""What the live preview reads again at every save, kept while it has not changed (issue 19).

``journal preview`` rebuilds in one process; at each save MkDocs hands the adapter every page
again, and the adapter used to parse every entry's directives and front matter and follow every
snippet's imports again, for one changed file. Here each is kept by what it was made from: an
entry's parse by its text, its front-matter check by its text, a snippet's local imports by the
modification times of the files they came from and of the snippets folder (a new module there
can change what an import resolves to). A one-shot build reads each once, as before.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from .. import deps, directives

_parsed: dict[tuple[str, bool], tuple[str, directives.ParsedEntry]] = {}
_sources: dict[Path, tuple[tuple, set[Path]]] = {}


def parse(text: str, rel: str, strict: bool) -> directives.ParsedEntry:
    """``directives.parse``, kept by the entry's text (errors are raised again each time)."""
    kept = _parsed.get((rel, strict))
    if kept is not None and kept[0] == text:
        return kept[1]
    entry = directives.parse(text, rel, strict=strict)
    _parsed[(rel, strict)] = (text, entry)
    return entry


def front_matter_check(check):
    """``check(text, rel)`` kept by its arguments (the last few hundred pages)."""
    return functools.lru_cache(maxsize=1024)(check)


def _stamp(paths, folder: Path) -> tuple:
    try:
        return (os.stat(folder).st_mtime_ns, *((p, os.stat(p).st_mtime_ns) for p in sorted(paths)))
    except OSError:
        return ()  # a file went away: look again


def local_sources(path: Path, folder: Path) -> set[Path]:
    """``deps.local_sources(path)``, kept while its files and ``folder`` are unchanged."""
    kept = _sources.get(path)
    if kept is not None and kept[0] and kept[0] == _stamp(kept[1], folder):
        return kept[1]
    found = set(deps.local_sources(path))
    _sources[path] = (_stamp(found, folder), found)
    return found


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
