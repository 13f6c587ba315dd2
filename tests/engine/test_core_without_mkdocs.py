"""The engine's core works with MkDocs absent: in a fresh interpreter where importing `mkdocs`
or `material` fails, every module of `journal` except `journal.adapters` imports, and a small
entry is parsed, run, cached and rendered. Material for MkDocs reaches end of life in 2027; the
core must outlive it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs in the child: a meta-path finder that refuses the site generator, then the core end to end.
SCRIPT = """
import importlib, json, pkgutil, sys
from pathlib import Path

BLOCKED = ("mkdocs", "material")

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked: the core must not need it")
        return None

sys.meta_path.insert(0, Blocker())
for name in list(sys.modules):
    if name.split(".")[0] in BLOCKED:
        del sys.modules[name]

import journal
imported = []
for info in pkgutil.walk_packages(journal.__path__, "journal."):
    if info.name.startswith("journal.adapters"):
        continue
    importlib.import_module(info.name)
    imported.append(info.name)

from journal.project import Journal

root = Path(sys.argv[1])
entry_path = root / "posts" / "entry.md"
figures = []

def publish(name):  # the published file's name (figures/HASH.svg) -> its URL
    figures.append(name)
    return "figure-" + name.split("/")[-1]

out = {"imported": imported}
for attempt in ("first", "second"):
    journal_ = Journal(root)
    entry = journal_.parse_file(entry_path)
    outcome = journal_.run_all([entry])
    result = outcome[(entry.path, "square")]
    out[attempt] = {
        "cached": bool(getattr(result, "cached", False)),
        "markdown": journal_.render(entry_path.read_text(), entry, outcome, publish).markdown,
    }
try:
    import mkdocs  # noqa: F401
    out["mkdocs_importable"] = True
except ImportError:
    out["mkdocs_importable"] = False
out["loaded"] = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
out["figures"] = [len(figures), len(set(figures)), figures[0][:200] if figures else ""]
print(json.dumps(out))
"""

SNIPPET = """\
import matplotlib.pyplot as plt


def main():
    print("the square of 7 is", 7 * 7)
    fig, ax = plt.subplots(num="parabola")
    ax.plot([0, 1, 2], [0, 1, 4])
    return {"value": 49}
"""

ENTRY = """\
---
title: A small entry
---

::code square.py

::run square square.py

::output square

::figure square parabola alt="a parabola through three points"

Seven squared is {{ square.value }}.
"""


def test_the_core_parses_runs_caches_and_renders_without_mkdocs(tmp_path):
    (tmp_path / "posts").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "square.py").write_text(SNIPPET)
    (tmp_path / "posts" / "entry.md").write_text(ENTRY)
    env = {k: v for k, v in os.environ.items() if k not in {"JOURNAL_CACHE", "JOURNAL_CACHE_DIR"}}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.splitlines()[-1])

    assert out["mkdocs_importable"] is False  # the blocker works: MkDocs really was absent
    assert out["loaded"] == []
    core = set(out["imported"])
    assert {"journal.project", "journal.directives", "journal.runner", "journal.cache"} <= core
    assert {"journal.render", "journal.notebook", "journal.check"} <= core

    first, second = out["first"], out["second"]
    assert not first["cached"] and second["cached"]  # executed once, then read from the cache
    assert first["markdown"] == second["markdown"]
    page = first["markdown"]
    assert "def main():" in page  # ::code
    assert "the square of 7 is 49" in page  # ::output
    assert "Seven squared is 49." in page  # {{ square.value }}
    assert 'src="figure-' in page and "a parabola through three points" in page  # ::figure
    assert "::" not in page.split("---", 2)[2]  # no directive left
    published, distinct, name = out["figures"]
    assert (published, distinct) == (2, 1)  # the same name from the run and from the cache
    assert re.fullmatch(r"figures/[0-9a-f]{20}\.svg", name)  # named by content
