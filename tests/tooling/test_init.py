"""`journal init`: a new journal, written without a terminal, passes its own README's test command
and builds, with this checkout's engine installed into its own environment; it carries nothing of
this journal (title, host, repository, entries, snippets); a missing answer, a used folder or a
bad plan is refused with the flag or the path to fix, before anything is written.

The new journal's environment is real and separate: its Makefile creates `.venv` and syncs it
from its own locks with uv, from uv's local cache (fetching only what it lacks: uv's own wheel on
a fresh machine), then installs the engine from `ENGINE=` (a copy of this checkout's
pyproject.toml and journal/, so the build writes nothing into the checkout) in place of the git
tag its pyproject.toml pins.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from journal import SOURCE, __version__, identity
from journal import init as journal_init

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")
ANSWERS = [
    "--title", "Learning Rust in public",
    "--author", "Ada Lovelace",
    "--about", "Backend engineer, learning Rust from the borrow checker up",
    "--repository", "ada/rust-journal",
]  # fmt: skip


def journal_cmd(*args, stdin=subprocess.DEVNULL, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    return subprocess.run(
        [sys.executable, "-m", "journal.cli", *map(str, args)],
        cwd=cwd or ROOT,
        stdin=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def files_of(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def engine_copy(dest: Path) -> Path:
    """This checkout's engine as a source tree of its own (symlinks in the templates followed)."""
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    shutil.copytree(
        ROOT / "journal",
        dest / "journal",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ruff_cache"),
    )
    return dest


