"""The theme's templates compiled once, not at every build (issue 19).

MkDocs compiles each Jinja template (Material's and the journal's overrides, about 60) to Python
at every build and at every save in the preview. Jinja's own bytecode cache keeps the compiled
code in files named by the template and checked against the template's source text (and the
Python version), so a changed template is compiled again. Kept in the site's cache folder.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemBytecodeCache


def install(env, folder: Path | None) -> None:
    """Give the Jinja environment ``env`` a bytecode cache in ``folder/templates`` (None: none)."""
    if folder is None:
        return
    cache = folder / "templates"
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # a cache that cannot be written only costs time
    env.bytecode_cache = FileSystemBytecodeCache(str(cache))
