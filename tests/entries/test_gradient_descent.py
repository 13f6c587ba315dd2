"""Entry 3, "Gradient descent and conditioning": every number the prose quotes, against a reference.

The references are closed forms: on a quadratic, gradient descent and heavy ball act on each
eigen-direction of the Hessian separately, as a scalar (GD) or 2x2 (heavy ball) linear recurrence,
so the exact error at step k follows from the spectrum without running either optimizer.
"""

import math

import gradient_descent as gdm
import numpy as np
import optimizers
import pytest
import rosenbrock

ENTRY = "posts/entries/gradient-descent-and-conditioning.md"
KAPPAS = [10, 100, 1000]
EPS = 1e-6


@pytest.fixture(scope="module")
def runs(entry_runs):
    return entry_runs(ENTRY)


def spectral_setup(kappa, seed=0, D=20):
    """The quadratic run_quadratic builds, in its eigenbasis: eigenvalues and c = Q^T (x0 - x*)."""
    A, x_star, lam = gdm.make_quadratic(kappa, D, np.random.default_rng(seed))
    w, V = np.linalg.eigh(A)  # ascending, matches lam
    assert w == pytest.approx(lam, rel=1e-9)
    return lam, V.T @ (np.zeros(D) - x_star)


def gd_exact_steps(lam, c, eps):
    """First k with ||(1 - lam/L)^k c|| <= eps ||c||, from the closed form."""
    k = np.arange(0, 200_000)[:, None]
    err = np.sqrt(((1 - lam / lam[-1]) ** (2 * k) * c**2).sum(axis=1)) / np.linalg.norm(c)
    return int(np.flatnonzero(err <= eps)[0])


def hb_exact_errors(lam, c, lr, beta, num_steps):
    """||x_k - x*|| / ||x_0 - x*|| for heavy ball, by 2x2 matrix powers per eigen-direction."""
    errs = np.zeros(num_steps + 1)
    for l_i, c_i in zip(lam, c, strict=True):
        T = np.array(
            [[1 + beta - lr * l_i, -beta], [1.0, 0.0]]
        )  # (e_{k+1}, e_k) = T (e_k, e_{k-1})
        state = np.array([c_i, c_i])  # x_{-1} = x_0
        for k in range(num_steps + 1):
            errs[k] += state[0] ** 2
            state = T @ state
    return np.sqrt(errs) / np.linalg.norm(c)


# --- the conditioning table --------------------------------------------------------------------


@pytest.mark.parametrize("kappa", KAPPAS)
def test_gd_steps_match_the_spectral_closed_form(runs, kappa):
    v = runs["conditioning"].values
    lam, c = spectral_setup(kappa)
    assert v[f"gd_{kappa}"] == pytest.approx(gd_exact_steps(lam, c, EPS), abs=1)


@pytest.mark.parametrize("kappa", KAPPAS)
def test_gd_steps_obey_the_worst_case_bound(runs, kappa):
    v = runs["conditioning"].values
    bound = math.ceil(math.log(EPS) / math.log(1 - 1 / kappa))
    assert v[f"gd_theory_{kappa}"] == bound
    assert v[f"gd_{kappa}"] <= bound
    # and not far below it: the slowest direction alone needs this many steps
    lam, c = spectral_setup(kappa)
    lower = (math.log(EPS) - math.log(abs(c[0]) / np.linalg.norm(c))) / math.log(1 - 1 / kappa)
    assert v[f"gd_{kappa}"] >= math.floor(lower)


@pytest.mark.parametrize("kappa", KAPPAS)
def test_heavy_ball_steps_match_the_2x2_recurrence(runs, kappa):
    v = runs["conditioning"].values
    lam, c = spectral_setup(kappa)
    lr, beta = optimizers.polyak_parameters(lam[0], lam[-1])
    exact = hb_exact_errors(lam, c, lr, beta, 3 * v[f"hb_theory_{kappa}"])
    assert v[f"hb_{kappa}"] == pytest.approx(int(np.flatnonzero(exact <= EPS)[0]), abs=1)


