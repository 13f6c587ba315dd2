"""Maximum likelihood: pick the parameters under which the observed data are most probable.

For a Gaussian the maximizer has a closed form, the sample mean and the variance with 1/n
(not 1/(n - 1)); here a plain gradient ascent on the log-likelihood finds the same point, and a
simulation shows the 1/n variance is biased by the factor (n - 1)/n (Wasserman, "All of
Statistics", ch. 9; Bishop, "Pattern Recognition and Machine Learning", section 1.2.4).
"""

import matplotlib.pyplot as plt
import numpy as np


# --8<-- [start:loglik]
def gaussian_loglik(x, mu, sigma):
    """Average log-likelihood (1/n) sum_i log N(x_i | mu, sigma^2); mu, sigma may be arrays."""
    sq = np.mean(x**2) - 2 * mu * np.mean(x) + mu**2  # mean((x - mu)^2), expanded to broadcast
    return -0.5 * np.log(2 * np.pi) - np.log(sigma) - sq / (2 * sigma**2)


def gaussian_loglik_grad(x, theta):
    """Gradient of the average log-likelihood in theta = (mu, s) with sigma = exp(s)."""
    mu, s = theta
    var = np.exp(2 * s)  # sigma^2
    d_mu = np.mean(x - mu) / var  # d/dmu = mean(x - mu) / sigma^2
    d_s = -1.0 + np.mean((x - mu) ** 2) / var  # d/ds = -1 + mean((x - mu)^2) / sigma^2
    return np.array([d_mu, d_s])  # (2,)


def gradient_ascent(grad, theta0, lr, num_steps):
    """theta <- theta + lr * grad(theta), num_steps times; returns every iterate."""
    thetas = [np.asarray(theta0, dtype=float)]
    for _ in range(num_steps):
        thetas.append(thetas[-1] + lr * grad(thetas[-1]))
    return np.array(thetas)  # (num_steps + 1, len(theta0))


# --8<-- [end:loglik]


# --8<-- [start:closed_form]
def gaussian_mle(x):
    """The closed-form maximizer: mu_hat = mean(x), sigma_hat^2 = (1/n) sum (x_i - mu_hat)^2."""
    mu_hat = x.mean()
    var_hat = np.mean((x - mu_hat) ** 2)  # divides by n, i.e. np.var(x, ddof=0)
    return mu_hat, var_hat


def exponential_mle(x):
    """The maximizer of sum_i log(lam exp(-lam x_i)): lam_hat = 1 / mean(x)."""
    return 1.0 / x.mean()


# --8<-- [end:closed_form]


# --8<-- [start:bias]
def mean_biased_variance(n, num_repeats, sigma, rng):
    """Average over repeats of the 1/n variance of n Gaussian draws: about (n - 1)/n sigma^2."""
    X = rng.normal(0.0, sigma, size=(num_repeats, n))  # (R, n)
    return X.var(axis=1, ddof=0).mean()  # mean over R of sigma_hat^2


# --8<-- [end:bias]


def main(seed=0):
    rng = np.random.default_rng(seed)
    mu, sigma, n = 2.0, 1.5, 500
    x = rng.normal(mu, sigma, size=n)  # (n,)

    mu_hat, var_hat = gaussian_mle(x)
    path = gradient_ascent(lambda t: gaussian_loglik_grad(x, t), [0.0, 0.0], lr=0.2, num_steps=300)
    mu_num, sigma_num = path[-1, 0], np.exp(path[-1, 1])  # (2,) -> mu, sigma
    print(f"closed form:      mu_hat = {mu_hat:.10f}, sigma_hat^2 = {var_hat:.10f}")
    print(f"gradient ascent:  mu     = {mu_num:.10f}, sigma^2     = {sigma_num**2:.10f}")

    lam, n_exp = 0.5, 500
    t = rng.exponential(1 / lam, size=n_exp)  # (n_exp,) numpy's scale is 1 / rate
    lam_hat = exponential_mle(t)
    print(f"exponential: true rate {lam}, MLE 1/mean = {lam_hat:.4f}")

    n_small, num_repeats = 5, 20_000
    avg = mean_biased_variance(n_small, num_repeats, sigma, rng)
    print(
        f"n = {n_small}: average 1/n variance = {avg:.4f} = {avg / sigma**2:.3f} sigma^2 "
        f"(theory (n-1)/n = {(n_small - 1) / n_small:.3f})"
    )

    fig, ax = plt.subplots(num="loglik", figsize=(3.5, 2.8))
    M, S = np.meshgrid(np.linspace(-0.5, 3.5, 120), np.linspace(0.6, 3.4, 120))  # (120, 120)
    L = gaussian_loglik(x, M, S)  # (120, 120)
    gaps = np.array([2.0, 1.0, 0.5, 0.25, 0.1, 0.03])  # contours this far below the maximum
    ax.contour(
        M, S, L, levels=L.max() - gaps, colors="tab:gray", linewidths=0.8, linestyles="solid"
    )
    sig_path = np.exp(path[:, 1])
    ax.plot(path[:, 0], sig_path, ".-", color="tab:red", ms=3, lw=1, label="gradient ascent")
    ax.plot(mu_hat, np.sqrt(var_hat), "*", color="tab:blue", ms=12, label="closed form")
    ax.set_xlabel(r"$\mu$")
    ax.set_ylabel(r"$\sigma$")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()

    return {
        "mu": mu,
        "sigma": sigma,
        "n": n,
        "mu_hat": float(mu_hat),
        "var_hat": float(var_hat),
        "sigma_hat": float(np.sqrt(var_hat)),
        "mu_num": float(mu_num),
        "var_num": float(sigma_num**2),
        "max_gap": float(max(abs(mu_num - mu_hat), abs(sigma_num**2 - var_hat))),
        "lam": lam,
        "n_exp": n_exp,
        "lam_hat": float(lam_hat),
        "n_small": n_small,
        "num_repeats": num_repeats,
        "avg_biased_var": float(avg),
        "bias_factor": float(avg / sigma**2),
        "bias_theory": (n_small - 1) / n_small,
    }


if __name__ == "__main__":
    main()
