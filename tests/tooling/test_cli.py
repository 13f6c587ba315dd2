"""The ``journal`` command through its installed entry point, on copies of the fixture journal:
help for every command, ``new`` from a title to files that check, build and pass their own
test, clear refusals of bad titles, and ``build`` leaving drafts out."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from journal import scaffold

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).with_name("fixture_site")
JOURNAL = Path(sys.executable).with_name("journal")


def journal(*args: str, cwd: Path | None = None, env: dict | None = None):
    return subprocess.run(
        [str(JOURNAL), *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


@pytest.fixture
def site(tmp_path) -> Path:
    root = tmp_path / "journal"
    shutil.copytree(FIXTURE, root)
    return root


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


# -- help ------------------------------------------------------------------------------------------
def test_the_entry_point_is_installed_with_the_project():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'journal = "journal.cli:main"' in pyproject
    assert JOURNAL.is_file()


def test_top_level_help_lists_every_command():
    done = journal("--help")
    assert done.returncode == 0
    for command in ("new", "check", "preview", "build"):
        assert command in done.stdout


@pytest.mark.parametrize(
    "command, words",
    [
        ("new", ["--slug", "--category", "--date", "--curriculum", "--tag", "draft"]),
        ("check", ["file:line: message", "orphan"]),
        ("preview", ["--port", "re-runs only the runs"]),
        ("build", ["--site-dir", "drafts left out"]),
    ],
)
def test_every_command_has_help(command, words):
    done = journal(command, "--help")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    for word in words:
        assert word in text, (command, word)


def test_no_command_is_a_usage_error():
    done = journal()
    assert done.returncode == 2
    assert "usage: journal" in done.stderr


# -- new -------------------------------------------------------------------------------------------
def test_new_creates_an_entry_that_checks_builds_and_passes_its_test(site, tmp_path):
    done = journal(
        "new", "Attention, from scratch", "--date", "2026-12-03", "--tag", "attention", cwd=site
    )
    assert done.returncode == 0, done.stderr
    entry = site / "posts/entries/attention-from-scratch.md"
    snippet = site / "snippets/attention_from_scratch.py"
    test = site / "tests/entries/test_attention_from_scratch.py"
    for path in (entry, snippet, test):
        assert path.is_file()
        assert str(path.relative_to(site)) in done.stdout
    assert "make preview" in done.stdout

    meta = front_matter(entry)
    assert meta["title"] == "Attention, from scratch"
    assert str(meta["date"]) == "2026-12-03"
    assert meta["categories"] == ["Foundations"]
    assert meta["tags"] == ["attention"]
    assert meta["slug"] == meta["discussion_id"] == "attention-from-scratch"
    assert meta["curriculum"] == 2  # the fixture's entries are 0 and 1
    assert meta["draft"] is True
    assert 50 <= len(meta["description"]) <= 160

    # The journal's own linter is happy with it as written.
    checked = journal("check", cwd=site)
    assert checked.returncode == 0, checked.stdout

    # The snippet runs by hand, as a reader would run it.
    ran = subprocess.run(
        [sys.executable, str(snippet)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("slope ")

    # Its test passes with the journal's entry_runs fixture.
    shutil.copy(ROOT / "tests" / "conftest.py", site / "tests" / "conftest.py")
    tested = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
        cwd=site,
        capture_output=True,
        text=True,
    )
    assert tested.returncode == 0, tested.stdout[-3000:]
    assert "2 passed" in tested.stdout


def test_new_refuses_a_title_whose_slug_is_taken(site):
    first = journal("new", "Learning rates", cwd=site)
    assert first.returncode == 0
    before = (site / "posts/entries/learning-rates.md").read_text(encoding="utf-8")
    again = journal("new", "Learning Rates!", cwd=site)
    assert again.returncode == 2
    assert "already uses the slug 'learning-rates'" in again.stderr
    assert (site / "posts/entries/learning-rates.md").read_text(encoding="utf-8") == before
    # The fixture's own entry takes 'first' through its front matter.
    taken = journal("new", "Something", "--slug", "first", cwd=site)
    assert taken.returncode == 2 and "already uses the slug 'first'" in taken.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["日本語"], "cannot make a URL slug from '日本語'"),
        (["!!!"], "cannot make a URL slug"),
        (["   "], "the title is empty"),
        (["A" * 91], "at most 90 characters"),
        (["word " * 15], "keep it under 60"),
        (["2027 in review"], "cannot be a Python module name"),
        (["Lambda"], None),  # 'lambda' is a keyword: refused
        (["JSON"], "snippets/json.py would hide the standard library's json"),
        (["NumPy"], "snippets/numpy.py would hide the installed package numpy"),
        (["Fine title", "--slug", "Not_A_Slug"], "cannot make a URL slug"),
        (["Fine title", "--category", "Cooking"], "unknown category 'Cooking'; known: "),
        (["Fine title", "--date", "2026-02-30"], "'2026-02-30' is not a date"),
    ],
)
def test_new_refuses_bad_titles_and_options_clearly(site, args, message):
    done = journal("new", *args, cwd=site)
    assert done.returncode == 2
    assert done.stdout == ""
    if message:
        assert message in done.stderr
    assert sorted(p.name for p in (site / "posts/entries").iterdir()) == [
        "first.md",
        "unfinished.md",
    ]


def test_new_outside_a_journal_says_where_to_run_it(tmp_path):
    done = journal("new", "Anything", cwd=tmp_path)
    assert done.returncode != 0
    assert "no mkdocs.yml" in done.stderr and "--root" in done.stderr


@pytest.mark.parametrize(
    "title, slug",
    [
        ("Attention, from scratch (part 1)", "attention-from-scratch-part-1"),
        ("Régularisation & dropout", "regularisation-dropout"),
        ("  KV cache = memoization  ", "kv-cache-memoization"),
    ],
)
def test_slugify(title, slug):
    assert scaffold.slugify(title) == slug


# -- check and build ------------------------------------------------------------------------------
def test_check_with_root_from_elsewhere(site, tmp_path):
    done = journal("check", "--root", str(site), cwd=tmp_path)
    assert done.returncode == 0
    assert "no problems (2 entries, 2 snippets" in done.stderr


def test_build_leaves_drafts_out(site, tmp_path):
    out = tmp_path / "out"
    done = journal(
        "build", "--root", str(site), "-d", str(out), env={"JOURNAL_CACHE_DIR": str(tmp_path / "c")}
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "first" / "index.html").is_file()
    assert not (out / "unfinished").exists()
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="first/"' in home and "unfinished" not in home
    assert "journal: 2 runs: 2 executed, 0 cached, 0 failed" in done.stderr


# -- house rules -----------------------------------------------------------------------------------
def test_pre_commit_runs_ruff_and_journal_check_on_a_fresh_repository(site, tmp_path):
    """The real .pre-commit-config.yaml in a new git repository holding the fixture journal:
    badly formatted code and a broken entry fail the hooks; fixed, they pass."""
    pre_commit = Path(sys.executable).with_name("pre-commit")
    shutil.copy(ROOT / ".pre-commit-config.yaml", site)
    shutil.copy(ROOT / "pyproject.toml", site)  # ruff's settings
    (site / ".venv").symlink_to(ROOT / ".venv")
    (site / ".gitignore").write_text(".venv\n")
    (site / "snippets" / "alpha.py").write_text(
        (site / "snippets" / "alpha.py").read_text().replace("return x * x", "return x*x")
    )
    (site / "posts/entries/first.md").write_text(
        (site / "posts/entries/first.md").read_text().replace("Foundations", "Cooking")
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "."]):
        subprocess.run(git + args, cwd=site, check=True, env=env)

    def run():
        return subprocess.run(
            [str(pre_commit), "run", "--all-files"],
            cwd=site,
            capture_output=True,
            text=True,
            env=env,
        )

    assert subprocess.run([str(pre_commit), "validate-config"], cwd=site).returncode == 0
    first = run()
    assert first.returncode == 1
    assert "files were modified by this hook" in first.stdout  # ruff format fixed alpha.py
    assert "return x * x" in (site / "snippets" / "alpha.py").read_text()
    assert "posts/entries/first.md:5: unknown category 'Cooking'" in first.stdout
    (site / "posts/entries/first.md").write_text(
        (site / "posts/entries/first.md").read_text().replace("Cooking", "Foundations")
    )
    subprocess.run(git + ["add", "."], cwd=site, check=True, env=env)
    second = run()
    assert second.returncode == 0, second.stdout
    for hook in ("ruff check", "ruff format", "journal check"):
        assert hook in second.stdout
