"""journal.yml, the journal's identity: this journal's loads, and every mistake in one is reported
at its line with what to write instead (journal/identity.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from journal import identity
from journal.errors import JournalError

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
title: A journal
description: Someone learns something, in public.
author:
  name: Someone
  about: Learns things.
repository: Some-One/my-journal
comments:
  repo_id: R_kgDOAbCdEf
  category: Show and tell
  category_id: DIC_kwDOAbCdEf4CaBcD
plan:
  - name: First part
    summary: The start.
    steps:
      - {n: 0, title: Why, short: why}
      - {n: 1, title: How}
  - name: Second part
    summary: The rest.
    steps:
      - {n: 2, title: What next}
"""


def problem(text: str) -> JournalError:
    with pytest.raises(JournalError) as info:
        identity.parse(text)
    return info.value


def test_this_journals_identity_loads_and_is_consistent():
    ident = identity.load(ROOT)
    assert ident.title and ident.description and ident.author_name and ident.author_about
    assert ident.repository == f"{ident.owner}/{ident.name}"
    assert ident.site_url.startswith("https://") and ident.site_url.endswith("/")
    assert ident.categories == [part["name"] for part in ident.plan]
    numbers = [step["n"] for part in ident.plan for step in part["steps"]]
    assert len(numbers) == len(set(numbers))


def test_a_complete_identity_and_what_follows_from_it():
    ident = identity.parse(GOOD)
    assert (ident.owner, ident.name) == ("Some-One", "my-journal")
    assert ident.site_url == "https://some-one.github.io/my-journal/"  # hosts are lowercase
    assert ident.language == "en"
    assert ident.categories == ["First part", "Second part"]
    assert ident.plan[0]["steps"][1] == {"n": 1, "title": "How", "short": "How"}
    assert ident.comments == {
        "repo": "Some-One/my-journal",  # always the journal's own repository
        "repo_id": "R_kgDOAbCdEf",
        "category": "Show and tell",
        "category_id": "DIC_kwDOAbCdEf4CaBcD",
        "discussions_url": "https://github.com/Some-One/my-journal/discussions/categories/show-and-tell",
    }
    assert ident.no_comments == ""


def test_a_user_site_and_an_explicit_site_url():
    user = identity.parse(GOOD.replace("Some-One/my-journal", "someone/someone.github.io"))
    assert user.site_url == "https://someone.github.io/"
    own = identity.parse(GOOD + "site_url: https://learn.example.org/j\n")
    assert own.site_url == "https://learn.example.org/j/"


@pytest.mark.parametrize(
    "comments, why",
    [
        ("comments: false\n", "says comments: false"),
        ("", "has no comments: block"),
        ("comments:\n  repo_id: R_kgDONexample\n  category_id: DIC_kwDONexample\n", "placeholder"),
        ("comments:\n  repo_id: R_kgDO...\n  category_id: DIC_kwDO...\n", "placeholder"),
        ("comments:\n  repo_id: ''\n  category: Comments\n  category_id: DIC_x1\n", "empty"),
    ],
)
def test_no_real_giscus_ids_mean_no_comments(comments, why):
    text = GOOD.split("comments:")[0] + comments + "plan:" + GOOD.split("plan:")[1]
    ident = identity.parse(text)
    assert ident.comments is None
    assert why in ident.no_comments
    assert ident.discussions_url == "https://github.com/Some-One/my-journal/discussions"


