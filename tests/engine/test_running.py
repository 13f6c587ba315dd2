"""Runs place their output, figures and values in the page; failures stop the build with
the entry's line, the snippet's line and the end of the traceback."""

import re

import numpy as np

PLOTTING = """\
import matplotlib.pyplot as plt
import numpy as np


def main():
    x = np.linspace(0, 1, 11)
    print("<script>alert(1)</script> & sum =", x.sum())
    fig, ax = plt.subplots(num="line")
    ax.plot(x, x**2)
    fig2, ax2 = plt.subplots()
    ax2.bar([1, 2], [3, 4])
    return {"total": x.sum(), "count": 11, "name": "parabola", "ok": True}
"""


def test_output_figures_and_values_are_placed(site):
    site.snippet("plot.py", PLOTTING)
    site.entry(
        "index.md",
        """\
        # T

        ::run p plot.py

        Total {{ p.total:.2f }} of {{ p.count }} points, a {{ p.name }}; {{ p.ok }}.

        ::output p

        ::figure p line alt="The parabola y = x squared from 0 to 1" caption="A parabola."

        ::figure p 2 alt="Two bars of heights 3 and 4"
        """,
    )
    site.build()
    page = site.page()
    assert "Total 5.50 of 11 points, a parabola; True." in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; sum = 5.5" in page
    assert "<script>alert(1)" not in page
    figures = re.findall(r'<img src="(figures/[0-9a-f]+\.svg)" alt="([^"]+)"', page)
    assert [alt for _, alt in figures] == [
        "The parabola y = x squared from 0 to 1",
        "Two bars of heights 3 and 4",
    ]
    for src, _ in figures:
        svg = (site.root / "site" / src).read_text()
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<figcaption>A parabola.</figcaption>" in page
    assert page.count('class="journal-figure"') == 2  # neither asks to keep its colours


def test_a_figure_can_keep_its_colours_in_the_dark_palette(site):
    site.snippet("plot.py", PLOTTING)
    site.entry("index.md", '# T\n\n::run p plot.py\n\n::figure p 2 alt="Two bars" colours=keep\n')
    site.build()
    assert '<figure class="journal-figure journal-figure--keep-colours">' in site.page()
    site.entry("index.md", '# T\n\n::run p plot.py\n\n::figure p 2 alt="Two bars" colours=invert\n')
    proc = site.build(ok=False)
    assert "posts/index.md:5: colours=invert is not known" in proc.stderr


def test_missing_alt_text_is_an_error(site):
    site.snippet("plot.py", PLOTTING)
    site.entry("index.md", "# T\n\n::run p plot.py\n\n::figure p line\n")
    proc = site.build(ok=False)
    assert "posts/index.md:5: figure has no alt text" in proc.stderr


def test_unknown_figure_and_value_are_errors_with_lines(site):
    site.snippet("plot.py", PLOTTING)
    site.entry("index.md", '# T\n\n::run p plot.py\n\n::figure p nope alt="x"\n')
    proc = site.build(ok=False)
    assert "posts/index.md:5: run 'p' has no figure 'nope'" in proc.stderr
    assert "line, 2" in proc.stderr  # the figures it does have
    site.entry("index.md", "# T\n\n::run p plot.py\n\nA {{ p.missing }}.\n")
    proc = site.build(ok=False)
    assert "posts/index.md:5: run 'p' returned no value 'missing'" in proc.stderr
    site.entry("index.md", "# T\n\nA {{ q.total }}.\n")
    proc = site.build(ok=False)
    assert "posts/index.md:3: no run named 'q'" in proc.stderr


def test_a_raising_run_fails_with_entry_and_snippet_lines(site):
    site.snippet(
        "bad.py",
        """\
        def helper(x):
            return 1 / x


        def main():
            return {"y": helper(0)}
        """,
    )
    site.entry("index.md", "# T\n\ntext\n\n::run b bad.py\n")
    proc = site.build(ok=False)
    assert "posts/index.md:5: run 'b' failed: ZeroDivisionError: division by zero" in proc.stderr
    assert "in snippets/bad.py:2" in proc.stderr
    assert "return 1 / x" in proc.stderr  # the end of the traceback


