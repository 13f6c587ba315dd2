"""Notebook entries: the real one runs top to bottom (nbclient) and its printed claims hold against
closed forms; the engine's notebook support reads, caches, renders and refuses as it should."""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from journal import notebook
from journal.errors import JournalError

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "posts" / "entries" / "playing-with-learning-rates.ipynb"
REL = "posts/entries/playing-with-learning-rates.ipynb"
SNIPPETS = ROOT / "snippets"

FRONT = """---
title: A tiny notebook
date: 2026-11-27
---"""


@pytest.fixture(scope="module")
def executed():
    """The entry's notebook, executed top to bottom in a fresh kernel (no cache)."""
    nb = notebook.read(ENTRY, REL)
    return nb, notebook.execute(nb, SNIPPETS)


@pytest.fixture(scope="module")
def printed(executed):
    """Everything the notebook printed, cell by cell joined."""
    _, node = executed
    return "".join(
        o.text
        for c in node.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream" and o.name == "stdout"
    )


def number(pattern: str, text: str) -> float:
    m = re.search(pattern, text)
    assert m, f"the notebook no longer prints {pattern!r}"
    return float(m.group(1))


# -- the entry's claims --------------------------------------------------------------------------
def test_front_matter_is_a_complete_entry():
    nb = notebook.read(ENTRY, REL)
    assert nb.meta["slug"] == "playing-with-learning-rates"
    assert str(nb.meta["date"]) == "2026-11-26"
    assert nb.meta["draft"] is False
    assert nb.meta["categories"] == ["Foundations"]


def test_runs_top_to_bottom_without_errors(executed):
    _, node = executed
    code = [c for c in node.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code)
    assert not any(o.output_type == "error" for c in code for o in c.outputs)


def test_divergence_starts_right_after_two_over_L(printed):
    """The grid's first diverging step is the first grid point at or past 2/L = 0.2 (L = 10)."""
    L, step = 10.0, 0.005
    first_bad = number(r"first learning rate that never converges: ([\d.]+)", printed)
    assert 2 / L <= first_bad < 2 / L + step + 1e-12


def test_fastest_step_is_two_over_L_plus_mu(printed):
    """The best fixed step is 2/(L + mu) = 0.1818; the grid's best is its nearest grid point, and
    the steps it needs obey the worst-case bound ln(1e-6) / ln((kappa - 1)/(kappa + 1))."""
    mu, L = 1.0, 10.0
    best = number(r"fastest learning rate on the grid: ([\d.]+)", printed)
    steps = number(r"fastest learning rate on the grid: [\d.]+ \((\d+) steps\)", printed)
    assert best == pytest.approx(2 / (L + mu), abs=0.005)
    kappa = L / mu
    bound = math.ceil(math.log(1e-6) / math.log((kappa - 1) / (kappa + 1)))  # 69
    assert 0.8 * bound <= steps <= bound


def test_halving_the_best_rate_doubles_the_steps(printed):
    """The prose: halving the best rate (0.18 -> 0.09) costs about a factor of two in steps."""
    rows = dict(re.findall(r"lr = ([\d.]+):\s+(-?\d+) steps", printed))
    best = number(r"fastest learning rate on the grid: [\d.]+ \((\d+) steps\)", printed)
    assert 1.8 <= int(rows["0.090"]) / best <= 2.3


def test_every_converging_rate_meets_its_worst_case_bound(printed):
    rows = re.findall(r"lr = ([\d.]+):\s+(-?\d+) steps \(worst-case bound\s+(-?\d+)\)", printed)
    assert len(rows) >= 10
    for lr, steps, bound in rows:
        if float(lr) < 0.2:
            assert 0 < int(steps) <= int(bound), lr
        else:
            assert int(steps) == -1 and int(bound) == -1, lr


def test_diabetes_cliff_is_at_two_over_L(printed):
    """On standardized diabetes least squares, L is the top eigenvalue of X^T X / n."""
    from sklearn.datasets import load_diabetes

    X, _ = load_diabetes(return_X_y=True)
    X = np.c_[(X - X.mean(0)) / X.std(0), np.ones(len(X))]  # (n, 11)
    L = np.linalg.eigvalsh(X.T @ X / len(X)).max()
    assert number(r"2/L = ([\d.]+)\n", printed) == pytest.approx(2 / L, abs=1e-4)
    below = number(
        r"lr = 1\.9/L: relative distance to the least-squares answer ([\d.e+-]+)", printed
    )
    above = number(
        r"lr = 2\.1/L: relative distance to the least-squares answer ([\d.e+-]+)", printed
    )
    assert below < 1e-4
    assert above > 1e100  # "blows up by a hundred orders of magnitude"
    assert X.shape == (442, 11)  # 442 patients, 10 features and the bias column


def test_page_is_light(executed):
    """The figure is an SVG file of its own with alt text; nothing base64 is left in the page."""
    nb, node = executed
    published = []

    def publish(data, ext):
        published.append((data, ext))
        return f"../figures/{len(published)}.{ext}", 400, 300

    markdown = notebook.to_markdown(nb, node, publish)
    assert [ext for _, ext in published] == ["svg"]
    assert published[0][0].startswith(b"<?xml")
    assert "base64" not in markdown and "data:image" not in markdown
    assert 'alt="Relative error against step' in markdown
    assert "<!-- more -->" in markdown
    assert len(markdown.encode()) < 20_000


