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
import hashlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .fileversion import per_version
from .keptstore import KeptStore

FORMAT = 1  # bump when what an outline holds, or how it is read, changes
STORE = "outlines.json"
LIMIT = 4096  # outlines kept in the file (a few hundred bytes each); its tag names Python's
# version too: ast's reading is Python's


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
_by_hash: dict[str, Outline] = {}  # sha256 -> Outline, as made or read in this process
_kept = KeptStore(STORE, f"{FORMAT} {sys.version_info[0]}.{sys.version_info[1]}", LIMIT)


def of(path: Path) -> Outline:
    """The outline of the file at ``path`` (OSError if it cannot be read)."""
    return per_version(_by_version, path, lambda: _of_bytes(Path(path).read_bytes()))


def _of_bytes(data: bytes) -> Outline:
    sha = hashlib.sha256(data).hexdigest()
    found = _by_hash.get(sha)
    if found is None:
        kept = _kept.get(sha)
        try:
            imports, functions = kept
            found = Outline(sha, frozenset(imports), {k: (a, b) for k, (a, b) in functions.items()})
        except (TypeError, ValueError, AttributeError):  # none kept, or not an outline
            imports, functions = read(data)
            found = Outline(sha, imports, functions)
            _kept.put(sha, [sorted(imports), functions])
        _by_hash[sha] = found
    else:
        _kept.get(sha)  # used: kept at the front of the file
    return found


def keep_in(folder: Path) -> None:
    """Read the outlines kept in ``folder`` (a journal's cache) and keep this process's there
    when it ends. Outlines are keyed by content, so one journal's serve any other's."""
    _kept.attach(folder)
