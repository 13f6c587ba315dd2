"""Why nobody trains on a scalar autograd engine: the same gradient, scalar graph vs numpy.

One gradient of a small tanh MLP's squared error on one example, computed twice: by building a
graph of Values (one node per multiply, add and tanh) and calling backward(), and by the same
forward and backward pass written with numpy arrays. Both give the same numbers; the time does
not come close.
"""

import gc
import time

import matplotlib.pyplot as plt
import numpy as np
from autograd import Value, topological_order


def init_params(sizes, rng):
    """[(W, b), ...] for layer sizes like [8, 16, 16, 1]; W (n_out, n_in) ~ N(0, 1/n_in)."""
    return [
        (rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_out, n_in)), np.zeros(n_out))
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]


# --8<-- [start:scalar]
def scalar_grad(params, x, y, count_nodes=False):
    """Loss (out - y)**2 and its gradients by the scalar engine (and the graph's size if asked)."""
    weights = [([[Value(w) for w in row] for row in W], [Value(v) for v in b]) for W, b in params]
    h = [Value(v) for v in x]
    for layer, (W, b) in enumerate(weights):
        out = []
        for W_j, b_j in zip(W, b, strict=True):
            act = b_j
            for w_ji, h_i in zip(W_j, h, strict=True):
                act = act + w_ji * h_i  # act_j = b_j + sum_i W_ji h_i, one node per * and +
            out.append(act.tanh() if layer < len(weights) - 1 else act)
        h = out
    loss = (h[0] - y) ** 2
    loss.backward()
    grads = [
        (np.array([[w.grad for w in row] for row in W]), np.array([v.grad for v in b]))
        for W, b in weights
    ]
    if count_nodes:
        return loss.data, grads, len(topological_order(loss))
    return loss.data, grads


# --8<-- [end:scalar]


# --8<-- [start:vectorized]
def numpy_grad(params, x, y):
    """The same loss and gradients with one matrix-vector product per layer."""
    hs = [x]  # activations, kept for the backward pass
    for layer, (W, b) in enumerate(params):
        z = W @ hs[-1] + b  # (n_out,)
        hs.append(np.tanh(z) if layer < len(params) - 1 else z)
    loss = (hs[-1][0] - y) ** 2
    dh = np.array([2.0 * (hs[-1][0] - y)])  # d loss/d out
    grads = []
    for layer in reversed(range(len(params))):
        W, _ = params[layer]
        dz = dh if layer == len(params) - 1 else dh * (1.0 - hs[layer + 1] ** 2)  # tanh' = 1 - h^2
        grads.append((np.outer(dz, hs[layer]), dz))  # dW = dz h^T (n_out, n_in), db = dz
        dh = W.T @ dz  # (n_in,)
    return loss, grads[::-1]


# --8<-- [end:vectorized]


