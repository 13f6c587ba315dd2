"""Entry 8, "Attention". References: a plain-loop attention and scipy's softmax; a per-head loop
and an einsum formulation of multi-head attention (two implementations written differently);
centred differences in float64 for every gradient; the closed form Var(q . k) = d for independent
unit normals; and exact equalities (bit for bit) for the causal mask."""

import numpy as np
import pytest
from attention import (
    attention,
    attention_backward,
    attention_blocked,
    causal_mask,
    init_multihead,
    merge_heads,
    multihead,
    softmax,
    split_heads,
)
from attention_checks import (
    SEEDS,
    TEXT,
    closed_form_norms,
    future_leak,
    gradient_check,
    jacobian_norms,
    lookup_heads,
    multihead_einsum,
    multihead_loop,
    peak_mib,
    saturation,
    scores,
)
from scipy.special import softmax as scipy_softmax

ENTRY = "posts/entries/attention.md"


@pytest.fixture(scope="session")
def run(entry_runs):
    return entry_runs(ENTRY)["attention"]


def attention_reference(q, k, v, causal):
    """One query at a time, straight from the formula."""
    T, d = q.shape
    out = np.zeros_like(v)
    for i in range(T):
        keys = range(i + 1) if causal else range(T)
        s = np.array([q[i] @ k[j] for j in keys]) / np.sqrt(d)
        w = np.exp(s - s.max())
        out[i] = sum(w_j * v[j] for w_j, j in zip(w / w.sum(), keys, strict=True))
    return out


def numeric_grad(f, x, h=1e-5):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        up = f()
        x[idx] = old - h
        down = f()
        x[idx] = old
        g[idx] = (up - down) / (2 * h)
    return g


def rel_error(a, b):
    return np.abs(a - b).max() / max(np.abs(a).max(), np.abs(b).max())


# ---------------------------------------------------------------- the pieces


def test_softmax_matches_scipy_and_survives_large_scores():
    s = np.random.default_rng(0).standard_normal((4, 7)) * 50
    np.testing.assert_allclose(softmax(s), scipy_softmax(s, axis=-1), rtol=1e-13, atol=1e-300)
    assert np.all(np.isfinite(softmax(s * 100)))


def test_causal_mask_is_lower_triangular():
    M = causal_mask(4)
    assert M.tolist() == [[j <= i for j in range(4)] for i in range(4)]


@pytest.mark.parametrize("causal", [False, True])
def test_attention_matches_the_formula_row_by_row(causal):
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal((9, 5)) for _ in range(3))
    out, cache = attention(q, k, v, causal=causal)
    np.testing.assert_allclose(out, attention_reference(q, k, v, causal), rtol=0, atol=1e-14)
    np.testing.assert_allclose(cache[3].sum(axis=-1), 1.0, rtol=1e-15)
    if causal:
        assert np.all(cache[3][~causal_mask(9)] == 0.0)  # exactly zero, not small


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("scale", [False, True])
def test_attention_backward_matches_centred_differences(causal, scale):
    rng = np.random.default_rng(2)
    q, k, v = (rng.standard_normal((2, 6, 4)) for _ in range(3))
    dout = rng.standard_normal((2, 6, 4))
    grads = attention_backward(dout, attention(q, k, v, causal, scale)[1])
    for x, g in zip((q, k, v), grads, strict=True):
        num = numeric_grad(lambda: (attention(q, k, v, causal, scale)[0] * dout).sum(), x)
        assert rel_error(g, num) <= 1e-7


def test_heads_split_and_merge_are_inverse_and_slice_columns():
    x = np.arange(2 * 3 * 8, dtype=float).reshape(2, 3, 8)
    h = split_heads(x, 4)
    assert h.shape == (2, 4, 3, 2)
    np.testing.assert_array_equal(h[1, 2, 0], x[1, 0, 4:6])  # head 2 = columns 4 and 5
    np.testing.assert_array_equal(merge_heads(h), x)


@pytest.mark.parametrize("H", [1, 2, 4])
@pytest.mark.parametrize("causal", [False, True])
def test_multihead_equals_a_per_head_loop_and_an_einsum(H, causal):
    rng = np.random.default_rng(3)
    x, params = rng.standard_normal((2, 7, 8)), init_multihead(8, rng)
    y = multihead(x, params, H, causal)[0]
    np.testing.assert_allclose(y, multihead_loop(x, params, H, causal), rtol=0, atol=1e-13)
    np.testing.assert_allclose(y, multihead_einsum(x, params, H, causal), rtol=0, atol=1e-13)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_multihead_gradients_match_centred_differences(seed):
    assert gradient_check(seed=seed) <= 1e-7


