"""The theme's static files, listed once per state of the theme's folders (issue 19).

At every build, and at every save in the preview, MkDocs walks the theme's folders (Material's
holds 14,500 files, most of them icons under ``.icons``) and tests every name against its
patterns to find the few dozen files it copies to the site (``Files.add_files_from_theme``).
The list depends only on the names in those folders: it is kept with the modification time of
every folder walked, and walked again when one of them changed (adding, removing or renaming a
file or folder changes its folder's time). Which of those files the entries' own files replace
is decided at every build, as MkDocs does.
"""

from __future__ import annotations

import os

from mkdocs.structure.files import File, Files

from . import site_cache

_ADD_FROM_THEME = Files.add_files_from_theme
_store: site_cache.Store | None = None


def install(store: site_cache.Store | None) -> None:
    """Keep the theme's file list in ``store`` (None: list it at every build, as MkDocs does)."""
    global _store
    _store = store
    Files.add_files_from_theme = _ADD_FROM_THEME if store is None else _add_files_from_theme


def folders(dirs: list[str]) -> list[list]:
    """Every folder under ``dirs`` as Jinja's loader walks them (symlinks followed), with its
    modification time (None: the folder is missing) and a digest of the names in it."""
    found = []
    for top in dirs:
        if not os.path.isdir(top):
            found.append([top, None, None])
        for path, subfolders, files in os.walk(top, followlinks=True):
            subfolders[:] = [name for name in subfolders if name != "__pycache__"]
            found.append([path, _mtime(path), _names(subfolders + files)])
    return found


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _names(names: list[str]) -> str:
    """The names a folder holds, bytecode folders aside: Python makes ``__pycache__`` in a theme
    that is a package (Material's) the first time some process imports it, and writes its
    bytecode there through a temporary file; that changes folders' times and names but never
    the theme's files (MkDocs leaves ``*.pyc`` out), and a test session's builds raced with it.
    So ``__pycache__`` is neither walked nor counted."""
    return site_cache.sha("\0".join(sorted(n for n in names if n != "__pycache__")))


def _unchanged(kept: list[list]) -> bool:
    """Whether every folder walked still holds the same names: its time is the same, or, when
    the time moved, a listing shows the same names."""
    for path, mtime, *names in kept:
        if _mtime(path) == mtime:
            continue
        try:
            if not names or names[0] != _names(os.listdir(path)):
                return False
        except OSError:
            return False
    return True


def _add_files_from_theme(self: Files, env, config) -> None:
    store = _store
    dirs = list(config.theme.dirs)
    key = site_cache.digest("theme", dirs, sorted(config.theme.static_templates))  # a set
    kept = store.get(key)
    if kept is None or not _unchanged(kept["folders"]):
        walked = folders(dirs)  # before listing: a change while listing is seen next time
        listed = Files([])
        _ADD_FROM_THEME(listed, env, config)
        files = [[f.src_uri, f.src_dir] for f in listed if "__pycache__" not in f.src_uri]
        kept = {"folders": walked, "files": files}  # (a bytecode file being written is none)
        store.put(key, kept)
    for path, folder in kept["files"]:
        if self.get_file_from_path(path) is None:  # the entries' files win, as in MkDocs
            self.append(File(path, folder, config.site_dir, config.use_directory_urls))
