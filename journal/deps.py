"""What a run depends on among the project's own files: the snippet and the local modules it
imports, transitively (found statically, by reading the import statements)."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from pathlib import Path

from . import outline
from .fileversion import stat_of


def imports_of(path: Path) -> frozenset[str]:
    """The top-level names of the modules the file at ``path`` imports (``outline``)."""
    return outline.of(path).imports


def imported_names(source: str | bytes) -> frozenset[str]:
    """The same for Python ``source`` (a notebook's cell, say)."""
    return outline.read(source)[0]


@functools.lru_cache(maxsize=256)
def _listing(folder: Path, mtime_ns: int) -> frozenset[str]:
    """The names in ``folder``, read once per version of it (adding or removing a file changes
    a folder's mtime)."""
    return frozenset(os.listdir(folder))


def local_module(name: str, search_dir: Path) -> Path | None:
    """The module ``name`` as a file of ``search_dir`` (``name.py`` or ``name/__init__.py``)."""
    return _local_module(name, search_dir, _listing(search_dir, search_dir.stat().st_mtime_ns))


def _local_module(name: str, search_dir: Path, names: frozenset[str]) -> Path | None:
    if f"{name}.py" in names and (search_dir / f"{name}.py").is_file():
        return search_dir / f"{name}.py"
    if name in names and (search_dir / name / "__init__.py").is_file():
        return search_dir / name / "__init__.py"
    return None


# A snippet's closure, kept while its files and its folder are unchanged: a build asks for each
# snippet's closure about three times (its runs' keys, its code blocks' notebook cells), and the
# preview at every save.
_closures: dict[Path, tuple[tuple, list[Path]]] = {}


def stamp(paths: list[Path], folder: Path) -> tuple:
    """What ``paths``, ``folder`` and the folders of ``paths`` look like on disk now (times,
    sizes, inodes: a file added to a folder changes the folder's time); () when one went away."""
    folders = sorted({folder, *(p.parent for p in paths)})
    try:
        return (*(os.stat(f).st_mtime_ns for f in folders), *(stat_of(p) for p in paths))
    except OSError:
        return ()


def local_sources(snippet: Path) -> list[Path]:
    """The snippet and every module in its folder it imports, directly or not, sorted."""
    kept = _closures.get(snippet)
    if kept is not None and kept[0] and kept[0] == stamp(kept[1], snippet.parent):
        return list(kept[1])
    found = _closure(snippet)
    _closures[snippet] = (stamp(found, snippet.parent), found)
    return list(found)


def _closure(snippet: Path) -> list[Path]:
    search_dir = snippet.parent.resolve()
    names = _listing(search_dir, search_dir.stat().st_mtime_ns)
    seen: set[Path] = set()
    todo = [snippet.resolve()]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imports_of(path):
            found = _local_module(name, search_dir, names)
            if found is None:
                continue
            todo.append(found.resolve() if found.is_symlink() else found)
            if found.name == "__init__.py":
                todo.extend(p.resolve() for p in found.parent.rglob("*.py"))
    return sorted(seen)


def imported_sources(code: Iterable[str], search_dir: Path) -> list[Path]:
    """The modules of ``search_dir`` that the Python sources ``code`` (a notebook's cells, say)
    import, directly or not, sorted."""
    found: set[Path] = set()
    for name in sorted(set().union(*(imported_names(source) for source in code))):
        module = local_module(name, search_dir)
        if module is not None:
            found.update(local_sources(module))
    return sorted(found)


@functools.lru_cache(maxsize=1)
def _installed() -> dict[str, str]:
    """Top-level module names of the installed distributions -> a distribution's name."""
    from importlib.metadata import packages_distributions

    return {name: dists[0] for name, dists in packages_distributions().items() if dists}


def shadowed(module: str) -> str | None:
    """What a snippet named ``module`` would hide: the snippets folder comes first on the path
    of a run, a test and a reader's ``python snippets/x.py``, so ``snippets/json.py`` replaces
    the standard library's json for every import of it (numpy's and matplotlib's included).
    None when nothing of that name is installed."""
    import sys

    if module in sys.stdlib_module_names:
        return f"the standard library's {module}"
    installed = _installed().get(module)
    if installed is None:
        return None
    return f"the installed package {installed}" + (f" ({module})" if installed != module else "")
