"""Every layer's backward pass, checked against centred finite differences in float64.

For a layer f and a fixed random upstream gradient G, the scalar L = sum(f(x) * G) has
dL/dx = backward(G) exactly, so comparing backward(G) with
(L(x + h e_i) - L(x - h e_i)) / (2h), coordinate by coordinate, tests the whole Jacobian-vector
product. The error of a centred difference is O(h^2); with h = 1e-6 and float64 the relative
error should sit near 1e-9 to 1e-10 for smooth functions (cs231n's notes call <= 1e-7 good).
"""

import numpy as np
from layers import (
    embedding_backward,
    embedding_forward,
    embedding_init,
    flatten_backward,
    flatten_forward,
    linear_backward,
    linear_forward,
    linear_init,
    relu_backward,
    relu_forward,
    softmax_cross_entropy_backward,
    softmax_cross_entropy_forward,
    tanh_backward,
    tanh_forward,
)
from mlp import init_mlp, loss_and_grads, mean_loss


# --8<-- [start:check]
def numerical_grad(f, a, h=1e-6):
    """Centred differences of the scalar function f() with respect to every entry of the array a."""
    grad = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + h
        f_plus = f()
        a[i] = old - h
        f_minus = f()
        a[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)  # (f(a + h e_i) - f(a - h e_i)) / 2h
    return grad


def rel_error(analytic, numeric):
    """||a - n|| / (||a|| + ||n||): scale-free, and 0 only when the two agree."""
    return np.linalg.norm(analytic - numeric) / (
        np.linalg.norm(analytic) + np.linalg.norm(numeric) + 1e-300
    )


def check_layer(forward, backward, x, params, rng):
    """Worst relative error over the layer's input and parameters, for a random upstream gradient."""
    out, cache = forward(x, params)
    G = rng.standard_normal(out.shape)  # a fixed upstream gradient dL/dout

    def L():
        return np.sum(forward(x, params)[0] * G)  # L = sum(out * G)

    dx, grads = backward(G, cache)
    errors = {} if dx is None else {"x": rel_error(dx, numerical_grad(L, x))}
    for name, p in params.items():
        errors[name] = rel_error(grads[name], numerical_grad(L, p))
    return errors


# --8<-- [end:check]


def away_from_zero(a, margin=1e-3):
    """Push entries out of (-margin, margin): ReLU has a kink at 0 where differences are wrong."""
    return np.where(np.abs(a) < margin, np.sign(a + 1e-12) * margin * 10, a)


def check_all(seed=0):
    """Relative error of every layer and of a whole MLP with its loss; a dict of floats."""
    rng = np.random.default_rng(seed)
    B, D_in, D_out, V, T, E, K = 5, 4, 3, 7, 3, 2, 4
    results = {}
    x = rng.standard_normal((B, D_in))  # (B, D_in)
    results["linear"] = check_layer(
        linear_forward, linear_backward, x, linear_init(D_in, D_out, rng), rng
    )
    results["relu"] = check_layer(relu_forward, relu_backward, away_from_zero(x), {}, rng)
    results["tanh"] = check_layer(tanh_forward, tanh_backward, x, {}, rng)
    idx = rng.integers(0, V, size=(B, T))  # (B, T) token ids, with repeats
    results["embedding"] = check_layer(
        embedding_forward, embedding_backward, idx, embedding_init(V, E, rng), rng
    )
    results["flatten"] = check_layer(
        flatten_forward, flatten_backward, rng.standard_normal((B, T, E)), {}, rng
    )

    # The loss: its only input is the logits; y rides along as a constant.
    logits = rng.standard_normal((B, K))  # (B, K)
    y = rng.integers(0, K, size=B)  # (B,)
    _, cache = softmax_cross_entropy_forward(logits, y)
    dlogits = softmax_cross_entropy_backward(1.0, cache)
    numeric = numerical_grad(lambda: softmax_cross_entropy_forward(logits, y)[0], logits)
    results["softmax_ce"] = {"x": rel_error(dlogits, numeric)}

    # The whole assembly: every parameter of a 2-hidden-layer MLP through the loss.
    for activation in ("relu", "tanh"):
        model = init_mlp([D_in, 6, 5, K], rng, activation=activation)
        _, grads = loss_and_grads(model, x, y)
        errs = {}
        for i, (_, params) in enumerate(model):
            for name, p in params.items():
                numeric = numerical_grad(lambda m=model: mean_loss(m, x, y), p)
                errs[f"{name}{i}"] = rel_error(grads[i][name], numeric)
        results[f"mlp_{activation}"] = errs
    return results


def main():
    results = check_all(seed=0)
    print(f"{'layer':<12} {'worst relative error':>22}  (over input and parameters)")
    worst = {}
    for layer, errs in results.items():
        worst[layer] = max(errs.values())
        print(f"{layer:<12} {worst[layer]:>22.1e}  {', '.join(sorted(errs))}")
    values = {f"worst_{k}": float(v) for k, v in worst.items()}
    values["worst_any"] = float(max(worst.values()))
    return values


if __name__ == "__main__":
    main()
