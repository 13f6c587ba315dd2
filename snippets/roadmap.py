"""The journal's plan as a timeline: sixteen entries in five parts, drawn with plain matplotlib.

The plan itself lives in one file, the `plan:` of journal.yml (the journal's identity), which the
roadmap page, `journal check` and `journal new` read too; this module only reads it (with plain
YAML: a snippet never imports the engine) and draws it."""

from pathlib import Path

import matplotlib.pyplot as plt
import yaml

PLAN_FILE = Path(__file__).resolve().parents[1] / "journal.yml"


# --8<-- [start:plan]
def read_plan(path=PLAN_FILE):
    """The parts in order, and every step as (entry number, short title, part)."""
    parts = yaml.safe_load(path.read_text(encoding="utf-8"))["plan"]
    plan = [(s["n"], s.get("short", s["title"]), p["name"]) for p in parts for s in p["steps"]]
    return [p["name"] for p in parts], sorted(plan)


PARTS, PLAN = read_plan()
# --8<-- [end:plan]


def plot_plan(plan, parts):
    """One row per part, one labelled dot per entry, in the order I plan to write them."""
    fig, ax = plt.subplots(figsize=(7.0, 3.4), num="roadmap", clear=True)
    for row, part in enumerate(parts):
        entries = [(n, title) for n, title, p in plan if p == part]
        first, last = entries[0][0], entries[-1][0]
        ax.plot(
            [first, last], [row, row], color=f"C{row}", lw=6, alpha=0.35, solid_capstyle="round"
        )
        for n, title in entries:
            ax.plot(n, row, "o", color=f"C{row}", ms=5)
            ax.text(n - 0.1, row - 0.15, title, ha="left", va="bottom", fontsize=7, rotation=40)
    ax.set_yticks(range(len(parts)), parts)
    ax.set_ylim(len(parts) - 0.6, -0.9)  # the first part on top, room for its labels
    ax.set_xticks(range(len(plan)))
    ax.set_xlim(-0.6, len(plan) + 0.6)
    ax.set_xlabel("entry number")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    fig.tight_layout()
    return fig


def main():
    plot_plan(PLAN, PARTS)
    counts = {part: sum(1 for _, _, p in PLAN if p == part) for part in PARTS}
    return {"entries": len(PLAN), "parts": len(PARTS), **{f"n_{p.split()[0].lower()}": c
            for p, c in counts.items()}}  # fmt: skip


if __name__ == "__main__":
    main()
    plt.show()
