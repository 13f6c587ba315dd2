"""Checking gradients against centred finite differences, in float64.

The reference is the definition of the derivative, taken symmetrically:
df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h), whose truncation error is O(h**2) for smooth f.
Agreement is measured as a relative error, as the cs231n notes on gradient checking recommend;
about 1e-7 or better means the analytic gradient is right.
"""

import numpy as np
from autograd import NEURON_INPUTS, Value, micrograd_example, neuron

TOLERANCE = 1e-7  # cs231n: relative error <= 1e-7 is right for smooth functions


# --8<-- [start:numerical]
def numerical_gradient(f, x, h=1e-6):
    """Centred differences of f (list of floats -> float) at x; returns a list of floats."""
    grad = []
    for i in range(len(x)):
        x_plus, x_minus = list(x), list(x)
        x_plus[i] += h
        x_minus[i] -= h
        grad.append((f(x_plus) - f(x_minus)) / (2 * h))  # (f(x + h e_i) - f(x - h e_i)) / 2h
    return grad


def relative_error(analytic, numeric):
    """|a - n| / max(|a|, |n|), taken as 0 when both are 0."""
    scale = max(abs(analytic), abs(numeric))
    return 0.0 if scale == 0.0 else abs(analytic - numeric) / scale


def gradcheck(build, x, h=1e-6):
    """Relative errors of backward() against centred differences, one per input.

    build maps a list of Values to one output Value; x is the list of floats to check it at.
    """
    leaves = [Value(v) for v in x]
    build(leaves).backward()
    numeric = numerical_gradient(lambda xs: build([Value(v) for v in xs]).data, x, h)
    return [relative_error(v.grad, n) for v, n in zip(leaves, numeric, strict=True)]


# --8<-- [end:numerical]


# --8<-- [start:every_op]
def every_op(v):
    """A made-up expression that uses every operation the engine has, on three Values."""
    x, y, z = v
    u = (x * y).tanh() + (z - x).exp() / (1 + y**2)
    return (u * z).relu() + 3 / (2 + x**2) - (-y) ** 3


# --8<-- [end:every_op]


def tiny_mlp_loss(v, D=3, H=4):
    """Squared error of a 3-4-1 tanh MLP on one fixed input; v holds its 21 parameters."""
    x, target = [0.5, -1.0, 2.0], 0.3
    W1, b1 = v[: D * H], v[D * H : D * H + H]  # W1 (H, D) row-major, b1 (H,)
    W2, b2 = v[D * H + H : D * H + 2 * H], v[D * H + 2 * H]  # W2 (H,), b2 scalar
    hidden = [sum((W1[j * D + i] * x[i] for i in range(D)), b1[j]).tanh() for j in range(H)]
    out = sum((W2[j] * hidden[j] for j in range(H)), b2)  # out = W2 . tanh(W1 x + b1) + b2
    return (out - target) ** 2


def main(seed=0, num_points=20):
    rng = np.random.default_rng(seed)
    worst = {}

    errors = gradcheck(lambda v: micrograd_example(*v), [-4.0, 2.0])
    worst["micrograd"] = max(errors)
    errors = gradcheck(lambda v: neuron(*v), list(NEURON_INPUTS.values()))
    worst["neuron"] = max(errors)
    # every_op at random points, and a tiny MLP with random parameters
    worst["every_op"] = max(
        max(gradcheck(every_op, rng.uniform(-1.5, 1.5, size=3).tolist())) for _ in range(num_points)
    )
    worst["tiny_mlp"] = max(gradcheck(tiny_mlp_loss, rng.normal(0.0, 0.5, size=21).tolist()))
    print(
        f"worst relative error, backward() vs centred differences (h = 1e-6, pass < {TOLERANCE:g}):"
    )
    for name, err in worst.items():
        print(f"  {name:<10} {err:.1e}")

    # --8<-- [start:step_sweep]
    # How the check itself depends on h: dg/da of the micrograd example at (a, b) = (-4, 2).
    a, b = Value(-4.0), Value(2.0)
    micrograd_example(a, b).backward()
    steps = [10.0**-k for k in range(1, 13)]
    sweep = []
    for h in steps:
        numeric = numerical_gradient(
            lambda v: micrograd_example(*map(Value, v)).data, [-4.0, 2.0], h
        )
        sweep.append(relative_error(a.grad, numeric[0]))
    # --8<-- [end:step_sweep]
    print("relative error of dg/da against the step h:")
    for h, err in zip(steps, sweep, strict=True):
        print(f"  h = {h:.0e}   {err:.1e}")
    best = int(np.argmin(sweep))

    return {
        **{f"worst_{k}": v for k, v in worst.items()},
        "worst_all": max(worst.values()),
        "num_points": num_points,
        "best_h": steps[best],
        "best_h_error": sweep[best],
        "tolerance": TOLERANCE,
        "h_largest": steps[0],
        "error_h_largest": sweep[0],
        # error ~ C h**p: p from h = 1e-1 to 1e-3, where truncation dominates
        "truncation_order": float(np.log10(sweep[0] / sweep[2]) / 2),
        "error_h_smallest": sweep[-1],
        "eps_cbrt": float(np.finfo(np.float64).eps ** (1 / 3)),
    }


if __name__ == "__main__":
    main()
