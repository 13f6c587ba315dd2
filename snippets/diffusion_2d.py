"""Diffusion on the two moons: the forward chain checked against its closed form, then a model
trained on three seeds, sampled, and compared with the data by the maximum mean discrepancy.

MMD is Gretton et al., "A Kernel Two-Sample Test" (JMLR 2012), the unbiased estimate of MMD^2
with a Gaussian kernel.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from diffusion import (
    eps_forward,
    init_eps_model,
    make_schedule,
    parameter_arrays,
    predictor,
    q_sample,
    q_step,
    sample,
    train,
)

SEEDS = (0, 1, 2)
BANDWIDTHS = (0.1, 0.2, 0.5, 1.0)  # kernel widths h, in units of the data's standard deviation
H_MAIN = 0.2  # the one the prose quotes
N_TRAIN, N_EVAL = 4000, 1500
NUM_STEPS, BATCH_SIZE = 2000, 128  # Adam steps and points per batch
STRIP_STEPS = (0, 2, 5, 10, 20, 50)
GRID_STEPS = (50, 40, 30, 20, 15, 10, 5, 0)
STEP_COUNTS = (50, 25, 10, 5)


# --8<-- [start:data]
def sample_moons(n, rng, noise=0.05):
    """n independent points: a random moon, a random angle, plus Gaussian noise."""
    upper = rng.random(n) < 0.5  # (n,) which moon
    theta = rng.uniform(0, np.pi, n)  # (n,) where along it
    top = np.stack([np.cos(theta), np.sin(theta)], axis=1)  # (n, 2) upper half circle
    bottom = np.stack([1 - np.cos(theta), 0.5 - np.sin(theta)], axis=1)  # (n, 2) lower
    X = np.where(upper[:, None], top, bottom)  # (n, 2)
    return X + noise * rng.standard_normal((n, 2))


def moons_data(seed):
    """A training set and a held-out set, standardised with the training statistics."""
    rng = np.random.default_rng(seed)
    X = sample_moons(N_TRAIN, rng)  # (N_TRAIN, 2)
    mu, sd = X.mean(axis=0), X.std(axis=0)
    X_eval = sample_moons(N_EVAL, rng)  # (N_EVAL, 2) never trained on
    return (X - mu) / sd, (X_eval - mu) / sd


# --8<-- [end:data]


# --8<-- [start:mmd]
def sq_dists(A, B):
    """|a_i - b_j|^2 for every pair, as |a|^2 + |b|^2 - 2 a.b (one matrix product)."""
    d = (A**2).sum(1)[:, None] + (B**2).sum(1)[None, :] - 2 * A @ B.T  # (n, m)
    return np.maximum(d, 0.0)


def mmd2(X, Y, h):
    """Unbiased MMD^2, k(a, b) = exp(-|a - b|^2 / 2h^2): 0 on average when X ~ Y.

    h may be a list of bandwidths; the distances are computed once for all of them.
    """
    n, m = len(X), len(Y)
    Dxx, Dyy, Dxy = sq_dists(X, X), sq_dists(Y, Y), sq_dists(X, Y)  # (n, n) (m, m) (n, m)
    out = []
    for w in np.atleast_1d(h):
        Kxx, Kyy, Kxy = (np.exp(-D / (2 * w * w)) for D in (Dxx, Dyy, Dxy))
        same_x = (Kxx.sum() - np.trace(Kxx)) / (n * (n - 1))  # E k(x, x'), x != x'
        same_y = (Kyy.sum() - np.trace(Kyy)) / (m * (m - 1))
        out.append(same_x + same_y - 2 * Kxy.mean())
    return out[0] if np.ndim(h) == 0 else out


# --8<-- [end:mmd]


def scatter_panel(ax, X, title, color="C0"):
    ax.scatter(*X.T, s=1.5, color=color, edgecolors="none", rasterized=True)
    ax.set_title(title)
    ax.set_xlim(-2.6, 2.6)
    ax.set_ylim(-2.6, 2.6)
    ax.set_aspect("equal")
    ax.set_xticks([-2, 0, 2])
    ax.set_yticks([-2, 0, 2])


# --8<-- [start:check]
def forward_check(n=20000, seed=0):
    """Run the chain step by step from n data points; compare each step with the formula.

    If q(x_t | x_0) = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I), the residual
    r = (x_t - sqrt(alpha_bar_t) x_0) / sqrt(1 - alpha_bar_t) is N(0, I) at every t.
    """
    rng = np.random.default_rng(seed)
    sched = make_schedule()
    x0 = sample_moons(n, rng)
    x0 = (x0 - x0.mean(0)) / x0.std(0)  # (n, 2)
    x = x0.copy()
    z_mean, z_var, z_cov = [], [], []
    for t in range(1, sched["T"] + 1):
        x = q_step(x, t, sched, rng)  # (n, 2) one more step of noise
        a_bar = sched["alpha_bar"][t - 1]
        r = (x - np.sqrt(a_bar) * x0) / np.sqrt(1 - a_bar)  # (n, 2) should be N(0, I)
        # in standard errors: 1/sqrt(n) for a mean or covariance, sqrt(2/n) for a variance
        z_mean.append(r.mean(0) / np.sqrt(1 / n))
        z_var.append((r.var(0) - 1) / np.sqrt(2 / n))
        z_cov.append(np.mean(r[:, 0] * r[:, 1]) / np.sqrt(1 / n))
    return x0, x, np.array(z_mean), np.array(z_var), np.array(z_cov), sched


# --8<-- [end:check]


def noising():
    """The forward process: the closed form checked against the chain, and the noising strip."""
    x0, x_T, z_mean, z_var, z_cov, sched = forward_check()
    n, T = len(x0), sched["T"]
    a_bar_T = sched["alpha_bar"][-1]
    print(f"{n:,} chains of {T} steps; alpha_bar_T = {a_bar_T:.4f}")
    print("largest |z| over all steps and both coordinates (standard errors from 0):")
    print(f"  mean {np.abs(z_mean).max():.2f}   variance {np.abs(z_var).max():.2f}")
    print(f"  covariance {np.abs(z_cov).max():.2f}")

    rng = np.random.default_rng(1)
    x_show = x0[:1500]
    fig, axes = plt.subplots(1, len(STRIP_STEPS), figsize=(7.2, 1.6), num="strip")
    for ax, t in zip(axes, STRIP_STEPS, strict=True):
        if t == 0:
            x_t = x_show
        else:
            x_t = q_sample(
                x_show, np.full(len(x_show), t), rng.standard_normal(x_show.shape), sched
            )
        scatter_panel(ax, x_t, f"t = {t}")
        if t > 0:
            ax.set_yticklabels([])
    return {
        "n_chains": n,
        "T": T,
        "alpha_bar_T": a_bar_T,
        "sqrt_alpha_bar_T": np.sqrt(a_bar_T),
        "beta_1": sched["beta"][0],
        "beta_T": sched["beta"][-1],
        "max_z_mean": np.abs(z_mean).max(),
        "max_z_var": np.abs(z_var).max(),
        "max_z_cov": np.abs(z_cov).max(),
        "n_tests": z_mean.size + z_var.size + z_cov.size,
        "x_T_mean": x_T.mean(0),
        "x_T_var": x_T.var(0),
    }


def fit_and_score(seed, F=3, keep=()):
    """Train on one seed's data, sample N_EVAL points and score them, a Gaussian and fresh data."""
    X, X_eval = moons_data(seed)
    rng = np.random.default_rng(seed + 1000)
    sched = make_schedule()
    model = init_eps_model(rng, sched["T"], F=F)
    losses = train(model, X, sched, rng, num_steps=NUM_STEPS, batch_size=BATCH_SIZE)
    samples, kept = sample(predictor(model), N_EVAL, sched, rng, keep=keep)
    gauss = rng.multivariate_normal(X.mean(0), np.cov(X.T), N_EVAL)  # same mean and covariance
    fresh = moons_data(seed + 100)[1]  # another sample of the data: the noise floor
    scores = {
        name: mmd2(Y, X_eval, BANDWIDTHS)
        for name, Y in (("diffusion", samples), ("gauss", gauss), ("data", fresh))
    }
    return model, sched, rng, X, X_eval, samples, gauss, kept, losses, scores


