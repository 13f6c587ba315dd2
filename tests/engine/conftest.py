"""Small fixture sites in temporary folders, built with the real ``mkdocs build``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

MKDOCS = [sys.executable, "-m", "mkdocs"]

MKDOCS_YML = """\
site_name: fixture
docs_dir: posts
plugins:
  - journal
markdown_extensions:
  - pymdownx.highlight
  - pymdownx.superfences
"""


class FixtureSite:
    """A throwaway journal: ``posts/`` and ``snippets/`` under ``root``, a run log beside it."""

    def __init__(self, base: Path):
        self.root = base / "site-src"
        self.log = base / "runs.log"  # snippets append their name here each time they execute
        (self.root / "posts").mkdir(parents=True)
        (self.root / "snippets").mkdir()
        (self.root / "mkdocs.yml").write_text(MKDOCS_YML)
        self.log.write_text("")

    def snippet(self, name: str, text: str) -> Path:
        path = self.root / "snippets" / name
        path.write_text(textwrap.dedent(text))
        return path

    def counted_snippet(self, name: str, body: str = "    return {}") -> Path:
        """A snippet whose main() notes each execution in the run log (its path is written in
        the snippet: a run sees none of the caller's environment)."""
        stem = name.removesuffix(".py")
        text = (
            "import os\n\n\ndef main():\n"
            f"    with open({str(self.log)!r}, 'a') as f:\n        f.write('{stem}\\n')\n"
            f"{textwrap.dedent(body) if not body.startswith('    ') else body}\n"
        )
        path = self.root / "snippets" / name
        path.write_text(text)
        return path

    def entry(self, name: str, text: str) -> Path:
        path = self.root / "posts" / name
        path.write_text(textwrap.dedent(text))
        return path

    def build(self, *extra: str, ok: bool = True, env: dict | None = None, out: Path | None = None):
        cmd = [*MKDOCS, "build", "--strict", *extra]
        if out is not None:
            cmd += ["--site-dir", str(out)]
        full_env = {
            **os.environ,
            "RUN_LOG": str(self.log),
            "NO_MKDOCS_2_WARNING": "1",
            **(env or {}),
        }
        full_env.pop("GITHUB_ACTIONS", None)
        proc = subprocess.run(
            cmd, cwd=self.root, env=full_env, capture_output=True, text=True, timeout=300
        )
        if ok and proc.returncode != 0:
            raise AssertionError(f"build failed:\n{proc.stderr[-3000:]}")
        if not ok and proc.returncode == 0:
            raise AssertionError(f"build passed but should have failed:\n{proc.stderr[-2000:]}")
        return proc

    def page(self, name: str = "index") -> str:
        path = self.root / "site" / ("index.html" if name == "index" else f"{name}/index.html")
        return path.read_text()

    def executions(self) -> list[str]:
        return self.log.read_text().split()


@pytest.fixture
def site(tmp_path) -> FixtureSite:
    return FixtureSite(tmp_path)
