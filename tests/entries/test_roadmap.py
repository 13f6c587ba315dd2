"""Entry 0, "Why I'm going back to fundamentals": the plan it draws agrees with the site's
categories, with the entries' own front matter, and with the numbers and alt text it states."""

import json
import re
from pathlib import Path

import yaml
from roadmap import PARTS, PLAN

from journal import identity, plan

ENTRY = "posts/entries/why-fundamentals.md"
ROOT = Path(__file__).resolve().parents[2]


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, f"{path}: no front matter"
    return yaml.safe_load(match.group(1))


def test_parts_are_the_sites_categories():
    assert PARTS == identity.load(ROOT).categories


def test_plan_is_numbered_in_order_and_parts_are_contiguous():
    assert [n for n, _, _ in PLAN] == list(range(len(PLAN)))
    part_index = [PARTS.index(part) for _, _, part in PLAN]
    assert part_index == sorted(part_index)  # parts follow one another, none is split
    assert set(part_index) == set(range(len(PARTS)))  # every part has an entry


def test_the_figure_draws_the_one_plan():
    parts = plan.load(ROOT)
    assert PARTS == [p["name"] for p in parts]
    assert PLAN == sorted((s["n"], s["short"], p["name"]) for p in parts for s in p["steps"])


def test_plan_agrees_with_every_entrys_front_matter():
    part_of = {n: part for n, _, part in PLAN}
    checked = 0
    for path in sorted((ROOT / "posts" / "entries").glob("*.*")):
        if path.suffix == ".ipynb":  # front matter in the first (raw) cell
            meta = yaml.safe_load("".join(json.loads(path.read_text())["cells"][0]["source"])
                                  .split("---")[1])  # fmt: skip
        else:
            meta = front_matter(path)
        if "curriculum" not in meta:
            continue
        assert meta["categories"][0] == part_of[meta["curriculum"]], path.name
        checked += 1
    assert checked >= 8


def test_roadmap_run_numbers(entry_runs):
    v = entry_runs(ENTRY)["roadmap"].values
    assert v["entries"] == len(PLAN) == 16
    assert v["parts"] == len(PARTS) == 5
    counts = [v[f"n_{part.split()[0].lower()}"] for part in PARTS]
    assert counts == [sum(p == part for _, _, p in PLAN) for part in PARTS]
    assert counts == [4, 2, 5, 1, 4]
    assert sum(counts) == v["entries"]


def test_roadmap_figure_and_its_alt_text(entry_runs):
    assert "</svg>" in entry_runs(ENTRY)["roadmap"].figures["roadmap"]
    text = (ROOT / ENTRY).read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("::figure roadmap"))
    alt = re.search(r'alt="([^"]*)"', line).group(1)
    for part in PARTS:
        numbers = [n for n, _, p in PLAN if p == part]
        # the alt text names each part followed by its first (and last) entry number
        said = re.search(re.escape(part) + r"[^(]*?(\d+)(?:\D+?(\d+))?\s*\(", alt)
        assert said, f"alt text does not give the entries of {part}"
        stated = [int(g) for g in said.groups() if g is not None]
        assert stated == sorted({numbers[0], numbers[-1]}), part
