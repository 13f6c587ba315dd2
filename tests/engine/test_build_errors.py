"""A build that finds problems reports all of them, each with its file:line, then stops: every
problem of the entries before anything runs, every failed run, every page's rendering problems
before a page is written (it used to stop at the first, so five broken runs took five builds).
And what the build would otherwise hear only from the blog, or not at all, is said at its line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import FixtureSite

FIXTURE = Path(__file__).parents[1] / "tooling" / "fixture_site"
RAISES = "def main():\n    raise ValueError('broken {n}')\n"


def stops(stderr: str) -> str:
    return re.search(r"journal: the build stops: (.*)", stderr)[1]


def reported(proc, *problems: str) -> None:
    """Each of ``problems`` is in the build's log, and the build stopped on that many."""
    for problem in problems:
        assert problem in proc.stderr, proc.stderr[-3000:]
    assert (
        stops(proc.stderr)
        == f"{len(problems)} problems, each reported above with its file and line"
    )


def test_every_problem_of_the_entries_is_reported_and_nothing_runs(site):
    site.counted_snippet("ok.py")
    site.entry("a.md", "# A\n\n::run one ok.py timeout=soon\n\n::run two ok.py\n")
    site.entry("b.md", "# B\n\n::figure two line\n\n::run one ok.py memory=lots\n")
    reported(
        site.build(ok=False),
        "posts/a.md:3: timeout=soon is not a number of seconds",
        "posts/b.md:3: figure has no alt text",
        "posts/b.md:5: memory=lots is not a size",
    )
    assert site.executions() == []  # no run of a journal that cannot be read


def test_every_failed_run_is_reported(site):
    for n in (1, 2, 3):
        site.snippet(f"bad{n}.py", RAISES.format(n=n))
    site.counted_snippet("ok.py")
    site.entry("index.md", "# T\n\n::run r1 bad1.py\n::run r2 bad2.py\n::run ok ok.py\n")
    site.entry("other.md", "# O\n\n::run r3 bad3.py\n")
    reported(
        site.build(ok=False),
        "posts/index.md:3: run 'r1' failed: ValueError: broken 1",
        "posts/index.md:4: run 'r2' failed: ValueError: broken 2",
        "posts/other.md:3: run 'r3' failed: ValueError: broken 3",
    )
    assert site.executions() == ["ok"]  # the good run ran, and its result is kept
    assert not (site.root / "site" / "index.html").exists()


def test_every_pages_rendering_problems_are_reported_before_any_page_is_written(site):
    site.snippet("v.py", "def main():\n    return {'x': 1.5}\n")
    site.entry("index.md", "# T\n\n::run v v.py\n\nA {{ v.y }} and {{ v.x:.3q }}.\n")
    site.entry("other.md", "# O\n\n::run w v.py\n\nB {{ w.z }}.\n")
    reported(
        site.build(ok=False),
        "posts/index.md:5: run 'v' returned no value 'y'",
        "posts/index.md:5: cannot format 'x' with '.3q'",
        "posts/other.md:5: run 'w' returned no value 'z'",
    )
    assert not (site.root / "site" / "index.html").exists()


def test_a_wrong_memory_size_is_an_error_even_when_another_run_answers_it(site):
    """Its twin (same snippet and function, so the same key) answers it without executing:
    the size was only read when a run executed, so ``memory=8X`` passed unseen."""
    site.counted_snippet("ok.py")
    site.entry("index.md", "# T\n\n::run a ok.py\n\n::run b ok.py memory=8X\n")
    proc = site.build(ok=False)
    assert "posts/index.md:5: memory=8X is not a size" in proc.stderr
    site.entry("index.md", "# T\n\n::run a ok.py\n\n::run b ok.py memory=512M\n")
    site.build()
    assert site.executions() == ["ok"]


def journal_copy(tmp_path: Path) -> FixtureSite:
    root = tmp_path / "journal"
    shutil.copytree(FIXTURE, root)
    site = FixtureSite.__new__(FixtureSite)
    site.root, site.log = root, tmp_path / "runs.log"
    site.log.write_text("")
    return site


