"""Conditioning: how many gradient steps a quadratic needs, as its condition number grows.

On f(x) = 1/2 (x - x*)^T A (x - x*) with the eigenvalues of A in [mu, L] and kappa = L / mu,
gradient descent with step 1/L shrinks the error by at least (1 - 1/kappa) a step, so it needs
about kappa log(1/eps) steps to reach a relative error eps; heavy-ball momentum with Polyak's
parameters needs about (sqrt(kappa) / 2) log(1/eps) (Nocedal & Wright, "Numerical
Optimization", ch. 3; Goh, "Why Momentum Really Works", Distill 2017).
"""

import matplotlib.pyplot as plt
import numpy as np
from optimizers import adam, gradient_descent, heavy_ball, polyak_parameters


# --8<-- [start:quadratic]
def make_quadratic(kappa, D, rng):
    """A random D-dimensional quadratic with Hessian eigenvalues log-spaced from 1 to kappa.

    Returns (A, x_star, eigenvalues): A = Q diag(lam) Q^T for a random rotation Q.
    """
    lam = np.logspace(0, np.log10(kappa), D)  # (D,) mu = 1 ... L = kappa
    Q, _ = np.linalg.qr(rng.normal(size=(D, D)))  # (D, D) random orthogonal
    A = (Q * lam) @ Q.T  # (D, D) Q diag(lam) Q^T
    x_star = rng.normal(size=D)  # (D,) the minimizer
    return A, x_star, lam


def relative_error(X, x_star):
    """||x_k - x*|| / ||x_0 - x*|| for every iterate (row) of X."""
    e = np.linalg.norm(X - x_star, axis=1)  # (K + 1,)
    return e / e[0]


def steps_to(err, eps):
    """The first k with err[k] <= eps, or -1 if the run never gets there."""
    hit = np.flatnonzero(err <= eps)
    return int(hit[0]) if len(hit) else -1


# --8<-- [end:quadratic]


# --8<-- [start:theory]
def gd_theory_steps(kappa, eps):
    """Steps until (1 - 1/kappa)^k <= eps: the worst case for step 1/L, about kappa ln(1/eps)."""
    return int(np.ceil(np.log(eps) / np.log(1 - 1 / kappa)))


def momentum_theory_steps(kappa, eps):
    """Steps until rho^k <= eps with rho = (sqrt(kappa) - 1)/(sqrt(kappa) + 1): ~ sqrt(kappa)/2 ln(1/eps)."""
    rho = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    return int(np.ceil(np.log(eps) / np.log(rho)))


# --8<-- [end:theory]


def run_quadratic(kappa, D=20, eps=1e-6, seed=0):
    """Relative-error curves of GD (step 1/L) and Polyak heavy ball on one random quadratic."""
    rng = np.random.default_rng(seed)
    A, x_star, lam = make_quadratic(kappa, D, rng)
    mu, L = lam[0], lam[-1]

    def grad(x):
        return A @ (x - x_star)  # (D,) grad f = A (x - x*)

    x0 = np.zeros(D)
    num_steps = gd_theory_steps(kappa, eps)  # the worst-case bound: GD must be done by then
    err_gd = relative_error(gradient_descent(grad, x0, 1 / L, num_steps), x_star)
    lr, beta = polyak_parameters(mu, L)
    num_steps_hb = 2 * momentum_theory_steps(kappa, eps)  # room for the k rho^k factor
    err_hb = relative_error(heavy_ball(grad, x0, lr, beta, num_steps_hb), x_star)
    return err_gd, err_hb


def quadratic_2d(kappa, angle):
    """A 2-D quadratic with eigenvalues 1 and kappa, its axes rotated by angle (radians)."""
    c, s = np.cos(angle), np.sin(angle)
    R = np.array([[c, -s], [s, c]])  # (2, 2) rotation
    return R @ np.diag([1.0, kappa]) @ R.T  # (2, 2)


# --8<-- [start:per_coordinate]
def jacobi_condition(A):
    """kappa of D^-1/2 A D^-1/2, D = diag(A): what the best per-coordinate gains leave.

    (For a 2 x 2 matrix this diagonal scaling is the optimal one, van der Sluis 1969.)
    """
    d = np.sqrt(np.diag(A))  # (D,)
    return float(np.linalg.cond(A / np.outer(d, d)))


