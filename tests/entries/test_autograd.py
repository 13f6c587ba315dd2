"""Entry 4, "Autograd from scratch": the scalar engine against published worked examples, closed
forms and centred finite differences; the numbers the entry quotes; the speed claims as robust
thresholds only (timings vary by machine)."""

import math
import sys

import numpy as np
import pytest
from autograd import (
    NEURON_INPUTS,
    Value,
    micrograd_example,
    neuron,
    topological_order,
    topological_order_recursive,
)
from autograd_graph import layout
from autograd_speed import init_params, num_params, numpy_grad, scalar_grad
from gradcheck import (
    every_op,
    gradcheck,
    numerical_gradient,
    relative_error,
    tiny_mlp_loss,
)

ENTRY = "posts/entries/autograd-from-scratch.md"  # snippets/ is on sys.path (tests/conftest.py)

# micrograd's README: "prints 24.7041", "138.8338, i.e. the numerical value of dg/da", "645.5773"
MICROGRAD_PUBLISHED = {"g": 24.7041, "dg_da": 138.8338, "dg_db": 645.5773}
# Karpathy's neuron (the "spelled-out intro to backpropagation" lecture): o = tanh(n), n = 0.8814
NEURON_PUBLISHED = {"o": 0.7071, "do_dx1": -1.5, "do_dw1": 1.0, "do_dx2": 0.5, "do_dw2": 0.0}


def reachable(root):
    """Every node root depends on, found by a plain breadth-first walk (no ordering)."""
    seen, frontier = {root}, [root]
    while frontier:
        frontier = [p for node in frontier for p in node._parents if p not in seen]
        seen.update(frontier)
    return seen


def mlp_node_count(sizes):
    """Nodes scalar_grad builds: leaves (parameters, inputs), one * and one + per weight,
    one tanh per hidden unit, and the loss (out - y)**2 as a constant leaf, a + and a **."""
    weights = sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))
    hidden_units = sum(sizes[1:-1])
    return num_params(sizes) + sizes[0] + 2 * weights + hidden_units + 3


# ---------------------------------------------------------------- the engine, tested directly


OPS = [
    (lambda x: x + 2.5, lambda x: 1.0),
    (lambda x: 2.5 - x, lambda x: -1.0),
    (lambda x: x * x, lambda x: 2 * x),
    (lambda x: -x * 3.0, lambda x: -3.0),
    (lambda x: x**3, lambda x: 3 * x**2),
    (lambda x: 1.0 / x, lambda x: -1.0 / x**2),
    (lambda x: x / 4.0, lambda x: 0.25),
    (lambda x: x.tanh(), lambda x: 1 - math.tanh(x) ** 2),
    (lambda x: x.exp(), lambda x: math.exp(x)),
    (lambda x: x.relu(), lambda x: float(x > 0)),
    (lambda x: (-x).relu(), lambda x: -float(x < 0)),
]


OP_NAMES = [
    "add",
    "rsub",
    "mul_self",
    "neg",
    "pow3",
    "rdiv",
    "div",
    "tanh",
    "exp",
    "relu",
    "relu_neg",
]


@pytest.mark.parametrize("build, derivative", OPS, ids=OP_NAMES)
@pytest.mark.parametrize("x0", [-1.9, -0.7, 0.7, 1.9])
def test_each_op_against_its_closed_form_derivative(build, derivative, x0):
    x = Value(x0)
    build(x).backward()
    assert x.grad == pytest.approx(derivative(x0), rel=1e-12, abs=1e-15)


def test_fractional_power():
    x = Value(1.7)
    (x**-1.5).backward()  # d/dx x**-1.5 = -1.5 x**-2.5
    assert x.grad == pytest.approx(-1.5 * 1.7**-2.5, rel=1e-12)


def test_micrograd_readme_example_reproduced_to_four_decimals():
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_example(a, b)
    g.backward()
    assert round(g.data, 4) == MICROGRAD_PUBLISHED["g"]
    assert round(a.grad, 4) == MICROGRAD_PUBLISHED["dg_da"]
    assert round(b.grad, 4) == MICROGRAD_PUBLISHED["dg_db"]


def test_neuron_matches_closed_form():
    leaves = {k: Value(v) for k, v in NEURON_INPUTS.items()}
    o = neuron(**leaves)
    o.backward()
    # n = x1 w1 + x2 w2 + b; o = tanh(n); do/dn = 1 - o**2; do/dw_i = x_i do/dn, do/dx_i = w_i do/dn
    n = sum(NEURON_INPUTS[f"x{i}"] * NEURON_INPUTS[f"w{i}"] for i in (1, 2)) + NEURON_INPUTS["b"]
    do_dn = 1 - math.tanh(n) ** 2
    assert o.data == pytest.approx(1 / math.sqrt(2), rel=1e-12)
    assert do_dn == pytest.approx(0.5, rel=1e-12)
    assert leaves["b"].grad == pytest.approx(do_dn, rel=1e-12)
    for i in (1, 2):
        x, w = NEURON_INPUTS[f"x{i}"], NEURON_INPUTS[f"w{i}"]
        assert leaves[f"x{i}"].grad == pytest.approx(w * do_dn, rel=1e-12, abs=1e-15)
        assert leaves[f"w{i}"].grad == pytest.approx(x * do_dn, rel=1e-12, abs=1e-15)


