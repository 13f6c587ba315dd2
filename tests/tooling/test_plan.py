"""The plan (site_hooks/plan.yml) is the one source of which step is in which part: `journal
check` reports an entry that disagrees with it, and `journal new` never proposes a number from
another part than the chosen category's (and refuses one given by hand)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from journal import plan
from journal.check import check

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).with_name("fixture_site")
JOURNAL = Path(sys.executable).with_name("journal")


@pytest.fixture
def journal(tmp_path) -> Path:
    """The fixture journal (entries 0 and 1, Foundations) with the real plan."""
    root = tmp_path / "journal"
    shutil.copytree(FIXTURE, root)
    (root / "site_hooks").mkdir()
    shutil.copy(ROOT / plan.PLAN_FILE, root / plan.PLAN_FILE)
    return root


def new(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(JOURNAL), "new", *args, "--date", "2026-12-01"],
        cwd=root,
        capture_output=True,
        text=True,
    )


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])


def test_the_real_plan_puts_autograd_and_embeddings_where_their_entries_do():
    steps = plan.steps(plan.load(ROOT / plan.PLAN_FILE))
    assert steps[4].part == "Neural networks" and steps[6].part == "Language models"
    assert sorted(steps) == list(range(16))


def test_check_reports_an_entry_whose_category_contradicts_the_plan(journal):
    path = journal / "posts/entries/first.md"
    text = path.read_text(encoding="utf-8").replace("curriculum: 0", "curriculum: 5")
    path.write_text(text, encoding="utf-8")
    found = [str(p) for p in check(journal)]
    assert (
        "posts/entries/first.md:5: category 'Foundations' contradicts the plan: curriculum 5 "
        "(Backprop with matrices: an MLP) is in 'Neural networks' (site_hooks/plan.yml); "
        "change the category or the number"
    ) in found


@pytest.mark.parametrize(
    "category, expected",
    [
        ("Foundations", 2),  # 0 and 1 are written: the next Foundations step
        ("Neural networks", 4),
        ("Language models", 6),
        ("Generative models", 11),
        ("Production", 12),
    ],
)
def test_new_proposes_the_first_unwritten_step_of_the_categorys_part(journal, category, expected):
    done = new(journal, "A new entry", "--category", category)
    assert done.returncode == 0, done.stderr
    meta = front_matter(journal / "posts/entries/a-new-entry.md")
    assert meta["curriculum"] == expected and meta["categories"] == [category]
    steps = plan.steps(plan.load(journal / plan.PLAN_FILE))
    assert steps[meta["curriculum"]].part == category
    assert check(journal) == []  # what it writes agrees with the plan


def test_new_proposes_the_parts_last_step_once_every_step_is_written(journal):
    for title in ["Gradient descent", "More descent"]:
        assert new(journal, title).returncode == 0
    meta = front_matter(journal / "posts/entries/more-descent.md")
    assert meta["curriculum"] == 3  # 2 and 3 taken by now: stay in Foundations, never 4


def test_new_refuses_a_number_from_another_part(journal):
    done = new(journal, "Tokens", "--category", "Foundations", "--curriculum", "7")
    assert done.returncode == 2
    assert "contradicts the plan: curriculum 7 (Tokenization: byte-pair encoding)" in done.stderr
    assert not (journal / "posts/entries/tokens.md").exists()  # nothing written


def test_a_plan_with_a_step_twice_is_refused(tmp_path):
    path = tmp_path / "plan.yml"
    path.write_text(
        "parts:\n  - {name: A, summary: s, steps: [{n: 0, title: x}]}\n"
        "  - {name: B, summary: s, steps: [{n: 0, title: y}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="step 0 appears twice"):
        plan.load(path)
