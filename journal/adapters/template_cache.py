"""The theme's templates compiled once, not at every build (issue 19).

MkDocs compiles each Jinja template (Material's and the journal's overrides, about 60) to Python
at every build and at every save in the preview, and Material's blog and search plugins make
environments of their own to translate a few words (``partials/language.html``, compiled five
times per build). Jinja's own bytecode cache keeps the compiled code in files named by the
template and checked against the template's source text (and the Python version), so a changed
template is compiled again. Every environment the theme makes (``Theme.get_env``) gets it. Kept in
the site's cache folder.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from mkdocs.theme import Theme

_GET_ENV = Theme.get_env


def install(folder: Path | None) -> None:
    """Give every Jinja environment of the theme a bytecode cache in ``folder/templates`` (None:
    none, as MkDocs does)."""
    Theme.get_env = _GET_ENV
    if folder is None:
        return
    cache = folder / "templates"
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # a cache that cannot be written only costs time
    bytecode = FileSystemBytecodeCache(str(cache))

    def get_env(theme: Theme):
        env = _GET_ENV(theme)
        env.bytecode_cache = bytecode
        return env

    Theme.get_env = get_env