def test_iterative_order_is_the_recursive_order_and_parents_come_first():
    g = micrograd_example(Value(-4.0), Value(2.0))
    order = topological_order(g)
    assert order == topological_order_recursive(g)
    assert len(order) == len(set(order)) == len(reachable(g))
    position = {node: i for i, node in enumerate(order)}
    assert all(position[p] < position[node] for node in order for p in node._parents)
    assert order[-1] is g


def test_deep_chain_needs_no_recursion():
    x = Value(0.5)
    y = x
    for _ in range(5 * sys.getrecursionlimit()):
        y = y + x
    y.backward()  # the recursive sort would raise RecursionError here
    assert x.grad == 5 * sys.getrecursionlimit() + 1  # an integer: float sums are exact


def test_numerical_gradient_of_a_known_function():
    # f(x, y) = sin(x) y**2 has gradient (cos(x) y**2, 2 sin(x) y)
    grad = numerical_gradient(lambda v: math.sin(v[0]) * v[1] ** 2, [0.3, -1.2])
    assert grad[0] == pytest.approx(math.cos(0.3) * 1.44, rel=1e-9)
    assert grad[1] == pytest.approx(2 * math.sin(0.3) * -1.2, rel=1e-9)
    assert relative_error(0.0, 0.0) == 0.0
    assert relative_error(1.0, 1.0 + 1e-8) == pytest.approx(1e-8, rel=1e-6)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gradcheck_on_random_points(seed):
    rng = np.random.default_rng(seed)
    assert max(gradcheck(every_op, rng.uniform(-1.5, 1.5, size=3).tolist())) < 1e-7
    assert max(gradcheck(tiny_mlp_loss, rng.normal(0.0, 0.5, size=21).tolist())) < 1e-7


def test_gradcheck_catches_a_wrong_derivative():
    """The checker must fail on a bug: tanh with the derivative of a sigmoid's shape (t(1-t))."""

    def bad_tanh(v):
        t = math.tanh(v.data)
        out = Value(t, (v,), "bad_tanh")

        def _backward():
            v.grad += t * (1 - t) * out.grad

        out._backward = _backward
        return out

    assert max(gradcheck(lambda v: bad_tanh(v[0] * v[1]), [0.4, 0.9])) > 1e-2


