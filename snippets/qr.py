"""QR factorization by Gram-Schmidt, classical and modified.

A = Q R with Q's columns orthonormal and R upper triangular. Both versions below do the same
arithmetic in exact arithmetic; in floating point the modified one keeps Q far more orthogonal.
Follows Trefethen & Bau, "Numerical Linear Algebra", lectures 7-9.

    >>> Q, R = modified_gram_schmidt(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> np.round(R, 6).tolist()
    [[5.0, 2.2], [0.0, 0.4]]
"""

import matplotlib.pyplot as plt
import numpy as np


# --8<-- [start:classical]
def classical_gram_schmidt(A):
    """Thin QR of A (m, n), m >= n, full column rank: each column minus its projections."""
    m, n = A.shape
    Q = np.zeros((m, n))  # (m, n)
    R = np.zeros((n, n))  # (n, n)
    for j in range(n):
        R[:j, j] = Q[:, :j].T @ A[:, j]  # r_ij = q_i . a_j, all against the ORIGINAL column
        v = A[:, j] - Q[:, :j] @ R[:j, j]  # v_j = a_j - sum_i r_ij q_i           (m,)
        R[j, j] = np.linalg.norm(v)  # r_jj = ||v_j||
        Q[:, j] = v / R[j, j]  # q_j = v_j / r_jj
    return Q, R


# --8<-- [end:classical]


# --8<-- [start:modified]
def modified_gram_schmidt(A):
    """Thin QR of A (m, n), m >= n, full column rank: remove each new q_j from the rest at once."""
    m, n = A.shape
    V = A.astype(float)  # (m, n) working copy; column k is whittled down as we go
    Q = np.zeros((m, n))  # (m, n)
    R = np.zeros((n, n))  # (n, n)
    for j in range(n):
        R[j, j] = np.linalg.norm(V[:, j])  # r_jj = ||v_j||
        Q[:, j] = V[:, j] / R[j, j]  # q_j = v_j / r_jj
        R[j, j + 1 :] = Q[:, j] @ V[:, j + 1 :]  # r_jk = q_j . v_k, against the UPDATED columns
        V[:, j + 1 :] -= np.outer(Q[:, j], R[j, j + 1 :])  # v_k <- v_k - r_jk q_j    (m, n-j-1)
    return Q, R


# --8<-- [end:modified]


# --8<-- [start:twice]
def classical_gram_schmidt_twice(A):
    """Thin QR of A (m, n) by classical Gram-Schmidt with one re-orthogonalization ("CGS2"):
    project each column against Q twice. Twice is enough (Giraud, Langou & Rozloznik, 2005)."""
    m, n = A.shape
    Q = np.zeros((m, n))  # (m, n)
    R = np.zeros((n, n))  # (n, n)
    for j in range(n):
        v = A[:, j].astype(float)  # (m,)
        for _ in range(2):  # the second pass removes what rounding left of the first
            r = Q[:, :j].T @ v  # (j,) r_ij = q_i . v
            v = v - Q[:, :j] @ r  # (m,)
            R[:j, j] += r
        R[j, j] = np.linalg.norm(v)
        Q[:, j] = v / R[j, j]
    return Q, R


# --8<-- [end:twice]


def orthogonality_loss(Q):
    """How far Q is from having orthonormal columns: ||Q^T Q - I||_2."""
    n = Q.shape[1]
    return np.linalg.norm(Q.T @ Q - np.eye(n), 2)


# --8<-- [start:ill_conditioned]
def matrix_with_condition(m, n, cond, rng):
    """A random (m, n) matrix whose singular values fall geometrically from 1 to 1/cond."""
    U, _ = np.linalg.qr(rng.standard_normal((m, n)))  # (m, n) random orthonormal columns
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))  # (n, n) random orthogonal
    s = np.logspace(0, -np.log10(cond), n)  # (n,) sigma_1 = 1 ... sigma_n = 1/cond
    return U @ np.diag(s) @ V.T  # A = U diag(s) V^T    (m, n)


# --8<-- [end:ill_conditioned]


# --8<-- [start:sweep]
def orthogonality_sweep(conds, m, n, rng):
    """||Q^T Q - I|| of classical GS, modified GS and Householder over matrices of given kappa."""
    rows = []
    for cond in conds:
        A = matrix_with_condition(m, n, cond, rng)  # (m, n)
        rows.append(
            [
                orthogonality_loss(classical_gram_schmidt(A)[0]),
                orthogonality_loss(modified_gram_schmidt(A)[0]),
                orthogonality_loss(np.linalg.qr(A)[0]),
                orthogonality_loss(classical_gram_schmidt_twice(A)[0]),
            ]
        )
    return np.array(rows)  # (len(conds), 4)


# --8<-- [end:sweep]