def test_a_value_a_page_cannot_quote_fails_its_run_with_the_reason(site):
    """A run's values are written as JSON for the page: a set or a dict has no place in a
    sentence, and an integer past Python's 4,300-digit limit for decimal text made the run's
    process die with exit code 70 and nothing on stderr."""
    site.snippet(
        "odd.py",
        "def as_set():\n    return {'s': {1, 2}}\n\n\ndef as_dict():\n    return {'d': {'a': 1}}\n"
        "\n\ndef huge():\n    return {'n': 10**5000}\n",
    )
    site.entry(
        "index.md", "# T\n\n::run a odd.py:as_set\n::run b odd.py:as_dict\n::run c odd.py:huge\n"
    )
    proc = site.build(ok=False)
    for line, message in (
        (3, "run 'a' failed: TypeError: value 's' is a set; a run returns numbers, strings"),
        (4, "run 'b' failed: TypeError: value 'd' is a dict; a run returns numbers, strings"),
        (5, "run 'c' failed: ValueError: value 'n' is an integer of more than 4300 digits"),
    ):
        assert f"posts/index.md:{line}: {message}" in proc.stderr, proc.stderr[-3000:]


def test_a_run_that_times_out_fails_and_is_stopped(site):
    site.snippet("slow.py", "import time\n\n\ndef main():\n    time.sleep(30)\n")
    site.entry("index.md", "# T\n\n::run s slow.py timeout=1\n")
    proc = site.build(ok=False)
    assert "posts/index.md:3: run 's' (snippets/slow.py:main) timed out after 1 s" in proc.stderr
    assert "in snippets/slow.py:5" in proc.stderr  # where it was when time ran out
    assert "slow.py:5 <- worker.py:" in proc.stderr


def test_a_run_that_dies_fails_the_build(site):
    site.snippet("die.py", "import os\n\n\ndef main():\n    os._exit(3)\n")
    site.snippet(
        "segv.py",
        "import os\nimport signal\n\n\ndef main():\n    os.kill(os.getpid(), signal.SIGSEGV)\n",
    )
    site.entry("index.md", "# T\n\n::run d die.py\n")
    proc = site.build(ok=False)
    assert "posts/index.md:3: run 'd' (snippets/die.py:main) died (exit code 3)" in proc.stderr
    site.entry("index.md", "# T\n\n::run d segv.py\n")
    proc = site.build(ok=False)
    assert "died (signal SIGSEGV)" in proc.stderr


def test_each_run_is_isolated(site):
    site.snippet(
        "probe.py",
        """\
        import os
        import random
        import sys

        import matplotlib
        import numpy as np

        LEAK = []


        def main():
            LEAK.append(1)  # a second run in the same process would see 2
            with open("scratch.txt", "w") as f:  # lands in a temporary folder
                f.write("x")
            return {
                "backend": matplotlib.get_backend(),
                "cwd_is_project": os.getcwd().startswith(PROJECT),
                "np_draw": float(np.random.rand()),
                "py_draw": random.random(),
                "hashseed": os.environ["PYTHONHASHSEED"],
                "leak": len(LEAK),
                "pid": os.getpid(),
            }
        """,
    )
    (site.root / "snippets" / "probe.py").write_text(
        (site.root / "snippets" / "probe.py").read_text().replace("PROJECT", repr(str(site.root)))
    )
    site.snippet("probe2.py", "from probe import main\n")
    site.entry("index.md", "# T\n\n::run a probe.py\n\n::run b probe2.py\n")
    from journal.project import Journal

    results = Journal(site.root, cache_dir=None).results_for(site.root / "posts/index.md")
    a, b = results["a"].values, results["b"].values
    assert a["backend"].lower() == "agg"
    assert a["cwd_is_project"] is False
    assert a["np_draw"] == np.random.RandomState(0).rand()  # seeded with 0
    assert a["hashseed"] == "0"
    assert a["leak"] == b["leak"] == 1 and a["pid"] != b["pid"]
    assert not (site.root / "scratch.txt").exists()


def test_long_output_is_cut_with_a_note(site):
    site.snippet("chatty.py", "def main():\n    for i in range(5000):\n        print('line', i)\n")
    site.entry("index.md", "# T\n\n::run c chatty.py\n\n::output c\n")
    site.build()
    page = site.page()
    assert "line 199" in page and "line 200\n" not in page
    assert "Output cut: 4,800 more lines" in page
