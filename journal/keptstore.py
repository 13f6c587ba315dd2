"""What the engine works out from a file's content and keeps from one process to the next: a JSON
file of values by key in a journal's cache folder, read once per process, written when the
process ends if it added something.

The keys cover everything a value is made from (a content hash, the code that makes it), so a
value found is right by construction and a changed file is simply a new key. The file is
bounded: it holds what this process used first, then what it held before, up to ``limit``
values. One written by another format is ignored and rewritten; a damaged one too.
"""

from __future__ import annotations

import atexit
import json
import os
import tempfile
from pathlib import Path

_STORES: list[KeptStore] = []


class KeptStore:
    """Values by key, kept in ``FOLDER/name`` for every folder ``attach`` was given."""

    def __init__(self, name: str, tag: str, limit: int):
        self.name, self.tag, self.limit = name, tag, limit
        self.values: dict[str, object] = {}  # every value read or made in this process
        self.used: dict[str, None] = {}  # keys asked for or added, in order
        self.folders: dict[Path, set[str]] = {}  # folder -> the keys its file held when read
        _STORES.append(self)

    def attach(self, folder: Path) -> None:
        """Read ``folder``'s file (once) and write it when the process ends."""
        folder = Path(folder)
        if folder in self.folders:
            return
        held = self.folders[folder] = set()
        try:
            kept = json.loads((folder / self.name).read_text(encoding="utf-8"))
            if not isinstance(kept, dict) or kept.get("tag") != self.tag:
                return
            values = kept["values"]
            if not isinstance(values, dict):
                return
        except (OSError, ValueError, KeyError):
            return  # none yet, or unreadable: written afresh at exit
        for key, value in values.items():
            self.values.setdefault(key, value)
            held.add(key)

    def get(self, key: str):
        """The value kept for ``key``, or None."""
        value = self.values.get(key)
        if value is not None:
            self.used[key] = None
        return value

    def put(self, key: str, value) -> None:
        self.values[key] = value
        self.used[key] = None

    def save(self) -> None:
        """Write each attached folder's file, unless it already held everything used."""
        for folder, held in self.folders.items():
            if not folder.is_dir() or self.used.keys() <= held:
                continue
            order = [*self.used, *(key for key in held if key not in self.used)][: self.limit]
            body = {"tag": self.tag, "values": {key: self.values[key] for key in order}}
            try:
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{self.name}.")
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(body, f, separators=(",", ":"))
                os.replace(tmp, folder / self.name)  # atomic: a reader sees one file or the other
            except OSError:
                continue  # a read-only cache: the next process works it out again


@atexit.register
def _save_all() -> None:
    for store in _STORES:
        store.save()
