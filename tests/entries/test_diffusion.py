"""Entry 11, "Diffusion in 2-D": the forward chain against its closed form (moments and scipy's
Kolmogorov-Smirnov tests), the noise predictor's backward pass against centred differences, the
sampler against the exact reverse process of a one-point distribution, MMD against a second
implementation built on scipy, and the numbers the entry quotes, over the three seeds the run
trains."""

import numpy as np
import pytest
from diffusion import (
    eps_backward,
    eps_forward,
    init_eps_model,
    make_schedule,
    parameter_arrays,
    q_sample,
    q_step,
    sample,
    share_one_buffer,
)
from diffusion_2d import BANDWIDTHS, STEP_COUNTS, forward_check, mmd2, moons_data, respaced
from layer_check import numerical_grad, rel_error
from scipy import stats
from scipy.spatial.distance import cdist

ENTRY = "posts/entries/diffusion-in-2d.md"
GRAD_TOL = 1e-7  # cs231n: relative error <= 1e-7 in float64 for smooth functions
# 250 z-scores (50 steps x (2 means + 2 variances + 1 covariance)): under the closed form each is
# about N(0, 1), and P(any |z| > 4.5) <= 250 * 6.8e-6 < 0.002.
Z_TOL = 4.5


@pytest.fixture(scope="session")
def runs(entry_runs):
    return entry_runs(ENTRY)


# ---------------------------------------------------------------- the forward process


def test_alpha_bar_is_the_running_product():
    sched = make_schedule()
    product = 1.0
    for t in range(sched["T"]):
        product *= 1 - sched["beta"][t]
        assert sched["alpha_bar"][t] == pytest.approx(product, rel=1e-14)


def test_one_closed_form_step_is_one_chain_step():
    """t = 1: alpha_bar_1 = 1 - beta_1, so both formulas are the same expression."""
    sched = make_schedule()
    rng = np.random.default_rng(3)
    x0 = rng.standard_normal((5, 2))
    eps = np.random.default_rng(7).standard_normal((5, 2))
    chain = q_step(x0, 1, sched, np.random.default_rng(7))
    closed = q_sample(x0, np.ones(5, dtype=int), eps, sched)
    np.testing.assert_allclose(chain, closed, rtol=1e-15, atol=1e-15)


def test_the_iterated_chain_has_the_closed_form_moments():
    """The run's statistic, recomputed on another seed: every z-score within Z_TOL."""
    for seed in (0, 1):
        _, _, z_mean, z_var, z_cov, _ = forward_check(seed=seed)
        assert z_mean.shape == (50, 2) and z_var.shape == (50, 2) and z_cov.shape == (50,)
        assert max(np.abs(z_mean).max(), np.abs(z_var).max(), np.abs(z_cov).max()) < Z_TOL


def test_the_iterated_chain_has_the_closed_form_distribution_scipy_ks():
    """Independent reference: scipy's two-sample KS test between the chain iterated t times and
    the closed form sampled directly, per coordinate, from the same starting points."""
    sched = make_schedule()
    rng = np.random.default_rng(11)
    x0 = moons_data(11)[0]  # (4000, 2)
    x0 = np.repeat(x0, 5, axis=0)  # (20000, 2)
    x = x0.copy()
    p_values = []
    for t in range(1, sched["T"] + 1):
        x = q_step(x, t, sched, rng)
        if t in (1, 5, 20, 50):
            direct = q_sample(x0, np.full(len(x0), t), rng.standard_normal(x0.shape), sched)
            p_values += [stats.ks_2samp(x[:, d], direct[:, d]).pvalue for d in (0, 1)]
    assert min(p_values) > 1e-3 / len(p_values)  # Bonferroni over the 8 tests


def test_the_check_catches_a_wrong_chain():
    """A chain that forgets the square root on beta (x_t = sqrt(1 - beta) x + beta z) fails."""
    sched = make_schedule()
    rng = np.random.default_rng(0)
    x0 = moons_data(0)[0]
    x = x0.copy()
    worst = 0.0
    for t in range(1, sched["T"] + 1):
        beta, a_bar = sched["beta"][t - 1], sched["alpha_bar"][t - 1]
        x = np.sqrt(1 - beta) * x + beta * rng.standard_normal(x.shape)  # the bug
        r = (x - np.sqrt(a_bar) * x0) / np.sqrt(1 - a_bar)
        worst = max(worst, np.abs((r.var(0) - 1) / np.sqrt(2 / len(r))).max())
    assert worst > 5 * Z_TOL  # about 45 standard errors on 4,000 points


