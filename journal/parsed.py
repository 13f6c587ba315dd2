"""An entry's parse (``directives.parse``), kept across builds by the entry's text.

Reading every line of every entry for its directives is the engine's largest cost per entry in a
warm build (6 ms for a long entry on 2 slow cores, against under 1 ms to read its parse back).
The key covers the entry's text, its path, the line its text starts at and the parser's own code
(``directives.py``, ``errors.py``), so a parse read back is the parse the parser would give.
Only entries without problems are kept: a problem is reported from a fresh parse, every time.
Kept in the journal's cache folder (``parsed.json``, through ``keptstore``).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from pathlib import Path

from . import directives, errors
from .directives import Code, Figure, LiteralRef, Output, ParsedEntry, Run, Span, ValueRef
from .errors import Location
from .keptstore import KeptStore

FORMAT = 1  # bump when the stored form changes
STORE = "parsed.json"
LIMIT = 2048  # parses kept (one per text an entry had: the last used first; a few kB each)
_KINDS = {"code": Code, "run": Run, "output": Output, "figure": Figure, "value": ValueRef}
_NAMES = {cls: name for name, cls in _KINDS.items()}
_kept = KeptStore(STORE, str(FORMAT), LIMIT)


def keep_in(folder: Path) -> None:
    """Read the parses kept in ``folder`` (a journal's cache) and keep this process's there."""
    _kept.attach(folder)


def parse(text: str, path: str, strict: bool = True, first_line: int = 1) -> ParsedEntry:
    """``directives.parse(text, path, strict, first_line)``, read back when it was kept."""
    key = _key(text, path, first_line)
    kept = _kept.get(key)
    if kept is not None:
        try:
            return _decode(kept, text, path, first_line)
        except (KeyError, IndexError, TypeError, ValueError):
            pass  # not a parse this module wrote: parse again, and keep that
    entry = directives.parse(text, path, strict=strict, first_line=first_line)
    if not entry.problems and not entry.misnamed:
        _kept.put(key, _encode(entry))
    return entry


@functools.cache
def _parser_source() -> str:
    h = hashlib.sha256()
    for module in (directives, errors):
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()


def _key(text: str, path: str, first_line: int) -> str:
    head = f"{FORMAT}\0{_parser_source()}\0{path}\0{first_line}\0"
    return hashlib.sha256(head.encode() + text.encode("utf-8", "surrogatepass")).hexdigest()


def _row(item) -> list:
    """A directive or value reference as [kind, line, its other fields in order]."""
    fields = [getattr(item, f.name) for f in dataclasses.fields(item)[1:]]
    return [_NAMES[type(item)], item.where.line, *fields]


def _item(row: list, path: str):
    cls = _KINDS[row[0]]
    fields = [tuple(v) if isinstance(v, list) else v for v in row[2:]]  # Run's tuples
    return cls(Location(path, row[1]), *fields)


def _encode(entry: ParsedEntry) -> dict:
    index = {id(item): i for i, item in enumerate([*entry.directives, *entry.values])}
    return {
        "items": [_row(item) for item in [*entry.directives, *entry.values]],
        "directives": len(entry.directives),
        "spans": [[s.start, s.end, index[id(s.item)]] for s in entry.spans],
        "literal_refs": [[r.where.line, r.source, r.name] for r in entry.literal_refs],
    }


def _decode(kept: dict, text: str, path: str, first_line: int) -> ParsedEntry:
    items = [_item(row, path) for row in kept["items"]]
    n = kept["directives"]
    return ParsedEntry(
        path,
        items[:n],
        items[n:],
        text=text,
        spans=[Span(start, end, items[i]) for start, end, i in kept["spans"]],
        literal_refs=[
            LiteralRef(Location(path, line), src, name) for line, src, name in kept["literal_refs"]
        ],
        first_line=first_line,
    )
