"""Softmax and log-sum-exp, the naive way and the numerically stable way.

softmax(x)_i = exp(x_i) / sum_j exp(x_j) is unchanged when a constant is subtracted from every
x_i, so subtracting max(x) costs nothing mathematically and keeps every exp() in [0, 1]
(Goodfellow, Bengio & Courville, "Deep Learning", section 4.1).
"""

import numpy as np


# --8<-- [start:naive]
def softmax_naive(x):
    """softmax straight from the definition: exp(x_i) / sum_j exp(x_j)."""
    e = np.exp(x)  # (K,) overflows to inf once x_i > log(float max)
    return e / e.sum()  # inf / inf = nan


# --8<-- [end:naive]


# --8<-- [start:stable]
def logsumexp(x):
    """log sum_j exp(x_j), computed as m + log sum_j exp(x_j - m) with m = max(x)."""
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))  # every exp() argument is <= 0


def log_softmax(x):
    """log softmax(x)_i = x_i - logsumexp(x): the log-probabilities a language model's loss uses."""
    return x - logsumexp(x)  # (K,)


def softmax(x):
    """softmax(x) = exp(x - max(x)) / sum_j exp(x_j - max(x)): the same function, no overflow."""
    e = np.exp(x - np.max(x))  # (K,) the largest entry is exactly exp(0) = 1
    return e / e.sum()


# --8<-- [end:stable]


# --8<-- [start:bfloat16]
def to_bfloat16(x):
    """Round float32 values to bfloat16 (float32's 8 exponent bits, 7 of its 23 mantissa bits),
    returned as float32: add half of the dropped 16 bits (ties to even), then clear them."""
    u = np.asarray(x, dtype=np.float32).view(np.uint32)  # the float32 bit patterns
    u = u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))  # round to nearest even
    return (u & np.uint32(0xFFFF0000)).view(np.float32)


def softmax_naive_bfloat16(x):
    """The naive softmax as a bfloat16 kernel would run it: every result rounded to bfloat16."""
    e = to_bfloat16(np.exp(to_bfloat16(x)))  # (K,) exp in float32, stored as bfloat16
    return to_bfloat16(e / to_bfloat16(e.sum()))


# --8<-- [end:bfloat16]


def main():
    x = np.array([1000.0, 1000.5, 999.0])
    with np.errstate(over="ignore", invalid="ignore"):
        p_naive = softmax_naive(x)
        p_naive_low = softmax_naive(-x)  # every exp() underflows to 0: 0 / 0
    p = softmax(x)
    print(f"x = {x}")
    print(f"naive softmax(x)  = {p_naive}")
    print(f"naive softmax(-x) = {p_naive_low}")
    print(f"stable softmax(x) = {p}, sum = {p.sum():.17f}")
    print(f"logsumexp(x) = {logsumexp(x):.6f}")

    # a language model's loss: -log p(target). Taking log of an underflowed probability fails.
    logits = np.array([0.0, 800.0])  # the target is token 0, which the model thinks unlikely
    with np.errstate(divide="ignore"):
        nll_naive = -np.log(softmax(logits)[0])  # softmax gives exactly 0.0, log(0) = -inf
    nll = -log_softmax(logits)[0]
    print(f"-log softmax(z)[0] via log(softmax): {nll_naive}, via log_softmax: {nll}")

    # the largest logit whose exp() is still finite, per floating-point type
    types = (np.float16, np.float32, np.float64)
    limits = {np.dtype(t).name: np.log(float(np.finfo(t).max)) for t in types}  # log(max)
    for name, lim in limits.items():
        print(f"exp overflows in {name} above x = {lim:.2f}")

    # 16-bit formats: float16 (5 exponent bits) and bfloat16 (8, like float32)
    max_bf16 = float(np.array([0x7F7F0000], dtype=np.uint32).view(np.float32)[0])
    limits["bfloat16"] = float(np.log(max_bf16))
    print(f"exp overflows in bfloat16 above x = {limits['bfloat16']:.2f}")
    scores = np.array([12.0, 9.5, 3.0, 0.0])  # a confident prediction: top score a dozen
    exact = softmax(scores)  # float64 reference
    with np.errstate(over="ignore", invalid="ignore"):
        p16 = softmax_naive(scores.astype(np.float16))
    pbf = softmax_naive_bfloat16(scores)
    rel_bf = float(np.max(np.abs(pbf - exact) / exact))
    print(f"naive softmax of {scores} in float16:  {p16}")
    print(f"naive softmax of {scores} in bfloat16: {pbf} (largest relative error {rel_bf:.1e})")

    return {
        "fp16_is_nan": bool(np.isnan(p16).any()),
        "bf16_is_finite": bool(np.isfinite(pbf).all()),
        "bf16_rel_error": rel_bf,
        "bf16_p0": float(pbf[0]),
        "scores16": ", ".join(f"{v:g}" for v in scores[:-1]) + f" and {scores[-1]:g}",
        "limit_bfloat16": limits["bfloat16"],
        "x0": float(x[0]),
        "x1": float(x[1]),
        "x2": float(x[2]),
        "naive_is_nan": bool(np.isnan(p_naive).any()),
        "naive_low_is_nan": bool(np.isnan(p_naive_low).any()),
        "p0": float(p[0]),
        "p1": float(p[1]),
        "p2": float(p[2]),
        "p_sum": float(p.sum()),
        "sum_error": float(abs(p.sum() - 1.0)),
        "lse": float(logsumexp(x)),
        "big_logit": float(logits[1]),
        "nll_naive_is_inf": bool(np.isinf(nll_naive)),
        "nll": float(nll),
        "limit_float16": limits["float16"],
        "limit_float32": limits["float32"],
        "limit_float64": limits["float64"],
    }


if __name__ == "__main__":
    main()