@pytest.mark.parametrize("kappa", KAPPAS)
def test_heavy_ball_steps_near_the_sqrt_kappa_rate(runs, kappa):
    v = runs["conditioning"].values
    rho = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    assert v[f"hb_theory_{kappa}"] == math.ceil(math.log(EPS) / math.log(rho))
    # the Jordan-block factor k rho^k makes the count a little above log(eps)/log(rho)
    assert 0.9 <= v[f"hb_{kappa}"] / v[f"hb_theory_{kappa}"] <= 1.6
    assert v[f"speedup_{kappa}"] == pytest.approx(v[f"gd_{kappa}"] / v[f"hb_{kappa}"], rel=1e-12)


def test_growth_is_kappa_for_gd_and_sqrt_kappa_for_momentum(runs):
    v = runs["conditioning"].values
    assert v["gd_growth"] == pytest.approx(100, rel=0.15)  # kappa grew 100x
    assert v["hb_growth"] == pytest.approx(10, rel=0.3)  # sqrt(kappa) grew 10x
    assert v["speedup_10"] < v["speedup_100"] < v["speedup_1000"]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("kappa", [10, 100])
def test_rates_hold_over_seeds(seed, kappa):
    err_gd, err_hb = gdm.run_quadratic(kappa, seed=seed)
    k_gd, k_hb = gdm.steps_to(err_gd, EPS), gdm.steps_to(err_hb, EPS)
    assert 0.5 * gdm.gd_theory_steps(kappa, EPS) <= k_gd <= gdm.gd_theory_steps(kappa, EPS)
    assert 0.9 <= k_hb / gdm.momentum_theory_steps(kappa, EPS) <= 1.6
    # GD's error never grows, step after step (its iteration matrix is a contraction)
    assert np.all(np.diff(err_gd) <= 1e-15)


def test_make_quadratic_has_the_asked_spectrum():
    A, x_star, lam = gdm.make_quadratic(1000, 20, np.random.default_rng(5))
    assert np.linalg.eigvalsh(A) == pytest.approx(lam, rel=1e-9)
    assert np.linalg.cond(A) == pytest.approx(1000, rel=1e-9)


# --- the optimizers ----------------------------------------------------------------------------


def test_polyak_parameters_closed_form():
    lr, beta = optimizers.polyak_parameters(1.0, 100.0)
    assert lr == pytest.approx(4 / 121, rel=1e-15)
    assert beta == pytest.approx((9 / 11) ** 2, rel=1e-15)


def test_heavy_ball_with_zero_beta_is_gradient_descent():
    A = gdm.quadratic_2d(25.0, 0.3)
    x0 = np.array([1.0, -2.0])
    X1 = optimizers.heavy_ball(lambda x: A @ x, x0, 0.03, 0.0, 50)
    X2 = optimizers.gradient_descent(lambda x: A @ x, x0, 0.03, 50)
    assert np.array_equal(X1, X2)


def test_adam_first_steps_match_algorithm_1():
    # Kingma & Ba, Algorithm 1, written out by hand for a 1-D gradient
    g1, g2 = 3.0, -1.0
    grads = iter([np.array([g1]), np.array([g2])])
    X = optimizers.adam(lambda x: next(grads), np.array([0.0]), 0.1, 2, eps=0.0)
    assert X[1, 0] == pytest.approx(-0.1, rel=1e-15)  # first step: -lr * sign(g)
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    v = 0.999 * 0.001 * g1**2 + 0.001 * g2**2
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    assert X[2, 0] == pytest.approx(-0.1 - 0.1 * m_hat / math.sqrt(v_hat), rel=1e-12)


# --- the 2-D quadratic -------------------------------------------------------------------------


def test_two_d_distances_match_closed_forms(runs):
    v = runs["conditioning"].values
    kappa, steps = v["kappa2d"], v["steps2d"]
    # GD with step 1/L zeroes the steep component in one step; the flat one shrinks (1 - 1/kappa)^k
    assert v["dist2d_gd"] == pytest.approx(4.0 * (1 - 1 / kappa) ** steps, rel=1e-9)
    lr, beta = optimizers.polyak_parameters(1.0, kappa)
    exact = hb_exact_errors(np.array([1.0, kappa]), np.array([-4.0, 0.6]), lr, beta, steps)
    assert v["dist2d_heavy"] == pytest.approx(exact[-1] * math.hypot(4.0, 0.6), rel=1e-6)
    assert v["dist2d_heavy"] < v["dist2d_adam"] < v["dist2d_gd"]


