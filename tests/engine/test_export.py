"""The notebook an entry offers (journal/export.py), on a small journal: deterministic bytes, a
needed run from another entry executed first, the journal's data files and modules written, a
frozen run marked and left out of the comparison, no commit link without a commit; and the
notebooks run in an empty folder and give the engine's values."""

from __future__ import annotations

import hashlib
import json
import re

import nbformat
import notebookrun
import pytest

from journal import export
from journal.project import Journal
from journal.sourcelinks import Commit

SHA = "89abcdef0123456789abcdef0123456789abcdef"
MAKING = """\
---
title: Making a model
description: Reads a table from the journal and writes a model file.
slug: making
---
# Making

<!-- more -->

::run make make.py produces=model.txt

::run speed speed.py frozen

The total is {{ make.total }}; the loop took {{ speed.t:.2f }} s.
"""
USING = """\
---
title: Using it
slug: using
---
# Using

::code use.py#scale

::run use use.py needs=making:make

::output use

::figure use 1 alt="a line"

It is {{ use.u }}, and `{{ use.u }}` stays code.
"""
SNIPPETS = {
    "helper.py": "FACTOR = 3\n\n",  # a blank line at the end stays
    "make.py": """\
from pathlib import Path

import helper


def main():
    rows = (Path(__file__).resolve().parents[1] / "data" / "table.csv").read_text().split()
    total = sum(int(r) for r in rows) * helper.FACTOR
    with open("model.txt", "w") as f:
        f.write(str(total))
    return {"total": total}
""",
    "speed.py": """\
import time


def main():
    started = time.perf_counter()
    sum(range(10_000))
    return {"t": time.perf_counter() - started}
""",
    "use.py": """\
import matplotlib.pyplot as plt
import numpy as np


# --8<-- [start:scale]
def scale(x):
    return 2 * x
# --8<-- [end:scale]


def main():
    u = scale(int(open("model.txt").read()))
    noise = np.random.rand(3) @ np.arange(3.0)  # seeds 0 make it the page's number
    print(f"u = {u}, noise = {noise:.17g}")
    plt.plot([0, 1], [0, u])
    return {"u": u, "noise": noise, "shape": [2, 3], "name": "x"}
""",
}


@pytest.fixture
def journal(site):
    for name, text in SNIPPETS.items():
        site.snippet(name, text)
    (site.root / "data").mkdir()
    (site.root / "data" / "table.csv").write_text("1\n2\n3\n")
    (site.root / "posts" / "making.md").write_text(MAKING)
    (site.root / "posts" / "using.md").write_text(USING)
    j = Journal(site.root, cache_dir=".cache/journal")
    j.freeze(["making:speed"])
    return j


def notebook_of(journal, name: str, commit=None) -> tuple[bytes, dict]:
    path = journal.root / "posts" / name
    entry = journal.parse_file(path)
    outcome = journal.run_all(journal.all_entries())
    data = export.entry_notebook(
        journal,
        entry,
        outcome,
        f"https://example.org/{path.stem}/",
        commit,
        entry_url=lambda slug: f"https://example.org/{slug}/",
    )
    return data, outcome


def sources(data: bytes) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(data)["cells"]]


