"""The central limit theorem, watched: standardized means of exponentials drift toward N(0, 1).

The distance is the Kolmogorov-Smirnov statistic, sup_x |F_m(x) - Phi(x)|, computed from the
sorted sample (the statistic of scipy.stats.kstest against "norm"), and exactly from the
distribution of the mean (a sum of n Exp(1) is Gamma(n, 1)). The Berry-Esseen theorem says the
true distance shrinks at least as fast as C / sqrt(n); for a skewed parent like the exponential
it shrinks at about that rate.
"""

import math

import matplotlib.pyplot as plt
import numpy as np


# --8<-- [start:means]
def standardized_means(n, m, rng):
    """m draws of sqrt(n) (mean of n Exp(1) variables - 1): mean 0 and variance 1 for every n."""
    X = rng.exponential(scale=1.0, size=(m, n))  # (m, n) mean 1, variance 1
    return np.sqrt(n) * (X.mean(axis=1) - 1.0)  # (m,) Z_n = sqrt(n) (x_bar - mu) / sigma


# --8<-- [end:means]


# --8<-- [start:ks]
def normal_cdf(x):
    """Phi(x), the standard normal cumulative distribution function."""
    erf = np.vectorize(math.erf)
    return 0.5 * (1.0 + erf(np.asarray(x) / math.sqrt(2.0)))


def ks_distance(z):
    """sup_x |F_m(x) - Phi(x)| between the empirical CDF of the sample z and N(0, 1)."""
    z = np.sort(z)  # (m,)
    m = len(z)
    Phi = normal_cdf(z)  # (m,)
    i = np.arange(1, m + 1)  # (m,)
    # the empirical CDF jumps from (i - 1)/m to i/m at z_(i): check both sides of every jump
    return max(np.max(i / m - Phi), np.max(Phi - (i - 1) / m))


# --8<-- [end:ks]


# --8<-- [start:exact]
def gamma_cdf(s, n):
    """P(S <= s) for S a sum of n Exp(1) variables (Gamma(n, 1), integer n), s >= 0:
    1 - sum_{k<n} e^-s s^k / k!, each Poisson term formed in logs so none overflows."""
    s = np.maximum(np.asarray(s, dtype=float), 0.0)[..., None]  # (..., 1)
    k = np.arange(n)  # (n,)
    log_k_factorial = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n)))])  # (n,)
    with np.errstate(divide="ignore", invalid="ignore"):  # log(0) at s = 0: only k = 0 counts
        log_terms = -s + np.where(k > 0, k * np.log(s), 0.0) - log_k_factorial  # (..., n)
    return np.clip(1.0 - np.exp(log_terms).sum(axis=-1), 0.0, 1.0)


def exact_ks_distance(n, num_points=2001):
    """sup_x |P(Z_n <= x) - Phi(x)| for Z_n = sqrt(n) (mean of n Exp(1) - 1) = (S - n) / sqrt(n),
    found on a grid over [-sqrt(n), 12] (Z_n >= -sqrt(n)) and refined around the largest gap."""
    lo, hi = -np.sqrt(n), 12.0
    for _ in range(4):  # each pass zooms in on the best point, 100x finer
        x = np.linspace(lo, hi, num_points)  # (num_points,)
        gap = np.abs(gamma_cdf(n + np.sqrt(n) * x, n) - normal_cdf(x))  # (num_points,)
        best, step = int(np.argmax(gap)), x[1] - x[0]
        lo, hi = max(x[best] - 10 * step, -np.sqrt(n)), x[best] + 10 * step
    return float(gap[best]), float(x[best])


# --8<-- [end:exact]


def normal_pdf(x):
    """phi(x), the standard normal density."""
    return np.exp(-0.5 * x**2) / np.sqrt(2 * np.pi)


def main(seed=0):
    rng = np.random.default_rng(seed)
    ns = [1, 2, 5, 10, 30, 100]
    m = 20_000  # standardized means per n
    Z = {n: standardized_means(n, m, rng) for n in ns}  # n -> (m,)
    ks = {n: ks_distance(Z[n]) for n in ns}  # from the sample: the exact value plus noise
    exact = {n: exact_ks_distance(n)[0] for n in ns}  # from the Gamma CDF
    # the sample's KS distance to its own true CDF averages sqrt(pi/2) ln 2 / sqrt(m) (Kolmogorov)
    noise = np.sqrt(np.pi / 2) * np.log(2) / np.sqrt(m)
    slope = np.polyfit(np.log(ns), np.log([exact[n] for n in ns]), 1)[0]
    print(f"{'n':>4}  {'mean':>7}  {'var':>6}  {'KS, sample':>10}  {'KS, exact':>9}")
    for n in ns:
        print(f"{n:>4}  {Z[n].mean():>7.3f}  {Z[n].var():>6.3f}  {ks[n]:>10.4f}  {exact[n]:>9.4f}")
    print(f"sampling noise of a KS distance from {m} points: about {noise:.4f}")
    print(f"slope of log(exact KS) against log(n): {slope:.2f}")

    shown = [1, 5, 30]
    fig, axes = plt.subplots(1, 3, num="histograms", figsize=(9, 2.5), sharey=True)
    grid = np.linspace(-4, 4, 200)
    for ax, n in zip(axes, shown, strict=True):
        ax.hist(Z[n], bins=np.linspace(-4, 4, 61), density=True, color="tab:blue", alpha=0.6)
        ax.plot(grid, normal_pdf(grid), color="tab:orange", label="N(0, 1)")
        ax.set_title(f"n = {n}, KS = {exact[n]:.3f}", fontsize=9)
        ax.set_xlabel(r"$\sqrt{n}\,(\bar{x} - 1)$")
    axes[0].set_ylabel("density")
    axes[0].legend(frameon=False, fontsize=8)
    fig.tight_layout()

    fig, ax = plt.subplots(num="ks", figsize=(3.5, 2.5))
    ax.loglog(ns, [exact[n] for n in ns], "-", color="tab:blue", label="exact (Gamma CDF)")
    ax.loglog(ns, [ks[n] for n in ns], "o", color="tab:blue", ms=4, mfc="none", label="sample")
    ax.loglog(ns, exact[1] / np.sqrt(ns), "--", color="tab:gray", label=r"$\propto 1/\sqrt{n}$")
    ax.set_yticks([0.02, 0.05, 0.1], labels=["0.02", "0.05", "0.1"])
    ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel("terms averaged n")
    ax.set_ylabel("KS distance to N(0, 1)")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()

    # at n = 1, Z = X - 1 >= -1, so F(-1) = 0 while Phi(-1) > 0: the gap at x = -1 is Phi(-1)
    out = {"m": m, "slope": float(slope), "phi_minus_1": float(normal_cdf(-1.0))}
    out["ks_noise"] = float(noise)
    for n in ns:
        out[f"ks_{n}"] = float(ks[n])
        out[f"ks_exact_{n}"] = exact[n]
        out[f"var_{n}"] = float(Z[n].var())
    out["ratio_1_30"] = float(exact[1] / exact[30])
    return out


if __name__ == "__main__":
    main()