# -- the engine's notebook support -----------------------------------------------------------------
def tiny(tmp_path: Path, *cells, front: str = FRONT) -> notebook.Notebook:
    nb = new_notebook(cells=[new_raw_cell(front), *cells])
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, str(path))
    return notebook.read(path, "posts/entries/tiny.ipynb")


def test_a_notebook_without_front_matter_is_refused_at_line_1(tmp_path):
    path = tmp_path / "bare.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("# hi")]), str(path))
    with pytest.raises(JournalError, match="no front matter") as err:
        notebook.read(path, "posts/entries/bare.ipynb")
    assert str(err.value.where) == "posts/entries/bare.ipynb:1"


def test_a_failing_cell_names_the_cell(tmp_path):
    nb = tiny(tmp_path, new_code_cell("x = 1"), new_code_cell("1 / 0"))
    with pytest.raises(JournalError, match=r"cell 2 of the notebook raised ZeroDivisionError"):
        notebook.execute(nb, SNIPPETS)


def test_the_cache_serves_a_second_build_and_a_code_change_reruns(tmp_path):
    nb = tiny(tmp_path, new_code_cell("print(6 * 7)"))
    store = notebook.NotebookCache(tmp_path / "cache")
    first, cached, _ = notebook.executed(nb, store, "env", SNIPPETS, ROOT)
    assert not cached and first.cells[1].outputs[0].text == "42\n"
    again, cached, seconds = notebook.executed(nb, store, "env", SNIPPETS, ROOT)
    assert cached and seconds < 0.5 and again.cells[1].outputs[0].text == "42\n"
    # Prose edits keep the key; code edits and snippet imports change it.
    prose = tiny(tmp_path, new_markdown_cell("words"), new_code_cell("print(6 * 7)"))
    assert notebook.cache_key(prose, "env", SNIPPETS, ROOT) == notebook.cache_key(
        nb, "env", SNIPPETS, ROOT
    )
    edited = tiny(tmp_path, new_code_cell("print(6 * 8)"))
    assert notebook.cache_key(edited, "env", SNIPPETS, ROOT) != notebook.cache_key(
        nb, "env", SNIPPETS, ROOT
    )


def test_key_follows_imported_snippets(tmp_path):
    snippets = tmp_path / "snippets"
    snippets.mkdir()
    (snippets / "helper.py").write_text("K = 1\n")
    nb = tiny(tmp_path, new_code_cell("%matplotlib inline\nfrom helper import K\nprint(K)"))
    before = notebook.cache_key(nb, "env", snippets, tmp_path)
    (snippets / "helper.py").write_text("K = 2\n")
    assert notebook.cache_key(nb, "env", snippets, tmp_path) != before


def test_snippets_import_and_figures_are_svg(tmp_path):
    """A notebook cell can import a snippet module; figures come back as SVG, not PNG."""
    nb = tiny(
        tmp_path,
        new_code_cell(
            "# alt: a straight line\nimport matplotlib.pyplot as plt\nimport qr\n"
            "print(qr.__name__)\nplt.plot([0, 1], [0, 1])\nplt.show()"
        ),
    )
    node = notebook.execute(nb, SNIPPETS)
    outputs = node.cells[1].outputs
    assert outputs[0].text == "qr\n"
    assert "image/svg+xml" in outputs[1].data and "image/png" not in outputs[1].data


def test_a_figure_without_alt_text_is_refused(tmp_path):
    nb = tiny(tmp_path, new_code_cell("plt.plot([1])"))
    node = nb.node
    node.cells[1].outputs = [
        new_output("display_data", data={"image/svg+xml": "<svg width='10pt' height='10pt'/>"})
    ]
    with pytest.raises(JournalError, match="cell 1 draws a figure with no alt text"):
        notebook.to_markdown(nb, node, lambda data, ext: ("x.svg", 10, 10))


def test_outputs_are_escaped_and_tags_are_honoured(tmp_path):
    nb = tiny(tmp_path, new_code_cell("secret = 1"), new_code_cell("print('<b>')"))
    node = nb.node
    node.cells[1].metadata["tags"] = ["remove-cell"]
    node.cells[2].metadata["tags"] = ["hide-input"]
    node.cells[2].outputs = [new_output("stream", name="stdout", text="<b>\n")]
    markdown = notebook.to_markdown(nb, node, lambda data, ext: ("x", 1, 1))
    assert "secret" not in markdown and "print(" not in markdown
    assert "&lt;b&gt;" in markdown and "<b>" not in markdown
    assert markdown.startswith("---\ntitle: A tiny notebook\n")


def test_the_site_lists_the_notebook_beside_the_markdown_entries():
    """The real build: the notebook's page exists, the journal's home page links it."""
    sys.path.insert(0, str(ROOT / "tests" / "site"))
    import sitebuild

    site = sitebuild.built_site()
    page = site.root / "playing-with-learning-rates" / "index.html"
    assert page.is_file()
    home = (site.root / "index.html").read_text(encoding="utf-8")
    assert 'href="playing-with-learning-rates/"' in home
    assert "data:image/png;base64" not in page.read_text(encoding="utf-8")