@pytest.mark.parametrize("sizes", [[3, 5, 1], [8, 4, 4, 1]])
def test_scalar_and_numpy_gradients_agree_and_match_finite_differences(sizes):
    rng = np.random.default_rng(7)
    params = init_params(sizes, rng)
    params = [(W, rng.normal(0.0, 0.1, size=b.shape)) for W, b in params]
    x, y = rng.normal(size=sizes[0]), 0.5
    loss_s, grads_s, nodes = scalar_grad(params, x, y, count_nodes=True)
    loss_v, grads_v = numpy_grad(params, x, y)
    assert nodes == mlp_node_count(sizes)
    assert loss_s == pytest.approx(loss_v, rel=1e-12)
    for (dW_s, db_s), (dW_v, db_v) in zip(grads_s, grads_v, strict=True):
        np.testing.assert_allclose(dW_s, dW_v, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(db_s, db_v, rtol=1e-10, atol=1e-14)
    # numpy's first-layer weight gradient against centred differences
    W0, b0 = params[0]
    h = 1e-6
    for i, j in [(0, 0), (1, 2), (sizes[1] - 1, sizes[0] - 1)]:
        Wp, Wm = W0.copy(), W0.copy()
        Wp[i, j] += h
        Wm[i, j] -= h
        up = numpy_grad([(Wp, b0), *params[1:]], x, y)[0]
        down = numpy_grad([(Wm, b0), *params[1:]], x, y)[0]
        assert relative_error(grads_v[0][0][i, j], (up - down) / (2 * h)) < 1e-7


def test_graph_layout_draws_every_edge_left_to_right():
    leaves = {k: Value(v, label=k) for k, v in NEURON_INPUTS.items()}
    for root in (neuron(**leaves), micrograd_example(Value(-4.0), Value(2.0))):
        pos = layout(root)
        assert set(pos) == reachable(root)
        assert len(set(pos.values())) == len(pos)  # no two boxes on top of each other
        assert all(pos[p][0] < pos[node][0] for node in pos for p in node._parents)


# ---------------------------------------------------------------- the numbers the entry quotes


@pytest.fixture(scope="module")
def runs(entry_runs):
    return entry_runs(ENTRY)


def test_engine_run_reproduces_published_numbers(runs):
    v = runs["engine"].values
    for key, published in MICROGRAD_PUBLISHED.items():
        assert v[key] == pytest.approx(published, abs=5e-5)
    for key, published in NEURON_PUBLISHED.items():
        assert v[key] == pytest.approx(published, abs=5e-5)
    assert v["do_db"] == pytest.approx(0.5, rel=1e-12)
    assert v["g_nodes"] == len(reachable(micrograd_example(Value(-4.0), Value(2.0))))
    assert v["grad_x_plus_x"] == 2.0  # d(x + x)/dx, exact in floats
    assert v["x_reuse"] == 3.0
    assert v["grad_x_times_x"] == 2 * v["x_reuse"]  # d(x * x)/dx = 2x, exact in floats
    assert v["recursion_limit"] == 1000  # CPython's default
    assert v["chain_len"] == 2 * v["recursion_limit"]
    assert v["chain_grad"] == v["chain_len"] + 1
    assert v["recursive_fails"] is True
    assert "24.7041" in runs["engine"].stdout


def test_check_run_gradients_match_finite_differences(runs):
    v = runs["check"].values
    for key in ("worst_micrograd", "worst_neuron", "worst_every_op", "worst_tiny_mlp"):
        assert 0.0 <= v[key] < 1e-7
    assert v["worst_all"] == max(
        v[k] for k in ("worst_micrograd", "worst_neuron", "worst_every_op", "worst_tiny_mlp")
    )
    assert v["num_points"] == 20
    assert v["tolerance"] == 1e-7  # the cs231n notes' line for smooth functions
    assert v["worst_all"] < v["tolerance"]
    assert v["h_largest"] == pytest.approx(0.1, rel=1e-12)
    # centred differences: truncation error O(h**2), so 100x smaller h gives ~1e4x smaller error
    assert v["truncation_order"] == pytest.approx(2.0, abs=0.1)
    # the best step sits near eps**(1/3) (~6e-6), where truncation meets rounding
    assert 0.1 < v["best_h"] / v["eps_cbrt"] < 10
    assert v["eps_cbrt"] == pytest.approx(np.finfo(np.float64).eps ** (1 / 3), rel=1e-12)
    assert v["best_h_error"] < 1e-9
    assert v["error_h_largest"] > 1e-4  # truncation dominates
    assert v["error_h_smallest"] > 1e3 * v["best_h_error"]  # rounding dominates


def test_graph_run_drew_the_neuron(runs):
    v = runs["graph"].values
    assert v["nodes"] == 10  # x1, w1, x2, w2, b, two products, two sums, tanh
    assert v["columns"] == 5
    assert "neuron_graph" in runs["graph"].figures


def test_speed_run_thresholds(runs):
    v = runs["speed"].values
    assert v["max_grad_diff"] < 1e-12  # the same computation, both ways
    assert v["max_loss_diff"] < 1e-12
    H, h = v["largest_width"], v["smallest_width"]
    assert v["largest_params"] == num_params([v["D"], H, H, 1])
    assert v["smallest_params"] == num_params([v["D"], h, h, 1])
    assert v["largest_nodes"] == mlp_node_count([v["D"], H, H, 1])
    assert v["largest_params"] > 30 * v["smallest_params"]  # the plot spans 1.5 decades or more
    assert v["nodes_per_param"] == pytest.approx(v["largest_nodes"] / v["largest_params"])
    assert 2.5 < v["nodes_per_param"] < 3.5
    assert v["small_params"] == num_params([2, 16, 16, 1])
    # timings: only robust thresholds
    assert v["ratio"] > 10  # numpy is much faster at the largest size
    assert v["ratio"] > 5 * v["ratio_smallest"] > 5  # and the gap widens with size
    assert v["numpy_growth"] < 5  # numpy's time is mostly a fixed cost per call
    assert v["scalar_growth"] > 10 * v["numpy_growth"]
    assert v["scalar_growth"] / v["numpy_growth"] == pytest.approx(
        v["ratio"] / v["ratio_smallest"], rel=1e-9
    )
    assert 0.6 < v["slope"] < 1.4  # scalar time grows about linearly in parameters
    assert 1e4 < v["nodes_per_s"] < 1e8
    assert v["mnodes_per_s"] == pytest.approx(v["nodes_per_s"] / 1e6)
    assert v["us_per_node"] == pytest.approx(1e6 / v["nodes_per_s"])
    assert v["t_scalar_ms"] * 1e3 == pytest.approx(v["ratio"] * v["t_numpy_us"], rel=1e-9)
    assert v["train_steps"] == 100 and v["train_examples"] == 100
    assert v["extrapolated_training_s"] > 1.0
    assert v["extrapolated_numpy_s"] * 10 < v["extrapolated_training_s"]
    assert "speed" in runs and "time_vs_params" in runs["speed"].figures
