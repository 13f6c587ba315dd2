"""The tiny GPT learns to sort: six distinct digits in, the same digits in ascending order out.

A sequence is the six digits, a separator, then the sorted digits: "3 9 0 7 1 4 | 0 1 3 4 7 9".
The model sees it shifted by one (next-token prediction) and is scored only on the answer, the
six tokens after the separator (targets -1 elsewhere). Sequences whose digits, read as a number,
are divisible by 7 are never trained on: they are the fresh sequences the model is tested on.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from adam import Adam
from gpt import activation_bytes, gpt_backward, gpt_forward, init_params, num_params

N_DIGITS, K = 6, 10  # sort 6 distinct digits from 0..9
SEP = K  # the separator is token 10
CONFIG = {"vocab_size": K + 1, "block_size": 2 * N_DIGITS, "n_layer": 2, "n_head": 2, "n_embd": 32}


# --8<-- [start:data]
def is_held_out(x):
    """Rows whose digits, read as a decimal number, are divisible by 7: never trained on."""
    return (x @ 10 ** np.arange(N_DIGITS - 1, -1, -1)) % 7 == 0  # (B,)


def random_digits(rng, B, held_out):
    """B rows of N_DIGITS distinct digits, all from the training side or all held out."""
    rows = []
    while sum(len(r) for r in rows) < B:
        x = np.argsort(rng.random((4 * B, K)), axis=1)[:, :N_DIGITS]  # distinct digits
        rows.append(x[is_held_out(x) == held_out])
    return np.concatenate(rows)[:B]  # (B, N_DIGITS)


def to_sequences(x):
    """Inputs and targets for next-token prediction; only the sorted answer is scored."""
    B = len(x)
    seq = np.concatenate([x, np.full((B, 1), SEP), np.sort(x, axis=1)], axis=1)  # (B, 2n+1)
    idx, targets = seq[:, :-1], seq[:, 1:].copy()  # (B, 2n) each
    targets[:, :N_DIGITS] = -1  # the unsorted digits and the separator: not the task
    return idx, targets


def train_batch(rng, B):
    return to_sequences(random_digits(rng, B, held_out=False))


def fresh_batch(rng, B):
    return to_sequences(random_digits(rng, B, held_out=True))


# --8<-- [end:data]


# --8<-- [start:exact]
def exact_match(params, idx, targets):
    """Fraction of rows whose every scored token is the model's top choice, given the
    right prefix. If every argmax is right given the right prefix, greedy decoding feeds
    itself exactly that prefix: this is the rate at which greedy_sort is right.
    """
    logits, _, _ = gpt_forward(params, idx, CONFIG)  # (B, 2n, V)
    right = (logits.argmax(axis=-1) == targets) | (targets < 0)  # (B, 2n)
    return right.all(axis=1).mean()


def greedy_sort(params, x):
    """Greedy decoding: feed the digits and the separator, append the argmax n times."""
    idx = np.concatenate([x, np.full((len(x), 1), SEP)], axis=1)  # (B, n+1)
    for _ in range(N_DIGITS):
        logits, _, _ = gpt_forward(params, idx, CONFIG)  # (B, t, V)
        idx = np.concatenate([idx, logits[:, -1].argmax(axis=-1)[:, None]], axis=1)
    return idx[:, N_DIGITS + 1 :]  # (B, n)


# --8<-- [end:exact]


# --8<-- [start:train]
def train_sort(seed=0, num_steps=300, B=64, lr=1e-2, warmup=20, dtype=np.float32):
    """Adam, a short linear warm-up, a cosine decay; returns params and the history."""
    rng = np.random.default_rng(seed)
    params = init_params(CONFIG, rng, dtype)
    names = sorted(params)
    opt = Adam([params[k] for k in names], lr=lr)
    probe = fresh_batch(np.random.default_rng(1000 + seed), 256)  # held out: the curve
    history = {"loss": [], "eval_step": [], "exact": []}
    eval_every = 25
    for step in range(num_steps):
        idx, targets = train_batch(rng, B)  # (B, 2n), (B, 2n)
        _, loss, cache = gpt_forward(params, idx, CONFIG, targets)
        grads = gpt_backward(params, cache, CONFIG)
        cosine = 0.5 * (1 + np.cos(np.pi * step / num_steps))  # 1 -> 0
        lr_t = lr * min(1.0, (step + 1) / warmup) * cosine  # warm-up, then cosine
        opt.step([grads[k] for k in names], lr=lr_t)
        history["loss"].append(float(loss))
        if (step + 1) % eval_every == 0:
            history["eval_step"].append(step + 1)
            history["exact"].append(float(exact_match(params, *probe)))
    return params, history


# --8<-- [end:train]


def plot_curves(history):
    """Training loss (log scale) and exact match on held-out sequences, against the step."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.0, 2.6), num="curves")
    ax1.plot(np.arange(1, len(history["loss"]) + 1), history["loss"], color=plt.cm.tab10(0), lw=1)
    ax1.set_yscale("log")
    ax1.set_xlabel("Adam step (batch of 64)")
    ax1.set_ylabel("cross-entropy (nats per token)")
    ax2.plot(
        history["eval_step"], np.array(history["exact"]) * 100, "o-", color=plt.cm.tab10(1), ms=3
    )
    ax2.set_ylim(-3, 103)
    ax2.set_xlabel("Adam step")
    ax2.set_ylabel("held-out rows sorted exactly (%)")
    fig.tight_layout()


# --8<-- [start:heads]
def attention_maps(params, x):
    """Every layer's attention weights for the rows x: a list of (B, nh, T, T) arrays."""
    idx, targets = to_sequences(x)  # (B, 2n)
    _, _, cache = gpt_forward(params, idx, CONFIG, targets)
    return [block[1][4] for block in cache[1]]  # block cache -> attention cache -> att