def test_what_the_blog_would_reject_is_said_at_its_line(tmp_path):
    """An unknown category (the blog says only "not in allow list") and a missing excerpt
    separator (the blog names no line): both entries' problems, at their lines, in one build."""
    site = journal_copy(tmp_path)
    entry = site.root / "posts" / "entries" / "first.md"
    text = entry.read_text(encoding="utf-8")
    entry.write_text(text.replace("  - Foundations", "  - Foundation"), encoding="utf-8")
    second = site.root / "posts" / "entries" / "second.md"
    second.write_text(
        text.replace("slug: first", "slug: second")
        .replace("discussion_id: first", "discussion_id: second")
        .replace("<!-- more -->\n", ""),
        encoding="utf-8",
    )
    proc = site.build(ok=False, env={"JOURNAL_CACHE_DIR": str(tmp_path / "cache")})
    assert (
        "posts/entries/first.md:5: unknown category 'Foundation' (known: Foundations, "
        "Neural networks" in proc.stderr
    )
    assert "posts/entries/second.md:14: no '<!-- more -->' line" in proc.stderr
    assert "not in allow list" not in proc.stderr  # the engine spoke before the blog
    assert stops(proc.stderr) == "2 problems, each reported above with its file and line"
    # a draft is left out of a published build: what the blog would reject in it stops nothing
    second.write_text(
        second.read_text(encoding="utf-8").replace("draft: false", "draft: true"),
        encoding="utf-8",
    )
    entry.write_text(text, encoding="utf-8")
    site.build(env={"JOURNAL_CACHE_DIR": str(tmp_path / "cache")})


def test_two_entries_at_one_address_stop_the_build(tmp_path):
    """The later page used to replace the earlier one without a word: one entry was lost."""
    site = journal_copy(tmp_path)
    first = site.root / "posts" / "entries" / "first.md"
    twin = site.root / "posts" / "entries" / "twin.md"
    twin.write_text(
        first.read_text(encoding="utf-8")
        .replace("title: First entry", "title: A twin")
        .replace("discussion_id: first", "discussion_id: twin"),
        encoding="utf-8",
    )
    proc = site.build(ok=False, env={"JOURNAL_CACHE_DIR": str(tmp_path / "cache")})
    said = re.search(
        r"posts/entries/(\w+)\.md:9: its page would be written to first/index.html, "
        r"where posts/entries/(\w+)\.md's is",
        proc.stderr,
    )
    assert said and {said[1], said[2]} == {"first", "twin"}, proc.stderr[-2000:]
    assert "give each entry a slug of its own" in proc.stderr
    twin.write_text(
        twin.read_text(encoding="utf-8").replace("slug: first", "slug: twin"), encoding="utf-8"
    )
    site.build(env={"JOURNAL_CACHE_DIR": str(tmp_path / "cache")})
    assert (site.root / "site" / "twin" / "index.html").is_file()
    assert (site.root / "site" / "first" / "index.html").is_file()


