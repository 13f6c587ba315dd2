"""Two interleaving half circles, and an MLP that separates them.

make_moons below builds the same points as scikit-learn's sklearn.datasets.make_moons (identical
without noise; tests/entries/test_mlp.py checks it) but draws its noise from a numpy Generator,
and it saves the second of import time that scikit-learn costs, which is more than the training.
"""

import matplotlib.pyplot as plt
import numpy as np
from mlp import forward, init_mlp, predict, train


# --8<-- [start:moons]
def make_moons(n_samples, noise, rng):
    """n_samples points on two half circles (label 0 on top, 1 below), plus Gaussian noise."""
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, np.pi, n_out)  # (n_out,) angles along the upper moon
    t_in = np.linspace(0, np.pi, n_in)
    X = np.concatenate(
        [
            np.stack([np.cos(t_out), np.sin(t_out)], axis=1),  # (n_out, 2) upper half circle
            np.stack(
                [1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], axis=1
            ),  # (n_in, 2) lower, shifted
        ]
    )  # (N, 2)
    y = np.concatenate([np.zeros(n_out, dtype=int), np.ones(n_in, dtype=int)])  # (N,)
    X = X + noise * rng.standard_normal(X.shape)  # (N, 2)
    return X, y


# --8<-- [end:moons]


def plot_boundary(model, X, y):
    """The model's probability of class 1 over the plane, with the training points on top."""
    xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 150)
    ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 120)
    gx, gy = np.meshgrid(xs, ys)  # (120, 150) each
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)  # (18000, 2)
    logits = forward(model, grid)[0]  # (18000, 2)
    p1 = 1 / (1 + np.exp(logits[:, 0] - logits[:, 1]))  # softmax probability of class 1
    fig, ax = plt.subplots(figsize=(4.2, 3.0), num="boundary")
    levels = np.linspace(0, 1, 11)
    cs = ax.contourf(gx, gy, p1.reshape(gx.shape), levels=levels, cmap="viridis", alpha=0.8)
    cs.set_rasterized(True)  # an image, not hundreds of vector paths: a much smaller SVG
    ax.contour(gx, gy, p1.reshape(gx.shape), levels=[0.5], colors="k", linewidths=1.2)
    for label, marker in ((0, "o"), (1, "s")):
        ax.scatter(
            *X[y == label].T,
            s=5,
            marker=marker,
            color=plt.cm.tab10(label * 3 + 1),
            edgecolors="none",
            rasterized=True,
            label=f"class {label}",
        )
    fig.colorbar(cs, ax=ax, label="P(class 1)")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="lower left", fontsize=7, markerscale=2)
    fig.tight_layout()


# --8<-- [start:main]
def main(seed=0, hidden=16, num_steps=200, plot=True):
    rng = np.random.default_rng(seed)
    X, y = make_moons(1000, noise=0.1, rng=rng)  # (1000, 2), (1000,)
    model = init_mlp([2, hidden, hidden, 2], rng, activation="tanh")
    history = train(model, X, y, rng, num_steps=num_steps, lr=0.02)  # full batch
    acc = (predict(model, X) == y).mean()
    print(
        f"two moons: loss {history['train'][0]:.3f} -> {history['train'][-1]:.4f} "
        f"in {num_steps} full-batch Adam steps; train accuracy {acc:.1%}"
    )
    if plot:
        plot_boundary(model, X, y)
    return {
        "n_points": len(y),
        "hidden": hidden,
        "accuracy": float(acc),
        "loss_first": float(history["train"][0]),
        "loss_last": float(history["train"][-1]),
        "num_steps": num_steps,
        "n_errors": int((predict(model, X) != y).sum()),
    }


# --8<-- [end:main]


if __name__ == "__main__":
    main()