def test_entry_forward_numbers(runs):
    v = runs["noising"].values
    sched = make_schedule()
    assert v["T"] == 50 and v["n_chains"] == 20000
    assert v["beta_1"] == 1e-3 and v["beta_T"] == 0.2
    assert v["alpha_bar_T"] == pytest.approx(np.prod(1 - np.linspace(1e-3, 0.2, 50)), rel=1e-12)
    assert v["sqrt_alpha_bar_T"] == pytest.approx(np.sqrt(sched["alpha_bar"][-1]), rel=1e-12)
    assert v["n_tests"] == 250
    for key in ("max_z_mean", "max_z_var", "max_z_cov"):
        assert 0 < v[key] < Z_TOL
    # x_T is all but N(0, I): 20,000 points, standard errors 0.007 (mean) and 0.01 (variance)
    np.testing.assert_allclose(v["x_T_mean"], 0.0, atol=5 * np.sqrt(1 / 20000))
    np.testing.assert_allclose(v["x_T_var"], 1.0, atol=5 * np.sqrt(2 / 20000))
    assert "strip" in runs["noising"].figures


# ---------------------------------------------------------------- the noise predictor


def test_eps_model_backward_matches_centred_differences():
    rng = np.random.default_rng(0)
    T = 6
    model = init_eps_model(rng, T, H=5, layers=2, F=2)
    for layer in model["hidden"]:  # non-zero embeddings, so their gradients are exercised
        layer["emb"]["C"][:] = rng.standard_normal(layer["emb"]["C"].shape)
    x = rng.standard_normal((7, 2))
    t = rng.integers(1, T + 1, size=7)
    out, cache = eps_forward(model, x, t)
    G = rng.standard_normal(out.shape)
    grads = eps_backward(G, cache)

    def L():
        return np.sum(eps_forward(model, x, t)[0] * G)

    for p, g in zip(parameter_arrays(model), parameter_arrays(grads), strict=True):
        assert rel_error(g, numerical_grad(L, p)) <= GRAD_TOL


def test_the_time_embedding_is_a_row_lookup():
    rng = np.random.default_rng(1)
    model = init_eps_model(rng, 4, H=3, layers=1, F=0)
    model["hidden"][0]["emb"]["C"][:] = np.arange(12.0).reshape(4, 3)
    model["hidden"][0]["lin"]["W"][:] = 0.0
    model["out"]["W"][:] = np.eye(3)[:, :2]
    out, _ = eps_forward(model, np.zeros((2, 2)), np.array([1, 4]))
    np.testing.assert_array_equal(out, [[0.0, 1.0], [9.0, 10.0]])  # rows C[0] and C[3]


def test_one_buffer_holds_every_parameter_as_a_view():
    rng = np.random.default_rng(0)
    model = init_eps_model(rng, 50)
    before = [a.copy() for a in parameter_arrays(model)]
    theta = share_one_buffer(model)
    assert theta.size == 19010 == (14 * 64 + 64 + 50 * 64) + 2 * (64 * 64 + 64 + 50 * 64) + 130
    for a, b in zip(parameter_arrays(model), before, strict=True):
        assert np.array_equal(a, b) and np.shares_memory(a, theta)
    theta -= 1.0
    assert all(
        np.array_equal(a, b - 1.0) for a, b in zip(parameter_arrays(model), before, strict=True)
    )


# ---------------------------------------------------------------- the sampler


