"""A multi-layer perceptron assembled from the layers in layers.py, and its training loop.

A model is a plain list of (kind, params) pairs, e.g. [("linear", {W, b}), ("relu", {}), ...].
The forward pass walks the list and keeps every cache; the backward pass walks it in reverse,
handing each layer the gradient of the one after it (the chain rule, one matrix at a time).
"""

import numpy as np
from adam import Adam
from layers import (
    LAYERS,
    linear_init,
    softmax_cross_entropy_backward,
    softmax_cross_entropy_forward,
)


def init_mlp(sizes, rng, activation="relu"):
    """An MLP with the given layer widths, e.g. [2, 32, 32, 2]: linear layers with activations between."""
    gain = np.sqrt(2.0) if activation == "relu" else 1.0  # He init for ReLU, Xavier-like for tanh
    model = []
    for i, (D_in, D_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        last = i == len(sizes) - 2
        model.append(("linear", linear_init(D_in, D_out, rng, gain=1.0 if last else gain)))
        if not last:
            model.append((activation, {}))
    return model


# --8<-- [start:forward_backward]
def forward(model, x):
    """Run x through every layer; return the output and the caches backward will need."""
    caches = []
    for kind, params in model:
        x, cache = LAYERS[kind][0](x, params)
        caches.append(cache)
    return x, caches


def backward(model, dout, caches):
    """Walk the layers in reverse; return one dict of parameter gradients per layer."""
    grads = [None] * len(model)
    for i in reversed(range(len(model))):
        dout, grads[i] = LAYERS[model[i][0]][1](dout, caches[i])
    return grads


def loss_and_grads(model, x, y):
    """Mean cross-entropy of the labels y and its gradient with respect to every parameter."""
    logits, caches = forward(model, x)  # (B, K)
    loss, ce_cache = softmax_cross_entropy_forward(logits, y)
    dlogits = softmax_cross_entropy_backward(1.0, ce_cache)  # (B, K)
    return loss, backward(model, dlogits, caches)


# --8<-- [end:forward_backward]


def parameters(model):
    """Every parameter array of the model, in a fixed order (the optimizer's view)."""
    return [p[k] for _, p in model for k in sorted(p)]


def flat_grads(grads):
    """The gradients in the same order as parameters()."""
    return [g[k] for g in grads for k in sorted(g)]


def predict(model, x):
    """The most likely class of every row of x."""
    return forward(model, x)[0].argmax(axis=1)


def mean_loss(model, x, y):
    """Mean cross-entropy over a whole data set, without keeping gradients."""
    return softmax_cross_entropy_forward(forward(model, x)[0], y)[0]


# --8<-- [start:train]
def train(
    model,
    X,
    y,
    rng,
    num_steps,
    lr=1e-3,
    batch_size=None,
    weight_decay=0.0,
    X_val=None,
    y_val=None,
    eval_every=50,
):
    """Minibatch Adam with a cosine-decayed learning rate; returns the loss history.

    A training loop is a control loop: measure the error, compute a correction, apply it, repeat.
    """
    opt = Adam(parameters(model), lr=lr, weight_decay=weight_decay)
    history = {"step": [], "train": [], "val_step": [], "val": []}
    n = X.shape[0]
    for step in range(num_steps):
        if batch_size is None or batch_size >= n:
            xb, yb = X, y  # full batch
        else:
            idx = rng.integers(0, n, size=batch_size)  # (B,), sampled with replacement
            xb, yb = X[idx], y[idx]
        loss, grads = loss_and_grads(model, xb, yb)
        lr_t = lr * 0.5 * (1 + np.cos(np.pi * step / num_steps))  # cosine decay from lr to 0
        opt.step(flat_grads(grads), lr=lr_t)
        history["step"].append(step)
        history["train"].append(loss)
        if X_val is not None and (step % eval_every == 0 or step == num_steps - 1):
            history["val_step"].append(step)
            history["val"].append(mean_loss(model, X_val, y_val))
    return history


# --8<-- [end:train]


def main():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 2))  # (N, 2)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)  # XOR of the signs: not linearly separable
    model = init_mlp([2, 16, 2], rng)
    history = train(model, X, y, rng, num_steps=300, lr=0.02)
    acc = (predict(model, X) == y).mean()
    print(
        f"XOR of signs: loss {history['train'][0]:.3f} -> {history['train'][-1]:.3f}, "
        f"train accuracy {acc:.1%}"
    )


if __name__ == "__main__":
    main()
