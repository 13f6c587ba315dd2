"""The journal's plan as a timeline: sixteen entries in five parts, drawn with plain matplotlib."""

import matplotlib.pyplot as plt

# --8<-- [start:plan]
PARTS = ["Foundations", "Neural networks", "Language models", "Generative models", "Production"]

# (entry number, short title, part): the plan as plain data.
PLAN = [
    (0, "why", "Foundations"),
    (1, "linear algebra", "Foundations"),
    (2, "probability", "Foundations"),
    (3, "gradient descent", "Foundations"),
    (4, "autograd", "Neural networks"),
    (5, "an MLP", "Neural networks"),
    (6, "embeddings", "Language models"),
    (7, "tokenization", "Language models"),
    (8, "attention", "Language models"),
    (9, "a tiny GPT", "Language models"),
    (10, "training pipeline", "Language models"),
    (11, "diffusion", "Generative models"),
    (12, "inference", "Production"),
    (13, "RAG", "Production"),
    (14, "coding agents", "Production"),
    (15, "fine-tuning, LoRA", "Production"),
]
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