def next_digit_positions(x):
    """For each answer query (the separator and the first five sorted digits), the input position
    holding the digit the model must write next: (B, n)."""
    answer = np.sort(x, axis=1)  # (B, n): the digit written after query j is answer[:, j]
    return np.argmax(x[:, None, :] == answer[:, :, None], axis=-1)  # digits are distinct


def head_pointing(params, x):
    """Per layer and head: how often an answer query's largest weight is on the next digit."""
    pos = next_digit_positions(x)  # (B, n)
    rates = []
    for att in attention_maps(params, x):
        a = att[:, :, N_DIGITS:, :]  # (B, nh, n, T): the answer queries only
        rates.append((a.argmax(axis=-1) == pos[:, None, :]).mean(axis=(0, 2)))  # (nh,)
    return np.array(rates)  # (n_layer, n_head)


# --8<-- [end:heads]


def plot_attention(params, x):
    """Every head's attention weights for one held-out sequence: row = query, column = key.
    Rings mark, for each answer query, the input position of the digit it must write next."""
    idx, _ = to_sequences(x[None])  # (1, 2n)
    maps = attention_maps(params, x[None])
    pos = next_digit_positions(x[None])[0]  # (n,)
    labels = [str(t) if t != SEP else "|" for t in idx[0]]
    L, nh = CONFIG["n_layer"], CONFIG["n_head"]
    fig, axes = plt.subplots(L, nh, figsize=(5.6, 5.4), num="attention", sharex=True, sharey=True)
    for layer in range(L):
        for head in range(nh):
            ax = axes[layer, head]
            im = ax.imshow(maps[layer][0, head], cmap="viridis", vmin=0, vmax=1)
            ax.scatter(pos, np.arange(N_DIGITS, 2 * N_DIGITS), s=60, facecolors="none",
                       edgecolors="white", linewidths=1.2)  # fmt: skip
            ax.set_title(f"layer {layer + 1}, head {head + 1}", fontsize=8)
            ax.set_xticks(range(len(labels)), labels, fontsize=7)
            ax.set_yticks(range(len(labels)), labels, fontsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("key (attended to)", fontsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel("query (position)", fontsize=8)
    fig.colorbar(im, ax=axes, shrink=0.6, label="attention weight")


def main(seed=0, num_steps=300, n_fresh=2000, plot=True):
    start = time.process_time()
    params, history = train_sort(seed, num_steps)
    seconds = time.process_time() - start
    x = random_digits(np.random.default_rng(10_000 + seed), n_fresh, held_out=True)
    exact = exact_match(params, *to_sequences(x))
    example = x[0]
    answer = greedy_sort(params, example[None])[0]
    # the CPU time stays out of the printout: it would change the page from build to build
    print(f"{num_params(params):,} parameters, {num_steps} Adam steps of 64 sequences")
    loss = history["loss"]
    print(f"loss {loss[0]:.3f} -> {loss[-1]:.4f} nats per answer token")
    print(f"{n_fresh:,} fresh sequences (never trained on): {exact:.2%} sorted exactly")
    print(f"for example {' '.join(map(str, example))} | -> {' '.join(map(str, answer))}")
    pointing = head_pointing(params, x[:1000])  # (n_layer, n_head)
    best = np.unravel_index(pointing.argmax(), pointing.shape)
    for layer, row in enumerate(pointing):
        rates = ", ".join(f"head {h + 1} {r:.0%}" for h, r in enumerate(row))
        print(f"layer {layer + 1}: largest weight on the next digit to write: {rates}")
    first_full = next((s for s, e in zip(history["eval_step"], history["exact"], strict=True)
                       if e == 1.0), -1)  # fmt: skip
    # Memory: what the forward pass of one training batch keeps for the backward pass.
    idx, targets = train_batch(np.random.default_rng(0), 64)
    _, _, cache = gpt_forward(params, idx, CONFIG, targets)
    act = activation_bytes(cache, params)
    param_bytes = sum(p.nbytes for p in params.values())
    print(
        f"activations kept for backward, batch of 64: {act / 1024:.0f} KiB "
        f"({act / param_bytes:.1f} x the {param_bytes / 1024:.0f} KiB of parameters)"
    )
    L, nh = CONFIG["n_layer"], CONFIG["n_head"]
    att_1024 = L * nh * 1024**2 * 4  # float32 attention weights of one 1,024-token sequence
    print(f"attention weights alone, one 1,024-token sequence: {att_1024 / 2**20:.0f} MiB")
    if plot:
        plot_curves(history)
        plot_attention(params, example)
    return {
        "n_params": num_params(params),
        "num_steps": num_steps,
        "exact": float(exact),
        "n_fresh": n_fresh,
        "n_wrong": int(round((1 - exact) * n_fresh)),
        "loss_first": history["loss"][0],
        "loss_last": history["loss"][-1],
        "first_full_step": first_full,
        "example": " ".join(map(str, example)),
        "answer": " ".join(map(str, answer)),
        "cpu_seconds": seconds,
        "activation_bytes": int(act),
        "activation_kib": act / 1024,
        "param_bytes": int(param_bytes),
        "param_kib": param_bytes / 1024,
        "activation_ratio": act / param_bytes,
        "best_layer": int(best[0]) + 1,
        "best_head": int(best[1]) + 1,
        "best_pointing": float(pointing.max()),
        "layer2_pointing": float(pointing[1].max()),
        "n_pointing": 1000,
        "att_mib_1024": att_1024 / 2**20,
    }


if __name__ == "__main__":
    main()