@pytest.mark.parametrize(
    "old, new, line, message",
    [
        ("title: A journal\n", "", 1, "no title:"),
        ("repository: Some-One/my-journal", "repository: https://github.com/a/b", 6,
         "repository: 'https://github.com/a/b' is not a GitHub owner/name"),
        ("repository: Some-One/my-journal", "repository: -bad/name", 6, "is not a GitHub"),
        ("repository: Some-One/my-journal", "respository: a/b", 6, "unknown key 'respository'"),
        ("      - {n: 2, title: What next}", "      - {n: 1, title: What next}", 20,
         "step 1 is in two parts: 'First part' (line 16) and 'Second part'"),
        ("      - {n: 1, title: How}", "      - {n: 0, title: How}", 16,
         "step 0 appears twice in part 'First part' (line 15)"),
        ("      - {n: 1, title: How}", "      - {n: one, title: How}", 16,
         "n: 'one' must be a whole number"),
        ("{n: 1, title: How}", "{n: 1, title: How, so}", 16, "unknown key 'so'"),
        ("  - name: Second part", "  - name: First part", 17,
         "part 'First part' appears twice (line 12)"),
        ("    summary: The rest.\n", "", 17, "a part of the plan has no summary:"),
        ("  name: Someone\n", "", 4, "author has no name:"),
        ("  repo_id: R_kgDOAbCdEf", "  repo_id: 12345", 8, "comments.repo_id: '12345' is not a giscus id"),
        ("  repo_id: R_kgDOAbCdEf", "  repo: a/b", 8, "comments: unknown key 'repo'"),
        ("title: A journal", "title: [A journal", 2, "not valid YAML"),
    ],
)  # fmt: skip
def test_mistakes_are_reported_at_their_line(old, new, line, message):
    assert old in GOOD
    err = problem(GOOD.replace(old, new, 1))
    assert err.where.path == "journal.yml"
    assert (err.where.line, message in err.message) == (line, True), str(err)


def test_every_problem_is_listed_and_a_typo_gets_a_suggestion():
    err = problem(
        GOOD.replace("title:", "titel:", 1).replace("repository: Some-One/", "repository: ")
    )
    assert err.where.line == 1 and "unknown key 'titel'" in err.message
    assert "did you mean `title`?" in err.hint
    assert "journal.yml:6: repository: 'my-journal' is not a GitHub owner/name" in err.detail
    assert [line for line, _, _ in err.problems] == [1, 1, 6]  # `no title:` at the mapping


def test_a_missing_journal_yml_says_where_one_comes_from(tmp_path):
    with pytest.raises(JournalError, match="journal.yml is missing") as info:
        identity.load(tmp_path)
    assert "journal init" in info.value.hint


FIXTURE = Path(__file__).with_name("fixture_site")
MKDOCS = Path(sys.executable).with_name("mkdocs")


def build(root: Path, **env: str) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of a journal, its runs left out (JOURNAL_EXECUTION=off)."""
    return subprocess.run(
        [str(MKDOCS), "build", "--strict", "-d", str(root / "site")],
        cwd=root,
        env={**os.environ, "JOURNAL_EXECUTION": "off", "NO_MKDOCS_2_WARNING": "1", **env},
        capture_output=True,
        text=True,
    )


def test_the_build_takes_its_identity_from_journal_yml_and_checks_the_pages_address(tmp_path):
    root = tmp_path / "journal"
    shutil.copytree(FIXTURE, root)
    ident = identity.load(root)
    done = build(root, JOURNAL_SITE_URL=ident.site_url.rstrip("/"))  # as configure-pages gives it
    assert done.returncode == 0, done.stderr
    home = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert f"<title>{ident.title}</title>" in home
    assert f'<link rel="canonical" href="{ident.site_url}">' in home
    assert f'href="{ident.repo_url}/"' in home

    moved = build(root, JOURNAL_SITE_URL="https://learn.example.org/")
    assert moved.returncode != 0
    assert (
        "GitHub Pages serves this site at https://learn.example.org/ (JOURNAL_SITE_URL) but "
        f"journal.yml says site_url {ident.site_url}; set `site_url: https://learn.example.org/` "
        "in journal.yml"
    ) in moved.stderr

    (root / "journal.yml").write_text(
        (root / "journal.yml")
        .read_text(encoding="utf-8")
        .replace("repository: ", "repository: x/y/")
    )
    broken = build(root)
    assert broken.returncode != 0
    line = next(
        i for i, text in enumerate((root / "journal.yml").open(encoding="utf-8"), 1)
        if text.startswith("repository:")
    )  # fmt: skip
    assert f"journal: journal.yml:{line}: repository: 'x/y/" in broken.stderr