@pytest.mark.slow
def test_new_journal_passes_its_readme_test_command_and_builds(tmp_path):
    target = tmp_path / "rust-journal"
    done = journal_cmd("init", target, *ANSWERS, "--yes")
    assert done.returncode == 0, done.stderr
    assert f"wrote {len(files_of(target))} files into {target}/" in done.stdout
    readme = (target / "README.md").read_text(encoding="utf-8")
    commands = dict(re.findall(r"^(make \w+)\s+# (.*)$", readme, re.M))
    assert "make test" in commands and "make preview" in commands, readme

    (tmp_path / "engine").mkdir()
    engine = engine_copy(tmp_path / "engine")
    # From uv's cache, which holds every pin but uv's own wheel on a fresh machine (this
    # checkout's uv was installed by pip), so uv may fetch that one from the registry; bytecode
    # written as modules are first imported rather than all compiled up front (the generated
    # Makefile's default, about 18 s of CPU); the new journal's own cache folder, not one this
    # session may point at.
    drop = ("CI", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "JOURNAL_CACHE_DIR", "JOURNAL_EXECUTION")
    drop += ("UV_OFFLINE",)
    env = {k: v for k, v in os.environ.items() if k not in drop}
    overrides = [f"ENGINE={engine}", f"UV={UV}", "COMPILE_BYTECODE="]
    cpu0 = os.times()
    started = time.perf_counter()
    test = subprocess.run(
        ["make", "-C", str(target), "test", *overrides],  # the README's `make test`
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert test.returncode == 0, test.stdout[-4000:] + test.stderr[-4000:]
    assert re.search(r"\b4 passed\b", test.stdout), test.stdout[-2000:]
    build = subprocess.run(
        ["make", "-C", str(target), "build", *overrides],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    cpu1 = os.times()
    print(
        f"make test + make build in the new journal: {time.perf_counter() - started:.1f} s wall, "
        f"{cpu1.children_user + cpu1.children_system - cpu0.children_user - cpu0.children_system:.1f}"
        " s CPU"
    )

    # the engine in its environment is this checkout's, not the pinned tag
    venv_python = target / ".venv" / "bin" / "python"
    where = subprocess.run(
        [str(venv_python), "-c", "import journal; print(journal.__version__, journal.__file__)"],
        cwd=target, capture_output=True, text=True, check=True, env=env,
    ).stdout.split()  # fmt: skip
    assert where[0] == __version__ and where[1].startswith(str(target / ".venv"))
    # what it built: the identity from journal.yml, the opening entry's number, the site features
    site = target / "site"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "<title>Learning Rust in public</title>" in home
    assert 'href="https://ada.github.io/rust-journal/"' in home  # canonical, from repository
    entry = next((target / "posts" / "entries").glob("*.md")).stem
    page = (site / entry / "index.html").read_text(encoding="utf-8")
    rolls = subprocess.run(
        [str(venv_python), "-c", "import dice; print(f\"{dice.roll(10_000).mean():.3f}\")"],
        cwd=target / "snippets", capture_output=True, text=True, check=True, env=env,
    ).stdout.strip()  # fmt: skip
    assert f"mean came out at {rolls}" in page
    assert (site / "assets" / "journal.css").is_file() and (site / "feed.xml").is_file()
    assert "Getting started" in (site / "roadmap" / "index.html").read_text(encoding="utf-8")


def forbidden_traces() -> dict[str, str]:
    """What of this journal must not reach a new one: its identity (from journal.yml, so the
    list follows a change of identity) and its entries and snippets by name and title."""
    me = identity.load(ROOT)
    traces = {
        "title": me.title,
        "description": me.description,
        "author's line": me.author_about,
        "host": me.host,
        "site": me.site_url,
        "repository": me.repository,
        "literal host": "example.github.io",
        "literal title": "Learning AI in public",
    }
    for part in me.plan:
        traces[f"category {part['name']}"] = part["summary"]
        for step in part["steps"]:
            if " " in step["title"]:  # a one-word title ("Attention") is any journal's word
                traces[f"step {step['n']}"] = step["title"]
    for path in sorted((ROOT / "posts" / "entries").iterdir()):
        traces[f"entry {path.name}"] = path.stem
    for path in sorted((ROOT / "snippets").glob("*.py")):
        traces[f"snippet {path.name}"] = path.name
    return traces


def test_new_journal_has_no_trace_of_this_one(tmp_path):
    target = tmp_path / "j"
    done = journal_cmd("init", target, *ANSWERS, "--yes")
    assert done.returncode == 0, done.stderr
    written = files_of(target)
    assert written.keys() >= {
        "journal.yml", "mkdocs.yml", "README.md", "Makefile", "pyproject.toml", ".ci/run",
        "requirements.lock", "requirements-test.lock", "requirements-uv.lock", ".gitignore",
        "posts/index.md", "posts/roadmap.md", "posts/tags.md",
        "posts/entries/why-i-am-keeping-this-journal.md", "snippets/dice.py",
        "tests/conftest.py", "tests/test_dice.py", "tests/test_site.py",
        ".github/workflows/tests.yml", ".github/workflows/pages.yml", ".github/dependabot.yml",
        ".github/ISSUE_TEMPLATE/config.yml", ".github/ISSUE_TEMPLATE/errata.yml",
        ".github/DISCUSSION_TEMPLATE/comments.yml",
    }  # fmt: skip
    # the engine's own address is the one place this repository may appear: the pin
    pin = f"learning-journal @ git+{SOURCE}@v{__version__}"
    assert f'dependencies = ["{pin}"]' in written["pyproject.toml"]
    found = []
    for rel, text in written.items():
        text = text.replace(SOURCE, "<the engine's repository>")
        if rel.endswith(".lock"):
            text = re.sub(r"^ +# via.*$|^ +#   .*$", "", text, flags=re.M)  # pins, not prose
        for what, trace in forbidden_traces().items():
            if len(trace) > 3 and re.search(rf"(?<![\w-]){re.escape(trace)}(?![\w-])", text, re.I):
                found.append(f"{rel}: {what} ({trace!r})")
    assert not found, "\n".join(found)
    # and nothing of the engine is copied: no hooks, theme overrides or engine modules
    assert not [r for r in written if r.startswith(("site_hooks/", "overrides/", "journal/"))]
    assert not [r for r in written if r.endswith((".css", ".js", ".html"))]
    assert "hooks:" not in written["mkdocs.yml"] and "site_url" not in written["mkdocs.yml"]
    new = identity.parse(written["journal.yml"])
    assert (new.title, new.author_name, new.repository) == (
        "Learning Rust in public",
        "Ada Lovelace",
        "ada/rust-journal",
    )
    assert new.site_url == "https://ada.github.io/rust-journal/"
    assert new.comments is None and "repo_id is empty" in new.no_comments
    assert new.categories == ["Getting started", "Going further"]
    assert (
        "https://github.com/ada/rust-journal/discussions"
        in written[".github/ISSUE_TEMPLATE/config.yml"]
    )


def test_without_a_terminal_a_missing_answer_names_its_flag(tmp_path):
    target = tmp_path / "j"
    done = journal_cmd("init", target)
    assert done.returncode == 2
    assert "no terminal to ask on" in done.stderr
    for flag in ("--title", "--author", "--repository", "--about", "--plan"):
        assert flag in done.stderr
    done = journal_cmd("init", target, "--title", "T", "--author", "A", "--yes")
    assert done.returncode == 2 and "--repository" in done.stderr and "--title" not in done.stderr
    assert not target.exists()


def test_a_used_folder_is_refused_and_left_as_it_was(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    done = journal_cmd("init", tmp_path, *ANSWERS, "--yes")
    assert done.returncode == 2
    assert f"{tmp_path} is not empty (1 items: notes.txt)" in done.stderr
    assert "never overwrites" in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_bad_answers_are_refused_before_anything_is_written(tmp_path):
    target = tmp_path / "j"
    done = journal_cmd("init", target, *ANSWERS[:-2], "--repository", "https://x.org/a", "--yes")
    assert done.returncode == 2 and "is not a GitHub owner/name" in done.stderr
    plan = tmp_path / "plan.yml"
    plan.write_text("- name: Only\n  summary: s\n  steps:\n    - {n: 1, title: One}\n"
                    "    - {n: 1, title: Again}\n", encoding="utf-8")  # fmt: skip
    done = journal_cmd("init", target, *ANSWERS, "--plan", plan, "--yes")
    assert done.returncode == 2
    assert f"--plan {plan}: step 1 appears twice in part 'Only'" in done.stderr
    assert not target.exists()


def test_own_plan_and_no_comments(tmp_path):
    plan = tmp_path / "plan.yml"
    plan.write_text(
        "plan:\n"
        "  - name: Ownership\n    summary: Borrowing, lifetimes.\n    steps:\n"
        "      - {n: 1, title: 'Moves: who owns what'}\n      - {n: 2, title: Lifetimes}\n"
        "  - name: Async\n    summary: Futures and executors.\n    steps:\n"
        "      - {n: 3, title: A tiny executor}\n",
        encoding="utf-8",
    )
    target = tmp_path / "j"
    done = journal_cmd("init", target, *ANSWERS, "--plan", plan, "--no-comments", "--yes")
    assert done.returncode == 0, done.stderr
    new = identity.load(target)
    assert new.categories == ["Ownership", "Async"] and new.comments is None
    assert "comments: false" in new.no_comments
    entry = (target / "posts" / "entries" / "moves-who-owns-what.md").read_text(encoding="utf-8")
    assert 'title: "Moves: who owns what"' in entry and "curriculum: 1" in entry
    assert '  - "Ownership"' in entry
    assert "Comments stay off" not in done.stdout


def test_asks_each_question_on_a_terminal(tmp_path):
    """A real pseudo-terminal: the answers typed, one per line, as a user would."""
    target = tmp_path / "j"
    typed = ["My notes", "Grace", "", "", "not a repository", "grace/notes", "", "n"]
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "journal.cli", "init", str(target)],
        stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env, close_fds=True,
    )  # fmt: skip
    os.close(slave)
    os.write(master, ("\n".join(typed) + "\n").encode())
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        out += chunk
    assert proc.wait(timeout=30) == 0, out.decode(errors="replace")
    os.close(master)
    text = out.decode(errors="replace").replace("\r\n", "\n")
    assert "Title of the journal: " in text
    assert "One line about you (home page, author card, feeds) [Learning in public" in text
    assert "'not a repository' is not a GitHub owner/name" in text  # asked again
    assert "journal init --title 'My notes' --author Grace" not in text  # the dir comes first
    assert f"journal init {target} --title 'My notes' --author Grace" in text
    new = identity.load(target)
    assert (new.title, new.author_name, new.repository) == ("My notes", "Grace", "grace/notes")
    assert new.author_about == "Learning in public, one entry at a time"
    assert new.comments is None and "comments: false" in new.no_comments


def test_template_test_lock_is_the_engine_pins_plus_its_test_tools():
    """The new journal's locks are the engine's (requirements.lock, requirements-uv.lock are
    links to them); its test lock adds only pytest and ruff, at the engine's own pins."""
    pins = journal_init.TEMPLATE

    def pinned(path: Path) -> dict[str, str]:
        return dict(re.findall(r"^([A-Za-z0-9._-]+)==([^\s;]+)", path.read_text(), re.M))

    build, engine_test = pinned(ROOT / "requirements.lock"), pinned(ROOT / "requirements-test.lock")
    new_test = pinned(pins / "requirements-test.lock")
    assert build.items() <= new_test.items()
    extra = set(new_test) - set(build)
    assert {"pytest", "ruff"} <= extra
    assert all(new_test[name] == engine_test[name] for name in extra)
    for name in ("requirements.lock", "requirements-uv.lock"):
        assert (pins / name).resolve() == (ROOT / name).resolve()


def test_new_journal_workflows_pass_both_linters_and_pin_what_ours_pin(tmp_path):
    """actionlint and zizmor (pedantic) find nothing in the new journal's .github, and each
    action is pinned to the commit this repository's own workflows use (Dependabot updates
    those; this keeps the template from falling behind them)."""
    import test_github

    target = tmp_path / "j"
    assert journal_cmd("init", target, *ANSWERS, "--yes").returncode == 0
    workflows = sorted((target / ".github" / "workflows").glob("*.yml"))
    assert [p.name for p in workflows] == ["pages.yml", "tests.yml"]
    lint = test_github.run_actionlint(*workflows)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    proc, findings = test_github.run_zizmor(target / ".github")
    assert findings == [], findings
    ours = {
        m["action"]: (m["sha"], m["version"])
        for path in test_github.WORKFLOWS
        for m in map(test_github.PINNED_USES.match, path.read_text().splitlines())
        if m
    }
    for path in workflows:
        for line in path.read_text(encoding="utf-8").splitlines():
            if test_github.ANY_USES.match(line):
                m = test_github.PINNED_USES.match(line)
                assert m, f"{path.name}: not pinned as `@<sha> # vX.Y.Z`: {line}"
                assert ours[m["action"]] == (m["sha"], m["version"]), line
