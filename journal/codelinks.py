"""A code block's link to the lines it shows, in its file at the published commit.

``sourcelinks.published_commit`` says which commit a build publishes; it is looked up once per
journal (once per build: the adapter makes one ``Journal`` a build) and kept here, beside the
journal it belongs to. A journal without ``journal.yml`` (an engine fixture) or outside a git
checkout of its own (a test's copied journal) has no commit, and its code blocks no link.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import identity, snippets, sourcelinks, textlines
from .errors import JournalError

if TYPE_CHECKING:
    from .project import Journal

_COMMITS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def commit_of(journal: Journal) -> sourcelinks.Commit | None:
    """The commit the journal's build publishes (None: no journal.yml, no repository)."""
    if journal not in _COMMITS:
        commit = None
        if (journal.root / identity.FILE).is_file():
            try:
                repository = identity.load(journal.root).repository
            except JournalError:
                repository = ""  # the build reports journal.yml's problem itself
            if repository:
                commit = sourcelinks.published_commit(journal.root, repository)
        _COMMITS[journal] = commit
    return _COMMITS[journal]


def last_line(root: Path, excerpt: snippets.Excerpt) -> int:
    """The file's line number of the excerpt's last line (marker lines inside it count)."""
    shown = excerpt.text.count("\n") + 1
    try:
        lines = textlines.lines(snippets.read_text(root / excerpt.path, root, None))
    except (OSError, JournalError):
        return excerpt.first_line + shown - 1
    number = excerpt.first_line - 1
    for line in lines[excerpt.first_line - 1 :]:
        number += 1
        if not snippets.MARKER.match(line):
            shown -= 1
            if shown == 0:
                break
    return number


@dataclass(frozen=True)
class CodeLink:
    """Where a code block's lines are at the published commit."""

    url: str  # https://github.com/OWNER/NAME/blob/SHA/snippets/x.py#L3-L9
    first: int
    last: int
    sha: str


def code_link(journal: Journal, excerpt: snippets.Excerpt) -> CodeLink | None:
    """The link for the excerpt's lines, or None without a published commit."""
    commit = commit_of(journal)
    if commit is None or commit.sha is None:
        return None
    last = last_line(journal.root, excerpt)
    url = commit.blob(excerpt.path, excerpt.first_line, last)
    return CodeLink(url, excerpt.first_line, last, commit.sha)
