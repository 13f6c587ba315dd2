"""Entry 2, "Probability you can run": every number the prose quotes, against a reference."""

import functools
import math

import clt
import mle
import monte_carlo
import numpy as np
import pytest
import softmax
from scipy import special, stats

ENTRY = "posts/entries/probability-you-can-run.md"
SEEDS = [0, 1, 2, 3, 4]


@pytest.fixture(scope="module")
def runs(entry_runs):
    return entry_runs(ENTRY)


# --- Monte Carlo -------------------------------------------------------------------------------


def test_pi_estimate_within_four_standard_errors(runs):
    v = runs["mc"].values
    assert v["n"] == 1_000_000
    assert abs(v["pi_hat"] - math.pi) <= 4 * v["se"]
    assert v["abs_error"] == pytest.approx(abs(v["pi_hat"] - math.pi), rel=1e-12)
    assert v["z"] == pytest.approx((v["pi_hat"] - math.pi) / v["se"], rel=1e-12)


def test_standard_error_matches_the_binomial_closed_form(runs):
    v = runs["mc"].values
    p = math.pi / 4
    exact = 4 * math.sqrt(p * (1 - p) / v["n"])  # sd of 4 * Bernoulli(p) mean
    assert v["se_theory"] == pytest.approx(exact, rel=1e-12)
    assert v["se"] == pytest.approx(exact, rel=5e-3)  # s estimates sd to ~1/sqrt(2n)


@pytest.mark.parametrize("seed", SEEDS)
def test_estimate_pi_is_unbiased_with_honest_error_bars(seed):
    rng = np.random.default_rng(seed)
    pi_hat, se = monte_carlo.estimate_pi(200_000, rng)
    p = math.pi / 4
    assert se == pytest.approx(4 * math.sqrt(p * (1 - p) / 200_000), rel=1e-2)
    assert abs(pi_hat - math.pi) <= 4 * se


def test_error_shrinks_like_one_over_sqrt_n(runs):
    v = runs["mc"].values
    assert v["slope"] == pytest.approx(-0.5, abs=0.05)
    assert v["n_ratio"] == 100
    assert v["num_repeats"] == 200
    # a 100x larger sample should cut the error about 10x; with 200 repeats the RMS has ~5% noise
    assert v["rms_ratio"] == pytest.approx(10.0, rel=0.2)
    p = math.pi / 4
    for key, n in [("rms_small", v["n_small"]), ("rms_large", v["n_large"])]:
        assert v[key] == pytest.approx(4 * math.sqrt(p * (1 - p) / n), rel=0.2)


def test_interval_coverage_is_about_95_percent(runs):
    v = runs["mc"].values
    n = v["num_intervals"]
    assert n == 1000
    # binomial standard deviation of a coverage estimate from n intervals, 4 sigma
    assert abs(v["coverage"] - 0.95) <= 4 * math.sqrt(0.95 * 0.05 / n)


def test_loglog_slope_recovers_a_known_power():
    x = np.array([1.0, 10.0, 100.0, 1000.0])
    assert monte_carlo.loglog_slope(x, 3.0 * x**-0.5) == pytest.approx(-0.5, abs=1e-12)


# --- Central limit theorem ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 5, 30])
def test_own_ks_distance_equals_scipy(n):
    z = clt.standardized_means(n, 5000, np.random.default_rng(n))
    assert clt.ks_distance(z) == pytest.approx(stats.kstest(z, "norm").statistic, abs=1e-12)


def test_standardized_means_have_mean_zero_and_variance_one():
    z = clt.standardized_means(10, 50_000, np.random.default_rng(7))
    assert abs(z.mean()) < 4 / math.sqrt(50_000)
    assert z.var() == pytest.approx(1.0, abs=0.03)


@functools.cache
def population_ks(n):
    """The exact sup |F_n - Phi|: sqrt(n)(mean - 1) of n Exp(1) is (Gamma(n, 1) - n) / sqrt(n)."""
    x = np.linspace(-math.sqrt(n), 12.0, 400_001)
    F = stats.gamma.cdf(n + math.sqrt(n) * x, a=n)
    return np.max(np.abs(F - stats.norm.cdf(x)))


@pytest.mark.parametrize("n", [1, 2, 5, 10, 30, 100])
def test_ks_distance_matches_the_exact_gamma_distance(runs, n):
    v = runs["clt"].values
    # DKW: the sample CDF is within sqrt(log(2/alpha) / (2m)) of the true one w.p. 1 - alpha
    tol = math.sqrt(math.log(2 / 1e-3) / (2 * v["m"]))
    assert v[f"ks_{n}"] == pytest.approx(population_ks(n), abs=tol)


@pytest.mark.parametrize("n", [1, 2, 5, 10, 30, 100])
def test_exact_ks_distance_matches_scipys_gamma_cdf(runs, n):
    v = runs["clt"].values
    assert v[f"ks_exact_{n}"] == pytest.approx(population_ks(n), abs=1e-9)


def test_quoted_exact_distances():
    # the values an independent check found: 0.0243 at n = 30, 0.0133 at n = 100
    assert round(population_ks(30), 4) == 0.0243 and round(population_ks(100), 4) == 0.0133


