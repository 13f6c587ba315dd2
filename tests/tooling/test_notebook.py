"""Notebook entries: the real one runs top to bottom (nbclient) and its printed claims hold against
closed forms; the engine's notebook support reads, caches, renders and refuses as it should."""

from __future__ import annotations

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


def floor_by_iteration(lr, B, sigma=1.0, D=10, steps=200_000):
    """The SGD noise floor by iterating the error-covariance recurrence to its fixed point:
    c_i <- (1 - lr l_i)^2 c_i + lr^2 / B * l_i (l_i c_i + sum_j l_j c_j + sigma^2)
    (Gaussian x: E[x x^T C x x^T] = 2 H C H + tr(H C) H, on the diagonal of C)."""
    lam = np.logspace(0, 1, D)
    c = np.zeros(D)
    for _ in range(steps):
        new = (1 - lr * lam) ** 2 * c + lr**2 / B * lam * (lam * c + lam @ c + sigma**2)
        if np.max(np.abs(new - c)) < 1e-15:
            break
        c = new
    return 0.5 * lam @ c


def floors(printed):
    rows = re.findall(r"batch\s+(\d+): floor measured ([\d.]+), predicted ([\d.]+)", printed)
    assert len(rows) == 4, printed
    return [(int(b), float(m), float(p)) for b, m, p in rows]


def test_the_noise_floor_matches_its_closed_form_for_every_batch_size(printed):
    for B, measured, predicted in floors(printed):
        assert predicted == pytest.approx(floor_by_iteration(0.02, B), abs=5.1e-5), B  # 4 digits
        assert measured == pytest.approx(predicted, rel=0.1), B  # "agree to a few percent"


def test_bigger_batches_lower_the_floor_more_than_proportionally_here(printed):
    rows = floors(printed)
    assert [b for b, _, _ in rows] == [1, 4, 16, 64]
    measured = [m for _, m, _ in rows]
    assert measured == sorted(measured, reverse=True)
    assert measured[0] / measured[1] > 4  # "more than four times lower"
    # small lr: floor ~ lr sigma^2 tr(H) / (4B)
    tr_h = np.logspace(0, 1, 10).sum()
    assert floor_by_iteration(1e-4, 8) == pytest.approx(1e-4 * tr_h / 32, rel=0.01)


def test_every_decaying_schedule_ends_far_under_the_constant_floor(printed):
    ranges = dict(
        (name.strip(), (float(lo), float(hi)))
        for name, lo, hi in re.findall(
            r"^\s*(.+?): final excess loss ([\d.]+) to ([\d.]+)$", printed, re.M
        )
    )
    assert set(ranges) == {"constant", "halve every 1000", "1 / (1 + k/500)", "cosine to 0"}
    floor = number(r"constant-rate floor, predicted: ([\d.]+)", printed)
    assert floor == pytest.approx(floor_by_iteration(0.02, 1), abs=5.1e-5)
    assert ranges["constant"][0] > floor / 3  # every seed stays near the floor ...
    for name, (_, hi) in ranges.items():
        if name != "constant":
            assert hi < floor / 10, name  # ... every decayed one, on every seed, far under it
    assert ranges["cosine to 0"][1] < min(hi for n, (_, hi) in ranges.items() if n != "cosine to 0")
    assert "lowest worst case: cosine to 0" in printed
    times = number(r"cosine to 0, (\d+) times under the floor", printed)
    assert times == pytest.approx(floor / ranges["cosine to 0"][1], abs=1)


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
    assert [ext for _, ext in published] == ["svg", "svg"]  # two figures
    assert all(data.startswith(b"<?xml") for data, _ in published)
    assert "base64" not in markdown and "data:image" not in markdown
    assert 'alt="Excess loss on a log scale against the step' in markdown
    assert 'alt="Two panels sharing a step axis' in markdown
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


def test_a_prose_edit_is_published_although_the_execution_is_cached(tmp_path):
    """The key covers only code, so the page's prose must come from the notebook as it is now."""
    old = tiny(tmp_path, new_markdown_cell("old words"), new_code_cell("print(6 * 7)"))
    store = notebook.NotebookCache(tmp_path / "cache")
    notebook.executed(old, store, "env", SNIPPETS, ROOT)
    now = tiny(
        tmp_path,
        new_markdown_cell("new words"),
        new_code_cell("print(6 * 7)"),
        new_markdown_cell("an added paragraph"),
    )
    node, cached, _ = notebook.executed(now, store, "env", SNIPPETS, ROOT)
    assert cached
    markdown = notebook.to_markdown(now, node, lambda data, ext: ("fig." + ext, 1, 1))
    assert "new words" in markdown and "an added paragraph" in markdown
    assert "old words" not in markdown and "42" in markdown


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
