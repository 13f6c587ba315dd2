"""Entry 5, "Backprop with matrices: an MLP": every layer against centred differences and closed
forms, Adam against its update rule, the data loaders against scikit-learn's, and the numbers the
entry quotes, with learning thresholds checked over a few seeds."""

import numpy as np
import pytest
from adam import Adam
from digits_mlp import load_digits, split
from digits_mlp import main as digits_main
from layer_check import check_all, numerical_grad, rel_error
from layers import (
    embedding_backward,
    embedding_forward,
    linear_backward,
    linear_forward,
    linear_init,
    softmax_cross_entropy_backward,
    softmax_cross_entropy_forward,
)
from mlp import init_mlp, loss_and_grads, parameters
from two_moons import main as moons_main
from two_moons import make_moons

ENTRY = "posts/entries/backprop-with-matrices.md"
GRAD_TOL = 1e-7  # cs231n: relative error <= 1e-7 in float64 for smooth functions


@pytest.fixture(scope="session")
def runs(entry_runs):
    return entry_runs(ENTRY)


@pytest.fixture(scope="session")
def sklearn_digits_baseline():
    """scikit-learn's multinomial logistic regression (defaults, C=1) on the entry's split."""
    from sklearn.linear_model import LogisticRegression

    X, y = load_digits()
    X_tr, y_tr, X_te, y_te = split(X / 16.0, y, 0.2, np.random.default_rng(0))
    return LogisticRegression(max_iter=5000).fit(X_tr, y_tr).score(X_te, y_te)


# ---------------------------------------------------------------- layers


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_layer_matches_centred_differences(seed):
    results = check_all(seed)
    assert set(results) == {
        "linear", "relu", "tanh", "embedding", "flatten", "softmax_ce", "mlp_relu", "mlp_tanh"
    }  # fmt: skip
    for layer, errors in results.items():
        for name, err in errors.items():
            assert err <= GRAD_TOL, f"{layer}.{name}: relative error {err:.1e}"


def test_the_checker_catches_a_wrong_gradient():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3))
    params = linear_init(3, 2, rng)
    out, cache = linear_forward(x, params)
    G = rng.standard_normal(out.shape)
    _, grads = linear_backward(G, cache)
    numeric = numerical_grad(lambda: np.sum(linear_forward(x, params)[0] * G), params["W"])
    assert rel_error(grads["W"], numeric) <= GRAD_TOL
    assert rel_error(grads["W"].T.reshape(3, 2), numeric) > 1e-2  # a transposed bug is caught


def test_softmax_cross_entropy_against_closed_forms_and_sklearn():
    from sklearn.metrics import log_loss

    K = 5
    loss, _ = softmax_cross_entropy_forward(np.zeros((3, K)), np.array([0, 2, 4]))
    assert loss == pytest.approx(np.log(K), rel=1e-14)  # uniform prediction: log K
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((50, K)) * 3
    y = rng.integers(0, K, 50)
    loss, cache = softmax_cross_entropy_forward(logits, y)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(log_loss(y, p, labels=range(K)), rel=1e-12)
    # huge logits do not overflow (the max is subtracted first)
    big, _ = softmax_cross_entropy_forward(np.array([[1000.0, 0.0]]), np.array([1]))
    assert big == pytest.approx(1000.0, rel=1e-12)
    dlogits = softmax_cross_entropy_backward(1.0, cache)
    assert np.abs(dlogits.sum(axis=1)).max() < 1e-15  # p - one_hot sums to 0 in every row


def test_embedding_is_a_one_hot_matmul():
    rng = np.random.default_rng(0)
    V, E = 6, 3
    params = {"C": rng.standard_normal((V, E))}
    idx = rng.integers(0, V, size=(4, 2))
    out, cache = embedding_forward(idx, params)
    one_hot = np.eye(V)[idx]  # (4, 2, V)
    np.testing.assert_allclose(out, one_hot @ params["C"], rtol=0, atol=1e-15)
    dout = rng.standard_normal(out.shape)
    _, grads = embedding_backward(dout, cache)
    expected = np.einsum("btv,bte->ve", one_hot, dout)  # one_hot^T dout, repeats summed
    np.testing.assert_allclose(grads["C"], expected, rtol=1e-13, atol=1e-14)


# ---------------------------------------------------------------- Adam


def test_adam_first_step_moves_every_coordinate_by_lr():
    # After one step m_hat = g and v_hat = g^2, so the update is lr * g / (|g| + eps).
    x = np.array([1.0, -2.0, 3.0])
    g = np.array([0.5, -40.0, 1e-3])
    Adam([x], lr=0.1, eps=1e-8).step([g])
    expected = np.array([1.0, -2.0, 3.0]) - 0.1 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(x, expected, rtol=1e-14)


def test_adam_matches_the_update_rule_written_out_for_three_steps():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(4)
    ref, m, v = x.copy(), np.zeros(4), np.zeros(4)
    opt = Adam([x], lr=0.01, beta1=0.8, beta2=0.9)
    for t in range(1, 4):
        g = rng.standard_normal(4)
        opt.step([g])
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g**2
        ref -= 0.01 * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.9**t)) + 1e-8)
        np.testing.assert_allclose(x, ref, rtol=1e-13)


