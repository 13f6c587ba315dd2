"""Each page's Markdown converted to HTML once, kept by exactly what the conversion reads
(issue 19).

MkDocs' ``Page.render`` converts a page's Markdown (after every plugin's on_page_markdown) with a
fresh Python-Markdown instance, so its result is a function of:

- the Markdown itself;
- the Markdown extensions and their settings (mkdocs.yml), and the libraries' versions
  (``site_cache.VERSIONS``);
- the page's own file: its path and URL (links are made relative to them) and whether it is
  excluded, and the link validation settings and ``use_directory_urls``;
- for every link or image, the file it points to: whether it exists, its URL and whether it is
  excluded (MkDocs' relative-path processor asks ``files.get_file_from_path``).

The first four make the key. The last is recorded during the conversion (every lookup and what
it found) and checked when the kept value is found: if any linked file is gone, moved or newly
excluded, the page is converted again. A conversion that logged anything at INFO or above (a
broken link, say) is not kept, so every warning is still given, at every build. Settings that
are not plain data (a function from outside the libraries named above) turn the cache off for
that build: their code is not part of the key.

Kept per page: the HTML, the table of contents, the title found in the page's first heading, the
anchors it contains and the links it makes to anchors (MkDocs checks them after the build), in
``site_cache``'s file store (one file per page).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from mkdocs.structure import pages as mkdocs_pages
from mkdocs.structure.toc import get_toc

from . import site_cache

_RENDER = mkdocs_pages.Page.render
_store: site_cache.Store | None = None
# Callables in the extensions' settings are named, not hashed: only these packages' own, whose
# versions are part of every key.
KNOWN_MODULES = ("markdown.", "pymdownx.", "material.", "mkdocs.")


def install(store: site_cache.Store | None) -> None:
    """Convert pages through ``store`` (None: as MkDocs does)."""
    global _store, _config_seen
    _store, _config_seen = store, None
    mkdocs_pages.Page.render = _RENDER if store is None else _cached_render


def canonical(value):
    """``value`` as plain JSON-able data; a callable from the known packages by its name; raises
    TypeError for anything else."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, Mapping):  # MkDocs' nested settings (validation.links) too
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    name = getattr(value, "__module__", None) or ""
    if callable(value) and name.startswith(KNOWN_MODULES) and hasattr(value, "__qualname__"):
        return f"callable {name}.{value.__qualname__}"
    raise TypeError(f"not plain data: {value!r}")


_config_seen: tuple | None = None  # (config, its key) for the build under way


def config_key(config) -> str | None:
    """``settings_key(config)``, computed once per build (``config``)."""
    global _config_seen
    if _config_seen is None or _config_seen[0] is not config:
        _config_seen = (config, settings_key(config))
    return _config_seen[1]


def settings_key(config) -> str | None:
    """What a conversion reads of the configuration, or None if it is not plain data."""
    try:
        return site_cache.digest(
            "page config",
            canonical(config["markdown_extensions"]),
            canonical(config["mdx_configs"] or {}),
            canonical(config["validation"]),
            bool(config["use_directory_urls"]),
        )
    except (TypeError, KeyError):
        return None


def page_key(page, config) -> str | None:
    settings = config_key(config)
    if settings is None or page.markdown is None:
        return None
    file = page.file
    return site_cache.digest(
        "page",
        settings,
        type(page).__qualname__,
        file.src_uri,
        file.url,
        bool(file.inclusion.is_excluded()),
        site_cache.sha(page.markdown),
    )


def _target(file) -> list | None:
    """What a link's conversion reads of the file it points to."""
    return None if file is None else [file.url, bool(file.inclusion.is_excluded())]


class RecordingFiles:
    """``files`` that records every ``get_file_from_path`` and what it found."""

    def __init__(self, files):
        self.files = files
        self.looked: dict[str, list | None] = {}

    def get_file_from_path(self, path: str):
        found = self.files.get_file_from_path(path)
        self.looked[path] = _target(found)
        return found

    def __getattr__(self, name):
        return getattr(self.files, name)

    def __iter__(self):
        return iter(self.files)

    def __len__(self):
        return len(self.files)


def links_hold(looked: dict, files) -> bool:
    """Whether every file the kept conversion looked up is still what it was."""
    return all(_target(files.get_file_from_path(p)) == t for p, t in looked.items())


class LogCounter(logging.Handler):
    """Counts the records at INFO or above logged anywhere while it is attached to the root."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record):
        self.count += 1

    def __enter__(self):
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self)


def tokens(items) -> list[dict]:
    return [
        {"name": a.title, "id": a.id, "level": a.level, "children": tokens(a.children)}
        for a in items
    ]


def _cached_render(self, config, files):
    store = _store
    key = page_key(self, config) if store is not None else None
    if key is None:
        return _RENDER(self, config, files)
    kept = store.get(key)
    if kept is not None and links_hold(kept["looked"], files):
        self.content = kept["content"]
        self.toc = get_toc(kept["toc"])
        self._title_from_render = kept["title"]
        self.present_anchor_ids = set(kept["anchors"])
        if mkdocs_pages.log.getEffectiveLevel() > logging.DEBUG:
            self.links_to_anchors = {
                self.file if uri == self.file.src_uri else files.get_file_from_path(uri): dict(
                    anchors
                )
                for uri, anchors in kept["links_to_anchors"]
            }
        return None
    recording = RecordingFiles(files)
    with LogCounter() as logged:
        _RENDER(self, config, recording)
    if logged.count:
        return None  # give its warnings again at the next build
    store.put(
        key,
        {
            "content": self.content,
            "toc": tokens(self.toc),
            "title": self._title_from_render,
            "anchors": sorted(self.present_anchor_ids or ()),
            "links_to_anchors": [
                [file.src_uri, anchors] for file, anchors in (self.links_to_anchors or {}).items()
            ],
            "looked": recording.looked,
        },
    )
    return None