def per_coordinate_gd(A, x0, num_steps):
    """Gradient descent with a gain per coordinate, 1 / A_ii, and the best global step."""
    gain = 1 / np.diag(A)  # (D,) per-coordinate gains
    lam = np.linalg.eigvals(gain[:, None] * A).real  # (D,) curvatures after the gains
    lr = 2 / (lam.max() + lam.min())

    def scaled_grad(x):
        return gain * (A @ x)  # (D,) diag(gain) grad f

    return gradient_descent(scaled_grad, x0, lr, num_steps)


# --8<-- [end:per_coordinate]


def gains_on_bowls(kappa, angle, eps=1e-6, num_steps=2000):
    """Steps to eps for plain GD (best step) and GD with per-coordinate gains, on one bowl."""
    A = quadratic_2d(kappa, angle)
    u = np.array([np.cos(angle), np.sin(angle)])  # (2,) the flat axis
    v = np.array([-np.sin(angle), np.cos(angle)])  # (2,) the steep axis
    x0 = -4.0 * u + 0.6 * v  # (2,) the same start relative to the bowl
    plain = gradient_descent(lambda x: A @ x, x0, 2 / (1 + kappa), num_steps)
    gains = per_coordinate_gd(A, x0, num_steps)
    return (
        jacobi_condition(A),
        steps_to(relative_error(plain, np.zeros(2)), eps),
        steps_to(relative_error(gains, np.zeros(2)), eps),
    )


