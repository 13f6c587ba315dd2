"""The top eigenpairs of a symmetric matrix by power iteration with deflation.

Multiply a vector by A again and again and it turns towards A's dominant eigenvector, because the
component along eigenvector i grows like lambda_i^k. Once found, subtract that eigenpair from A
(Hotelling deflation, A <- A - lambda v v^T) and repeat for the next one.
See Trefethen & Bau, "Numerical Linear Algebra", lecture 27, and Golub & Van Loan, section 8.2.

    >>> lams, V, iters = top_eigenpairs(np.diag([3.0, 1.0]), k=2, rng=np.random.default_rng(0))
    >>> np.round(lams, 12).tolist()
    [3.0, 1.0]
"""

import numpy as np


# --8<-- [start:power_iteration]
def power_iteration(A, rng, tol=1e-12, max_iters=10_000):
    """Dominant eigenpair (lambda, v) of a symmetric PSD matrix A (d, d), and iterations used."""
    d = A.shape[0]
    v = rng.standard_normal(d)  # (d,) random start: almost surely not orthogonal to v_1
    v /= np.linalg.norm(v)
    for it in range(1, max_iters + 1):  # noqa: B007 (it is returned: the iterations used)
        w = A @ v  # (d,) w = A v
        lam = v @ w  # Rayleigh quotient lambda = v^T A v   (||v|| = 1)
        residual = np.linalg.norm(w - lam * v)  # ||A v - lambda v||
        if residual <= tol * max(abs(lam), np.finfo(float).tiny):
            break
        v = w / np.linalg.norm(w)  # v <- A v / ||A v||
    v *= np.sign(v[np.argmax(np.abs(v))])  # fix the sign: largest entry positive
    return lam, v, it


# --8<-- [end:power_iteration]


# --8<-- [start:deflation]
def top_eigenpairs(A, k, rng, tol=1e-12, max_iters=10_000):
    """The k largest eigenvalues (k,) and eigenvectors (d, k) of a symmetric PSD matrix A (d, d)."""
    A = np.array(A, dtype=float)  # (d, d) a copy we are free to deflate
    lams, vecs, iters = [], [], []
    for _ in range(k):
        lam, v, it = power_iteration(A, rng, tol, max_iters)
        A -= lam * np.outer(v, v)  # A <- A - lambda v v^T: v's direction now has eigenvalue 0
        lams.append(lam)
        vecs.append(v)
        iters.append(it)
    return np.array(lams), np.column_stack(vecs), iters  # (k,), (d, k), k ints


# --8<-- [end:deflation]


# --8<-- [start:predicted]
def predicted_iterations(lam1, lam2, tol):
    """Steps until the residual ||A v - lambda v|| falls to tol * lambda_1, from a start with
    tan(theta_0) ~ 1: (lambda_1 - lambda_2) (lambda_2 / lambda_1)^k = tol * lambda_1."""
    return int(np.ceil(np.log(tol * lam1 / (lam1 - lam2)) / np.log(lam2 / lam1)))


# --8<-- [end:predicted]


def symmetric_with_eigenvalues(eigenvalues, rng):
    """A random symmetric matrix Q diag(eigenvalues) Q^T with the given spectrum."""
    d = len(eigenvalues)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))  # (d, d) random orthogonal
    return Q @ np.diag(eigenvalues) @ Q.T  # (d, d)


def main():
    rng = np.random.default_rng(0)
    true = np.array([10.0, 9.0, 5.0, 2.0, 1.0, 0.5])  # lambda_2 / lambda_1 = 0.9: a slow start
    A = symmetric_with_eigenvalues(true, rng)  # (6, 6)
    lams, V, iters = top_eigenpairs(A, k=4, rng=rng, tol=1e-12)
    rel_err = np.abs(lams - true[:4]) / true[:4]  # (4,)
    residuals = np.linalg.norm(A @ V - V * lams, axis=0)  # (4,) ||A v_i - lambda_i v_i||
    for i in range(4):
        print(
            f"lambda_{i + 1} = {lams[i]:.12f}  (true {true[i]:g}, {iters[i]:4d} iterations, "
            f"rel. error {rel_err[i]:.1e})"
        )
    return {
        "d": len(true),
        "k": 4,
        "lambda1": float(true[0]),
        "lambda2": float(true[1]),
        "tol": 1e-12,
        "max_rel_err": float(rel_err.max()),
        "max_residual": float(residuals.max()),
        "iters_first": iters[0],
        "iters_second": iters[1],
        "ratio_first": float(true[1] / true[0]),
        # the error angle shrinks like (lambda_2 / lambda_1)^k, but the stop is on the residual:
        # ||A v - lambda v|| ~ (lambda_1 - lambda_2) tan(theta_k) <= tol lambda_1
        "iters_predicted": predicted_iterations(true[0], true[1], 1e-12),
        "iters_naive": int(np.ceil(np.log(1e-12) / np.log(true[1] / true[0]))),
    }


if __name__ == "__main__":
    main()