@pytest.mark.parametrize("n", [1, 3, 30, 100])
def test_gamma_cdf_matches_scipy(n):
    s = np.linspace(0, n + 12 * math.sqrt(n), 501)
    assert clt.gamma_cdf(s, n) == pytest.approx(stats.gamma.cdf(s, a=n), abs=1e-13)


def test_ks_noise_is_the_mean_of_kolmogorovs_distribution(runs):
    v = runs["clt"].values
    assert v["ks_noise"] == pytest.approx(stats.kstwobign.mean() / math.sqrt(v["m"]), rel=1e-6)
    # the sample's distances are within a few noise units of the exact ones
    for n in [1, 2, 5, 10, 30, 100]:
        assert abs(v[f"ks_{n}"] - v[f"ks_exact_{n}"]) < 4 * v["ks_noise"], n


def test_variance_of_the_mean_is_sigma2_over_n_at_every_n(runs):
    v = runs["clt"].values
    # Var(Z_n) = 1 exactly; the sample variance of m draws has sd sqrt((mu4 - 1) / m),
    # mu4 = 3 + 6 / n for a standardized mean of n exponentials (excess kurtosis 6 / n)
    for n in [1, 2, 5, 10, 30, 100]:
        sd = math.sqrt((2 + 6 / n) / v["m"])
        assert abs(v[f"var_{n}"] - 1) < 4 * sd, n