# --8<-- [start:fewer_steps]
def respaced(S, T):
    """S of the T steps, evenly spaced and ending at T: 10 of 50 is 5, 10, ..., 50."""
    return np.round(np.linspace(T / S, T, S)).astype(int)


def step_time(model, n, repeats=20):
    """Seconds for one network evaluation on n points, the best of three tries."""
    x, t = np.zeros((n, 2)), np.full(n, 25)
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            eps_forward(model, x, t)
        best = min(best, (time.perf_counter() - start) / repeats)
    return best


# --8<-- [end:fewer_steps]


def main():
    """Three seeds with Fourier features: samples, MMD against a Gaussian, and the figures."""
    j = BANDWIDTHS.index(H_MAIN)
    out = {"seeds": list(SEEDS), "bandwidths": list(BANDWIDTHS), "h": H_MAIN}
    mmd = {"diffusion": [], "gauss": [], "data": []}
    by_steps = []  # (seed, step count) MMD^2 at H_MAIN
    for seed in SEEDS:
        model, sched, rng, X, X_eval, samples, gauss, kept, losses, scores = fit_and_score(
            seed, keep=GRID_STEPS
        )
        for name in mmd:
            mmd[name].append(scores[name])
        row = []
        for S in STEP_COUNTS:
            if S == sched["T"]:
                fast = samples  # all T steps: the samples above
            else:
                steps = respaced(S, sched["T"])
                fast, _ = sample(predictor(model), N_EVAL, sched, rng, steps=steps)
            row.append(mmd2(fast, X_eval, H_MAIN))
        by_steps.append(row)
        print(
            f"seed {seed}: MMD^2 at h = {H_MAIN}: diffusion {scores['diffusion'][j]:.5f}, "
            f"Gaussian {scores['gauss'][j]:.5f}, fresh data {scores['data'][j]:+.5f}"
        )
        if seed == SEEDS[0]:
            first = (model, sched, X, X_eval, samples, gauss, kept, losses)
    model, sched, X, X_eval, samples, gauss, kept, losses = first
    for name, rows in mmd.items():
        out[f"mmd_{name}"] = [row[j] for row in rows]  # one per seed, at H_MAIN
        out[f"mmd_{name}_all"] = rows  # (seed, bandwidth)
        out[f"mmd_{name}_mean"] = float(np.mean(out[f"mmd_{name}"]))
    out["mmd_data_absmax"] = np.abs(out["mmd_data"]).max()  # how far from 0 more data lands
    frac = np.array(mmd["diffusion"]) / np.array(mmd["gauss"])  # (seed, bandwidth)
    out["frac_max"] = frac.max()  # diffusion's MMD^2 as a fraction of the Gaussian's, worst case
    out["ratio_main"] = (1 / frac[:, j]).tolist()
    out["ratio_main_min"] = (1 / frac[:, j]).min()
    out["loss_first"] = losses[:50].mean()
    out["loss_last"] = losses[-200:].mean()
    out["n_params"] = sum(a.size for a in parameter_arrays(model))
    out["n_train"], out["n_eval"] = len(X), len(X_eval)
    out["num_steps"], out["batch_size"], out["T"] = NUM_STEPS, BATCH_SIZE, sched["T"]
    out["samples_seed0"] = samples.tolist()
    out["eval_seed0"] = X_eval.tolist()
    by_steps = np.array(by_steps)  # (seed, S)
    out["step_counts"] = list(STEP_COUNTS)
    out["mmd_by_steps"] = by_steps.tolist()
    for S, column in zip(STEP_COUNTS, by_steps.T, strict=True):
        out[f"mmd_steps_{S}_mean"] = column.mean()
    draw_reverse(kept)
    draw_samples(X_eval, samples, gauss)
    draw_steps(by_steps, mmd)
    return out