def best_times(fns, rounds, number=1):
    """For each function, the fastest of `rounds` timings of `number` calls, per call, in seconds.

    Times are this process's CPU time, so other processes on a busy machine do not inflate them,
    and the rounds interleave the functions, so what load remains is spread over every size. The
    garbage collector is paused while timing, as timeit does.
    """
    best = [float("inf")] * len(fns)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for i, fn in enumerate(fns):
                start = time.process_time()
                for _ in range(number):
                    fn()
                best[i] = min(best[i], (time.process_time() - start) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    return np.array(best)


def num_params(sizes):
    """Weights plus biases of an MLP with these layer sizes."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))


def main(seed=0, D=8, widths=(2, 4, 8, 16, 32)):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=D), 0.5  # one example, x (D,)
    P, nodes, max_diff, loss_diff, problems = [], [], [], [], []
    for H in widths:
        sizes = [D, H, H, 1]
        params = init_params(sizes, rng)
        loss_s, grads_s, n = scalar_grad(params, x, y, count_nodes=True)
        loss_v, grads_v = numpy_grad(params, x, y)
        max_diff.append(
            max(
                np.max(np.abs(g_s - g_v))
                for pair_s, pair_v in zip(grads_s, grads_v, strict=True)
                for g_s, g_v in zip(pair_s, pair_v, strict=True)
            )
        )
        loss_diff.append(abs(loss_s - loss_v))
        P.append(num_params(sizes))
        nodes.append(n)
        problems.append(params)
    P, nodes = np.array(P), np.array(nodes)
    t_scalar = best_times([lambda p=p: scalar_grad(p, x, y) for p in problems], rounds=5)
    t_numpy = best_times([lambda p=p: numpy_grad(p, x, y) for p in problems], rounds=5, number=50)

    print(f"{'params':>7} {'nodes':>7} {'scalar (ms)':>12} {'numpy (us)':>11} {'ratio':>7}")
    for row in zip(P, nodes, t_scalar, t_numpy, strict=True):
        print(
            f"{row[0]:>7} {row[1]:>7} {row[2] * 1e3:>12.2f} {row[3] * 1e6:>11.1f} "
            f"{row[2] / row[3]:>7.0f}"
        )
    slope = np.polyfit(np.log(P[2:]), np.log(t_scalar[2:]), 1)[0]  # fit on the larger sizes
    nodes_per_s = nodes[-1] / t_scalar[-1]
    ratio = t_scalar[-1] / t_numpy[-1]

    # --8<-- [start:figure]
    fig, ax = plt.subplots(figsize=(3.5, 2.5), num="time_vs_params")
    ax.loglog(P, t_scalar * 1e3, "o-", label="scalar Values")
    ax.loglog(P, t_numpy * 1e3, "s-", label="numpy arrays")
    ax.set_xlabel("parameters")
    ax.set_ylabel("time per gradient (ms)")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    # --8<-- [end:figure]

    # Extrapolation, not a measurement: a 2-16-16-1 MLP, one example at a time.
    small, train_steps, train_examples = [2, 16, 16, 1], 100, 100
    params_small = init_params(small, rng)
    t_small, t_small_np = best_times(
        [lambda: scalar_grad(params_small, x[:2], y), lambda: numpy_grad(params_small, x[:2], y)],
        rounds=5,
    )
    print(
        f"scalar engine: {nodes_per_s:,.0f} nodes per second (forward + backward), "
        f"time grows like params^{slope:.2f}"
    )
    print(f"numpy is {ratio:.0f}x faster at {P[-1]} parameters")
    print(
        f"{train_steps} steps x {train_examples} examples of a {small} MLP (extrapolated): "
        f"~{train_steps * train_examples * t_small:.0f} s scalar, "
        f"~{train_steps * train_examples * t_small_np:.1f} s numpy"
    )
    return {
        "D": D,
        "largest_width": widths[-1],
        "smallest_width": widths[0],
        "largest_params": int(P[-1]),
        "largest_nodes": int(nodes[-1]),
        "smallest_params": int(P[0]),
        "nodes_per_param": float(nodes[-1] / P[-1]),
        "t_scalar_ms": float(t_scalar[-1] * 1e3),
        "t_numpy_us": float(t_numpy[-1] * 1e6),
        "ratio": float(ratio),
        "ratio_smallest": float(t_scalar[0] / t_numpy[0]),
        "scalar_growth": float(t_scalar[-1] / t_scalar[0]),  # time ratio, largest / smallest
        "numpy_growth": float(t_numpy[-1] / t_numpy[0]),
        "nodes_per_s": float(nodes_per_s),
        "mnodes_per_s": float(nodes_per_s / 1e6),
        "us_per_node": float(1e6 / nodes_per_s),
        "slope": float(slope),
        "max_grad_diff": float(max(max_diff)),
        "max_loss_diff": float(max(loss_diff)),
        "small_params": num_params(small),
        "train_steps": train_steps,
        "train_examples": train_examples,
        "extrapolated_training_s": float(train_steps * train_examples * t_small),
        "extrapolated_numpy_s": float(train_steps * train_examples * t_small_np),
    }


if __name__ == "__main__":
    main()
    plt.show()
