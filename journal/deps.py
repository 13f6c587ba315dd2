"""What a run depends on among the project's own files: the snippet and the local modules it
imports, transitively (found statically, by reading the import statements)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path


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
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _local_module(name: str, search_dir: Path) -> Path | None:
    for candidate in (search_dir / f"{name}.py", search_dir / name / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def local_sources(snippet: Path) -> list[Path]:
    """The snippet and every module in its folder it imports, directly or not, sorted."""
    search_dir = snippet.parent
    seen: set[Path] = set()
    todo = [snippet.resolve()]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        stat = path.stat()
        for name in _imported_names_of(path, stat.st_mtime_ns, stat.st_size):
            found = _local_module(name, search_dir)
            if found is not None:
                todo.append(found.resolve())
            if found is not None and found.name == "__init__.py":
                todo.extend(p.resolve() for p in found.parent.rglob("*.py"))
    return sorted(seen)
