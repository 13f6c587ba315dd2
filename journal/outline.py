"""A Python file's outline: the modules it imports and the lines of its top-level functions,
read from its syntax tree.

Parsing is most of what following a snippet's imports costs (about 8 ms for a long snippet on
this project's 2-core machines, against 0.03 ms to read and hash it), and a build asks for every
snippet's imports (its runs' cache keys) and functions (the marks on quoted values). So an
outline is kept by the file's content hash: in memory while the file is unchanged on disk, and,
for a journal with a cache folder, in ``outlines.json`` there, from one build to the next. What
is kept is what the parse gave for those bytes, so a stale outline cannot be served: new bytes
are a new hash. The file holds the outlines the last processes used, up to ``LIMIT``; one made by
another format or Python is ignored and rewritten.
"""

from __future__ import annotations

import ast
import atexit
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .fileversion import per_version

FORMAT = 1  # bump when what an outline holds, or how it is read, changes
STORE = "outlines.json"
LIMIT = 4096  # outlines kept in the file (a few hundred bytes each)
_TAG = f"{FORMAT} {sys.version_info[0]}.{sys.version_info[1]}"  # ast's reading is Python's


@dataclass(frozen=True)
class Outline:
    sha256: str  # of the file's bytes
    imports: frozenset[str]  # top-level names of the modules it imports (absolute imports)
    functions: dict[str, tuple[int, int]]  # each top-level function: first line (decorators
    # included) and last; a name defined twice: the later definition, as Python binds it


def read(source: str | bytes) -> tuple[frozenset[str], dict[str, tuple[int, int]]]:
    """The imports and functions of Python ``source`` (bytes are decoded as Python would);
    nothing for a source that does not parse (the run itself reports its syntax error)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return frozenset(), {}
    names: set[str] = set()
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    functions = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            functions[node.name] = (start, node.end_lineno or node.lineno)
    return frozenset(names), functions


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


_by_version: dict = {}  # fileversion.stat_of(path) -> Outline
_by_hash: dict[str, Outline] = {}  # sha256 -> Outline, every one this process read or loaded
_used: dict[str, None] = {}  # hashes this process used, in order
_stores: dict[Path, set[str]] = {}  # folder -> the hashes its file held when loaded


def of(path: Path) -> Outline:
    """The outline of the file at ``path`` (OSError if it cannot be read)."""
    return per_version(_by_version, path, lambda: _of_bytes(Path(path).read_bytes()))


def _of_bytes(data: bytes) -> Outline:
    sha = hashlib.sha256(data).hexdigest()
    found = _by_hash.get(sha)
    if found is None:
        imports, functions = read(data)
        found = _by_hash[sha] = Outline(sha, imports, functions)
    _used[sha] = None
    return found


def keep_in(folder: Path) -> None:
    """Read the outlines kept in ``folder`` (a journal's cache) and keep this process's there
    when it ends. Outlines are keyed by content, so one journal's serve any other's."""
    folder = Path(folder)
    if folder in _stores:
        return
    _stores[folder] = set()
    try:
        kept = json.loads((folder / STORE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # none yet, or unreadable: rewritten at exit
    if not isinstance(kept, dict) or kept.get("tag") != _TAG:
        return
    try:
        for sha, (imports, functions) in kept["outlines"].items():
            if sha not in _by_hash:
                _by_hash[sha] = Outline(
                    sha, frozenset(imports), {k: (a, b) for k, (a, b) in functions.items()}
                )
            _stores[folder].add(sha)
    except (KeyError, TypeError, ValueError, AttributeError):
        return  # a damaged file: what was read is still right (keyed by content)


@atexit.register
def _save() -> None:
    """Write each folder's file: the outlines used now first, then the others it held (those
    of files unchanged since), up to LIMIT. Skipped when nothing new was used there."""
    for folder, held in _stores.items():
        if not folder.is_dir() or _used.keys() <= held:
            continue
        order = [*_used, *(sha for sha in held if sha not in _used)][:LIMIT]
        body = {
            "tag": _TAG,
            "outlines": {
                sha: [sorted(_by_hash[sha].imports), _by_hash[sha].functions]
                for sha in order
                if sha in _by_hash
            },
        }
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{STORE}.")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(body, f, separators=(",", ":"))
            os.replace(tmp, folder / STORE)
        except OSError:
            continue  # a read-only cache: the next build parses again
