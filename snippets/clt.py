"""The central limit theorem, watched: standardized means of exponentials drift toward N(0, 1).

The distance is the Kolmogorov-Smirnov statistic, sup_x |F_m(x) - Phi(x)|, computed from the
sorted sample (the statistic of scipy.stats.kstest against "norm"). The Berry-Esseen theorem says the
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


def normal_pdf(x):
    """phi(x), the standard normal density."""
    return np.exp(-0.5 * x**2) / np.sqrt(2 * np.pi)


def main(seed=0):
    rng = np.random.default_rng(seed)
    ns = [1, 2, 5, 10, 30, 100]
    m = 20_000  # standardized means per n
    Z = {n: standardized_means(n, m, rng) for n in ns}  # n -> (m,)
    ks = {n: ks_distance(Z[n]) for n in ns}
    slope = np.polyfit(np.log(ns), np.log([ks[n] for n in ns]), 1)[0]
    print(f"{'n':>4}  {'mean':>7}  {'var':>6}  {'KS distance to N(0,1)':>22}")
    for n in ns:
        print(f"{n:>4}  {Z[n].mean():>7.3f}  {Z[n].var():>6.3f}  {ks[n]:>22.4f}")
    print(f"slope of log(KS) against log(n): {slope:.2f}")

    shown = [1, 5, 30]
    fig, axes = plt.subplots(1, 3, num="histograms", figsize=(9, 2.5), sharey=True)
    grid = np.linspace(-4, 4, 200)
    for ax, n in zip(axes, shown, strict=True):
        ax.hist(Z[n], bins=np.linspace(-4, 4, 61), density=True, color="tab:blue", alpha=0.6)
        ax.plot(grid, normal_pdf(grid), color="tab:orange", label="N(0, 1)")
        ax.set_title(f"n = {n}, KS = {ks[n]:.3f}", fontsize=9)
        ax.set_xlabel(r"$\sqrt{n}\,(\bar{x} - 1)$")
    axes[0].set_ylabel("density")
    axes[0].legend(frameon=False, fontsize=8)
    fig.tight_layout()

    fig, ax = plt.subplots(num="ks", figsize=(3.5, 2.5))
    ax.loglog(ns, [ks[n] for n in ns], "o-", color="tab:blue", label="measured")
    ax.loglog(ns, ks[1] / np.sqrt(ns), "--", color="tab:gray", label=r"$\propto 1/\sqrt{n}$")
    ax.set_yticks([0.02, 0.05, 0.1], labels=["0.02", "0.05", "0.1"])
    ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel("terms averaged n")
    ax.set_ylabel("KS distance to N(0, 1)")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()

    # at n = 1, Z = X - 1 >= -1, so F(-1) = 0 while Phi(-1) > 0: the gap at x = -1 is Phi(-1)
    out = {"m": m, "slope": float(slope), "phi_minus_1": float(normal_cdf(-1.0))}
    for n in ns:
        out[f"ks_{n}"] = float(ks[n])
    out["ratio_1_30"] = float(ks[1] / ks[30])
    return out


if __name__ == "__main__":
    main()