@pytest.mark.parametrize("block", [1, 7, 16, 64])
@pytest.mark.parametrize("causal", [False, True])
def test_blocked_attention_equals_full_attention(block, causal):
    rng = np.random.default_rng(4)
    q, k, v = (rng.standard_normal((2, 50, 8)) * 3 for _ in range(3))
    full = attention(q, k, v, causal=causal)[0]
    np.testing.assert_allclose(attention_blocked(q, k, v, block, causal), full, rtol=0, atol=1e-13)


def test_attention_ignores_order_without_a_mask():
    """The entry's claim: permute the keys and values together and no output changes; permute
    the queries and the outputs permute the same way."""
    rng = np.random.default_rng(6)
    q, k, v = (rng.standard_normal((10, 4)) for _ in range(3))
    perm = rng.permutation(10)
    out = attention(q, k, v)[0]
    np.testing.assert_allclose(attention(q, k[perm], v[perm])[0], out, rtol=0, atol=1e-14)
    np.testing.assert_allclose(attention(q[perm], k, v)[0], out[perm], rtol=0, atol=1e-14)


# ---------------------------------------------------------------- the causal mask, exactly


@pytest.mark.parametrize("t", [0, 3, 10])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_future_changes_nothing_before_t_exactly(t, seed):
    leak, changed = future_leak(T=12, t=t, C=16, H=4, seed=seed)
    assert leak == 0.0  # bit-identical outputs, not merely close
    assert changed > 0.1  # the change was real: later outputs moved


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_masking_after_the_softmax_leaks_the_future(seed):
    leak, _ = future_leak(T=12, t=5, C=16, H=4, seed=seed, mask="after")
    assert leak > 1e-3


# ---------------------------------------------------------------- why 1/sqrt(d)


def test_jacobian_norms_match_finite_differences_of_softmax():
    rng = np.random.default_rng(5)
    s = rng.standard_normal((3, 6)) * 2
    expected = []
    for row in s:
        J = np.zeros((6, 6))
        for j in range(6):
            e = np.zeros(6)
            e[j] = 1e-6
            J[:, j] = (softmax(row + e) - softmax(row - e)) / 2e-6
        expected.append(np.linalg.norm(J))
    np.testing.assert_allclose(jacobian_norms(softmax(s)), expected, rtol=1e-7)
    assert jacobian_norms(np.eye(4))[0] == 0.0  # one-hot: nothing moves, and no nan


def first_nan_d(ds=(4, 16, 64, 256, 1024)):
    """The first d at which the closed form gives nan on one of the entry's seeds, or 0."""
    for d in ds:
        ps = [softmax(scores(d, 32, 200, seed)) for seed in SEEDS]
        assert all(np.isfinite(jacobian_norms(p)).all() for p in ps)  # the matrices never do
        if any(np.isnan(closed_form_norms(p)).any() for p in ps):
            return d
    return 0


def test_the_closed_form_is_right_until_rounding_breaks_it():
    """The entry's dead end: sum p^2 - 2 sum p^3 + (sum p^2)^2 equals the matrix norm where the
    softmax is spread out, and gives nan once rows are one-hot: at d = 1024 on the entry's seeds,
    or already at 256, where a few rows are (which rows round below zero depends on the last bits
    of the scores, so on the BLAS kernels that multiplied them), never at d <= 64."""
    p = softmax(scores(4, 32, 200, 0))
    np.testing.assert_allclose(closed_form_norms(p), jacobian_norms(p), rtol=1e-10)
    assert first_nan_d() in (256, 1024)
    ps = [softmax(scores(1024, 32, 200, seed)) for seed in SEEDS]
    assert any(np.isnan(closed_form_norms(p)).any() for p in ps)  # and at d = 1024


@pytest.mark.parametrize("d", [16, 256])
def test_variance_of_the_score_is_d_then_one(d):
    """Var(q . k) = d for independent N(0, 1) entries (a sum of d products of variance 1)."""
    s = np.concatenate([scores(d, 32, 500, seed).ravel() for seed in (10, 11, 12)])
    # standard error of a variance estimate: sqrt(2 d^2 / n) at most ~4x larger with shared keys
    assert np.mean(s**2) == pytest.approx(d, rel=0.1)
    assert np.mean((s / np.sqrt(d)) ** 2) == pytest.approx(1, rel=0.1)


@pytest.mark.parametrize("seed", [20, 21, 22])
def test_unscaled_scores_saturate_on_every_seed(seed):
    """Fresh seeds, one at a time: at d = 1024 the raw softmax is mostly one-hot and its
    Jacobian tiny; scaled, it never saturates."""
    s = scores(1024, 32, 200, seed)
    _, sat_raw, jac_raw = saturation(s, 1024, scale=False)
    _, sat_scaled, jac_scaled = saturation(s, 1024, scale=True)
    assert sat_raw > 0.5 and sat_scaled == 0.0
    assert jac_raw < jac_scaled / 100


