"""A code block links to its lines at the published commit (journal/codelinks.py), or shows no
link when there is no commit (a copied journal) or no journal.yml (an engine fixture)."""

from __future__ import annotations

import subprocess
import textwrap

import markdown
import pytest

from journal import codelinks
from journal.project import Journal

SHA = "0123456789abcdef0123456789abcdef01234567"
IDENTITY = """\
title: A journal
description: Someone learns something, in public.
author:
  name: Someone
  about: Learns things.
repository: Some-One/my-journal
comments: false
plan:
  - name: First part
    summary: The start.
    steps:
      - {n: 0, title: Why}
"""
SNIPPET = """\
import numpy as np


# --8<-- [start:square]
def square(x):
    # comment
    return x * x
# --8<-- [end:square]


def main():
    return {"nine": square(3)}
"""
ENTRY = """\
# Squares

$$\\sum_{i<j} x_i$$

::code sq.py#square

::code sq.py
"""


def rendered(root, entry_text=ENTRY) -> str:
    journal = Journal(root, cache_dir=None, execution="off")
    entry = journal.parse(entry_text, "posts/e.md")
    return journal.render(entry_text, entry, {}, lambda svg: "x.svg").markdown


@pytest.fixture
def journal_root(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_SHA", raising=False)
    root = tmp_path / "j"
    (root / "snippets").mkdir(parents=True)
    (root / "posts").mkdir()
    (root / "snippets" / "sq.py").write_text(SNIPPET)
    return root


def test_with_a_commit_each_block_links_its_own_lines(journal_root, monkeypatch):
    (journal_root / "journal.yml").write_text(IDENTITY)
    monkeypatch.setenv("GITHUB_SHA", SHA)
    text = rendered(journal_root)
    base = f"https://github.com/Some-One/my-journal/blob/{SHA}/snippets/sq.py"
    # the section: the def on line 5 to its return on line 7 (the markers are not shown)
    assert (
        f"[Lines 5\u20137 of `snippets/sq.py`]({base}#L5-L7) at commit `0123456` on GitHub" in text
    )
    # the whole module: line 1 to its last line, the marker lines inside counted
    assert f"({base}#L1-L12)" in text
    assert SNIPPET.count("\n") == 12
    # and in HTML (after a formula with '<', which once wrapped raw HTML in a <p>)
    html = markdown.markdown(text, extensions=["attr_list", "pymdownx.superfences"])
    assert f'<p class="journal-source"><a href="{base}#L5-L7">Lines 5\u20137 of' in html
    assert "<p><p" not in html and "<p><div" not in html


def test_the_head_of_the_journals_own_checkout(journal_root):
    (journal_root / "journal.yml").write_text(IDENTITY)
    git = ["git", "-C", str(journal_root), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "a"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True)
    assert f"/blob/{head.stdout.strip()}/snippets/sq.py#L5-L7" in rendered(journal_root)


@pytest.mark.parametrize("identity", [True, False])
def test_without_a_commit_or_an_identity_the_block_is_as_before(journal_root, identity):
    if identity:  # a journal copied out of its checkout: no commit to point at
        (journal_root / "journal.yml").write_text(IDENTITY)
    text = rendered(journal_root)
    assert "github.com" not in text and "journal-source" not in text
    assert '``` python title="snippets/sq.py" linenums="5"\n' in text


def test_the_commit_is_looked_up_once_per_journal(journal_root, monkeypatch):
    (journal_root / "journal.yml").write_text(IDENTITY)
    monkeypatch.setenv("GITHUB_SHA", SHA)
    journal = Journal(journal_root, cache_dir=None, execution="off")
    first = codelinks.commit_of(journal)
    (journal_root / "journal.yml").write_text(IDENTITY.replace("Some-One", "Else"))
    assert codelinks.commit_of(journal) is first  # the same build keeps its commit
    assert (
        codelinks.commit_of(Journal(journal_root, cache_dir=None)).repository == "Else/my-journal"
    )


def test_a_section_with_marker_lines_inside_ends_at_its_last_line(journal_root):
    (journal_root / "snippets" / "sq.py").write_text(
        textwrap.dedent("""\
        # --8<-- [start:outer]
        a = 1
        # --8<-- [start:inner]
        b = 2
        # --8<-- [end:inner]
        c = 3
        # --8<-- [end:outer]
        """)
    )
    from journal import snippets
    from journal.errors import Location

    excerpt = snippets.read(
        journal_root / "snippets", journal_root, "sq.py", "outer", Location("e.md", 1)
    )
    assert excerpt.first_line == 2 and codelinks.last_line(journal_root, excerpt) == 6
