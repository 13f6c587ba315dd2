"""What a run depends on, and the cache key made of it.

A run's *recipe* is what its author controls: the function, the snippet and the local modules it
imports, the files it declares (``inputs=``), the files it promises (``produces=``) and the files
of the runs it needs. The *environment* is what the machine adds: the engine, the worker (figure
settings), Python, the locked libraries. The static key hashes both; a frozen run is checked
against its recipe alone (see ``frozen.py``).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from . import __version__, deps, outline, runner
from .cache import sha256_file
from .directives import Run
from .errors import JournalError

LOCK_FILES = ("requirements.lock",)


def environment_hash(root: Path) -> str:
    """What every run depends on: engine, the run's process (environment, worker, fork
    server), Python, locked libraries."""
    h = hashlib.sha256(f"journal {__version__}\0{sys.version}\0{sys.platform}".encode())
    h.update(runner.fingerprint().encode())
    for name in LOCK_FILES:
        lock = root / name
        h.update(f"\0{name}\0{sha256_file(lock) if lock.is_file() else '-'}".encode())
    return h.hexdigest()


def sources(root: Path, snippet: Path) -> dict[str, str]:
    """The snippet and the local modules it imports, by path relative to ``root``, hashed."""
    return {src.relative_to(root).as_posix(): _hash(src) for src in deps.local_sources(snippet)}


def _hash(path: Path) -> str:
    """The file's SHA-256, kept while it is unchanged on disk (a build hashes a snippet for each
    of its runs and code blocks): read with its outline, which following its imports needs."""
    return outline.of(path).sha256


def declared_inputs(root: Path, run: Run) -> dict[str, str]:
    """The hashes of the files (or every file of the folders) a run declares with ``inputs=``;
    paths are relative to the project, or absolute."""
    hashes = {}
    for name in run.inputs:
        if name == "none":  # inputs=none: the author says its children read no file
            continue
        path = root / name
        if path.is_file():
            hashes[name] = sha256_file(path)
        elif path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                hashes[f"{name}/{file.relative_to(path).as_posix()}"] = sha256_file(file)
        else:
            raise JournalError(
                f"run {run.name!r} declares inputs={name}, which does not exist",
                run.where,
                hint="paths in inputs= are relative to the journal's folder, or absolute",
            )
    return hashes


def recipe(
    root: Path,
    run: Run,
    snippet: Path,
    needed: dict[str, dict[str, str]],
    hashed: dict[str, str] | None = None,
) -> dict:
    """What the author controls of a run (``needed``: each needed run's produced files' hashes;
    ``hashed``: ``sources(root, snippet)`` when the caller has it already)."""
    return {
        "function": run.function,
        "sources": sources(root, snippet) if hashed is None else dict(hashed),
        "inputs": declared_inputs(root, run),
        "produces": sorted(run.produces),
        "needs": needed,
    }


def static_key(environment: str, recipe: dict, producer_keys: list[str]) -> str:
    h = hashlib.sha256(environment.encode())
    h.update(json.dumps(recipe, sort_keys=True).encode())
    for key in producer_keys:
        h.update(f"\0needs\0{key}".encode())
    return h.hexdigest()


def data_files(root: Path, opened: list[str]) -> list[str]:
    """What a run read, as files whose content joins its cache key.

    Compiled modules stand for their source: a module imported in a way the static scan
    cannot see (``importlib.import_module(name)``) is still a dependency, and a rewritten
    ``__pycache__`` never is."""
    files = set()
    for rel in opened:
        path = Path(rel)
        if path.suffix == ".pyc" and path.parent.name == "__pycache__":
            source = path.parent.parent / (path.name.split(".")[0] + ".py")
            if (root / source).is_file():
                files.add(source.as_posix())
        else:
            files.add(rel)
    return sorted(files)