def test_front_matter_the_blog_would_stop_on_is_said_at_its_line(tmp_path):
    """A value of the wrong kind stopped the blog with "Expected type: <class 'datetime.date'>
    ... but received: <class 'str'>", naming no line, or went through to a broken page (an
    empty title; a slug with a path in it wrote the page to another folder). Every such problem
    of every entry is said at its line in one build; what only ``journal check`` asks for (a
    description of 50 to 160 characters, a key that looks mistyped) stops nothing."""
    site = journal_copy(tmp_path)
    first = site.root / "posts" / "entries" / "first.md"
    text = first.read_text(encoding="utf-8")
    first.write_text(
        text.replace("date: 2026-11-01", "date: yesterday")
        .replace("tags:\n  - fixture", "tags: fixture")
        .replace("draft: false", 'draft: "no"'),
        encoding="utf-8",
    )
    other = site.root / "posts" / "entries" / "other.md"
    other.write_text(
        text.replace("title: First entry", 'title: ""')
        .replace("slug: first", "slug: notes/../elsewhere")
        .replace("discussion_id: first", "discussion_id: other")
        .replace("curriculum: 0", "curriculum: zero")
        .replace("::output beta", "::outptu beta"),  # and the rest of the entry is read
        encoding="utf-8",
    )
    unclosed = site.root / "posts" / "entries" / "unclosed.md"
    unclosed.write_text(text.replace("draft: false\n---\n", "draft: false\n"), encoding="utf-8")
    proc = site.build(ok=False, env={"JOURNAL_CACHE_DIR": str(tmp_path / "cache")})
    reported(
        proc,
        "posts/entries/first.md:3: date: 'yesterday' is not a date (write YYYY-MM-DD)",
        "posts/entries/first.md:7: tags: must be a list of words",
        "posts/entries/first.md:11: draft: 'no' must be true or false",
        "posts/entries/other.md:2: title: must be a non-empty text",
        "posts/entries/other.md:9: slug 'notes/../elsewhere' must be lowercase words joined",
        "posts/entries/other.md:11: curriculum: 'zero' must be the entry's number in the plan",
        "posts/entries/other.md:28: unknown directive ::outptu",
        "posts/entries/unclosed.md:1: front matter is not closed by a '---' line",
    )
    assert "Expected type" not in proc.stderr  # the engine spoke before the blog
    assert site.executions() == []
    other.unlink()
    unclosed.unlink()
    first.write_text(
        text.replace("slug: first", "slug: first\nsulg: first").replace(
            "description: A fixture entry with two runs from two snippets, so a test can edit "
            "one and watch.",
            "description: Short.",
        ),
        encoding="utf-8",
    )
    site.build(env={"JOURNAL_CACHE_DIR": str(tmp_path / "cache")})
    assert (site.root / "site" / "first" / "index.html").is_file()


def test_a_notebooks_front_matter_is_said_at_its_line_before_it_executes(tmp_path):
    """A notebook entry with a date that is a word executed (seconds of a kernel), then the
    blog stopped on it naming the page it was made into, under the cache folder."""
    import nbformat

    site = journal_copy(tmp_path)
    front = (site.root / "posts" / "entries" / "first.md").read_text(encoding="utf-8")
    front = front.split("---\n")[1]
    front = (
        front.replace("date: 2026-11-01", "date: yesterday")
        .replace("tags:\n  - fixture", "tags: fixture")
        .replace("first", "explored")
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_raw_cell(f"---\n{front}---"),
        nbformat.v4.new_markdown_cell("An exploration.\n\n<!-- more -->\n\nMore."),
        nbformat.v4.new_code_cell("print(6 * 7)"),
    ]
    path = site.root / "posts" / "entries" / "explored.ipynb"
    nbformat.write(nb, str(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    date_line = next(i for i, line in enumerate(lines, 1) if '"date: yesterday' in line)
    tags_line = next(i for i, line in enumerate(lines, 1) if '"tags: fixture' in line)
    proc = site.build(ok=False, env={"JOURNAL_CACHE_DIR": str(tmp_path / "cache")})
    reported(
        proc,
        f"posts/entries/explored.ipynb:{date_line}: date: 'yesterday' is not a date",
        f"posts/entries/explored.ipynb:{tags_line}: tags: must be a list of words",
    )
    assert "Expected type" not in proc.stderr
    assert "executed" not in proc.stderr  # neither the notebook nor any run


def test_a_language_the_theme_does_not_translate_is_said_at_its_line(tmp_path):
    """It stopped the build at the first page with Jinja's TemplateNotFound and a traceback."""
    site = journal_copy(tmp_path)
    config = site.root / "journal.yml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^language: .*\n", "", text).replace("title:", "language: pt-br\ntitle:", 1)
    config.write_text(text, encoding="utf-8")
    line = text.splitlines().index("language: pt-br") + 1
    proc = site.build(ok=False, env={"JOURNAL_CACHE_DIR": str(tmp_path / "cache")})
    assert (
        f"journal.yml:{line}: language 'pt-br' is not one the theme translates (did you mean "
        "`pt-BR`?); its languages: af, ar," in proc.stderr
    ), proc.stderr[-2000:]
    assert "TemplateNotFound" not in proc.stderr
