"""Code to take home (issue 17, item 4): every entry's page offers its notebook, generated at build
time (journal/export.py), and each notebook runs top to bottom in an empty folder, with no access
to the repository, and gives the page's numbers.

How close is close enough. The notebook runs on the machine that built the page, with the same
libraries and one BLAS thread, so every float is expected bit for bit: on this machine all of
them were (December 2026: 1,000+ values, the largest relative difference 0). FLOAT_RTOL allows
1e-12 relative, for a cache of results filled on another CPU (OpenBLAS picks its kernels by CPU).
Ints, booleans and strings are exact, and every value the prose quotes is also compared as the
page shows it (formatted), exactly; so is every run's printed output.

Two live runs return what measures the process rather than the computation (MEASURED below): these
are compared only as the prose shows them. Frozen runs (timings) run too, and are not compared.

The suite's most expensive test: it executes every entry again (the training run three times: its
notebook and the two entries that need its model). Executed notebooks are kept in the engine's
cache by the notebook's bytes and the journal's environment, so an unchanged notebook is not
executed again by the next session. bench/notebooks.py reports its cold cost per entry.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import notebookrun
import pytest

from journal import directives, notebook

ROOT = Path(__file__).resolve().parents[2]
FLOAT_RTOL, MEASURED = notebookrun.FLOAT_RTOL, notebookrun.MEASURED


def published() -> list[str]:
    """The entries that offer a notebook: published, with runs (or a notebook entry)."""
    names = []
    for path in sorted((ROOT / "posts" / "entries").iterdir()):
        text = path.read_text(encoding="utf-8")
        if re.search(r"^draft:\s*true\s*$", text, re.M):
            continue
        if path.suffix == ".ipynb" or (path.suffix == ".md" and re.search(r"^::run ", text, re.M)):
            names.append(path.name)
    return names


ENTRIES = published()


def notebook_path(site, name: str) -> Path:
    slug = _slug(name)
    found = sorted(site.root.rglob(f"{slug}.ipynb"))
    assert len(found) == 1, f"{name}: expected one {slug}.ipynb in the site, found {found}"
    return found[0]


def _slug(name: str) -> str:
    text = (ROOT / "posts" / "entries" / name).read_text(encoding="utf-8")
    m = re.search(r'^slug:\s*["\']?([\w-]+)', text, re.M)
    return m.group(1) if m else Path(name).stem


def test_every_entry_links_its_notebook_from_its_header(site):
    assert len(ENTRIES) >= 17
    for name in ENTRIES:
        path = notebook_path(site, name)
        page = (path.parent / "index.html").read_text(encoding="utf-8")
        size = len(path.read_bytes())
        link = re.search(r'<a href="([^"]+)" download[^>]*>Download the notebook \(\.ipynb, ([^)]+)\)', page)
        assert link, f"{name}: no download link in its page"
        assert link.group(1) == path.name
        assert link.group(2) == (f"{size / 1000:.0f} KB" if size >= 1000 else f"{size} bytes")
        node = json.loads(path.read_bytes())
        meta = node["metadata"]["journal"]
        assert meta["page"] == site.site_url + f"{_slug(name)}/", name
        assert meta["commit"] is None or re.fullmatch(r"[0-9a-f]{40}", meta["commit"])


@pytest.mark.slow
@pytest.mark.parametrize("name", ENTRIES)
def test_the_notebook_runs_at_home_and_gives_the_pages_numbers(
    name, site, journal, all_runs, tmp_path
):
    data = notebook_path(site, name).read_bytes()
    work = tmp_path / "home"  # empty: the notebook writes every file it needs
    ran = notebookrun.execute(
        data, ROOT, journal.cache, journal.environment_key, work, name=Path(name).stem
    )
    assert not ran.errors, ran.errors[0]
    # no file of the repository was opened, imported or put on sys.path (the venv aside: the
    # locked libraries are what a reader installs); it ran in its own folder
    assert ran.isolation["opened"] == [], ran.isolation["opened"]
    assert ran.isolation["sys_path"] == [] and ran.isolation["modules"] == []
    assert ran.isolation["cwd"] == str(work) or ran.cached  # a cached one ran in its own tmp
    assert not ran.isolation["cwd"].startswith(str(ROOT))
    if name.endswith(".ipynb"):
        nb = notebook.read(ROOT / "posts" / "entries" / name)
        engine, _, _ = notebook.executed(
            nb,
            notebook.NotebookCache(journal.cache),
            journal.environment_key,
            journal.snippets_dir,
            journal.root,
        )
        got = notebookrun.compare_notebook_entry(ran, engine)
        assert got.problems == [], "\n".join(got.problems)
        assert got.outputs >= 5
        return
    entry = journal.parse_file(ROOT / "posts" / "entries" / name)
    quoted: dict = {}
    for path in {r.entry for r in ran.runs}:
        parsed = entry if path == entry.path else journal.parse_file(ROOT / path)
        for ref in parsed.values:
            quoted.setdefault((path, ref.name), []).append(ref)
    got = notebookrun.compare(ran, all_runs, FLOAT_RTOL, quoted, MEASURED)
    assert got.problems == [], "\n".join(got.problems[:20])
    live = [r for r in entry.runs if not r.frozen]
    assert {r.run for r in ran.runs if r.entry == entry.path} == {r.name for r in entry.runs}
    assert got.outputs >= len(live) and got.values >= len(live)
    assert got.quoted >= sum(
        1 for ref in entry.values if not next(r for r in entry.runs if r.name == ref.name).frozen
    )
    assert sorted(got.frozen) == sorted(f"{entry.path}:{r.name}" for r in entry.runs if r.frozen)


def test_the_measured_values_exist_and_the_prose_does_not_need_them_exactly():
    """MEASURED names real values of real runs (a renamed key must not silently widen it)."""
    for (path, run, key), why in MEASURED.items():
        entry = directives.parse((ROOT / path).read_text(encoding="utf-8"), path)
        target = next(r for r in entry.runs if r.name == run)
        snippet = (ROOT / "snippets" / target.file).read_text(encoding="utf-8")
        assert f'"{key}"' in snippet, (path, run, key, why)
        assert not target.frozen