# --- Rosenbrock --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_rosenbrock_gradient_matches_centred_differences(seed):
    p = np.random.default_rng(seed).uniform(-2, 2, size=2)
    h = 1e-6
    numeric = [
        (rosenbrock.rosenbrock(p + h * e) - rosenbrock.rosenbrock(p - h * e)) / (2 * h)
        for e in np.eye(2)
    ]
    grad = rosenbrock.rosenbrock_grad(p)
    assert np.max(np.abs(grad - numeric)) / np.max(np.abs(grad)) < 1e-7


def test_rosenbrock_minimum_and_start():
    assert rosenbrock.rosenbrock(np.array([1.0, 1.0])) == 0.0
    assert np.array_equal(rosenbrock.rosenbrock_grad(np.array([1.0, 1.0])), [0.0, 0.0])


def test_rosenbrock_runs(runs):
    v = runs["rosenbrock"].values
    assert v["f0"] == pytest.approx(2.2**2 + 100 * 0.44**2, rel=1e-12)  # f(-1.2, 1) = 24.2
    n = v["num_steps"]
    # every method gets within tol of (1, 1) inside the budget, heavy ball first, GD last
    assert 0 < v["steps_heavy"] < v["steps_adam"] < v["steps_gd"] <= n
    assert v["dist_heavy"] < 1e-10 and v["f_heavy"] < 1e-20
    assert v["dist_gd"] < v["tol"] and v["dist_adam"] < v["tol"]
    # near the minimum f ~ 1/2 (p - p*)^T H (p - p*) with eigenvalues of H in [0.4, 1001.6]
    for key in ["gd", "adam"]:
        assert 0.19 * v[f"dist_{key}"] ** 2 <= v[f"f_{key}"] <= 501 * v[f"dist_{key}"] ** 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rosenbrock_hessian_matches_differences_of_the_gradient(seed):
    p = np.random.default_rng(seed).uniform(-2, 2, size=2)
    h = 1e-6
    numeric = np.column_stack(
        [
            (rosenbrock.rosenbrock_grad(p + h * e) - rosenbrock.rosenbrock_grad(p - h * e))
            / (2 * h)
            for e in np.eye(2)
        ]
    )
    H = rosenbrock.rosenbrock_hessian(p)
    assert np.max(np.abs(H - numeric)) / np.max(np.abs(H)) < 1e-7


def test_rosenbrock_hessian_condition_at_the_minimum(runs):
    v = runs["rosenbrock"].values
    # H(1, 1) = [[802, -400], [-400, 200]]: trace 1002, determinant 400
    root = math.sqrt(1002**2 - 4 * 400)
    assert v["hessian_cond"] == pytest.approx((1002 + root) / (1002 - root), rel=1e-9)


def test_adam_with_a_fixed_learning_rate_does_not_settle(runs):
    v = runs["rosenbrock"].values
    assert v["mid_step"] == v["num_steps"] // 2
    assert v["dist_adam"] > 100 * v["dist_adam_mid"]


def test_stated_settings(runs):
    c, r = runs["conditioning"].values, runs["rosenbrock"].values
    assert (c["kappa_lo"], c["kappa_mid"], c["kappa_hi"], c["D"]) == (10, 100, 1000, 20)
    assert c["eps"] == 1e-6 and c["steps2d"] == 40 and c["kappa2d"] == 25.0
    assert c["angle_deg"] == pytest.approx(30.0, rel=1e-12)
    assert c["lr_adam2d"] == 0.2
    assert (r["lr_gd"], r["lr_hb"], r["beta"], r["lr_adam"]) == (1e-3, 1e-3, 0.9, 1e-2)
    assert (r["num_steps"], r["tol"]) == (12_000, 1e-2)