def test_two_generations_are_byte_identical_valid_nbformat(journal):
    one, _ = notebook_of(journal, "using.md", Commit("o/n", SHA))
    again = Journal(journal.root, cache_dir=".cache/journal")  # another build, cached results
    two, _ = notebook_of(again, "using.md", Commit("o/n", SHA))
    assert one == two
    node = nbformat.reads(one.decode(), as_version=4)
    nbformat.validate(node)
    assert [c.id for c in node.cells] == [f"cell-{i:03d}" for i in range(len(node.cells))]
    assert (
        one.decode()
        == json.dumps(json.loads(one), sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    )


def test_the_prose_carries_the_pages_values_and_no_directives(journal):
    data, outcome = notebook_of(journal, "using.md")
    text = "\n".join(sources(data))
    assert "It is 36, and `{{ use.u }}` stays code." in text  # (1+2+3) * 3 * 2
    assert "::output" not in text and "::figure" not in text and "::code" not in text
    # ::code is a Markdown block (with its lines), not a cell that would redefine scale()
    cells = json.loads(data)["cells"]
    shown = [
        c
        for c in cells
        if "def scale(x):" in "".join(c["source"])
        and not "".join(c["source"]).startswith("%%writefile")
    ]
    assert [c["cell_type"] for c in shown] == ["markdown"]
    assert "`snippets/use.py`, lines 6\u20137" in "".join(shown[0]["source"])


def test_a_needed_run_of_another_entry_runs_first_with_every_file_it_needs(journal):
    data, _ = notebook_of(journal, "using.md")
    text = sources(data)
    first = next(i for i, s in enumerate(text) if "results['making:make'] = run('make.py')" in s)
    then = next(i for i, s in enumerate(text) if "results['use'] = run('use.py')" in s)
    assert first < then
    assert "[making](https://example.org/making/)" in text[first - 1]  # says why it is there
    written = [s.split("\n", 1)[0] for s in text if s.startswith("%%writefile")]
    # the snippets, the module make.py imports, and the data file it read (the cache recorded it)
    assert written == [
        "%%writefile snippets/helper.py",
        "%%writefile snippets/make.py",
        "%%writefile snippets/use.py",
        "%%writefile data/table.csv",
    ]
    setup = next(s for s in text if s.startswith("# Setup"))
    assert "'data'" in setup and "OPENBLAS_NUM_THREADS" in setup
    assert setup.index("OPENBLAS_NUM_THREADS") < setup.index("import numpy")


def test_a_frozen_run_is_there_marked_as_measured_elsewhere(journal):
    data, _ = notebook_of(journal, "making.md")
    cells = json.loads(data)["cells"]
    speed = next(c for c in cells if c["metadata"].get("journal", {}).get("run") == "speed")
    assert speed["metadata"]["journal"]["frozen"] is True
    note = "".join(cells[cells.index(speed) - 1]["source"])
    assert "measures the machine it runs on" in note and "Your numbers will differ" in note
    assert re.search(r"measured on .+ \(\d+ cores\)", note)


def test_without_a_commit_there_is_no_commit_link(journal):
    data, _ = notebook_of(journal, "making.md", None)
    assert json.loads(data)["metadata"]["journal"]["commit"] is None
    assert "github.com" not in data.decode()
    data, _ = notebook_of(journal, "making.md", Commit("o/n", SHA))
    assert json.loads(data)["metadata"]["journal"]["commit"] == SHA
    assert f"[`89abcde`](https://github.com/o/n/tree/{SHA})" in sources(data)[0]


FILES = ("data/table.csv", "snippets/helper.py", "snippets/make.py", "snippets/use.py")
DIGESTS = f"""\
import hashlib
for rel in {FILES!r}:
    print(rel, hashlib.sha256(open(rel, "rb").read()).hexdigest())
"""


def test_the_notebooks_run_in_an_empty_folder_and_give_the_engines_values(journal, tmp_path):
    for name in ("making.md", "using.md"):
        data, outcome = notebook_of(journal, name)
        extra = DIGESTS if name == "using.md" else ""
        ran = notebookrun.execute(
            data, journal.root, journal.cache, journal.environment_key, tmp_path / name, extra, name
        )
        assert not ran.cached and not ran.errors
        if extra:  # every file written byte for byte (a blank line at the end of one included)
            assert ran.extra.split() == [
                part
                for rel in FILES
                for part in (rel, hashlib.sha256((journal.root / rel).read_bytes()).hexdigest())
            ]
        got = notebookrun.compare(ran, outcome, rtol=0.0)
        assert got.problems == []
        assert ran.isolation["opened"] == [] and ran.isolation["modules"] == []
        assert ran.isolation["cwd"] == str(tmp_path / name)
        if name == "making.md":
            assert got.frozen == ["posts/making.md:speed"] and got.values == 1
        else:  # make (needed) and use: total; u, noise, shape (2), name
            assert got.values == 6 and got.outputs == 2 and got.worst == 0.0
        # a second session finds it in the engine's cache
        again = notebookrun.execute(
            data,
            journal.root,
            journal.cache,
            journal.environment_key,
            tmp_path / "again",
            extra,
            name,
        )
        assert again.cached and notebookrun.compare(again, outcome, 0.0).problems == []
        assert again.extra == ran.extra
    # one file per entry in the cache, which `journal prune` keeps
    kept = sorted(p.name for p in (journal.cache.root / "takehome").iterdir())
    assert kept == ["making.md.ipynb", "using.md.ipynb"]
    removed, _ = journal.prune()
    assert not [p for p in removed if "takehome" in p.parts]
    assert (journal.cache.root / "takehome" / "using.md.ipynb").is_file()


def test_a_value_that_differs_is_reported_with_where():
    problems, worst, count = notebookrun.differences(
        {"a": [1.0, 2.0]}["a"], [1.0, 2.0000001], 1e-9, "e.md:run.a"
    )
    assert problems == ["e.md:run.a[1]: 2.0000001, the page has 2.0"] and count == 2
    assert worst == pytest.approx(5e-8)
    assert notebookrun.differences(3, 3.0, 0.0)[0]  # an int is not a float
    assert notebookrun.differences("x", "x", 0.0) == ([], 0.0, 1)
