"""The KV cache checked on the training-pipeline entry's GPT: the same tokens as decoding without
it, logits equal to rounding, and the work per token counted. The model is gpt_char.npz in the
working directory, written by train_gpt.py:

    cd /tmp/x && python /path/to/snippets/train_gpt.py && python /path/to/snippets/kv_cache_check.py
"""

import matplotlib.pyplot as plt
import numpy as np
from gpt import load_checkpoint
from kv_cache import decode_cached, decode_uncached, flops_per_token


def plot_flops(config, lengths, name="flops"):
    """Analytic cost per generated token against the sequence length, cached and not."""
    fig, ax = plt.subplots(figsize=(4.2, 2.8), num=name)
    for cached, style, label in ((False, "-", "no cache"), (True, "--", "KV cache")):
        f = [flops_per_token(config, T, cached) for T in lengths]
        ax.plot(lengths, f, style, color=plt.cm.tab10(0 if cached else 1), label=label)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("sequence length T (tokens)")
    ax.set_ylabel("FLOPs per generated token")
    ax.legend(fontsize=8)
    fig.tight_layout()


# --8<-- [start:check]
def main(seeds=range(4), prompt_text="the ", temperature=1.0):
    params, config = load_checkpoint("gpt_char.npz")
    params64 = {k: v.astype(np.float64) for k, v in params.items()}  # compare in float64
    prompt = [config["chars"].index(c) for c in prompt_text]
    num_new = config["block_size"] - len(prompt)  # fill every position the model has
    same, worst = [], 0.0
    for s in seeds:
        t_u, l_u = decode_uncached(params64, config, prompt, num_new, np.random.default_rng(s))
        t_c, l_c = decode_cached(params64, config, prompt, num_new, np.random.default_rng(s))
        same.append(t_u == t_c)  # token for token
        worst = max(worst, np.abs(l_u - l_c).max() / np.abs(l_u).max())
    # --8<-- [end:check]
    text = "".join(config["chars"][i] for i in t_c)
    print(f"{len(same)} seeds, prompt {prompt_text!r}, {num_new} new characters each")
    print(f"tokens identical with and without the cache: {sum(same)} of {len(same)}")
    print(f"largest logit difference (relative, float64): {worst:.1e}")
    print(f"seed {seeds[-1]}: {text!r}")
    T = config["block_size"]
    work_u = sum(flops_per_token(config, t, False) for t in range(len(prompt), T))
    work_c = flops_per_token(config, len(prompt), False) + sum(
        flops_per_token(config, t, True) for t in range(len(prompt) + 1, T)
    )
    long = dict(config, block_size=1024)  # the same widths with a longer context
    print(f"FLOPs for the {num_new} characters: {work_u:,} without the cache, {work_c:,} with it")
    r_long = flops_per_token(long, 1024, False) / flops_per_token(long, 1024, True)
    print(f"at T = 1024, one token costs {r_long:,.0f} times as much without the cache")
    plot_flops(config, 2 ** np.arange(0, 11))
    hi = np.array([128, 256, 512, 1024])  # the lengths of the timing's slope (kv_cache_timing.py)
    slopes = [np.polyfit(np.log(hi), np.log([flops_per_token(long, T, c) for T in hi]), 1)[0]
              for c in (False, True)]  # fmt: skip
    return {
        "flops_slope_uncached": float(slopes[0]),
        "flops_slope_cached": float(slopes[1]),
        "n_seeds": len(same),
        "identical": sum(same),
        "logit_diff": float(worst),
        "num_new": num_new,
        "block_size": T,
        "n_layer": config["n_layer"],
        "n_head": config["n_head"],
        "n_embd": config["n_embd"],
        "flops_uncached": work_u,
        "flops_cached": work_c,
        "flops_ratio": work_u / work_c,
        "per_token_c": flops_per_token(config, T, True),
        "per_token_u": flops_per_token(config, T, False),
        "ratio_1024": r_long,
        "sample": text,
    }


if __name__ == "__main__":
    main()
