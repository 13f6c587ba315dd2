"""The plan (journal.yml's `plan:`) is the one source of which step is in which part: `journal
check` reports an entry that disagrees with it, and `journal new` never proposes a number from
another part than the chosen category's (and refuses one given by hand)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from journal import identity, plan
from journal.check import check

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).with_name("fixture_site")
JOURNAL = Path(sys.executable).with_name("journal")
PARTS = identity.load(ROOT).plan  # this journal's plan, whatever its parts are called
WRITTEN = {0, 1}  # the fixture's entries' numbers


@pytest.fixture
def journal(tmp_path) -> Path:
    """The fixture journal (entries 0 and 1, in the first part) with this journal's plan."""
    root = tmp_path / "journal"
    shutil.copytree(FIXTURE, root)
    own = yaml.safe_load((root / identity.FILE).read_text(encoding="utf-8"))
    own["plan"] = yaml.safe_load((ROOT / identity.FILE).read_text(encoding="utf-8"))["plan"]
    (root / identity.FILE).write_text(yaml.safe_dump(own, sort_keys=False), encoding="utf-8")
    first = PARTS[0]["name"]
    for entry in (root / "posts/entries").glob("*.md"):  # the fixture's entries: the first part
        text = entry.read_text(encoding="utf-8").replace("  - Foundations", f"  - {first}")
        entry.write_text(text, encoding="utf-8")
    assert {s["n"] for s in PARTS[0]["steps"]} >= WRITTEN
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


def test_check_reports_an_entry_whose_category_contradicts_the_plan(journal):
    path = journal / "posts/entries/first.md"
    other = PARTS[1]
    step = other["steps"][-1]
    text = path.read_text(encoding="utf-8").replace("curriculum: 0", f"curriculum: {step['n']}")
    path.write_text(text, encoding="utf-8")
    found = [str(p) for p in check(journal)]
    assert (
        f"posts/entries/first.md:5: category {PARTS[0]['name']!r} contradicts the plan: "
        f"curriculum {step['n']} ({step['title']}) is in {other['name']!r} (journal.yml); "
        "change the category or the number"
    ) in found


@pytest.mark.parametrize("part", PARTS, ids=[p["name"] for p in PARTS])
def test_new_proposes_the_first_unwritten_step_of_the_categorys_part(journal, part):
    category = part["name"]
    expected = next(s["n"] for s in part["steps"] if s["n"] not in WRITTEN)
    done = new(journal, "A new entry", "--category", category)
    assert done.returncode == 0, done.stderr
    meta = front_matter(journal / "posts/entries/a-new-entry.md")
    assert meta["curriculum"] == expected and meta["categories"] == [category]
    steps = plan.steps(plan.load(journal))
    assert steps[meta["curriculum"]].part == category
    assert check(journal) == []  # what it writes agrees with the plan


def test_new_proposes_the_parts_last_step_once_every_step_is_written(journal):
    numbers = [s["n"] for s in PARTS[0]["steps"]]
    unwritten = [n for n in numbers if n not in WRITTEN]
    for i in range(len(unwritten) + 1):  # one entry per unwritten step, then one more
        assert new(journal, f"Entry {chr(97 + i)}").returncode == 0
    got = [front_matter(journal / f"posts/entries/entry-{chr(97 + i)}.md")["curriculum"]
           for i in range(len(unwritten) + 1)]  # fmt: skip
    assert got == unwritten + [numbers[-1]]  # stays in the first part, never the next one


def test_new_refuses_a_number_from_another_part(journal):
    step = PARTS[-1]["steps"][0]
    done = new(journal, "Tokens", "--category", PARTS[0]["name"], "--curriculum", str(step["n"]))
    assert done.returncode == 2
    assert f"contradicts the plan: curriculum {step['n']} ({step['title']})" in done.stderr
    assert not (journal / "posts/entries/tokens.md").exists()  # nothing written
