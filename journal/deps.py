"""What a run depends on among the project's own files: the snippet and the local modules it
imports, transitively (found statically, by reading the import statements)."""

from __future__ import annotations

import ast
import functools
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


@functools.lru_cache(maxsize=1024)
def _imported_names_of(path: Path, mtime_ns: int, size: int) -> frozenset[str]:
    """The imports of one file, parsed once per version of it."""
    return frozenset(_imported_names(path.read_bytes()))  # bytes: decoded as Python would


def _imported_names(source: str | bytes) -> set[str]:
    names: set[str] = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return names  # the run itself will report the syntax error with its line
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@functools.lru_cache(maxsize=256)
def _listing(folder: Path, mtime_ns: int) -> frozenset[str]:
    """The names in ``folder``, read once per version of it (adding or removing a file changes
    a folder's mtime)."""
    return frozenset(os.listdir(folder))


def local_module(name: str, search_dir: Path) -> Path | None:
    """The module ``name`` as a file of ``search_dir`` (``name.py`` or ``name/__init__.py``)."""
    return _local_module(name, search_dir, _listing(search_dir, search_dir.stat().st_mtime_ns))


def _statements(body: list) -> Iterator[ast.stmt]:
    """Every statement in ``body``, nested ones too (an import is a statement: the expressions,
    most of a module's nodes, need no visit; ast.walk spent 7 ms on a long snippet)."""
    for node in body:
        yield node
        for name in ("body", "orelse", "finalbody"):
            nested = getattr(node, name, None)
            if isinstance(nested, list):
                yield from _statements(nested)
        for part in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
            yield from _statements(part.body)


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


def stat_of(path: Path) -> tuple:
    """``path`` and what its file looks like on disk now (a new save changes it)."""
    st = os.stat(path)
    return (path, st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


def per_version(memo: dict, path: Path, make: Callable[[], T]) -> T:
    """``make()``, kept in ``memo`` while the file ``path`` is unchanged on disk (``stat_of``);
    a long preview's old versions are forgotten past a thousand."""
    key = stat_of(path)
    if key not in memo:
        if len(memo) > 1024:
            memo.clear()
        memo[key] = make()
    return memo[key]


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
        stat = path.stat()
        for name in _imported_names_of(path, stat.st_mtime_ns, stat.st_size):
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
    for name in sorted(set().union(*(_imported_names(source) for source in code))):
        module = local_module(name, search_dir)
        if module is not None:
            found.update(local_sources(module))
    return sorted(found)
