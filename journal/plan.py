"""The journal's plan, `plan:` in journal.yml (read and checked by ``identity``): the one place
that says which curriculum step belongs to which part, and whose parts are the categories. An entry's category must be the part of its `curriculum:` step:
`journal check` reports an entry that disagrees, the roadmap page refuses to build with one, and
`journal new` proposes only numbers from the chosen category's part.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import identity

PLAN_FILE = Path(identity.FILE)  # relative to the journal's root


@dataclass(frozen=True)
class Step:
    """One step of the plan."""

    n: int
    title: str
    part: str


def load(root: Path) -> list[dict]:
    """The plan's parts of the journal rooted at ``root``, in order, each {name, summary,
    steps: [{n, title, short}]}; raises JournalError (journal.yml:line) for a bad one."""
    return identity.load(root).plan


def steps(parts: list[dict]) -> dict[int, Step]:
    """Every step by its number."""
    return {s["n"]: Step(s["n"], s["title"], p["name"]) for p in parts for s in p["steps"]}


def disagreement(meta: dict, by_number: dict[int, Step]) -> str | None:
    """Why an entry's category contradicts the plan, or None if it agrees (or says too little:
    no category, a category that is no part, or a number off the plan)."""
    n, cats = meta.get("curriculum"), meta.get("categories")
    if isinstance(n, bool) or not isinstance(n, int) or n not in by_number:
        return None
    if not isinstance(cats, list) or not cats:
        return None
    step = by_number[n]
    if cats[0] == step.part or cats[0] not in {s.part for s in by_number.values()}:
        return None  # agrees, or an unknown category (reported as such)
    return (
        f"category {cats[0]!r} contradicts the plan: curriculum {n} ({step.title}) is in "
        f"{step.part!r} ({PLAN_FILE.as_posix()}); change the category or the number"
    )


def off_plan(meta: dict, by_number: dict[int, Step]) -> str | None:
    """Why an entry's number names no step of the plan (the home page's path and "Part N of M"
    would leave the entry out), or None."""
    n = meta.get("curriculum")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0 or not by_number or n in by_number:
        return None  # not a number: reported as such
    numbers = sorted(by_number)
    return (
        f"curriculum: {n} is no step of the plan (its steps are {numbers[0]} to {numbers[-1]} "
        f"in {PLAN_FILE.as_posix()}); use a step's number, or add the step to the plan"
    )


def propose(parts: list[dict], category: str, written: set[int]) -> int:
    """The number a new entry in `category` should take: its part's first step that no entry
    covers yet, else the part's last step (a further entry on it)."""
    part = next((p for p in parts if p["name"] == category), None)
    if part is None or not part["steps"]:
        raise ValueError(f"the plan has no part {category!r}")
    numbers = [s["n"] for s in part["steps"]]
    return next((n for n in numbers if n not in written), numbers[-1])
