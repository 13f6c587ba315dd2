"""The Rosenbrock function: a curved, narrow valley that first-order methods crawl along.

f(x, y) = (a - x)^2 + b (y - x^2)^2 with a = 1, b = 100 has its minimum f = 0 at (1, 1);
(-1.2, 1) is the customary hard start (Rosenbrock, "An automatic method for finding the greatest
or least value of a function", 1960; Nocedal & Wright, "Numerical Optimization", exercises 2.1
and 3.1).
"""

import matplotlib.pyplot as plt
import numpy as np
from optimizers import adam, gradient_descent, heavy_ball


# --8<-- [start:rosenbrock]
def rosenbrock(p, a=1.0, b=100.0):
    """f(x, y) = (a - x)^2 + b (y - x^2)^2; p has shape (..., 2)."""
    x, y = p[..., 0], p[..., 1]
    return (a - x) ** 2 + b * (y - x**2) ** 2


def rosenbrock_grad(p, a=1.0, b=100.0):
    """The gradient (df/dx, df/dy) at p = (x, y)."""
    x, y = p
    dfdx = -2 * (a - x) - 4 * b * x * (y - x**2)  # d/dx
    dfdy = 2 * b * (y - x**2)  # d/dy
    return np.array([dfdx, dfdy])  # (2,)


# --8<-- [end:rosenbrock]


def rosenbrock_hessian(p, a=1.0, b=100.0):
    """The matrix of second derivatives at p = (x, y)."""
    x, y = p
    dxx = 2 - 4 * b * (y - x**2) + 8 * b * x**2  # d2f/dx2
    dxy = -4 * b * x  # d2f/dxdy
    return np.array([[dxx, dxy], [dxy, 2 * b]])  # (2, 2)


