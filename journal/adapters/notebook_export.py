"""The site's side of the take-home notebooks (``journal/export.py`` makes them): each entry's
notebook is generated once per content (kept in the site's caches by ``export.cache_key``),
written beside the entry's page as ``SLUG.ipynb``, and described in ``page.meta`` for the
theme's download link (``theme/partials/notebook-download.html``)."""

from __future__ import annotations

import logging
import posixpath
import time
from pathlib import Path

from .. import codelinks, export, notebook
from ..errors import JournalError
from ..results import RunResult
from . import site_cache

log = logging.getLogger("mkdocs.plugins.journal")
META = "journal_notebook"  # page.meta key the partial reads


class Exporter:
    """One build's notebooks: ``entry`` for a written entry, ``notebook_entry`` for a notebook."""

    def __init__(self, journal, store: site_cache.Store | None):
        self.journal = journal
        self.store = store
        self.commit = codelinks.commit_of(journal)
        self.urls: dict[str, str] = {}  # slug -> page address, filled by ``know``
        self.seconds = 0.0  # spent generating, for the build's log
        self.made = self.reused = 0

    def know(self, files, config, src_uris: list[str]) -> None:
        """Note the address of each entry (once every plugin has placed the pages)."""
        for src_uri in src_uris:
            file = files.get_file_from_path(src_uri)
            if file is not None:
                rel = self.journal.rel(self.journal.entries_dir / src_uri)
                self.urls[self.journal.slug_of(rel)] = (config.site_url or "") + file.url

    def entry(self, page, config, entry, outcome) -> None:
        if not entry.runs:  # a page without runs (the home page, the roadmap): nothing to take
            return
        if not all(isinstance(outcome.get((entry.path, r.name)), RunResult) for r in entry.runs):
            return  # a run failed, or the preview has not run it yet: no notebook this time
        url = page.canonical_url or page.url
        key = export.cache_key(self.journal, entry, outcome, url, self.commit)

        def make() -> bytes:
            return export.entry_notebook(
                self.journal,
                entry,
                outcome,
                url,
                self.commit,
                entry_url=self.urls.get,
                code_link=lambda excerpt: codelinks.code_link(self.journal, excerpt),
            )

        self._publish(page, config, key, make)

    def notebook_entry(self, page, config) -> None:
        path = Path(self.journal.entries_dir) / page.file.src_uri
        url = page.canonical_url or page.url
        try:
            nb = notebook.read(path, self.journal.rel(path))
        except JournalError:  # reported by the notebook's page
            return
        key = export.notebook_cache_key(self.journal, nb, url, self.commit)

        def make() -> bytes:
            return export.notebook_entry(self.journal, nb, url, self.commit)

        self._publish(page, config, key, make)

    def _publish(self, page, config, key: str, make) -> None:
        started = time.perf_counter()
        text = self.store.get(key) if self.store is not None else None
        if text is None:
            try:
                data = make()
            except JournalError as err:  # a run failed: the page says so; no notebook
                log.debug("journal: no notebook for %s: %s", page.file.src_uri, err)
                return
            if self.store is not None:
                self.store.put(key, data.decode("utf-8"))
            self.made += 1
        else:
            data = text.encode("utf-8")
            self.reused += 1
        slug = page.meta.get("slug") or Path(page.file.src_uri).stem
        name = f"{slug}.ipynb"
        folder = posixpath.dirname(page.file.dest_uri)
        target = Path(config.site_dir) / folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        page.meta[META] = {"href": name, "name": name, "size": size_text(len(data))}
        self.seconds += time.perf_counter() - started


def size_text(size: int) -> str:
    """``62 KB`` (kilobytes of 1,000 bytes, as a browser's download list says)."""
    return f"{size / 1000:.0f} KB" if size >= 1000 else f"{size} bytes"
