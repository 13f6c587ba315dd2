"""A file's version as the disk shows it, and values kept per version: what the engine reads of a
file (its hash, its outline, its sections) is worked out again only when the file changes."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def stat_of(path: Path) -> tuple:
    """``path`` and what its file looks like on disk now (a new save changes it)."""
    st = os.stat(path)
    return (path, st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


def per_version(memo: dict, path: Path, make: Callable[[], T]) -> T:
    """``make()``, kept in ``memo`` while the file ``path`` is unchanged on disk (``stat_of``);
    a long preview's old versions are forgotten past a thousand."""
    key = stat_of(path)
    if key not in memo:
        if len(memo) > 1024:
            memo.clear()
        memo[key] = make()
    return memo[key]