# --8<-- [start:restless]
def adam_from_many_starts(X0, lr, num_steps, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam on Rosenbrock from S starts at once (X0 has shape (S, 2)).

    Returns the distance to (1, 1) at every step, (num_steps + 1, S), and the per-coordinate
    RMS sqrt(v_hat) that divides each step, (num_steps, S, 2).
    """
    X = X0.copy()  # (S, 2)
    m, v = np.zeros_like(X), np.zeros_like(X)  # (S, 2) first and second moments
    dist = np.empty((num_steps + 1, len(X)))  # (num_steps + 1, S)
    rms = np.empty((num_steps, *X.shape))  # (num_steps, S, 2)
    dist[0] = np.linalg.norm(X - 1.0, axis=1)
    for k in range(num_steps):
        x, y = X[:, 0], X[:, 1]
        g = np.stack([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)], axis=1)  # (S, 2)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2  # forgets a gradient in about 1/(1 - beta2) steps
        m_hat, v_hat = m / (1 - beta1 ** (k + 1)), v / (1 - beta2 ** (k + 1))
        rms[k] = np.sqrt(v_hat)
        X = X - lr * m_hat / (rms[k] + eps)
        dist[k + 1] = np.linalg.norm(X - 1.0, axis=1)
    return dist, rms


def stability_ratio(rms, lr, H, beta1=0.9):
    """Adam's effective step near the minimum against the largest stable one (> 1: unstable).

    With v frozen, Adam is heavy ball on the preconditioned Hessian P H, P = diag(lr / rms):
    e_{k+1} = e_k + beta1 (e_k - e_{k-1}) - (1 - beta1) P H e_k, stable while
    (1 - beta1) lambda_max(P H) < 2 (1 + beta1).
    """
    P = lr / rms  # (..., 2) the per-coordinate step sizes
    a, b, c, d = P[..., 0] * H[0, 0], P[..., 0] * H[0, 1], P[..., 1] * H[1, 0], P[..., 1] * H[1, 1]
    lam_max = (a + d) / 2 + np.sqrt(((a - d) / 2) ** 2 + b * c)  # of the 2x2 matrix P H
    return (1 - beta1) * lam_max / (2 * (1 + beta1))


# --8<-- [end:restless]


def steps_within(P, target, tol):
    """The first iterate index within tol of target, or -1 if none is."""
    hit = np.flatnonzero(np.linalg.norm(P - target, axis=1) <= tol)
    return int(hit[0]) if len(hit) else -1


def main(num_steps=12_000):
    x0 = np.array([-1.2, 1.0])
    x_star = np.array([1.0, 1.0])
    # --8<-- [start:runs]
    lr_gd, lr_hb, beta, lr_adam = 1e-3, 1e-3, 0.9, 1e-2
    paths = {
        "GD": gradient_descent(rosenbrock_grad, x0, lr_gd, num_steps),
        "heavy ball": heavy_ball(rosenbrock_grad, x0, lr_hb, beta, num_steps),
        "Adam": adam(rosenbrock_grad, x0, lr_adam, num_steps),
    }
    # --8<-- [end:runs]
    tol = 1e-2
    out = {"num_steps": num_steps, "tol": tol, "f0": float(rosenbrock(x0))}
    out |= {"lr_gd": lr_gd, "lr_hb": lr_hb, "beta": beta, "lr_adam": lr_adam}
    print(f"{num_steps} steps from (-1.2, 1) on Rosenbrock; minimum f = 0 at (1, 1)")
    print(f"{'method':<12} {'f(final)':>10} {'distance':>10} {'steps to ' + str(tol):>14}")
    for name, P in paths.items():
        key = name.split()[0].lower()  # gd, heavy, adam
        f_end = float(rosenbrock(P[-1]))
        dist = float(np.linalg.norm(P[-1] - x_star))
        k = steps_within(P, x_star, tol)
        print(f"{name:<12} {f_end:>10.2e} {dist:>10.2e} {k:>14}")
        out |= {f"f_{key}": f_end, f"dist_{key}": dist, f"steps_{key}": k}

    lam = np.linalg.eigvalsh(rosenbrock_hessian(x_star))  # (2,) curvatures at the minimum
    out["hessian_cond"] = float(lam[-1] / lam[0])
    print(f"condition number of the Hessian at (1, 1): {out['hessian_cond']:.0f}")
    mid = num_steps // 2  # Adam with a fixed lr does not settle: compare halfway with the end
    out |= {"mid_step": mid, "dist_adam_mid": float(np.linalg.norm(paths["Adam"][mid] - x_star))}
    print(f"Adam's distance at step {mid}: {out['dist_adam_mid']:.2e}")

    out |= adam_restless(x0, lr_adam, num_steps, rosenbrock_hessian(x_star))

    fig, ax = plt.subplots(num="paths", figsize=(3.6, 2.8))
    gx, gy = np.meshgrid(np.linspace(-1.5, 1.5, 300), np.linspace(-0.5, 1.5, 300))  # (300, 300)
    F = rosenbrock(np.stack([gx, gy], axis=-1))  # (300, 300)
    ax.contour(gx, gy, F, levels=np.geomspace(0.01, 300, 14), colors="tab:gray", linewidths=0.5)
    # GD and Adam follow the same valley floor: GD is a wide pale band under Adam, so both show
    styles = [
        dict(color="tab:blue", lw=3.5, alpha=0.45, solid_capstyle="round"),
        dict(color="tab:orange", marker=".", ms=2, lw=0.9),
        dict(color="tab:green", marker=".", ms=2, lw=0.9),
    ]
    for (name, P), style in zip(paths.items(), styles, strict=True):
        shown = P[np.unique(np.geomspace(1, num_steps + 1, 150).astype(int) - 1)]  # log-spaced
        ax.plot(shown[:, 0], shown[:, 1], label=name, **style)
    ax.plot(*x0, "ko", ms=4)
    ax.plot(*x_star, "k*", ms=8)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(frameon=False, fontsize=7, loc="lower right")
    fig.tight_layout()
    return out


def adam_restless(x0, lr, num_steps, H, num_starts=16, jitter=1e-9, seed=0):
    """Adam from num_starts starts within `jitter` of x0: the spread of where it ends, and
    the quantity that kicks it out (its effective step against the stability limit)."""
    rng = np.random.default_rng(seed)
    X0 = x0 + jitter * rng.uniform(-1, 1, size=(num_starts, 2))  # (S, 2)
    X0[0] = x0  # the first start is the customary one
    dist, rms = adam_from_many_starts(X0, lr, num_steps)  # (K + 1, S), (K, S, 2)
    ratio = stability_ratio(rms, lr, H)  # (K, S)
    half = num_steps // 2
    cross = np.argmax(ratio > 1, axis=0)  # (S,) the first step the minimum is unstable
    settled = np.argmax(dist < 1e-12, axis=0)  # (S,) the first step at rounding distance
    kicked = np.array(
        [settled[s] + np.argmax(dist[settled[s] :, s] > 1e-6) for s in range(len(X0))]
    )
    assert np.all(dist[settled, range(len(X0))] < 1e-12) and np.all(kicked > settled)
    after = np.concatenate([ratio[kicked[s] :, s] for s in range(len(X0))])
    out = {
        "starts": num_starts,
        "jitter": jitter,
        "closest_worst": float(dist.min(axis=0).max()),  # every start came at least this close
        "end_lo": float(dist[-1].min()),
        "end_median": float(np.median(dist[-1])),
        "end_hi": float(dist[-1].max()),
        "late_max_lo": float(dist[half:].max(axis=0).min()),  # every start was thrown this far
        "settled_first": int(settled.min()),
        "cross_first": int(cross.min()),
        "cross_last": int(cross.max()),
        "lag_lo": int((kicked - cross).min()),
        "lag_hi": int((kicked - cross).max()),
        "ratio_after_lo": float(after.min()),
        "ratio_after_hi": float(after.max()),
        # once the gradient has collapsed, sqrt(v_hat) decays by sqrt(beta2) a step
        "rms_decay_1000": float(rms[half + 1000, 0, 1] / rms[half, 0, 1]),
        "rms_to": half + 1000,
        "kick_level": 1e-6,
    }
    print(f"Adam from {num_starts} starts within {jitter:.0e} of (-1.2, 1):")
    print(f"  closest approach, worst start  {out['closest_worst']:.1e}")
    print(f"  distance at step {num_steps}   {out['end_lo']:.1e} to {out['end_hi']:.1e}")
    print(f"  largest distance after step {half}, smallest over starts  {out['late_max_lo']:.1e}")
    print(
        f"  effective step first above the stability limit at steps {out['cross_first']}-{out['cross_last']}"
    )
    print(f"  RMS of dy over steps {half}-{half + 1000}: x{out['rms_decay_1000']:.4f}")

    fig, (ax1, ax2) = plt.subplots(
        2, 1, num="restless", figsize=(3.6, 3.6), sharex=True, clear=True
    )
    k = np.arange(num_steps + 1)
    ax1.semilogy(k, np.maximum(dist, 1e-17), color="tab:green", lw=0.6, alpha=0.6)
    ax1.set_ylim(1e-17, 10)
    ax1.set_ylabel("distance to (1, 1)")
    ax2.plot(k[1:], ratio, color="tab:purple", lw=0.6, alpha=0.6)
    ax2.axhline(1.0, color="black", lw=0.8, ls="--")
    ax2.set_ylim(0, 1.3)
    ax2.set_ylabel("step / stable limit")
    ax2.set_xlabel("step")
    fig.tight_layout()
    return out


if __name__ == "__main__":
    main()
