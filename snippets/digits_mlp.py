"""Handwritten digits: a one-hidden-layer MLP against softmax regression, on a fixed held-out split.

The data are the 1,797 8x8 images scikit-learn ships. load_digits reads them straight from the
file scikit-learn installs (digits.csv.gz: 64 pixel values 0..16 and the label per line), which
gives exactly what sklearn.datasets.load_digits returns (tests/entries/test_mlp.py checks it)
without the second it takes to import scikit-learn.
"""

import importlib.util
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from mlp import init_mlp, predict, train


# --8<-- [start:data]
def load_digits():
    """The 8x8 digits as X (1797, 64) with pixel values 0..16 and labels y (1797,)."""
    sklearn_dir = Path(importlib.util.find_spec("sklearn").submodule_search_locations[0])
    data = np.loadtxt(sklearn_dir / "datasets" / "data" / "digits.csv.gz", delimiter=",")
    return data[:, :-1], data[:, -1].astype(int)  # (1797, 64), (1797,)


def split(X, y, test_fraction, rng):
    """A fixed random train/test split: the test rows are never trained on."""
    order = rng.permutation(len(y))  # (N,)
    n_test = int(round(test_fraction * len(y)))
    test, tr = order[:n_test], order[n_test:]
    return X[tr], y[tr], X[test], y[test]


# --8<-- [end:data]


# --8<-- [start:main]
def main(seed=0, hidden=128, plot=True):
    X, y = load_digits()
    X = X / 16.0  # pixels to [0, 1]
    X_tr, y_tr, X_te, y_te = split(X, y, test_fraction=0.2, rng=np.random.default_rng(0))
    rng = np.random.default_rng(seed)
    config = dict(num_steps=400, batch_size=64, X_val=X_te, y_val=y_te, eval_every=20)
    models = {  # name: (model, peak learning rate)
        "softmax regression": (init_mlp([64, 10], rng), 0.1),  # no hidden layer: linear
        "MLP": (init_mlp([64, hidden, 10], rng, activation="relu"), 0.01),
    }
    histories, acc = {}, {}
    for name, (model, lr) in models.items():
        histories[name] = train(model, X_tr, y_tr, rng, lr=lr, **config)
        acc[name] = (predict(model, X_te) == y_te).mean()
        print(
            f"{name:<20} held-out accuracy {acc[name]:.1%}  "
            f"(train {(predict(model, X_tr) == y_tr).mean():.1%})"
        )
    print(f"{len(y_tr)} training and {len(y_te)} held-out images")
    if plot:
        plot_losses(histories)
    return {
        "acc_softmax": float(acc["softmax regression"]),
        "acc_mlp": float(acc["MLP"]),
        "n_train": len(y_tr),
        "n_test": len(y_te),
        "n_images": len(y),
        "side": int(np.sqrt(X.shape[1])),  # 8: the images are side x side pixels
        "hidden": hidden,
        "num_steps": config["num_steps"],
        "batch_size": config["batch_size"],
        "val_loss_softmax": float(histories["softmax regression"]["val"][-1]),
        "val_loss_mlp": float(histories["MLP"]["val"][-1]),
        "errors_softmax": int(round((1 - acc["softmax regression"]) * len(y_te))),
        "errors_mlp": int(round((1 - acc["MLP"]) * len(y_te))),
    }


# --8<-- [end:main]


def plot_losses(histories):
    """Minibatch training loss (thin) and held-out loss (thick) of both models against the step."""
    fig, ax = plt.subplots(figsize=(4.2, 3.0), num="loss")
    for i, (name, h) in enumerate(histories.items()):
        color = plt.cm.tab10(i)
        ax.plot(h["step"], h["train"], color=color, lw=0.6, alpha=0.5)
        ax.plot(h["val_step"], h["val"], color=color, lw=2, label=f"{name}, held-out")
    ax.set_yscale("log")
    ax.set_xlabel("Adam step (batch of 64)")
    ax.set_ylabel("cross-entropy (nats)")
    ax.legend(fontsize=7)
    fig.tight_layout()


if __name__ == "__main__":
    main()
