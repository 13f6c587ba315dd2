"""Linear regression by least squares: the normal equations, and the same fit through QR.

Minimise ||X w + b - y||^2. Setting the gradient to zero gives the normal equations
A^T A theta = A^T y with A = [X, 1] and theta = [w, b]. They are one line to solve, but forming
A^T A squares the condition number; QR avoids that (R theta = Q^T y).
Synthetic data with a known truth, as in Zhang et al., "Dive into Deep Learning", section 3.4.
"""

import numpy as np
from qr import matrix_with_condition, modified_gram_schmidt


# --8<-- [start:data]
def synthetic_data(w, b, num_examples, rng, noise=0.01):
    """y = X w + b + Gaussian noise, with X drawn from a standard normal."""
    X = rng.standard_normal((num_examples, len(w)))  # (N, D)
    y = X @ w + b + noise * rng.standard_normal(num_examples)  # (N,)
    return X, y


# --8<-- [end:data]


# --8<-- [start:normal_equations]
def fit_normal_equations(X, y):
    """Least-squares (w, b) from A^T A theta = A^T y, A = [X, 1]."""
    A = np.column_stack([X, np.ones(len(X))])  # (N, D+1) a column of ones carries the bias
    theta = np.linalg.solve(A.T @ A, A.T @ y)  # (D+1,) theta = (A^T A)^{-1} A^T y
    return theta[:-1], theta[-1]


# --8<-- [end:normal_equations]


# --8<-- [start:qr_solve]
def back_substitution(R, c):
    """Solve R x = c for upper-triangular R (n, n), from the last row up."""
    n = len(c)
    x = np.zeros(n)  # (n,)
    for i in range(n - 1, -1, -1):
        x[i] = (c[i] - R[i, i + 1 :] @ x[i + 1 :]) / R[i, i]  # x_i = (c_i - sum_j r_ij x_j) / r_ii
    return x


def solve_qr(A, y):
    """Least squares min ||A x - y|| by modified Gram-Schmidt on [A, y].

    Orthogonalizing y along with A's columns gives Q^T y as the last column of R: the numerically
    sound way to use modified Gram-Schmidt here (Bjorck, "Numerical Methods for Least Squares").
    """
    n = A.shape[1]
    _, R = modified_gram_schmidt(np.column_stack([A, y]))  # (n+1, n+1)
    return back_substitution(R[:n, :n], R[:n, n])  # R x = Q^T y


def fit_qr(X, y):
    """Least-squares (w, b) through QR instead of the normal equations."""
    A = np.column_stack([X, np.ones(len(X))])  # (N, D+1)
    theta = solve_qr(A, y)  # (D+1,)
    return theta[:-1], theta[-1]


# --8<-- [end:qr_solve]


# --8<-- [start:conditioning]
def squaring_demo(cond, rng, m=100, n=10):
    """Relative error of x from the normal equations and from QR, on A with kappa(A) = cond."""
    A = matrix_with_condition(m, n, cond, rng)  # (m, n)
    x_true = rng.standard_normal(n)  # (n,)
    y = A @ x_true  # (m,) consistent: the exact answer is x_true
    x_normal = np.linalg.solve(A.T @ A, A.T @ y)  # kappa(A^T A) = kappa(A)^2
    x_qr = solve_qr(A, y)
    err = lambda x: np.linalg.norm(x - x_true) / np.linalg.norm(x_true)  # noqa: E731
    return err(x_normal), err(x_qr)


# --8<-- [end:conditioning]


def main():
    rng = np.random.default_rng(0)
    true_w, true_b = np.array([2.0, -3.4]), 4.2
    X, y = synthetic_data(true_w, true_b, 1000, rng)  # (1000, 2), (1000,)
    w, b = fit_normal_equations(X, y)
    w_qr, b_qr = fit_qr(X, y)
    A = np.column_stack([X, np.ones(len(X))])  # (N, 3)
    print(f"normal equations: w = {w.round(4)}, b = {b:.4f}")
    print(f"error in estimating w: {true_w - w}")
    print(f"error in estimating b: {true_b - b}")
    print(f"QR and normal equations differ by {np.abs(np.append(w - w_qr, b - b_qr)).max():.1e}")

    cond = 1e6
    err_normal, err_qr = squaring_demo(cond, rng)
    print(f"kappa(A) = {cond:.0e}: relative error {err_normal:.1e} (normal equations), "
          f"{err_qr:.1e} (QR)")  # fmt: skip
    return {
        "true_w1": float(true_w[0]),
        "true_w2": float(true_w[1]),
        "true_b": true_b,
        "num_examples": len(y),
        "noise": 0.01,
        "std_err": float(0.01 / np.sqrt(len(y))),  # sigma / sqrt(N): how close any estimate can get
        "w1": float(w[0]),
        "w2": float(w[1]),
        "b": float(b),
        "w_err": float(np.abs(true_w - w).max()),
        "b_err": float(abs(true_b - b)),
        "qr_vs_normal": float(np.abs(np.append(w - w_qr, b - b_qr)).max()),
        "cond_A": float(np.linalg.cond(A)),
        "cond_AtA": float(np.linalg.cond(A.T @ A)),
        "demo_cond": cond,
        "log_demo_cond": round(np.log10(cond)),
        "err_normal": float(err_normal),
        "err_qr": float(err_qr),
    }


if __name__ == "__main__":
    main()
