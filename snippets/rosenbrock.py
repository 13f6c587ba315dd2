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


if __name__ == "__main__":
    main()