def timing():
    """Wall-clock time of one network step on N_EVAL points, and of a sample of S steps (a frozen
    run: it depends on the machine). The weights do not change the arithmetic, so a freshly
    initialised network of the trained one's shape times the same."""
    sched = make_schedule()
    model = init_eps_model(np.random.default_rng(0), sched["T"], F=3)
    step = step_time(model, N_EVAL)
    out = {"n_eval": N_EVAL, "T": sched["T"], "step_ms": 1e3 * step}
    print(f"one step on {N_EVAL:,} points: {1e3 * step:.1f} ms")
    for S in STEP_COUNTS:
        out[f"latency_ms_{S}"] = 1e3 * step * S
        print(f"{S:2d} steps: {1e3 * step * S:6,.0f} ms")
    return out


def plain():
    """The same training without Fourier features: the first version I wrote."""
    j = BANDWIDTHS.index(H_MAIN)
    rows = [fit_and_score(seed, F=0)[-1] for seed in SEEDS]
    return {
        "mmd_plain": [r["diffusion"][j] for r in rows],
        "mmd_plain_mean": float(np.mean([r["diffusion"][j] for r in rows])),
        "mmd_plain_gauss": [r["gauss"][j] for r in rows],
    }


def draw_reverse(kept):
    fig, axes = plt.subplots(2, 4, figsize=(6.4, 3.5), num="reverse")
    for ax, t in zip(axes.ravel(), GRID_STEPS, strict=True):
        scatter_panel(ax, kept[t], f"t = {t}", color="C1")
    for ax in axes[0]:
        ax.set_xticklabels([])
    for ax in axes[:, 1:].ravel():
        ax.set_yticklabels([])


def draw_samples(X_eval, samples, gauss):
    fig, axes = plt.subplots(1, 3, figsize=(6.4, 2.3), num="samples")
    scatter_panel(axes[0], X_eval, "held-out data", color="C0")
    scatter_panel(axes[1], samples, "diffusion", color="C1")
    scatter_panel(axes[2], gauss, "Gaussian fit", color="C2")
    for ax in axes[1:]:
        ax.set_yticklabels([])


def draw_steps(by_steps, mmd):
    j = BANDWIDTHS.index(H_MAIN)
    fig, ax = plt.subplots(figsize=(3.5, 2.5), num="steps")
    for i, row in enumerate(by_steps):
        ax.plot(
            STEP_COUNTS,
            row,
            "o-",
            color="C1",
            alpha=0.8,
            label="diffusion, 3 seeds" if i == 0 else None,
        )
    ax.axhline(np.mean([r[j] for r in mmd["gauss"]]), color="C2", ls="--", label="Gaussian")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(STEP_COUNTS, [str(S) for S in STEP_COUNTS])
    ax.minorticks_off()
    ax.set_xlabel("sampling steps")
    ax.set_ylabel(f"MMD$^2$ to held-out data (h = {H_MAIN})")
    ax.legend(frameon=False)


if __name__ == "__main__":
    print(noising())
    print({k: v for k, v in main().items() if not k.endswith("seed0")})
    plt.show()