def test_adam_minimises_a_quadratic_to_its_closed_form():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((5, 5))
    H = A @ A.T + np.eye(5)  # positive definite
    b = rng.standard_normal(5)
    x = np.zeros(5)
    opt = Adam([x], lr=0.05)
    for step in range(4000):
        opt.step([H @ x - b], lr=0.05 * 0.5 * (1 + np.cos(np.pi * step / 4000)))
    np.testing.assert_allclose(x, np.linalg.solve(H, b), atol=1e-6)


# ---------------------------------------------------------------- MLP assembly and data


def test_mlp_keeps_no_hidden_state_and_counts_parameters():
    """Two calls give identical gradients: the forward pass keeps no hidden state."""
    rng = np.random.default_rng(0)
    model = init_mlp([3, 4, 2], rng)
    x, y = rng.standard_normal((6, 3)), rng.integers(0, 2, 6)
    l1, g1 = loss_and_grads(model, x, y)
    l2, g2 = loss_and_grads(model, x, y)
    assert l1 == l2
    for a, b in zip(g1, g2, strict=True):
        for k in a:
            assert np.array_equal(a[k], b[k])
    assert sum(p.size for p in parameters(model)) == 3 * 4 + 4 + 4 * 2 + 2


def test_make_moons_matches_sklearn_without_noise():
    from sklearn.datasets import make_moons as sk_make_moons

    for n in (1000, 7):
        X, y = make_moons(n, noise=0.0, rng=np.random.default_rng(0))
        X_ref, y_ref = sk_make_moons(n, noise=0.0, shuffle=False)
        np.testing.assert_allclose(X, X_ref, rtol=0, atol=1e-15)
        assert np.array_equal(y, y_ref)


def test_make_moons_noise_has_the_requested_scale():
    X0, _ = make_moons(20000, noise=0.0, rng=np.random.default_rng(0))
    X, _ = make_moons(20000, noise=0.1, rng=np.random.default_rng(0))
    assert np.std(X - X0) == pytest.approx(0.1, rel=0.02)  # 40,000 draws: se ~0.5%


def test_load_digits_matches_sklearn_exactly():
    from sklearn.datasets import load_digits as sk_load_digits

    X, y = load_digits()
    ref = sk_load_digits()
    assert X.shape == (1797, 64)
    assert np.array_equal(X, ref.data)
    assert np.array_equal(y, ref.target)


# ---------------------------------------------------------------- the entry's numbers


def test_entry_gradient_check_numbers(runs):
    values = runs["check"].values
    assert values["worst_any"] <= GRAD_TOL
    assert values["worst_any"] == max(v for k, v in values.items() if k != "worst_any")
    assert values["worst_any"] == pytest.approx(max(max(e.values()) for e in check_all(0).values()))
    assert "softmax_ce" in runs["check"].stdout


@pytest.mark.parametrize(
    "key", ["worst_linear", "worst_softmax_ce", "worst_mlp_relu", "worst_mlp_tanh", "worst_relu"]
)
def test_entry_quoted_layer_errors(runs, key):
    """Each quoted error is below the tolerance and is what the checker gives in this process."""
    value = runs["check"].values[key]
    assert 0 < value <= GRAD_TOL
    reference = max(check_all(0)[key.removeprefix("worst_")].values())
    assert value == pytest.approx(reference, rel=1e-3)


def test_entry_two_moons(runs):
    values = runs["moons"].values
    assert values["accuracy"] > 0.99
    assert values["loss_last"] < 0.05 * values["loss_first"]
    assert values["n_points"] == 1000 and values["hidden"] == 16 and values["num_steps"] == 200
    assert values["n_errors"] == round((1 - values["accuracy"]) * values["n_points"])
    assert values["n_errors"] < 10  # > 99%
    assert "boundary" in runs["moons"].figures


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_moons_over_seeds(seed):
    assert moons_main(seed=seed, plot=False)["accuracy"] > 0.99


def test_entry_digits(runs, sklearn_digits_baseline):
    values = runs["digits"].values
    assert values["n_train"] + values["n_test"] == 1797
    assert values["n_test"] == 359
    assert values["n_images"] == 1797 and values["side"] ** 2 == 64
    assert (values["hidden"], values["batch_size"], values["num_steps"]) == (128, 64, 400)
    assert values["acc_mlp"] >= 0.975
    assert values["acc_mlp"] >= values["acc_softmax"]  # one image apart at seed 0: no strict >
    assert values["val_loss_mlp"] < values["val_loss_softmax"]
    assert values["errors_mlp"] == round((1 - values["acc_mlp"]) * 359)
    assert values["errors_softmax"] == round((1 - values["acc_softmax"]) * 359)
    # my softmax regression lands within 1.5 points of scikit-learn's (which scores ~96.7% here)
    assert sklearn_digits_baseline == pytest.approx(0.9666, abs=0.01)
    assert values["acc_softmax"] == pytest.approx(sklearn_digits_baseline, abs=0.015)
    assert values["acc_mlp"] > sklearn_digits_baseline
    assert "loss" in runs["digits"].figures


@pytest.mark.parametrize("seed", [1, 2])
def test_digits_mlp_beats_softmax_regression_over_seeds(seed):
    values = digits_main(seed=seed, plot=False)
    assert values["acc_mlp"] >= 0.975
    assert values["errors_mlp"] < values["errors_softmax"]
    assert values["val_loss_mlp"] < values["val_loss_softmax"]