@pytest.mark.parametrize("S", [50, 10])
def test_sampler_with_the_exact_predictor_matches_propagated_moments(S):
    """Independent reference: for data that is one point m, eps*(x_t) = (x_t - sqrt(a_bar) m) /
    sqrt(1 - a_bar) is exact and every reverse step is linear in x plus Gaussian noise, so the
    mean and variance of each x_t follow from x_T ~ N(0, I) by two scalar recurrences, written
    here without the sampler's code. The sampler ends exactly at m."""
    sched = make_schedule()
    a_bar = sched["alpha_bar"]
    m = np.array([0.7, -1.2])

    def exact(x, t):
        ab = a_bar[t - 1][:, None]
        return (x - np.sqrt(ab) * m) / np.sqrt(1 - ab)

    steps = [int(s) for s in respaced(S, 50)]
    keep = steps[-2::-3]  # a few of the steps it visits
    n = 20000
    x0, kept = sample(exact, n, sched, np.random.default_rng(5), steps=steps, keep=keep)
    np.testing.assert_allclose(x0, np.broadcast_to(m, x0.shape), atol=1e-12)
    assert sorted(kept) == sorted(keep) and len(keep) >= 3
    mean, var = np.zeros(2), 1.0  # x_T ~ N(0, I)
    for t, s in zip(steps[::-1], [*steps[-2::-1], 0], strict=True):
        ab_t, ab_s = a_bar[t - 1], (a_bar[s - 1] if s else 1.0)
        # x_s = sqrt(ab_s) m + sqrt(1 - ab_s - sigma^2) eps* + sigma z  (DDIM's eq. 12 form)
        sigma2 = (1 - ab_s) / (1 - ab_t) * (1 - ab_t / ab_s)
        c = np.sqrt(1 - ab_s - sigma2) / np.sqrt(1 - ab_t)  # coefficient on (x_t - sqrt(ab_t) m)
        mean = np.sqrt(ab_s) * m + c * (mean - np.sqrt(ab_t) * m)
        var = c * c * var + sigma2
        if s in kept:
            z_mean = (kept[s].mean(0) - mean) / np.sqrt(var / n)
            z_var = (kept[s].var(0) / var - 1) / np.sqrt(2 / n)
            assert np.abs(z_mean).max() < Z_TOL and np.abs(z_var).max() < Z_TOL, s
    assert var == pytest.approx(0.0, abs=1e-20)


def test_respacing_keeps_every_step_when_asked_for_all():
    sched = make_schedule()
    f = lambda x, t: 0.1 * x + 0.01 * t[:, None]  # noqa: E731 - any deterministic predictor
    a, _ = sample(f, 50, sched, np.random.default_rng(2))
    b, _ = sample(f, 50, sched, np.random.default_rng(2), steps=respaced(50, 50))
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert respaced(10, 50).tolist() == [5, 10, 15, 20, 25, 30, 35, 40, 45, 50]
    assert respaced(5, 50).tolist() == [10, 20, 30, 40, 50]


# ---------------------------------------------------------------- MMD


def mmd2_scipy(X, Y, h):
    """A second implementation: scipy's pairwise distances and explicit off-diagonal masks."""
    k = lambda A, B: np.exp(-cdist(A, B, "sqeuclidean") / (2 * h * h))  # noqa: E731
    n, m = len(X), len(Y)
    Kxx, Kyy = k(X, X), k(Y, Y)
    off_x, off_y = ~np.eye(n, dtype=bool), ~np.eye(m, dtype=bool)
    return Kxx[off_x].mean() + Kyy[off_y].mean() - 2 * k(X, Y).mean()


def test_mmd_matches_a_scipy_implementation():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((300, 2)), rng.standard_normal((200, 2)) * 1.3 + 0.2
    for h in BANDWIDTHS:
        assert mmd2(X, Y, h) == pytest.approx(mmd2_scipy(X, Y, h), rel=1e-10, abs=1e-14)
    several = mmd2(X, Y, BANDWIDTHS)  # one call, distances computed once
    assert several == pytest.approx([mmd2_scipy(X, Y, h) for h in BANDWIDTHS], rel=1e-10)
    same = [
        mmd2(rng.standard_normal((300, 2)), rng.standard_normal((300, 2)), 0.5) for _ in range(30)
    ]
    assert abs(np.mean(same)) < 3 * np.std(same) / np.sqrt(30)  # unbiased: 0 on average


# ---------------------------------------------------------------- the entry's numbers


def test_entry_samples_are_far_closer_to_the_data_than_a_gaussian(runs):
    """Every seed, every bandwidth: the diffusion samples' MMD^2 is under a tenth of the Gaussian's."""
    v = runs["train"].values
    assert v["seeds"] == [0, 1, 2] and v["bandwidths"] == list(BANDWIDTHS) and v["h"] == 0.2
    diffusion, gauss = np.array(v["mmd_diffusion_all"]), np.array(v["mmd_gauss_all"])
    assert diffusion.shape == gauss.shape == (3, len(BANDWIDTHS))
    assert (diffusion < 0.1 * gauss).all()
    assert v["frac_max"] == pytest.approx((diffusion / gauss).max(), rel=1e-12)
    assert v["frac_max"] < 0.1
    j = BANDWIDTHS.index(0.2)
    assert v["mmd_diffusion"] == pytest.approx(diffusion[:, j].tolist(), rel=1e-12)
    assert v["ratio_main_min"] == pytest.approx((gauss[:, j] / diffusion[:, j]).min(), rel=1e-12)
    assert v["ratio_main_min"] > 10
    assert v["mmd_diffusion_mean"] == pytest.approx(diffusion[:, j].mean(), rel=1e-12)
    assert v["mmd_gauss_mean"] == pytest.approx(gauss[:, j].mean(), rel=1e-12)


