"""Links from the published page to the files it was built from, at the commit it was built from.

A code block, a computed value and the test that asserts it all point at one commit: the one
being published. In GitHub Actions that is ``GITHUB_SHA``; elsewhere it is ``git rev-parse
HEAD`` of the journal's root. Outside a git checkout of that root (a journal copied into a temporary folder
by a test, an unpacked archive) there is no commit, and ``Commit.sha`` is None: callers show no
link rather than one that would point at the wrong lines.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Commit:
    repository: str  # owner/name on GitHub
    sha: str | None  # 40 hex digits, or None outside a git checkout

    def blob(self, rel: str, start: int | None = None, end: int | None = None) -> str | None:
        """``https://github.com/OWNER/NAME/blob/SHA/REL#Lstart-Lend``, or None without a commit.
        ``rel`` is the file's path from the journal's root, with forward slashes."""
        if self.sha is None:
            return None
        url = f"https://github.com/{self.repository}/blob/{self.sha}/{rel}"
        if start is not None:
            url += f"#L{start}" + (f"-L{end}" if end is not None and end != start else "")
        return url

    def raw(self, rel: str) -> str | None:
        """The file's bytes at the commit (what a notebook may fetch), or None without a commit."""
        if self.sha is None:
            return None
        return f"https://raw.githubusercontent.com/{self.repository}/{self.sha}/{rel}"


@functools.cache
def _head(root: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = out.stdout.split("\n")
    if out.returncode != 0 or len(lines) < 2 or Path(lines[0]).resolve() != root:
        return None  # not a checkout, or the journal is a folder inside another repository
    return lines[1] if _SHA.fullmatch(lines[1]) else None


def published_commit(root: Path, repository: str) -> Commit:
    """The commit a build of the journal at ``root`` publishes (see the module's docstring)."""
    sha = os.environ.get("GITHUB_SHA", "").strip().lower()
    if not _SHA.fullmatch(sha):
        sha = _head(Path(root).resolve())
    return Commit(repository, sha)
