"""Temperature and top-k measured on the training-pipeline entry's GPT: a batch of samples per
setting, one seed each, generated with the KV cache (kv_cache.py). The model is gpt_char.npz in the
working directory, written by train_gpt.py:

    cd /tmp/x && python /path/to/snippets/train_gpt.py && python /path/to/snippets/sampling_sweep.py
"""

import matplotlib.pyplot as plt
import numpy as np
from corpus import decode, load_text, train_val_ids
from gpt import load_checkpoint
from kv_cache import generate
from sampling import distinct_ngrams, entropy, real_word_rate

SEEDS = range(8)  # one sample per seed
LENGTH = 200  # characters per sample
TEMPERATURES = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5)
TOP_KS = (1, 2, 3, 5, 8, 27)  # at temperature 1; k = 27 keeps every character


# --8<-- [start:measure]
def measure(params, config, words, settings):
    """The three measures for each (temperature, top_k) setting, one value per seed: every
    setting and seed is one row of a single batch, so the model runs once per character."""
    n = len(SEEDS)
    tau = np.repeat([t for t, _ in settings], n)  # (S * n,): row = setting * n + seed
    k = np.repeat([config["vocab_size"] if k is None else k for _, k in settings], n)
    prompts = np.zeros((len(tau), 1), dtype=np.int64)  # every sample starts after a space
    idx, P = generate(params, config, prompts, LENGTH, list(SEEDS) * len(settings), tau, k)
    texts = [decode(row[1:]) for row in idx]
    H = entropy(P).mean(axis=1)  # (S * n,): mean entropy of the draws
    return [{"entropy": H[i * n : (i + 1) * n],
             "distinct4": np.array([distinct_ngrams(t) for t in texts[i * n : (i + 1) * n]]),
             "real": np.array([real_word_rate(t, words) for t in texts[i * n : (i + 1) * n]]),
             "texts": texts[i * n : (i + 1) * n]}
            for i in range(len(settings))]  # fmt: skip


# --8<-- [end:measure]


def report(rows, xs, xlabel, name, suffix):
    """Print a table of the three measures (mean +- standard error over the seeds), draw them
    against the setting, and return the means and standard errors by name."""
    print(f"{xlabel:>12}   entropy (nats)   distinct 4-grams   real words")
    out = {}
    for x, r in zip(xs, rows, strict=True):
        line = [f"{x:>12}"]
        for key in ("entropy", "distinct4", "real"):
            m, se = r[key].mean(), r[key].std(ddof=1) / np.sqrt(len(SEEDS))
            out[f"{key}_{suffix(x)}"], out[f"{key}_se_{suffix(x)}"] = float(m), float(se)
            line.append(f"{m:6.3f} +- {se:.3f}")
        print("   ".join(line))
    fig, axes = plt.subplots(1, 3, figsize=(7.5, 2.5), num=name)
    labels = ("entropy (nats)", "distinct 4-grams", "words in training text")
    for ax, key, label in zip(axes, ("entropy", "distinct4", "real"), labels, strict=True):
        m = np.array([r[key].mean() for r in rows])
        se = np.array([r[key].std(ddof=1) / np.sqrt(len(SEEDS)) for r in rows])
        ax.errorbar(xs, m, yerr=2 * se, marker="o", ms=3, capsize=2, color=plt.cm.tab10(0))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(label)
        if name == "top_k":
            ax.set_xscale("log", base=2)
            ax.set_xticks(xs, [str(x) for x in xs])
            ax.minorticks_off()
    fig.tight_layout()
    return out


def main():
    """Both sweeps in one batch; top-k = 27 (every character) is the temperature-1 row."""
    params, config = load_checkpoint("gpt_char.npz")
    words = set(load_text()[: len(train_val_ids()[0])].split())  # the training text's words
    V, n_t = config["vocab_size"], len(TEMPERATURES)
    settings = [(t, None) for t in TEMPERATURES] + [(1.0, k) for k in TOP_KS if k < V]
    rows = measure(params, config, words, settings)
    by_t, by_k = rows[:n_t], rows[n_t:] + [rows[TEMPERATURES.index(1.0)]]
    print(f"{len(SEEDS)} samples of {LENGTH} characters per setting, one seed each (mean +- s.e.)")
    out = report(
        by_t, TEMPERATURES, "temperature", "temperature", lambda t: f"{t}".replace(".", "_")
    )
    out |= report(by_k, TOP_KS, "top-k (temperature 1)", "top_k", lambda k: f"k{k}")
    out |= {"n_seeds": len(SEEDS), "length": LENGTH, "batch": len(SEEDS) * len(settings),
            "context": config["block_size"], "restart": config["block_size"] // 2,
            "t_low": TEMPERATURES[0], "t_high": TEMPERATURES[-1],
            "greedy_same": len(set(by_k[0]["texts"])) == 1}  # fmt: skip
    for name, r in (("t_0_25", by_t[0]), ("t_1_5", by_t[-1]), ("greedy", by_k[0])):
        out[f"text_{name}"] = r["texts"][0][:76]
    print(f"seed 0 at temperature {TEMPERATURES[0]}: {out['text_t_0_25']}")
    print(f"seed 0 at temperature {TEMPERATURES[-1]}: {out['text_t_1_5']}")
    print(f"seed 0, greedy (k = 1):   {out['text_greedy']}")
    return out


if __name__ == "__main__":
    main()