def test_entry_mmd_recomputed_with_scipy_from_the_samples(runs):
    v = runs["train"].values
    samples, held_out = np.array(v["samples_seed0"]), np.array(v["eval_seed0"])
    assert samples.shape == held_out.shape == (1500, 2)
    np.testing.assert_allclose(held_out, moons_data(0)[1], rtol=0, atol=1e-12)  # the same data
    assert mmd2_scipy(samples, held_out, 0.2) == pytest.approx(v["mmd_diffusion"][0], rel=1e-9)


def test_entry_fresh_data_is_the_noise_floor(runs):
    """Another sample of the data scores about 0: within 4 of MMD^2's spread over 15 resamples."""
    v = runs["train"].values
    X_eval = moons_data(0)[1]
    spread = np.std([mmd2(moons_data(200 + i)[1], X_eval, 0.2) for i in range(15)])
    assert v["mmd_data_absmax"] == pytest.approx(np.abs(v["mmd_data"]).max(), rel=1e-12)
    assert v["mmd_data_absmax"] < 4 * spread
    assert v["mmd_data_absmax"] < 0.05 * v["mmd_gauss_mean"]
    assert v["mmd_diffusion_mean"] > v["mmd_data_absmax"]  # daylight between model and data


def test_entry_fourier_features_matter(runs):
    """Without Fourier features (the first version) MMD^2 is at least twice as large, every seed."""
    plain, v = runs["plain"].values, runs["train"].values
    assert len(plain["mmd_plain"]) == 3
    assert (np.array(plain["mmd_plain"]) > 2 * np.array(v["mmd_diffusion"])).all()
    assert (np.array(plain["mmd_plain"]) < 0.25 * np.array(plain["mmd_plain_gauss"])).all()
    assert plain["mmd_plain_mean"] == pytest.approx(np.mean(plain["mmd_plain"]), rel=1e-12)


def test_entry_fewer_steps_cost_quality(runs):
    v = runs["train"].values
    by_steps = np.array(v["mmd_by_steps"])  # (seed, S)
    assert v["step_counts"] == list(STEP_COUNTS) == [50, 25, 10, 5]
    for S, column in zip(STEP_COUNTS, by_steps.T, strict=True):
        assert v[f"mmd_steps_{S}_mean"] == pytest.approx(column.mean(), rel=1e-12)
    assert (by_steps[:, 2] > by_steps[:, 0]).all()  # 10 steps worse than 50, every seed
    assert (by_steps[:, 3] > 3 * by_steps[:, 0]).all()  # 5 steps much worse, every seed
    assert (by_steps[:, 2] < 0.5 * np.array(v["mmd_gauss"])).all()  # 10 still beat the Gaussian
    gap = v["mmd_gauss_mean"] - v["mmd_steps_50_mean"]  # what 50 steps gain over the Gaussian
    assert v["mmd_steps_25_mean"] - v["mmd_steps_50_mean"] < 0.1 * gap  # halving costs little
    assert v["mmd_steps_5_mean"] - v["mmd_steps_50_mean"] > 0.5 * gap  # a tenth loses most
    assert 0.3 < v["mmd_steps_5_mean"] / v["mmd_gauss_mean"] < 3  # 5: the Gaussian's order


def test_frozen_timing(runs):
    """Measured once on one machine (a frozen run): only relations are asserted, no timings."""
    t = runs["timing"].values
    assert t["n_eval"] == runs["train"].values["n_eval"] and t["T"] == runs["train"].values["T"]
    assert t["step_ms"] > 0
    for S in STEP_COUNTS:  # latency is the step count times the cost of one step
        assert t[f"latency_ms_{S}"] == pytest.approx(S * t["step_ms"], rel=1e-12)


def test_entry_training_numbers(runs):
    v = runs["train"].values
    assert v["n_params"] == 19010 and v["n_train"] == 4000 and v["n_eval"] == 1500
    assert v["num_steps"] == 2000 and v["batch_size"] == 128 and v["T"] == 50
    assert v["loss_last"] < v["loss_first"] < 1.0  # predicting 0 scores E[eps^2] = 1
    assert v["loss_last"] < 0.4
    assert {"reverse", "samples", "steps"} <= set(runs["train"].figures)
