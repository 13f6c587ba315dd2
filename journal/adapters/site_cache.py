"""The site's own caches (issue 19): what the build makes from a page's content alone, kept by
a key made of exactly what it was made from, so a warm build stops making it again.

Each kind of thing (highlighted code, reading times, ...) is a ``Store``: in memory for the
process (the live preview's rebuilds share it) and, when the build has a cache folder, one JSON
file there between builds (written atomically with a checksum; unreadable, corrupt or made by
other library versions, it is ignored and rewritten). A store is bounded: what the last build
used comes first, then older values, up to ``LIMIT_BYTES``.

``JOURNAL_SITE_CACHE=off`` turns every store off (the build makes everything afresh, as MkDocs
alone does); ``JOURNAL_SITE_CACHE=FOLDER`` keeps the files in another folder.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib.metadata import version
from pathlib import Path

FORMAT = 1  # bump when what a key covers changes
LIMIT_BYTES = 32 * 2**20
# What every value depends on besides its own key: the libraries that make the site's HTML.
VERSIONS = f"{FORMAT} " + " ".join(
    f"{name} {version(name)}"
    for name in ("mkdocs", "mkdocs-material", "markdown", "pygments", "pymdown-extensions")
)


def enabled() -> bool:
    return os.environ.get("JOURNAL_SITE_CACHE", "").lower() != "off"


def folder_for(default: Path | None) -> Path | None:
    """Where the files go: JOURNAL_SITE_CACHE if it names a folder, else ``default``."""
    setting = os.environ.get("JOURNAL_SITE_CACHE", "")
    return Path(setting) if setting and setting.lower() != "off" else default


def digest(*parts) -> str:
    """A key for JSON-able ``parts`` (raises TypeError for anything else)."""
    text = json.dumps([VERSIONS, *parts], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class Store:
    """Values by key, in memory and optionally in ``folder/NAME.json``."""

    def __init__(self, name: str, folder: Path | None):
        self.name, self.folder = name, folder
        self.values: dict = _read(folder / f"{name}.json") if folder is not None else {}
        self.used: dict[str, None] = {}  # keys used since the last save, in order
        self.added = False
        self.hits = self.misses = 0

    def get(self, key: str):
        value = self.values.get(key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
            self.used[key] = None
        return value

    def put(self, key: str, value) -> None:
        self.values[key] = value
        self.used[key] = None
        self.added = True

    def save(self) -> None:
        """Write the values used since the last save, then older ones, up to LIMIT_BYTES."""
        if self.folder is not None and self.added:
            kept, size = {}, 0
            for key in [*self.used, *(k for k in self.values if k not in self.used)]:
                size += len(key) + len(json.dumps(self.values[key], ensure_ascii=False))
                if size > LIMIT_BYTES:
                    break
                kept[key] = self.values[key]
            self.values = kept
            _write(self.folder / f"{self.name}.json", kept)
        self.used.clear()
        self.added = False


_stores: dict[str, Store] = {}


def store(name: str, folder: Path | None) -> Store:
    """The store ``name`` kept in ``folder``; the same object while the folder stays the same."""
    current = _stores.get(name)
    if current is None or current.folder != folder:
        current = _stores[name] = Store(name, folder)
    return current


def save_all() -> None:
    for current in [*_stores.values(), *_file_stores.values()]:
        current.save()


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class FileStore(Store):
    """Values by key, in memory and one file each in ``folder/NAME/`` (for large values that a
    build reads only some of: a page's HTML). A file is read only when its key is asked for;
    each starts with the checksum of the rest, so a damaged one is ignored. A save writes the
    new values and keeps every file the build used or made plus older ones up to
    ``LIMIT_BYTES``, removing the least recently used."""

    def __init__(self, name: str, folder: Path | None):
        self.name, self.folder = name, folder
        self.dir = folder / name if folder is not None else None
        self.values, self.used, self.added = {}, {}, False
        self.new: dict[str, None] = {}
        self.hits = self.misses = 0

    def get(self, key: str):
        if key not in self.values and self.dir is not None:
            try:
                head, _, body = (self.dir / f"{key}.json").read_bytes().partition(b"\n")
                if head.decode() == hashlib.sha256(body).hexdigest():
                    self.values[key] = json.loads(body)
            except (OSError, ValueError):
                pass
        return super().get(key)

    def put(self, key: str, value) -> None:
        super().put(key, value)
        self.new[key] = None

    def save(self) -> None:
        if self.dir is None:
            self.used.clear()
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            for key in self.new:
                body = json.dumps(self.values[key], ensure_ascii=False).encode()
                temporary = self.dir / f".{key}.{os.getpid()}"
                temporary.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
                os.replace(temporary, self.dir / f"{key}.json")
            for key in self.used:
                if key not in self.new:
                    os.utime(self.dir / f"{key}.json")  # used: the last to be removed
            if self.new:
                self._prune()
        except OSError:
            pass  # a cache that cannot be written only costs time
        # in memory (the preview's process), only what the last build used or made
        self.values = {k: self.values[k] for k in [*self.used, *self.new] if k in self.values}
        self.new.clear()
        self.used.clear()
        self.added = False

    def _prune(self) -> None:
        """Remove the least recently used files beyond LIMIT_BYTES, never one this build used
        or made (those are the size of the site)."""
        found = [(p.stat(), p) for p in self.dir.glob("*.json") if p.stem not in self.used]
        size = sum(s.st_size for s, _ in found)
        for stat, path in sorted(found, key=lambda f: f[0].st_mtime_ns):
            if size <= LIMIT_BYTES:
                break
            path.unlink(missing_ok=True)
            self.values.pop(path.stem, None)
            size -= stat.st_size


_file_stores: dict[str, FileStore] = {}


def file_store(name: str, folder: Path | None) -> FileStore:
    """The file store ``name`` kept in ``folder``; the same object while the folder stays."""
    current = _file_stores.get(name)
    if current is None or current.folder != folder:
        current = _file_stores[name] = FileStore(name, folder)
    return current


def _read(path: Path) -> dict:
    """The values of a store's file: a first line naming the library versions and the checksum
    of the rest, then the values as JSON (checked on the bytes: serialising the values again to
    check them cost as much as reading them)."""
    try:
        head, _, body = path.read_bytes().partition(b"\n")
        about = json.loads(head)
        if (
            about.get("versions") == VERSIONS
            and about.get("sha256") == hashlib.sha256(body).hexdigest()
        ):
            values = json.loads(body)
            if isinstance(values, dict):
                return values
    except (OSError, ValueError, AttributeError):
        pass
    return {}


def _write(path: Path, values: dict) -> None:
    body = json.dumps(values, ensure_ascii=False).encode()
    head = json.dumps({"versions": VERSIONS, "sha256": hashlib.sha256(body).hexdigest()})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_bytes(head.encode() + b"\n" + body)
        os.replace(temporary, path)
    except OSError:
        pass  # a cache that cannot be written only costs time
