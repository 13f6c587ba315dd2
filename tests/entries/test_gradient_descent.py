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


# --- corrections of 2026-12-01: Adam's restlessness over starts, and per-coordinate gains ------


def test_adam_never_settles_from_any_of_the_starts(runs):
    v = runs["rosenbrock"].values
    assert (v["starts"], v["jitter"]) == (16, 1e-9)
    assert v["closest_worst"] < 1e-12  # every start reached rounding distance ...
    assert v["late_max_lo"] > 1e-3  # ... and every one was thrown back out after mid_step
    assert v["end_lo"] <= v["end_median"] <= v["end_hi"] < v["tol"]
    assert v["end_hi"] / v["end_lo"] > 100  # where a run ends is not reproducible


@pytest.mark.parametrize("seed", [1, 2])
def test_adam_restlessness_holds_for_other_sets_of_starts(runs, seed):
    v = runs["rosenbrock"].values
    x_star = np.ones(2)
    other = rosenbrock.adam_restless(
        np.array([-1.2, 1.0]), v["lr_adam"], v["num_steps"], rosenbrock.rosenbrock_hessian(x_star),
        num_starts=8, seed=seed,
    )  # fmt: skip
    assert other["closest_worst"] < 1e-12 and other["late_max_lo"] > 1e-3
    assert other["cross_first"] == v["cross_first"]  # v's decay does not depend on the jitter
    assert 0 < other["lag_lo"] <= other["lag_hi"] < 500


def test_squared_gradient_average_decays_by_sqrt_beta2_a_step(runs):
    v = runs["rosenbrock"].values
    beta2, t0, t1 = 0.999, v["mid_step"] + 1, v["rms_to"] + 1  # rms[k] is step t = k + 1
    assert v["rms_to"] - v["mid_step"] == 1000
    # with g ~ 0: v_hat_t = beta2^(t - t0) v_t0 (1 - beta2^t0) / (1 - beta2^t)
    exact = math.sqrt(beta2 ** (t1 - t0) * (1 - beta2**t0) / (1 - beta2**t1))
    assert v["rms_decay_1000"] == pytest.approx(exact, rel=1e-6)


def test_the_kick_follows_the_stability_limit(runs):
    v = runs["rosenbrock"].values
    assert v["cross_first"] == v["cross_last"] > v["settled_first"] > v["mid_step"]
    assert 0 < v["lag_lo"] <= v["lag_hi"] < 500
    assert v["kick_level"] == 1e-6
    assert 0.5 < v["ratio_after_lo"] < 1 < v["ratio_after_hi"] < 1.2  # at the edge of stability


@pytest.mark.parametrize("seed", range(5))
def test_stability_ratio_matches_the_spectral_radius_of_frozen_adam(seed):
    # frozen-v Adam near the minimum is the linear map (e_k, e_{k-1}) -> (e_{k+1}, e_k)
    rng = np.random.default_rng(seed)
    H, beta1, lr = rosenbrock.rosenbrock_hessian(np.ones(2)), 0.9, 1e-2
    for _ in range(20):
        rms = rng.uniform(0.05, 1.0, size=2)
        M = (1 - beta1) * (lr / rms)[:, None] * H  # (1 - beta1) P H
        T = np.block(
            [[(1 + beta1) * np.eye(2) - M, -beta1 * np.eye(2)], [np.eye(2), np.zeros((2, 2))]]
        )
        radius = np.max(np.abs(np.linalg.eigvals(T)))
        ratio = rosenbrock.stability_ratio(rms, lr, H, beta1)
        assert (radius > 1 + 1e-9) == (ratio > 1), (rms, radius, ratio)


def test_per_coordinate_gains_fix_an_aligned_bowl_not_a_rotated_one(runs):
    v = runs["conditioning"].values
    kappa, angle = v["kappa2d"], math.radians(v["angle_deg"])
    c, s = math.cos(angle), math.sin(angle)
    a, d, b = c * c + kappa * s * s, s * s + kappa * c * c, (1 - kappa) * s * c  # A's entries
    r = abs(b) / math.sqrt(a * d)  # D^-1/2 A D^-1/2 = [[1, r], [r, 1]]
    assert v["cond_gains_aligned"] == pytest.approx(1.0, abs=1e-12)
    assert v["cond_gains_rotated"] == pytest.approx((1 + r) / (1 - r), rel=1e-9)
    assert v["steps_gains_aligned"] == 1  # exact curvature per coordinate: one step
    # GD with the best step on kappa' contracts by (kappa' - 1)/(kappa' + 1) a step at worst
    for key, k in [("gains_rotated", v["cond_gains_rotated"]), ("plain_rotated", kappa)]:
        bound = math.ceil(math.log(v["eps"]) / math.log((k - 1) / (k + 1)))
        assert 0.8 * bound <= v[f"steps_{key}"] <= bound, key
    assert v["steps_plain_aligned"] == v["steps_plain_rotated"]  # plain GD is rotation-invariant
    assert v["steps_gains_rotated"] > 100 * v["steps_gains_aligned"]


def test_adam_first_step_is_the_sign_only_up_to_eps():
    for g in [3.0, 1e-6, -2e-8]:
        X = optimizers.adam(lambda x, g=g: np.array([g]), np.array([0.0]), 0.1, 1)  # eps = 1e-8
        assert X[1, 0] == pytest.approx(-0.1 * g / (abs(g) + 1e-8), rel=1e-12)
    # far from the limit: a gradient of 2e-8 moves only two thirds of lr, not lr
    assert abs(X[1, 0]) == pytest.approx(0.1 * 2 / 3, rel=1e-12)