def main(eps=1e-6):
    kappas, D = [10, 100, 1000], 20
    out = {"eps": eps, "kappa_lo": kappas[0], "kappa_mid": kappas[1], "kappa_hi": kappas[2], "D": D}
    curves = {}
    print(f"steps to relative error {eps:.0e} on a random {D}-D quadratic")
    print(f"{'kappa':>6}  {'GD':>6}  {'GD theory':>9}  {'momentum':>8}  {'HB theory':>9}")
    for kappa in kappas:
        err_gd, err_hb = run_quadratic(kappa, D=D, eps=eps)
        curves[kappa] = (err_gd, err_hb)
        k_gd, k_hb = steps_to(err_gd, eps), steps_to(err_hb, eps)
        t_gd, t_hb = gd_theory_steps(kappa, eps), momentum_theory_steps(kappa, eps)
        print(f"{kappa:>6}  {k_gd:>6}  {t_gd:>9}  {k_hb:>8}  {t_hb:>9}")
        out |= {f"gd_{kappa}": k_gd, f"gd_theory_{kappa}": t_gd}
        out |= {f"hb_{kappa}": k_hb, f"hb_theory_{kappa}": t_hb}
        out[f"speedup_{kappa}"] = k_gd / k_hb
        out[f"lr_{kappa}"], out[f"beta_{kappa}"] = polyak_parameters(1.0, kappa)
    out["gd_growth"] = out["gd_1000"] / out["gd_10"]  # kappa grew 100x
    out["hb_growth"] = out["hb_1000"] / out["hb_10"]  # sqrt(kappa) grew 10x
    print(f"kappa x100 -> GD steps x{out['gd_growth']:.1f}, momentum steps x{out['hb_growth']:.1f}")

    fig, axes = plt.subplots(1, 3, num="error", figsize=(9, 2.6), sharey=True)
    for ax, kappa in zip(axes, kappas, strict=True):
        err_gd, err_hb = curves[kappa]
        # a log step axis: heavy ball's few hundred steps and GD's thousands both show
        k = np.arange(1, len(err_gd))
        ax.loglog(k, err_gd[1:], color="tab:blue", label="GD, step 1/L")
        ax.loglog(k, (1 - 1 / kappa) ** k, "--", color="tab:blue", lw=0.8)
        kh = np.arange(1, len(err_hb))
        rho = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
        ax.loglog(kh, err_hb[1:], color="tab:orange", label="heavy ball")
        ax.loglog(kh, rho**kh, "--", color="tab:orange", lw=0.8)
        ax.axhline(eps, color="tab:gray", lw=0.6)
        for n, color in [(out[f"gd_{kappa}"], "tab:blue"), (out[f"hb_{kappa}"], "tab:orange")]:
            ax.axvline(n, color=color, lw=0.6, ls=":")  # where each method reaches eps
        ax.set_xlim(1, out[f"gd_{kappa}"] * 1.5)
        ax.set_ylim(eps / 100, 3)
        ax.set_title(rf"$\kappa$ = {kappa}", fontsize=9)
        ax.set_xlabel("iteration k (log scale)")
    axes[0].set_ylabel(r"$\|x_k - x^*\| \,/\, \|x_0 - x^*\|$")
    axes[0].legend(frameon=False, fontsize=7, loc="lower left")
    fig.tight_layout()

    # trajectories on a 2-D quadratic with kappa = 25, axes rotated by 30 degrees
    kappa2, num_steps, angle = 25.0, 40, np.pi / 6
    A = quadratic_2d(kappa2, angle)

    def grad2(x):
        return A @ x  # (2,) minimum at the origin

    u = np.array([np.cos(angle), np.sin(angle)])  # (2,) the flat axis, eigenvalue 1
    v = np.array([-np.sin(angle), np.cos(angle)])  # (2,) the steep axis, eigenvalue kappa
    x0 = -4.0 * u + 0.6 * v  # (2,) far along the valley, a little up its wall
    lr, beta = polyak_parameters(1.0, kappa2)
    lr_adam = 0.2
    paths = {
        "GD, step 1/L": gradient_descent(grad2, x0, 1 / kappa2, num_steps),
        "heavy ball": heavy_ball(grad2, x0, lr, beta, num_steps),
        f"Adam, lr {lr_adam}": adam(grad2, x0, lr_adam, num_steps),
    }
    fig, ax = plt.subplots(num="paths", figsize=(3.6, 2.8))
    g1, g2 = np.meshgrid(np.linspace(-4.5, 1.0, 200), np.linspace(-3.0, 1.0, 200))  # (200, 200)
    G = np.stack([g1, g2], axis=-1)  # (200, 200, 2)
    F = 0.5 * np.einsum("...i,ij,...j->...", G, A, G)  # (200, 200) f = 1/2 x^T A x
    ax.contour(g1, g2, F, levels=np.geomspace(0.05, 60, 12), colors="tab:gray", linewidths=0.5)
    for (name, P), color in zip(
        paths.items(), ["tab:blue", "tab:orange", "tab:green"], strict=True
    ):
        ax.plot(P[:, 0], P[:, 1], ".-", color=color, ms=3, lw=0.9, label=name)
        out_key = name.split(",")[0].split()[0].lower()
        out[f"dist2d_{out_key}"] = float(np.linalg.norm(P[-1]))
    ax.plot(0, 0, "k*", ms=8)
    ax.set_xlabel(r"$x_1$")
    ax.set_ylabel(r"$x_2$")
    ax.set_aspect("equal")
    ax.legend(frameon=False, fontsize=7, loc="lower right")
    fig.tight_layout()
    out |= {"kappa2d": kappa2, "steps2d": num_steps, "lr_adam2d": lr_adam}
    out["angle_deg"] = float(np.degrees(angle))
    for key, theta in [("aligned", 0.0), ("rotated", angle)]:
        cond, k_plain, k_gains = gains_on_bowls(kappa2, theta, eps)
        out |= {f"cond_gains_{key}": cond, f"steps_plain_{key}": k_plain}
        out[f"steps_gains_{key}"] = k_gains
    print(f"per-coordinate gains on the kappa = {kappa2:g} bowl, steps to {eps:.0e}:")
    print(
        f"  axis-aligned: kappa after gains {out['cond_gains_aligned']:.1f}, "
        f"steps {out['steps_gains_aligned']} (plain GD {out['steps_plain_aligned']})"
    )
    print(
        f"  rotated {out['angle_deg']:.0f} deg: kappa after gains {out['cond_gains_rotated']:.1f}, "
        f"steps {out['steps_gains_rotated']} (plain GD {out['steps_plain_rotated']})"
    )
    print(f"after {num_steps} steps on the 2-D quadratic, distance to the minimum:")
    for name, P in paths.items():
        print(f"  {name:<14} {np.linalg.norm(P[-1]):.2e}")
    return out


if __name__ == "__main__":
    main()
