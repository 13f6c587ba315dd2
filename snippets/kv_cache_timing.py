"""Timing the KV cache (a frozen run: the numbers belong to the machine that measured them).

Time per generated token against the sequence length, with and without the cache, on a model of
the training-pipeline entry's widths with a longer context, and the end-to-end speed-up on the
entry's own shape. The weights are random: the work per token depends on the shapes, not on the
values, so retraining the model does not invalidate these measurements.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from gpt import gpt_forward, init_params
from kv_cache import decode_cached, decode_uncached, forward_cached, new_cache

# The training pipeline's model (train_gpt.CONFIG; a test checks they agree).
SHAPE = {"vocab_size": 27, "block_size": 32, "n_layer": 2, "n_head": 4, "n_embd": 48}
LENGTHS = 2 ** np.arange(3, 11)  # 8 .. 1024 tokens


def best(f, repeats):
    """The fastest of `repeats` calls, in seconds of this process's CPU time (on a shared
    machine, wall time would also count the other processes' turns)."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        f()
        times.append(time.process_time() - start)
    return min(times)


# --8<-- [start:per_token]
def per_token(params, config, T, repeats=5):
    """Seconds to get the logits of token T: the whole prefix, or one step against a cache of
    the T - 1 tokens before it."""
    idx = np.random.default_rng(0).integers(0, config["vocab_size"], (1, T))  # (1, T)
    uncached = best(lambda: gpt_forward(params, idx, config), repeats)
    cache = new_cache(config, 1, np.float32)
    forward_cached(params, config, idx[:, :-1], cache)  # prefill T - 1 tokens

    def step():
        cache["len"] = T - 1  # the same step again: overwrite position T - 1
        forward_cached(params, config, idx[:, -1:], cache)

    return uncached, best(step, repeats)


# --8<-- [end:per_token]


def measure():
    long = dict(SHAPE, block_size=int(LENGTHS[-1]))
    params = init_params(long, np.random.default_rng(0), np.float32)
    t = np.array([per_token(params, long, int(T)) for T in LENGTHS])  # (lengths, 2)
    small = init_params(SHAPE, np.random.default_rng(0), np.float32)
    prompt, n_new = [0], SHAPE["block_size"] - 1
    e2e = [best(lambda f=f: f(small, SHAPE, prompt, n_new, np.random.default_rng(0)), 5)
           for f in (decode_uncached, decode_cached)]  # fmt: skip
    print("CPU time per generated token (best of 5), widths of the entry's model:")
    print("     T   no cache (ms)   KV cache (ms)   ratio")
    for T, (u, c) in zip(LENGTHS, t, strict=True):
        print(f"{T:6d}   {u * 1e3:13.3f}   {c * 1e3:13.3f}   {u / c:5.1f}")
    print(f"{n_new} characters on the entry's model: {e2e[0] * 1e3:.1f} ms without the cache, "
          f"{e2e[1] * 1e3:.1f} ms with it ({e2e[0] / e2e[1]:.1f}x)")  # fmt: skip
    fig, ax = plt.subplots(figsize=(4.2, 2.8), num="timing")
    ax.plot(LENGTHS, t[:, 0] * 1e3, "o-", ms=3, color=plt.cm.tab10(1), label="no cache")
    ax.plot(LENGTHS, t[:, 1] * 1e3, "s--", ms=3, color=plt.cm.tab10(0), label="KV cache")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("sequence length T (tokens)")
    ax.set_ylabel("CPU ms per generated token")
    ax.legend(fontsize=8)
    fig.tight_layout()
    hi = LENGTHS >= 128  # the slope where the work, not the per-call overhead, dominates
    slopes = [np.polyfit(np.log(LENGTHS[hi]), np.log(t[hi, i]), 1)[0] for i in (0, 1)]
    out = {f"u_ms_{T}": float(u * 1e3) for T, u in zip(LENGTHS, t[:, 0], strict=True)}
    out |= {f"c_ms_{T}": float(c * 1e3) for T, c in zip(LENGTHS, t[:, 1], strict=True)}
    return out | {
        "slope_uncached": float(slopes[0]),
        "slope_cached": float(slopes[1]),
        "ratio_1024": float(t[-1, 0] / t[-1, 1]),
        "ratio_8": float(t[0, 0] / t[0, 1]),
        "e2e_uncached_ms": e2e[0] * 1e3,
        "e2e_cached_ms": e2e[1] * 1e3,
        "e2e_speedup": e2e[0] / e2e[1],
        "e2e_new": n_new,
        "max_T": int(LENGTHS[-1]),
    }


if __name__ == "__main__":
    measure()
