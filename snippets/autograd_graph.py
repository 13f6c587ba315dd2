"""Drawing an expression graph, with each node's value and gradient, in plain matplotlib.

Columns are depths (a node sits one column right of its deepest parent; a leaf sits just left of
its first consumer), rows follow the order in which a depth-first walk from the output meets the
nodes. Each box shows the node's name and op, its data and its grad; arrows point from an input
to the node computed from it, the direction of the forward pass.
"""

import matplotlib.pyplot as plt
from autograd import NEURON_INPUTS, Value, neuron, topological_order
from matplotlib.patches import FancyArrowPatch


# --8<-- [start:layout]
def layout(root):
    """(x, y) position of every node of root's graph: x is the depth, y spreads each column."""
    order = topological_order(root)  # parents before children
    depth = {}
    for node in order:
        depth[node] = 1 + max((depth[p] for p in node._parents), default=-1)
    consumers = {node: [] for node in order}
    for node in order:
        for p in node._parents:
            consumers[p].append(node)
    for node in order:  # pull leaves next to the first node that uses them
        if not node._parents and consumers[node]:
            depth[node] = min(depth[c] for c in consumers[node]) - 1
    columns = {}
    for node in order:
        columns.setdefault(depth[node], []).append(node)
    pos = {}
    for x, nodes in columns.items():
        for i, node in enumerate(nodes):
            pos[node] = (x, (len(nodes) - 1) / 2 - i)  # centred column, first node on top
    return pos


# --8<-- [end:layout]


def draw(root, ax):
    """Draw root's graph on ax: one box per node (name, data, grad), one arrow per edge."""
    pos = layout(root)
    boxes = {}
    for node, (x, y) in pos.items():
        op = f"  [{node._op}]" if node._op else ""
        boxes[node] = ax.text(
            x,
            y,
            f"{node.label or '?'}{op}\ndata {node.data:.4f}\ngrad {node.grad:.4f}",
            ha="center",
            va="center",
            fontsize=7,
            family="monospace",
            bbox=dict(boxstyle="round,pad=0.35", fc="none", ec="0.2", lw=0.8),
        )
    for node in pos:
        for p in node._parents:
            # the arrow is clipped to the two boxes; drawn after them so their sizes are known
            arrow = FancyArrowPatch(
                pos[p],
                pos[node],
                patchA=boxes[p].get_bbox_patch(),
                patchB=boxes[node].get_bbox_patch(),
                arrowstyle="-|>",
                mutation_scale=8,
                lw=0.8,
                color="0.4",
                zorder=4,
            )
            ax.add_patch(arrow)
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.set_axis_off()
    return pos


def main():
    leaves = {k: Value(v, label=k) for k, v in NEURON_INPUTS.items()}
    o = neuron(**leaves)
    o.backward()
    fig, ax = plt.subplots(figsize=(7, 3.2), num="neuron_graph")
    pos = draw(o, ax)
    fig.tight_layout()
    depth = int(max(x for x, _ in pos.values()) - min(x for x, _ in pos.values()))
    print(f"{len(pos)} nodes in {depth + 1} columns; output o = {o.data:.4f}, do/do = {o.grad:g}")
    return {"nodes": len(pos), "columns": depth + 1}


if __name__ == "__main__":
    main()
    plt.show()
