"""Correction notes: what an entry's front matter says was corrected after publication, and when.

An entry that was corrected carries, in its front matter,

    corrections:
      - date: 2026-12-01
        note: The distances are now exact (from the Gamma CDF), not Monte Carlo estimates.

Each item is a date (YYYY-MM-DD, not before the entry's own date) and a one-paragraph note in
Markdown saying what changed. `journal check` reports a malformed item at its line;
`journal/adapters/hooks/corrections.py` shows the notes at the top of the entry and dates the entry's
"updated" (page, Atom and JSON Feed) from the newest one. Dates come only from here, never the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

KEY = "corrections"


@dataclass(frozen=True)
class Correction:
    """One dated note."""

    date: dt.date
    note: str


class CorrectionError(ValueError):
    """A malformed `corrections:` item; `index` is its position (None: the list itself)."""

    def __init__(self, message: str, index: int | None = None):
        super().__init__(message)
        self.index = index


def _day(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def read(meta: dict) -> list[Correction]:
    """The entry's corrections, oldest first; raises CorrectionError on a malformed one."""
    items = meta.get(KEY)
    if items is None:
        return []
    if not isinstance(items, list) or not items:
        raise CorrectionError(f"{KEY}: must be a list of items with a date: and a note:")
    created = meta.get("date")
    created = _day(created.get("created") if isinstance(created, dict) else created)
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or set(item) != {"date", "note"}:
            raise CorrectionError(f"{KEY}: item {i + 1} must have exactly a date: and a note:", i)
        day = _day(item["date"])
        if day is None:
            raise CorrectionError(
                f"{KEY}: item {i + 1} date {item['date']!r} is not a date (write YYYY-MM-DD)", i
            )
        if created is not None and day < created:
            raise CorrectionError(
                f"{KEY}: item {i + 1} is dated {day}, before the entry itself ({created})", i
            )
        note = item["note"]
        if not isinstance(note, str) or len(note.split()) < 5:
            raise CorrectionError(
                f"{KEY}: item {i + 1} note must say what changed (a sentence or more)", i
            )
        out.append(Correction(day, " ".join(note.split())))
    return sorted(out, key=lambda c: c.date)


def latest(corrections: list[Correction]) -> dt.date | None:
    """The date of the newest correction (None if there is none)."""
    return max((c.date for c in corrections), default=None)
