"""Neural-network layers as pairs of functions: forward(x, params) -> (out, cache), backward(dout, cache).

The style follows llm.c's layer notes (Karpathy): a forward pass returns its output and whatever it
must remember; the backward pass takes the gradient of the loss with respect to that output
(dout) plus the cache, and returns the gradient with respect to the input (dx) and to each
parameter (a dict shaped like params). Nothing is hidden in objects, so every layer can be checked
on its own against centred finite differences (see layer_check.py).

Shapes: B is the batch, D_in/D_out feature widths, T a context length, V a vocabulary, E an
embedding width.
"""

import numpy as np


# --8<-- [start:linear]
def linear_init(D_in, D_out, rng, gain=1.0):
    """Parameters of a fully connected layer: W ~ N(0, gain^2 / D_in), b = 0."""
    W = rng.standard_normal((D_in, D_out)) * gain / np.sqrt(D_in)  # (D_in, D_out)
    b = np.zeros(D_out)  # (D_out,)
    return {"W": W, "b": b}


def linear_forward(x, params):
    """An affine map of a batch of rows: out = x W + b."""
    out = x @ params["W"] + params["b"]  # (B, D_in) @ (D_in, D_out) -> (B, D_out)
    return out, (x, params["W"])


def linear_backward(dout, cache):
    """Gradients of the affine map: dx = dout W^T, dW = x^T dout, db = sum over the batch of dout."""
    x, W = cache
    dx = dout @ W.T  # (B, D_out) @ (D_out, D_in) -> (B, D_in)
    dW = x.T @ dout  # (D_in, B) @ (B, D_out) -> (D_in, D_out)
    db = dout.sum(axis=0)  # (D_out,)
    return dx, {"W": dW, "b": db}


# --8<-- [end:linear]


# --8<-- [start:activations]
def relu_forward(x, params=None):
    """The rectifier: out = max(x, 0), elementwise."""
    mask = x > 0  # (B, D), the only thing backward needs
    return x * mask, mask


def relu_backward(dout, mask):
    """The rectifier passes the gradient where its input was positive and blocks it elsewhere."""
    return dout * mask, {}


def tanh_forward(x, params=None):
    """The hyperbolic tangent, elementwise."""
    out = np.tanh(x)  # (B, D)
    return out, out


def tanh_backward(dout, out):
    """d tanh(x)/dx = 1 - tanh(x)^2, so the cached output is enough."""
    return dout * (1.0 - out**2), {}


# --8<-- [end:activations]


# --8<-- [start:embedding]
def embedding_init(V, E, rng):
    """A lookup table of V learned vectors of width E, one per token."""
    return {"C": rng.standard_normal((V, E))}  # (V, E)


def embedding_forward(idx, params):
    """Row lookup: out[b, t] = C[idx[b, t]]; the same as one_hot(idx) @ C without the zeros."""
    out = params["C"][idx]  # (B, T) -> (B, T, E)
    return out, (idx, params["C"].shape)


def embedding_backward(dout, cache):
    """Each looked-up row receives the gradients of every place it was used (scatter-add)."""
    idx, shape = cache
    dC = np.zeros(shape)  # (V, E)
    np.add.at(dC, idx, dout)  # dC[idx[b, t]] += dout[b, t]
    return None, {"C": dC}  # integer inputs have no gradient


def flatten_forward(x, params=None):
    """Concatenate the per-position vectors of each example: (B, T, E) -> (B, T*E)."""
    return x.reshape(x.shape[0], -1), x.shape


def flatten_backward(dout, shape):
    """Undo the reshape."""
    return dout.reshape(shape), {}


# --8<-- [end:embedding]


# --8<-- [start:softmax_ce]
def softmax_cross_entropy_forward(logits, y):
    """Mean negative log-likelihood of the integer labels y under softmax(logits).

    loss = -1/B sum_b log p[b, y_b],  p = softmax(logits) row by row.
    """
    z = logits - logits.max(axis=1, keepdims=True)  # (B, K), shifted: same softmax, no overflow
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # (B, K) log-softmax
    B = logits.shape[0]
    loss = -log_p[np.arange(B), y].mean()
    return loss, (np.exp(log_p), y)


def softmax_cross_entropy_backward(dloss, cache):
    """d loss / d logits = (p - one_hot(y)) / B: the prediction minus the truth."""
    p, y = cache
    B = p.shape[0]
    dlogits = p.copy()  # (B, K)
    dlogits[np.arange(B), y] -= 1.0
    return dloss * dlogits / B


# --8<-- [end:softmax_ce]


LAYERS = {
    "linear": (linear_forward, linear_backward),
    "relu": (relu_forward, relu_backward),
    "tanh": (tanh_forward, tanh_backward),
    "embedding": (embedding_forward, embedding_backward),
    "flatten": (flatten_forward, flatten_backward),
}


def main():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3))  # (B, D_in)
    out, cache = linear_forward(x, linear_init(3, 2, rng))  # (B, D_out)
    dx, grads = linear_backward(np.ones_like(out), cache)
    print("linear: x", x.shape, "-> out", out.shape, "; dx", dx.shape, "dW", grads["W"].shape)


if __name__ == "__main__":
    main()
