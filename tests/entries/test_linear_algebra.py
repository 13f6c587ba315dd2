"""Entry 1, "Linear algebra by hand": every number the prose quotes, against numpy.linalg,
scikit-learn or a closed form; and the snippet functions on small random matrices."""

import re
from pathlib import Path

import numpy as np
import pytest
from least_squares import (
    back_substitution,
    fit_normal_equations,
    fit_qr,
    solve_qr,
    squaring_demo,
    synthetic_data,
)
from pca import pca
from power_iteration import power_iteration, symmetric_with_eigenvalues, top_eigenpairs
from qr import (
    classical_gram_schmidt,
    classical_gram_schmidt_twice,
    matrix_with_condition,
    modified_gram_schmidt,
    orthogonality_loss,
)
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

ENTRY = "posts/entries/linear-algebra-by-hand.md"
ROOT = Path(__file__).resolve().parents[2]
EPS = np.finfo(float).eps
SEEDS = [0, 1, 2]
SHAPES = [(5, 3), (20, 20), (50, 10), (200, 40)]


@pytest.fixture(scope="module")
def runs(entry_runs):
    return entry_runs(ENTRY)


@pytest.fixture(scope="module")
def digits_centred():
    X = load_digits().data  # (1797, 64)
    return X - X.mean(axis=0)


# ---------------------------------------------------------------- QR: the functions


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("qr", [classical_gram_schmidt, modified_gram_schmidt])
def test_gram_schmidt_matches_numpy_qr(qr, shape, seed):
    A = np.random.default_rng(seed).standard_normal(shape)
    Q, R = qr(A)
    n = shape[1]
    assert np.linalg.norm(Q.T @ Q - np.eye(n), 2) < 100 * n * EPS  # Q^T Q = I
    assert np.linalg.norm(Q @ R - A) <= 100 * EPS * np.linalg.norm(A)  # A = QR
    assert np.array_equal(R, np.triu(R))  # upper triangular, exactly (zeros are never written)
    assert np.all(np.diag(R) > 0)
    # numpy's Householder QR is unique up to the signs of R's rows (Q's columns).
    Q_np, R_np = np.linalg.qr(A)
    signs = np.sign(np.diag(R_np))  # (n,)
    np.testing.assert_allclose(R, signs[:, None] * R_np, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Q, Q_np * signs, rtol=1e-10, atol=1e-12)


def test_classical_and_modified_agree_on_an_easy_matrix():
    A = np.random.default_rng(3).standard_normal((30, 6))
    np.testing.assert_allclose(
        classical_gram_schmidt(A)[1], modified_gram_schmidt(A)[1], rtol=1e-12
    )


