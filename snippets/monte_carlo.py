"""Monte Carlo estimation: an average of random draws, and the error bar that comes with it.

The estimate of an expectation E[g(U)] is the sample mean of g over n independent draws; its
standard error is the sample standard deviation over sqrt(n) (any statistics text, e.g.
Wasserman, "All of Statistics", ch. 24). Here g is the indicator of the quarter disc, so
4 * E[g] = pi.
"""

import matplotlib.pyplot as plt
import numpy as np


# --8<-- [start:estimate]
def estimate_pi(n, rng):
    """A Monte Carlo estimate of pi from n points in the unit square, and its standard error."""
    U = rng.random((n, 2))  # (n, 2) uniform on [0, 1)^2
    inside = (U**2).sum(axis=1) <= 1.0  # (n,) g(u) = 1 if u is in the quarter disc
    g = 4.0 * inside  # (n,) E[g] = 4 * (pi / 4) = pi
    pi_hat = g.mean()  # sample mean
    se = g.std(ddof=1) / np.sqrt(n)  # standard error = s / sqrt(n)
    return pi_hat, se


# --8<-- [end:estimate]


# --8<-- [start:error_vs_n]
def repeat_estimates(n, num_repeats, rng):
    """Errors and standard errors of num_repeats independent estimates from n points each."""
    runs = [estimate_pi(n, rng) for _ in range(num_repeats)]
    pi_hats, ses = np.array(runs).T  # (R,), (R,)
    return pi_hats - np.pi, ses


def theoretical_se(n):
    """The exact standard deviation of the estimate: 4 sqrt(p (1 - p) / n) with p = pi / 4."""
    p = np.pi / 4
    return 4.0 * np.sqrt(p * (1 - p) / n)


def loglog_slope(x, y):
    """Slope of the least-squares line through (log x, log y): the exponent of a power law."""
    return np.polyfit(np.log(x), np.log(y), 1)[0]


# --8<-- [end:error_vs_n]


def main(seed=0):
    rng = np.random.default_rng(seed)
    n = 1_000_000
    pi_hat, se = estimate_pi(n, rng)
    z = (pi_hat - np.pi) / se  # how many standard errors the estimate is off
    print(
        f"n = {n:,}: pi_hat = {pi_hat:.5f} +/- {se:.5f}  (true error {pi_hat - np.pi:+.5f}, z = {z:+.2f})"
    )

    ns = np.logspace(2, 4, 5).astype(int)  # (5,) 100 ... 10,000
    num_repeats = 200
    errors, ses = zip(*[repeat_estimates(k, num_repeats, rng) for k in ns], strict=True)
    errors, ses = np.array(errors), np.array(ses)  # (5, R) each
    rms = np.sqrt(np.mean(errors**2, axis=1))  # (5,) root-mean-square error per n
    coverage = np.mean(np.abs(errors) <= 1.96 * ses)  # share of intervals pi_hat +/- 1.96 SE hit pi
    slope = loglog_slope(ns, rms)
    print(f"{'n':>8}  {'RMS error':>10}  {'4 sqrt(p(1-p)/n)':>16}")
    for k, r in zip(ns, rms, strict=True):
        print(f"{k:>8}  {r:>10.5f}  {theoretical_se(k):>16.5f}")
    print(f"slope of log(RMS error) against log(n): {slope:.3f}")
    print(f"intervals pi_hat +/- 1.96 SE that contain pi: {coverage:.1%} of {errors.size}")

    fig, ax = plt.subplots(num="error", figsize=(3.5, 2.5))
    ax.loglog(ns, rms, "o", color="tab:blue", label=f"measured ({num_repeats} repeats)")
    grid = np.logspace(2, 4, 50)
    ax.loglog(grid, theoretical_se(grid), "-", color="tab:orange", label=r"$4\sqrt{p(1-p)/n}$")
    ax.set_yticks([0.02, 0.05, 0.1], labels=["0.02", "0.05", "0.1"])
    ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel("samples n")
    ax.set_ylabel("RMS error of the estimate")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()

    return {
        "n": n,
        "pi_hat": float(pi_hat),
        "se": float(se),
        "se_theory": float(theoretical_se(n)),
        "abs_error": float(abs(pi_hat - np.pi)),
        "z": float(z),
        "num_repeats": num_repeats,
        "n_small": int(ns[0]),
        "n_large": int(ns[-1]),
        "rms_small": float(rms[0]),
        "rms_large": float(rms[-1]),
        "n_ratio": int(ns[-1] // ns[0]),
        "rms_ratio": float(rms[0] / rms[-1]),
        "coverage": float(coverage),
        "num_intervals": int(errors.size),
        "slope": float(slope),
    }


if __name__ == "__main__":
    main()