def test_lookup_heads_find_what_they_were_built_to_find():
    w = lookup_heads(TEXT)
    T = len(TEXT)
    for name in ("content", "position"):
        np.testing.assert_allclose(w[name].sum(axis=1), 1.0, rtol=1e-14)
        assert np.all(w[name][~causal_mask(T)] == 0.0)
    previous = w["position"].argmax(axis=1)
    assert list(previous[1:]) == list(range(T - 1))
    for i, ch in enumerate(TEXT):
        assert TEXT[w["content"][i].argmax()] == ch


# ---------------------------------------------------------------- the entry's numbers


def test_entry_lookup(run):
    v = run.values
    assert v["T_text"] == len(TEXT) == 22
    assert v["d_lookup"] == 32  # lookup_heads' default width
    assert lookup_heads.__defaults__[0] == v["d_lookup"]
    assert v["on_match"] > 0.9 and v["on_prev"] > 0.85
    assert {"lookup", "saturation"} <= set(run.figures)


def test_entry_scaling(run):
    v = run.values
    assert (v["n_queries"], v["n_seeds"], v["T_keys"]) == (200, 3, 32)
    assert v["ds"] == "4, 16, 64, 256, 1024"
    assert v["var_raw_64"] == pytest.approx(64, rel=0.08)
    assert v["var_raw_1024"] == pytest.approx(1024, rel=0.08)
    assert v["var_scaled_64"] == pytest.approx(1, rel=0.08)
    assert v["var_scaled_1024"] == pytest.approx(1, rel=0.08)
    assert 0.1 < v["sat_raw_64"] < 0.4  # 0.25: a quarter of queries already one-hot at d = 64
    assert v["sat_raw_1024"] > 0.6
    assert v["sat_scaled_max"] == 0.0
    assert v["jac_raw_1024"] < 1e-3 < 0.1 < v["jac_scaled_1024"] < 0.4
    assert v["jac_raw_64"] < v["jac_scaled_64"]
    assert v["jac_ratio_1024"] == pytest.approx(v["jac_scaled_1024"] / v["jac_raw_1024"])
    assert v["jac_ratio_1024"] > 100
    # the per-seed range the entry quotes, recomputed seed by seed
    raw = [saturation(scores(1024, 32, 200, seed), 1024, scale=False)[2] for seed in SEEDS]
    scaled = [saturation(scores(1024, 32, 200, seed), 1024, scale=True)[2] for seed in SEEDS]
    ratios = [c / r for c, r in zip(scaled, raw, strict=True)]
    assert v["jac_raw_1024_min"] == pytest.approx(min(raw), rel=1e-12)
    assert v["jac_raw_1024_max"] == pytest.approx(max(raw), rel=1e-12)
    assert v["jac_ratio_1024_min"] == pytest.approx(min(ratios), rel=1e-12)
    assert v["jac_ratio_1024_max"] == pytest.approx(max(ratios), rel=1e-12)
    assert 100 < v["jac_ratio_1024_min"] < v["jac_ratio_1024_max"]
    assert v["closed_form_nan_d"] == first_nan_d()  # 1024, or 256 on other BLAS kernels


def test_entry_exact_checks(run):
    v = run.values
    assert (v["T_causal"], v["t_causal"], v["H_causal"]) == (12, 5, 4)
    assert v["leak"] == 0.0 and v["changed"] > 0.1
    assert v["leak_after"] > 1e-3
    assert v["loop_diff"] < 1e-13 and v["einsum_diff"] < 1e-13
    assert v["grad_err"] < 1e-7  # cs231n: ~1e-7 or below is right for smooth functions
    assert v["blocked_diff"] < 1e-13


def test_entry_memory(run):
    v = run.values
    assert (v["T_big"], v["block"]) == (512, 64)
    assert v["weights_mib"] == v["T_big"] ** 2 * 8 / 2**20 == 2.0
    assert v["blocked_mib"] == v["T_big"] * v["block"] * 8 / 2**20 == 0.25
    assert v["gib_128k_bf16"] == 131072**2 * 2 / 2**30 == 32.0
    # measured peaks: the full version holds about three T x T arrays and grows 4x when T doubles;
    # the blocked one grows 2x (tolerances cover numpy's small temporaries)
    assert 2.5 * v["weights_mib"] < v["peak_full"] < 4 * v["weights_mib"]
    assert v["peak_full_2x"] / v["peak_full"] == pytest.approx(4, rel=0.1)
    assert v["peak_blocked_2x"] / v["peak_blocked"] == pytest.approx(2, rel=0.15)
    assert v["peak_blocked"] < v["peak_full"] / 3


def test_blocked_attention_never_holds_a_t_by_t_array():
    """At T = 2048 a single T x T float64 array is 32 MiB; the blocked version stays far below."""
    q, k, v = (np.random.default_rng(7).standard_normal((2048, 16)) for _ in range(3))
    assert peak_mib(attention_blocked, q, k, v, 64) < 2048**2 * 8 / 2**20 / 4
    assert peak_mib(attention, q, k, v, True) > 2048**2 * 8 / 2**20  # the instrument sees it
