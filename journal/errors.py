"""Errors that say where (file:line), what went wrong, and what to do next."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in a file, as ``path:line`` with a path relative to the project's root."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class JournalError(Exception):
    """A problem in an entry or a snippet that stops the page from being built."""

    def __init__(
        self,
        message: str,
        where: Location | None = None,
        hint: str = "",
        detail: str = "",
        snippet_where: Location | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint
        self.detail = detail
        self.snippet_where = snippet_where

    def __str__(self) -> str:
        head = f"{self.where}: {self.message}" if self.where else self.message
        parts = [head]
        if self.snippet_where:
            parts.append(f"  in {self.snippet_where}")
        if self.hint:
            parts.append(f"  hint: {self.hint}")
        if self.detail:
            parts.append("  " + self.detail.rstrip().replace("\n", "\n  "))
        return "\n".join(parts)


def did_you_mean(word: str, choices, what: str = "") -> str:
    """'did you mean `x`?' naming the closest of ``choices`` to a mistyped ``word``, or ''
    when none is close (difflib's similarity ratio of at least 0.6)."""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1)
    return f"did you mean `{what}{close[0]}`?" if close else ""