def plot_sweep(conds, losses):
    """Log-log plot of the loss of orthogonality against the condition number."""
    eps = np.finfo(float).eps
    fig, ax = plt.subplots(figsize=(3.5, 2.5), num="orthogonality", clear=True)
    labels = ["classical GS", "modified GS", "Householder", "classical GS twice"]
    for k, label in enumerate(labels):
        style = dict(ls="--", marker="s", mfc="none", ms=4) if k == 3 else dict(marker="o", ms=3)
        ax.loglog(conds, losses[:, k], label=label, color=f"C{k}", **style)
    ax.loglog(conds, eps * conds, ":", color="gray", lw=1, label=r"$\varepsilon\,\kappa$")
    ax.loglog(conds, eps * conds**2, "--", color="gray", lw=1, label=r"$\varepsilon\,\kappa^2$")
    ax.set_xlabel(r"condition number $\kappa(A)$")
    ax.set_ylabel(r"$\|Q^\top Q - I\|_2$")
    ax.set_ylim(1e-17, 1e2)
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def main():
    rng = np.random.default_rng(0)
    m, n = 100, 40

    # A well-behaved random matrix: both versions are fine.
    A = rng.standard_normal((m, n))  # (m, n)
    Q, R = modified_gram_schmidt(A)
    ortho_random = orthogonality_loss(Q)
    recon_random = np.linalg.norm(Q @ R - A) / np.linalg.norm(A)

    # An ill-conditioned one: kappa(A) = 1e10.
    cond = 1e10
    B = matrix_with_condition(m, n, cond, rng)  # (m, n)
    Qc, _ = classical_gram_schmidt(B)
    Qm, Rm = modified_gram_schmidt(B)
    Qh, _ = np.linalg.qr(B)  # Householder (LAPACK), for comparison
    ortho_cgs = orthogonality_loss(Qc)
    ortho_mgs = orthogonality_loss(Qm)
    ortho_householder = orthogonality_loss(Qh)
    ortho_cgs2 = orthogonality_loss(classical_gram_schmidt_twice(B)[0])
    recon_mgs_ill = np.linalg.norm(Qm @ Rm - B) / np.linalg.norm(B)

    conds = np.logspace(0, 12, 13)  # (13,) kappa = 1, 10, ..., 1e12
    losses = orthogonality_sweep(conds, m, n, rng)  # (13, 4)
    plot_sweep(conds, losses)
    # The kappa at which classical Gram-Schmidt first loses all orthogonality (loss > 0.1).
    cgs_breaks_at = float(conds[np.argmax(losses[:, 0] > 0.1)])
    # ... and the first kappa at which its loss passes 1: the columns no longer span anything
    cgs_above_one_at = float(conds[np.argmax(losses[:, 0] > 1.0)])
    at = {round(np.log10(c)): losses[i, 0] for i, c in enumerate(conds)}  # log10 kappa -> loss

    print(
        f"random {m}x{n}: ||Q^T Q - I|| = {ortho_random:.1e}, ||QR - A||/||A|| = {recon_random:.1e}"
    )
    print(f"kappa(B) = {np.linalg.cond(B):.1e}, ||Q^T Q - I|| for")
    print(f"  classical Gram-Schmidt  {ortho_cgs:.1e}")
    print(f"  modified Gram-Schmidt   {ortho_mgs:.1e}")
    print(f"  Householder (np.linalg) {ortho_householder:.1e}")
    print(f"  classical GS, twice     {ortho_cgs2:.1e}")
    seeds = range(1, 9)  # the breakdown point varies from matrix to matrix: try several
    spread = {
        k: [orthogonality_loss(classical_gram_schmidt(matrix_with_condition(
            m, n, 10.0**k, np.random.default_rng(seed)))[0]) for seed in seeds]
        for k in (8, 9)
    }  # fmt: skip
    print(
        f"classical GS over {len(seeds)} more matrices: loss at 1e8 from "
        f"{min(spread[8]):.2f} to {max(spread[8]):.2f}, at 1e9 at least {min(spread[9]):.1f}"
    )
    print("classical Gram-Schmidt's loss against kappa:")
    print("  " + "  ".join(f"1e{k}: {at[k]:.2g}" for k in range(6, 11)))
    return {
        "m": m,
        "n": n,
        "ortho_random": float(ortho_random),
        "recon_random": float(recon_random),
        "cond": float(cond),
        "log_cond": round(np.log10(cond)),
        "eps": float(np.finfo(float).eps),
        "eps_kappa": float(np.finfo(float).eps * cond),  # the size of MGS's loss, Bjorck 1967
        "ortho_cgs": float(ortho_cgs),
        "ortho_mgs": float(ortho_mgs),
        "ortho_householder": float(ortho_householder),
        "recon_mgs_ill": float(recon_mgs_ill),
        "cgs_breaks_at": cgs_breaks_at,
        "log_cgs_breaks_at": round(np.log10(cgs_breaks_at)),
        "ortho_cgs2": float(ortho_cgs2),
        "cgs2_sweep_max": float(losses[:, 3].max()),
        "loss_cgs_1e7": float(at[7]),
        "loss_cgs_1e8": float(at[8]),
        "loss_cgs_1e9": float(at[9]),
        "log_cgs_above_one_at": round(np.log10(cgs_above_one_at)),
        "spread_matrices": len(seeds),
        "loss_1e8_lo": float(min(spread[8])),
        "loss_1e8_hi": float(max(spread[8])),
        "loss_1e9_lo": float(min(spread[9])),
    }


if __name__ == "__main__":
    main()
    plt.show()