def test_ks_distance_falls_like_one_over_sqrt_n(runs):
    v = runs["clt"].values
    assert v["ks_1"] > v["ks_5"] > v["ks_30"] > v["ks_100"]
    exact = [v[f"ks_exact_{n}"] for n in [1, 2, 5, 10, 30, 100]]
    assert exact == sorted(exact, reverse=True)
    ns = [1, 2, 5, 10, 30, 100]
    fitted = np.polyfit(np.log(ns), np.log([population_ks(n) for n in ns]), 1)[0]
    assert v["slope"] == pytest.approx(fitted, abs=1e-6)
    assert v["slope"] == pytest.approx(-0.5, abs=0.1)
    assert v["ratio_1_30"] == pytest.approx(population_ks(1) / population_ks(30), rel=1e-6)
    assert v["phi_minus_1"] == pytest.approx(stats.norm.cdf(-1.0), abs=1e-15)
    assert population_ks(1) == pytest.approx(stats.norm.cdf(-1.0), abs=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_clt_distance_falls_over_seeds(seed):
    rng = np.random.default_rng(seed)
    m = 10_000
    tol = math.sqrt(math.log(2 / 1e-3) / (2 * m))  # DKW, as above
    ks = {n: clt.ks_distance(clt.standardized_means(n, m, rng)) for n in [1, 30]}
    assert ks[1] == pytest.approx(stats.norm.cdf(-1.0), abs=tol)
    assert ks[30] == pytest.approx(population_ks(30), abs=tol)
    assert ks[30] < ks[1] / 3


# --- Maximum likelihood ------------------------------------------------------------------------


def test_gaussian_mle_is_sample_mean_and_biased_variance(runs):
    v = runs["mle"].values
    x = np.random.default_rng(0).normal(v["mu"], v["sigma"], size=v["n"])  # main's first draw
    loc, scale = stats.norm.fit(x)  # scipy's Gaussian MLE
    assert v["mu_hat"] == pytest.approx(loc, abs=1e-12)
    assert v["var_hat"] == pytest.approx(scale**2, rel=1e-12)
    assert v["var_hat"] == pytest.approx(np.var(x, ddof=0), rel=1e-12)
    assert v["sigma_hat"] == pytest.approx(scale, rel=1e-12)


def test_gradient_ascent_reaches_the_closed_form(runs):
    v = runs["mle"].values
    assert v["mu_num"] == pytest.approx(v["mu_hat"], abs=1e-9)
    assert v["var_num"] == pytest.approx(v["var_hat"], abs=1e-9)
    assert v["max_gap"] < 1e-9


def test_loglik_gradient_matches_centred_differences():
    x = np.random.default_rng(3).normal(1.0, 2.0, size=50)
    theta = np.array([0.4, 0.2])
    h = 1e-6
    numeric = []
    for i in range(2):
        d = np.zeros(2)
        d[i] = h

        def f(t):
            return mle.gaussian_loglik(x, t[0], math.exp(t[1]))

        numeric.append((f(theta + d) - f(theta - d)) / (2 * h))
    assert mle.gaussian_loglik_grad(x, theta) == pytest.approx(numeric, rel=1e-7)


def test_loglik_matches_scipy_logpdf():
    x = np.random.default_rng(4).normal(size=30)
    assert mle.gaussian_loglik(x, 0.3, 1.7) == pytest.approx(
        stats.norm.logpdf(x, 0.3, 1.7).mean(), rel=1e-12
    )


def test_exponential_mle_is_one_over_the_mean(runs):
    v = runs["mle"].values
    t = np.random.default_rng(11).exponential(2.0, size=1000)
    _, scale = stats.expon.fit(t, floc=0)  # scipy's MLE of the scale 1/lambda
    assert mle.exponential_mle(t) == pytest.approx(1 / scale, rel=1e-12)
    # the entry's estimate of rate 0.5 from 500 draws: sd of lambda_hat ~ lambda / sqrt(n)
    assert v["lam_hat"] == pytest.approx(v["lam"], abs=4 * v["lam"] / math.sqrt(v["n_exp"]))


def test_biased_variance_averages_to_n_minus_one_over_n(runs):
    v = runs["mle"].values
    n, R = v["n_small"], v["num_repeats"]
    assert v["bias_theory"] == pytest.approx((n - 1) / n, abs=1e-15)
    # sigma_hat^2 / sigma^2 = chi2(n-1) / n: mean (n-1)/n, sd sqrt(2(n-1))/n; the average of R of them
    sd = math.sqrt(2 * (n - 1)) / n / math.sqrt(R)
    assert v["bias_factor"] == pytest.approx((n - 1) / n, abs=4 * sd)


@pytest.mark.parametrize("seed", SEEDS)
def test_biased_variance_over_seeds(seed):
    avg = mle.mean_biased_variance(4, 40_000, 2.0, np.random.default_rng(seed))
    assert avg / 4.0 == pytest.approx(3 / 4, abs=4 * math.sqrt(2 * 3) / 4 / math.sqrt(40_000))


# --- Softmax -----------------------------------------------------------------------------------


def test_naive_softmax_is_nan_and_stable_sums_to_one(runs):
    v = runs["softmax"].values
    x = np.array([v["x0"], v["x1"], v["x2"]])
    assert list(x) == [1000.0, 1000.5, 999.0]
    assert v["naive_is_nan"] is True
    assert v["naive_low_is_nan"] is True
    ref = special.softmax(x)
    assert [v["p0"], v["p1"], v["p2"]] == pytest.approx(ref, rel=1e-12)
    assert v["sum_error"] < 1e-15
    assert v["p_sum"] == pytest.approx(1.0, abs=1e-15)
    assert v["lse"] == pytest.approx(special.logsumexp(x), rel=1e-15)


def test_log_softmax_keeps_the_loss_finite(runs):
    v = runs["softmax"].values
    assert v["nll_naive_is_inf"] is True
    z = np.array([0.0, v["big_logit"]])
    assert v["nll"] == pytest.approx(-special.log_softmax(z)[0], rel=1e-12)
    assert v["nll"] == pytest.approx(800.0, rel=1e-12)  # -(0 - log(1 + e^800)) = 800 in float64


def test_overflow_limits_are_log_of_the_largest_float(runs):
    v = runs["softmax"].values
    assert v["limit_float16"] == pytest.approx(math.log(65504.0), rel=1e-12)
    assert v["limit_float32"] == pytest.approx(math.log(float(np.finfo(np.float32).max)), rel=1e-12)
    assert v["limit_float64"] == pytest.approx(math.log(np.finfo(np.float64).max), rel=1e-12)


def test_bfloat16_limit_and_softmax(runs):
    v = runs["softmax"].values
    max_bf16 = (2 - 2**-7) * 2.0**127  # 8 exponent bits, 7 stored mantissa bits
    assert v["limit_bfloat16"] == pytest.approx(math.log(max_bf16), rel=1e-12)
    assert v["limit_float16"] < 12 < v["limit_bfloat16"] < v["limit_float32"]
    assert v["fp16_is_nan"] is True and v["bf16_is_finite"] is True
    scores = np.array([12.0, 9.5, 3.0, 0.0])
    assert v["scores16"] == "12, 9.5, 3 and 0"
    exact = special.softmax(scores)
    assert v["bf16_p0"] == pytest.approx(exact[0], rel=2**-7)
    assert 2**-10 < v["bf16_rel_error"] < 3 * 2**-8  # a few roundings of 2^-8 (relative) each


def test_bfloat16_rounding_against_the_bit_layout():
    x = np.array([1.0, 1 + 2**-8, 1 + 2**-7, 1 + 3 * 2**-8, 3.0e38, -2.5, 65504.0 * 4])
    got = softmax.to_bfloat16(x)
    # ties go to the even mantissa: 1 + 2^-8 -> 1, 1 + 3 * 2^-8 -> 1 + 2^-6
    assert list(got[:4]) == [1.0, 1.0, 1 + 2**-7, 1 + 2**-6]
    assert got[5] == -2.5 and got[6] == 262144.0
    for value in got:  # every result has only 8 significant bits
        mantissa, _ = math.frexp(float(value))
        assert (mantissa * 2**8) == int(mantissa * 2**8)


@pytest.mark.parametrize("seed", SEEDS)
def test_stable_functions_match_scipy_on_random_scores(seed):
    x = np.random.default_rng(seed).normal(0, 1000, size=50)  # many exp(x_i) overflow
    assert softmax.softmax(x) == pytest.approx(special.softmax(x), rel=1e-10, abs=1e-300)
    assert softmax.logsumexp(x) == pytest.approx(special.logsumexp(x), rel=1e-14)
    assert softmax.log_softmax(x) == pytest.approx(special.log_softmax(x), rel=1e-12, abs=1e-12)