def test_qr_docstring_example():
    _, R = modified_gram_schmidt(np.array([[3.0, 1.0], [4.0, 2.0]]))
    # a_1 = (3, 4): r_11 = 5, r_12 = (3*1 + 4*2)/5 = 2.2, r_22 = |det A| / r_11 = 2/5
    np.testing.assert_allclose(R, [[5.0, 2.2], [0.0, 0.4]], rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("cond", [1e2, 1e6, 1e10])
def test_matrix_with_condition_has_that_condition_number(cond):
    A = matrix_with_condition(60, 12, cond, np.random.default_rng(0))
    s = np.linalg.svd(A, compute_uv=False)
    np.testing.assert_allclose(s, np.logspace(0, -np.log10(cond), 12), rtol=1e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_modified_stays_within_eps_kappa_classical_does_not(seed):
    cond = 1e10
    A = matrix_with_condition(100, 40, cond, np.random.default_rng(seed))
    assert orthogonality_loss(classical_gram_schmidt(A)[0]) > 0.1
    assert orthogonality_loss(modified_gram_schmidt(A)[0]) < 10 * EPS * cond


def test_orthogonality_loss_is_the_spectral_norm():
    Q = np.array([[1.0, 0.1], [0.0, 1.0]])
    # Q^T Q - I = [[0, .1], [.1, .01]]: eigenvalues (0.01 +- sqrt(0.0401)) / 2
    assert orthogonality_loss(Q) == pytest.approx((0.01 + np.sqrt(0.0401)) / 2, rel=1e-12)


# ---------------------------------------------------------------- QR: the numbers in the entry


def test_qr_run_numbers(runs):
    v = runs["qr"].values
    assert (v["m"], v["n"]) == (100, 40)
    assert v["eps"] == EPS
    assert v["eps_kappa"] == pytest.approx(EPS * v["cond"], rel=1e-12)
    assert v["log_cond"] == 10 and v["cond"] == 1e10
    assert v["ortho_random"] < 1e-14  # Q^T Q = I to machine precision
    assert v["recon_random"] < 1e-15
    assert v["ortho_cgs"] > 1.0  # "bigger than one": orthogonality lost altogether
    # modified Gram-Schmidt: ||Q^T Q - I|| = O(eps kappa) (Bjorck 1967), within a factor 100
    assert v["eps_kappa"] / 100 < v["ortho_mgs"] < 100 * v["eps_kappa"]
    assert v["ortho_householder"] < 1e-14
    assert v["recon_mgs_ill"] < 1e-15  # MGS still reproduces A: it is Q that goes bad


def test_qr_run_breakdown_where_eps_kappa_squared_reaches_one_tenth(runs):
    v = runs["qr"].values
    # classical GS loses orthogonality like eps kappa^2; that reaches 0.1 at kappa = sqrt(0.1/eps)
    predicted = np.sqrt(0.1 / EPS)  # ~2e7
    assert predicted / 10 <= v["cgs_breaks_at"] <= predicted * 10
    assert v["log_cgs_breaks_at"] == round(np.log10(v["cgs_breaks_at"]))


def test_classical_gram_schmidt_loss_where_the_entry_quotes_it(runs):
    v = runs["qr"].values
    assert v["loss_cgs_1e7"] < 0.1  # still roughly orthogonal
    assert v["loss_cgs_1e9"] > 1  # past 1 at 1e9, in the sweep ...
    assert v["log_cgs_above_one_at"] in (8, 9)
    assert v["spread_matrices"] == 8
    assert v["loss_1e8_lo"] < 1 < v["loss_1e8_hi"]  # ... at 1e8 it depends on the matrix
    assert v["loss_1e9_lo"] > 1  # ... at 1e9 it is past 1 for every matrix


def test_classical_gram_schmidt_loss_at_1e8_is_of_the_order_of_eps_kappa_squared(runs):
    v = runs["qr"].values
    # eps kappa^2 = 2.2 at kappa = 1e8: the loss there lies between its neighbours in the sweep,
    # within a decade above and two below eps kappa^2 (the 8 other matrices: 0.02 to 3.2), and
    # is past 1 exactly when the sweep says it first passes 1 at 1e8
    assert v["loss_cgs_1e7"] < v["loss_cgs_1e8"] < v["loss_cgs_1e9"]
    assert EPS * 1e16 / 100 < v["loss_cgs_1e8"] < 10 * EPS * 1e16
    assert (v["loss_cgs_1e8"] > 1) == (v["log_cgs_above_one_at"] == 8)


@pytest.mark.parametrize("seed", range(10, 16))
def test_classical_gram_schmidt_over_other_matrices(seed):
    def loss(k):
        A = matrix_with_condition(100, 40, 10.0**k, np.random.default_rng(seed))
        return orthogonality_loss(classical_gram_schmidt(A)[0])

    assert loss(7) < 0.2 and loss(9) > 1
    # eps kappa^2 within a factor 1e3 where it is not yet saturated
    assert EPS * 1e14 / 1e3 < loss(7) < EPS * 1e14 * 1e3


@pytest.mark.parametrize("k", [0, 4, 8, 10, 12])
def test_gram_schmidt_twice_is_orthogonal_to_rounding_error(k):
    A = matrix_with_condition(100, 40, 10.0**k, np.random.default_rng(k))
    Q, R = classical_gram_schmidt_twice(A)
    assert orthogonality_loss(Q) < 100 * EPS
    assert np.linalg.norm(Q @ R - A) / np.linalg.norm(A) < 100 * EPS
    assert np.allclose(np.tril(R, -1), 0)
    Qh, Rh = np.linalg.qr(A)  # the same factorization as LAPACK's, up to column signs
    signs = np.sign(np.diag(Rh))
    assert np.abs(R) == pytest.approx(np.abs(Rh * signs[:, None]), abs=1e-12)


def test_gram_schmidt_twice_in_the_run(runs):
    v = runs["qr"].values
    assert v["ortho_cgs2"] < 100 * EPS
    assert v["cgs2_sweep_max"] < 100 * EPS


def test_qr_run_figure(runs):
    svg = runs["qr"].figures["orthogonality"]
    assert svg.lstrip().startswith(("<?xml", "<svg")) and "</svg>" in svg


# ---------------------------------------------------------------- power iteration: the functions


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("d", [3, 8, 20])
def test_top_eigenpairs_match_eigh(d, seed):
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((2 * d, d))
    A = B.T @ B  # (d, d) symmetric positive definite
    k = min(d, 3)
    lams, V, iters = top_eigenpairs(A, k, rng)
    w, U = np.linalg.eigh(A)  # ascending
    w, U = w[::-1][:k], U[:, ::-1][:, :k]
    np.testing.assert_allclose(lams, w, rtol=1e-12)
    np.testing.assert_allclose(np.abs(np.sum(V * U, axis=0)), 1.0, atol=1e-9)  # |v . u| = 1
    assert all(1 <= it < 10_000 for it in iters)


def test_power_iteration_docstring_example():
    lams, V, _ = top_eigenpairs(np.diag([3.0, 1.0]), k=2, rng=np.random.default_rng(0))
    np.testing.assert_allclose(lams, [3.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(np.abs(V), np.eye(2), atol=1e-6)


def test_power_iteration_sign_is_fixed():
    A = symmetric_with_eigenvalues(np.array([5.0, 1.0, 0.5]), np.random.default_rng(4))
    v1 = power_iteration(A, np.random.default_rng(1))[1]
    v2 = power_iteration(A, np.random.default_rng(2))[1]
    np.testing.assert_allclose(v1, v2, atol=1e-10)  # different starts, same vector and sign
    assert v1[np.argmax(np.abs(v1))] > 0


def test_power_iteration_gives_up_after_max_iters():
    A = np.diag([1.0, 1.0 - 1e-9])  # gap too small to resolve in 5 steps
    _, _, it = power_iteration(A, np.random.default_rng(0), max_iters=5)
    assert it == 5


# ---------------------------------------------------------------- power iteration: the entry


def test_power_run_numbers(runs):
    v = runs["power"].values
    assert (v["d"], v["k"], v["tol"]) == (6, 4, 1e-12)
    assert (v["lambda1"], v["lambda2"]) == (10.0, 9.0)
    assert v["ratio_first"] == pytest.approx(0.9, rel=1e-15)
    # eigenvalues against the spectrum the matrix was built with
    assert v["max_rel_err"] < 1e-13
    assert v["max_residual"] < 1e-10
    # the residual-based prediction: (l1 - l2) (l2 / l1)^k = tol l1
    assert v["iters_predicted"] == int(np.ceil(np.log(1e-12 * 10 / 1) / np.log(0.9)))
    assert v["iters_naive"] == int(np.ceil(np.log(1e-12) / np.log(0.9)))
    assert abs(v["iters_first"] - v["iters_predicted"]) <= 5  # the start's tan(theta_0) term
    assert abs(v["iters_first"] - v["iters_naive"]) > 15
    assert v["iters_second"] < v["iters_first"] / 2  # the wider gap converges much faster


def test_power_run_against_eigh():
    # main() builds its matrix from default_rng(0) before anything else: rebuild it and compare
    # the eigenvalues the entry prints with numpy's.
    true = np.array([10.0, 9.0, 5.0, 2.0, 1.0, 0.5])
    A = symmetric_with_eigenvalues(true, np.random.default_rng(0))
    np.testing.assert_allclose(np.linalg.eigvalsh(A)[::-1], true, rtol=1e-13)
    lams, _, _ = top_eigenpairs(A, 4, np.random.default_rng(0))
    np.testing.assert_allclose(lams, true[:4], rtol=1e-13)


# ---------------------------------------------------------------- PCA: the functions


@pytest.mark.parametrize("seed", SEEDS)
def test_pca_matches_sklearn_on_random_data(seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((300, 6)) @ rng.standard_normal((6, 6)) + 5.0  # correlated, off-centre
    V, sigma, ratio = pca(X, 6, np.random.default_rng(seed))
    ref = PCA().fit(X)
    np.testing.assert_allclose(ratio, ref.explained_variance_ratio_, rtol=1e-10)
    np.testing.assert_allclose(sigma, ref.singular_values_, rtol=1e-10)
    dots = np.abs(np.sum(V * ref.components_.T, axis=0))  # (6,) |v_i . u_i|
    np.testing.assert_allclose(dots, 1.0, atol=1e-8)


# ---------------------------------------------------------------- PCA: the entry


def test_pca_run_singular_values_match_svd(runs, digits_centred):
    v = runs["pca"].values
    s = np.linalg.svd(digits_centred, compute_uv=False)
    assert (v["N"], v["D"], v["top"]) == (1797, 64, 10)
    assert v["sigma1"] == pytest.approx(s[0], rel=1e-12)
    assert v["sigma2"] == pytest.approx(s[1], rel=1e-12)
    assert v["sv_rel_err"] < 1e-12  # the claim: top singular values agree to ~1e-12 or better


def test_pca_run_explained_variance_matches_sklearn(runs):
    v = runs["pca"].values
    ratio = PCA().fit(load_digits().data).explained_variance_ratio_  # (64,)
    assert v["ratio1"] == pytest.approx(ratio[0], abs=1e-12)
    assert v["top2"] == pytest.approx(ratio[:2].sum(), abs=1e-12)
    assert v["top10"] == pytest.approx(ratio[:10].sum(), abs=1e-12)
    assert v["components_for_90"] == int(np.searchsorted(np.cumsum(ratio), 0.90) + 1)
    # the rounded values the prose and the figure's alt text use
    assert f"{v['top2']:.1%}" == "28.5%" and f"{v['top10']:.1%}" == "73.8%"


def test_pca_run_zero_variance_pixels(runs):
    v = runs["pca"].values
    X = load_digits().data
    blank = np.flatnonzero(X.std(axis=0) == 0)
    # the prose: the top-left corner and the first and last pixels of the fifth row
    assert blank.tolist() == [0, 4 * 8 + 0, 4 * 8 + 7]
    assert v["zero_variance"] == len(blank) == 3
    assert v["n_axes"] == 64 - 3
    assert v["orthonormal"] < 1e-10


def test_pca_run_figures(runs):
    figures = runs["pca"].figures
    for label in ("scatter", "explained", "components"):
        assert "</svg>" in figures[label]


def test_alt_text_percentages_match_the_run(runs):
    v = runs["pca"].values
    text = (ROOT / ENTRY).read_text()
    line = next(line for line in text.splitlines() if line.startswith("::figure pca explained"))
    percents = [int(p) for p in re.findall(r"(\d+) percent", line)]
    expected = [round(100 * v[key]) for key in ("ratio1", "top2", "top10")]
    assert percents == [*expected, 100]  # the first, top 2, top 10, and where the curve levels off


# ---------------------------------------------------------------- least squares: the functions


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(10, 1), (50, 3), (500, 8)])
def test_fits_match_lstsq(shape, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(shape)
    y = rng.standard_normal(shape[0])  # pure noise: a real residual, not an exact fit
    A = np.column_stack([X, np.ones(shape[0])])
    ref, *_ = np.linalg.lstsq(A, y, rcond=None)
    for fit in (fit_normal_equations, fit_qr):
        w, b = fit(X, y)
        np.testing.assert_allclose(np.append(w, b), ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_back_substitution_matches_solve(seed):
    rng = np.random.default_rng(seed)
    R = np.triu(rng.standard_normal((7, 7))) + 5 * np.eye(7)
    c = rng.standard_normal(7)
    np.testing.assert_allclose(back_substitution(R, c), np.linalg.solve(R, c), rtol=1e-12)


def test_solve_qr_on_an_ill_conditioned_consistent_system():
    rng = np.random.default_rng(5)
    A = matrix_with_condition(80, 8, 1e8, rng)
    x = rng.standard_normal(8)
    # backward stable: error ~ eps kappa = 2e-8; allow a factor of 100
    assert np.linalg.norm(solve_qr(A, A @ x) - x) / np.linalg.norm(x) < 100 * EPS * 1e8


@pytest.mark.parametrize("seed", SEEDS)
def test_normal_equations_lose_to_qr_when_kappa_is_large(seed):
    err_normal, err_qr = squaring_demo(1e6, np.random.default_rng(seed))
    assert err_normal > 1e-8  # eps kappa^2 = 2e-4: far from machine precision
    assert err_qr < 100 * EPS * 1e6  # eps kappa = 2e-10
    assert err_normal > 1000 * err_qr


# ---------------------------------------------------------------- least squares: the entry


def test_lsq_run_recovers_the_truth(runs):
    v = runs["lsq"].values
    assert (v["true_w1"], v["true_w2"], v["true_b"]) == (2.0, -3.4, 4.2)
    assert (v["num_examples"], v["noise"]) == (1000, 0.01)
    assert v["std_err"] == pytest.approx(0.01 / np.sqrt(1000), rel=1e-12)
    # the data main() fits, rebuilt from the same seed, solved by numpy
    X, y = synthetic_data(np.array([2.0, -3.4]), 4.2, 1000, np.random.default_rng(0))
    A = np.column_stack([X, np.ones(1000)])
    ref, *_ = np.linalg.lstsq(A, y, rcond=None)
    np.testing.assert_allclose([v["w1"], v["w2"], v["b"]], ref, rtol=1e-12)
    # the errors quoted, and within 4 standard errors of the truth
    assert v["w_err"] == pytest.approx(np.abs(ref[:2] - [2.0, -3.4]).max(), rel=1e-6)
    assert v["b_err"] == pytest.approx(abs(ref[2] - 4.2), rel=1e-6)
    assert v["w_err"] < 4 * v["std_err"] and v["b_err"] < 4 * v["std_err"]
    assert v["qr_vs_normal"] < 1e-12
    assert v["cond_A"] == pytest.approx(np.linalg.cond(A), rel=1e-10)
    assert v["cond_AtA"] == pytest.approx(np.linalg.cond(A) ** 2, rel=1e-10)  # kappa squared


def test_lsq_run_conditioning_demo(runs):
    v = runs["lsq"].values
    assert v["demo_cond"] == 1e6 and v["log_demo_cond"] == 6
    assert v["err_normal"] > 1e-8
    assert v["err_qr"] < 100 * EPS * v["demo_cond"]


def test_power_iteration_count_from_the_spectrum_and_the_start():
    # rebuild main()'s matrix and start, then find the first k whose residual passes the stop,
    # from the eigen-decomposition alone (v_k is proportional to sum c_i lambda_i^k u_i)
    rng = np.random.default_rng(0)
    true = np.array([10.0, 9.0, 5.0, 2.0, 1.0, 0.5])
    A = symmetric_with_eigenvalues(true, rng)
    v0 = rng.standard_normal(6)
    lam, U = np.linalg.eigh(A)
    c = U.T @ (v0 / np.linalg.norm(v0))
    for k in range(1000):
        w = c * (lam / lam.max()) ** k  # the components of v_k, unnormalized
        w /= np.linalg.norm(w)
        rq = np.sum(lam * w**2)
        if np.linalg.norm(lam * w - rq * w) <= 1e-12 * rq:
            break
    # the loop counts the check on v_{it - 1} as iteration `it`; main() draws the same start
    rng = np.random.default_rng(0)
    symmetric_with_eigenvalues(true, rng)
    assert power_iteration(A, rng, tol=1e-12)[2] == pytest.approx(k + 1, abs=1)
