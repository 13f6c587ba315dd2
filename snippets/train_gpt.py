"""A training pipeline for the character-level GPT: batches, a warm-up plus cosine schedule,
evaluation on held-out text, gradient accumulation, and checkpoint/resume that replays exactly.

The text is Python's own help pages (corpus.py: lowercase letters and spaces, 27 symbols); the model
is gpt.py's. The run writes gpt_char.npz (the model, in gpt.py's checkpoint format) into its working
directory for the entries that sample from it and fine-tune it:

    cd /tmp/x && python /path/to/snippets/train_gpt.py     # writes /tmp/x/gpt_char.npz

Determinism: the batch of step s is drawn from np.random.default_rng([seed, s]), a pure function of
the step, so resuming needs the parameters, Adam's moments and the step count, and nothing else.
"""

import json
import os
import textwrap
import time

import matplotlib.pyplot as plt
import numpy as np
from adam import Adam
from bigram import count_bigrams, count_model
from bigram import sample as bigram_sample
from corpus import VOCAB, V, decode, train_val_ids
from gpt import gpt_backward, gpt_forward, init_params, num_params, sample, save_checkpoint

CONFIG = {"vocab_size": V, "block_size": 32, "n_layer": 2, "n_head": 4, "n_embd": 48}
TRAIN = {"batch_size": 32, "max_lr": 6e-3, "min_lr": 6e-4, "warmup": 30, "max_steps": 600}


# --8<-- [start:batches]
def get_batch(ids, B, T, seed, step):
    """B random windows of T characters and the characters after them."""
    rng = np.random.default_rng([seed, step])  # the data order: a function of the step
    starts = rng.integers(0, len(ids) - T, size=B)  # (B,)
    offsets = starts[:, None] + np.arange(T)  # (B, T)
    return ids[offsets], ids[offsets + 1]  # inputs (B, T), targets (B, T)


# --8<-- [end:batches]


# --8<-- [start:schedule]
def lr_at(step, max_lr, min_lr, warmup, max_steps):
    """Linear warm-up to max_lr over `warmup` steps, then a cosine to min_lr."""
    if step < warmup:
        return max_lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, max_steps - warmup)  # 0 -> 1
    return min_lr + 0.5 * (max_lr - min_lr) * (1 + np.cos(np.pi * progress))


# --8<-- [end:schedule]


# --8<-- [start:accumulate]
def loss_and_grads(params, x, y, accum=1):
    """Mean loss and gradients over the batch, computed in `accum` equal micro-batches.

    Each micro-batch's loss is a mean over its own tokens, so the batch's mean is the
    average of the micro-batch means when they are the same size; so are the gradients.
    """
    total_loss, total = 0.0, {k: np.zeros_like(p) for k, p in params.items()}
    for xm, ym in zip(np.split(x, accum), np.split(y, accum), strict=True):  # (B/accum, T)
        _, loss, cache = gpt_forward(params, xm, CONFIG, ym)
        for k, g in gpt_backward(params, cache, CONFIG).items():
            total[k] += g / accum
        total_loss += loss / accum
    return total_loss, total


# --8<-- [end:accumulate]


# --8<-- [start:evaluate]
def windows(ids, T):
    """The text cut into non-overlapping windows of T, with the T characters that follow."""
    n = (len(ids) - 1) // T  # the few characters left over are not scored
    return ids[: n * T].reshape(n, T), ids[1 : n * T + 1].reshape(n, T)  # (n, T) each


def token_losses(params, x, y, batch=64):
    """-log p(y | the window so far) for every character of the windows: (n, T)."""
    out = np.empty(x.shape)
    for i in range(0, len(x), batch):
        logits, _, _ = gpt_forward(params, x[i : i + batch], CONFIG)  # (b, T, V)
        z = logits - logits.max(axis=-1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))  # (b, T, V)
        yb = y[i : i + batch, :, None]  # (b, T, 1)
        out[i : i + batch] = -np.take_along_axis(logp, yb, axis=-1)[..., 0]
    return out


# --8<-- [end:evaluate]


# --8<-- [start:checkpoint]
def save_state(path, params, opt, step):
    """Everything the next step depends on: parameters, Adam's state, the step."""
    names = sorted(params)
    arrays = {f"param.{k}": params[k] for k in names}
    arrays |= {f"adam.m.{k}": m for k, m in zip(names, opt.m, strict=True)}
    arrays |= {f"adam.v.{k}": v for k, v in zip(names, opt.v, strict=True)}
    tmp = path + ".tmp.npz"
    np.savez(tmp, **arrays, adam_t=opt.t, step=step, config=json.dumps(CONFIG))
    os.replace(tmp, path)  # atomic: a crash mid-write leaves the previous file intact


def load_state(path, lr):
    """(params, opt, step) exactly as save_state found them."""
    with np.load(path) as f:
        names = sorted(k.removeprefix("param.") for k in f.files if k.startswith("param."))
        params = {k: f["param." + k] for k in names}
        opt = Adam([params[k] for k in names], lr=lr)
        for i, k in enumerate(names):
            opt.m[i][...] = f["adam.m." + k]
            opt.v[i][...] = f["adam.v." + k]
        opt.t = int(f["adam_t"])
        return params, opt, int(f["step"])


# --8<-- [end:checkpoint]


# --8<-- [start:train]
def train(train_ids, val_ids, seed, max_steps, state=None, stop_at=None, save_at=None,
          state_path="train_state.npz", eval_every=50, log=print):  # fmt: skip
    """Train from scratch or from state = (params, opt, step); returns params, opt, history.

    A control loop: each step measures the error on a batch and applies a correction whose
    size the schedule sets; every eval_every steps it also measures the held-out error.
    """
    cfg = dict(TRAIN, max_steps=max_steps)
    if state is None:
        params = init_params(CONFIG, np.random.default_rng(seed), np.float32)
        opt = Adam([params[k] for k in sorted(params)], lr=cfg["max_lr"])
        start = 0
    else:
        params, opt, start = state
    names = sorted(params)
    x_val, y_val = windows(val_ids, CONFIG["block_size"])
    probe = x_val[::9], y_val[::9]  # every 9th held-out window, spread over the whole text
    history = {"step": [], "loss": [], "lr": [], "val_step": [], "val": []}
    for step in range(start, max_steps if stop_at is None else stop_at):
        x, y = get_batch(train_ids, cfg["batch_size"], CONFIG["block_size"], seed, step)
        loss, grads = loss_and_grads(params, x, y)
        lr = lr_at(step, cfg["max_lr"], cfg["min_lr"], cfg["warmup"], max_steps)
        opt.step([grads[k] for k in names], lr=lr)
        history["step"].append(step)
        history["loss"].append(float(loss))
        history["lr"].append(lr)
        if (step + 1) % eval_every == 0:
            history["val_step"].append(step + 1)
            history["val"].append(float(token_losses(params, *probe).mean()))
            val = history["val"][-1]
            log(f"step {step + 1:4d}  lr {lr:.5f}  train {loss:.3f}  held-out {val:.3f}")
        if save_at is not None and step + 1 == save_at:
            save_state(state_path, params, opt, step + 1)
    return params, opt, history


# --8<-- [end:train]


# --8<-- [start:accumulation]
def accumulation_check(seed=0, B=32, splits=(2, 4, 8)):
    """One batch of B windows against the same batch in micro-batches."""
    train_ids, _ = train_val_ids()
    x, y = get_batch(train_ids, B, CONFIG["block_size"], seed, 0)  # (B, T) each
    result = {}
    for dtype in (np.float64, np.float32):
        rng = np.random.default_rng(seed)
        params = {k: (p + rng.normal(0, 0.05, p.shape)).astype(dtype)
                  for k, p in init_params(CONFIG, rng).items()}  # fmt: skip
        loss, grads = loss_and_grads(params, x, y)  # one batch of B
        scale = max(np.abs(g).max() for g in grads.values())
        for accum in splits:
            loss_a, grads_a = loss_and_grads(params, x, y, accum)  # accum x (B/accum)
            diff = max(np.abs(grads[k] - grads_a[k]).max() for k in grads)
            result[(np.dtype(dtype).name, accum)] = (diff / scale, abs(loss - loss_a))
    return result


# --8<-- [end:accumulation]


def accumulation():
    result = accumulation_check()
    print("one batch of 32 vs micro-batches: largest gradient difference (relative to the")
    print("largest gradient entry) and loss difference")
    for (dtype, accum), (diff, dloss) in result.items():
        print(f"  {dtype}  {accum} x {32 // accum:>2}   gradients {diff:.1e}  loss {dloss:.1e}")
    worst64 = max(d for (dt, _), (d, _) in result.items() if dt == "float64")
    worst32 = max(d for (dt, _), (d, _) in result.items() if dt == "float32")
    return {
        "worst_float64": float(worst64),
        "worst_float32": float(worst32),
        "worst_loss_float64": float(
            max(dl for (dt, _), (_, dl) in result.items() if dt == "float64")
        ),
        "eps64": float(np.finfo(np.float64).eps),
        "eps32": float(np.finfo(np.float32).eps),
    }


def real_word_rate(text, words):
    """Fraction of a sample's whole words (the first and last may be cut off) found in `words`."""
    inner = text.split()[1:-1]
    return sum(w in words for w in inner) / len(inner)


def plot_curves(history, bigram_probe, uniform):
    """Training loss (mean of each 10 steps) and held-out loss, with the count bigram's."""
    fig, ax = plt.subplots(figsize=(4.6, 3.0), num="curves")
    loss = np.array(history["loss"])
    k = 10
    smooth = loss[: len(loss) // k * k].reshape(-1, k).mean(axis=1)  # (steps/k,)
    ax.plot(np.arange(len(smooth)) * k + k, smooth, color=plt.cm.tab10(0), lw=1,
            label="GPT, training (10-step mean)")  # fmt: skip
    ax.plot(history["val_step"], history["val"], "o-", color=plt.cm.tab10(1), lw=2, ms=3,
            label="GPT, held-out")  # fmt: skip
    ax.axhline(bigram_probe, color=plt.cm.tab10(2), ls="--", label="count bigram, held-out")
    ax.axhline(uniform, color="grey", ls=":", label="uniform guess")
    ax.set_xlabel("step (32 windows of 32 characters)")
    ax.set_ylabel("NLL (nats per character)")
    ax.legend(fontsize=7, loc="upper right", bbox_to_anchor=(1.0, 0.93))
    fig.tight_layout()


def plot_schedule(history, warmup):
    """The learning rate at every step."""
    fig, ax = plt.subplots(figsize=(4.0, 2.4), num="schedule")
    ax.plot(history["step"], history["lr"], color=plt.cm.tab10(0))
    ax.axvline(warmup, color="grey", ls=":", lw=1)
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    fig.tight_layout()


# --8<-- [start:main]
def main(seed=0, max_steps=TRAIN["max_steps"], resume_at=560, plot=True):
    train_ids, val_ids = train_val_ids()
    B, T = TRAIN["batch_size"], CONFIG["block_size"]
    params, opt, history = train(train_ids, val_ids, seed, max_steps, save_at=resume_at)

    # "Crash" after step resume_at: the file alone must replay the rest exactly.
    state = load_state("train_state.npz", TRAIN["max_lr"])
    silent = lambda s: None  # noqa: E731
    resumed, _, history2 = train(train_ids, val_ids, seed, max_steps, state, log=silent)
    identical = history2["loss"] == history["loss"][resume_at:] and all(
        np.array_equal(params[k], resumed[k]) for k in params
    )  # float == float: bit for bit

    # The whole held-out text; the count bigram (add-one) on exactly the same characters.
    x_val, y_val = windows(val_ids, T)  # (n_windows, T) each
    nll = token_losses(params, x_val, y_val)  # (n_windows, T)
    n = nll.size
    P = count_model(count_bigrams(train_ids), alpha=1.0)  # (V, V)
    nll_bigram = -np.log(P[x_val, y_val])  # (n_windows, T), one character of context
    d = (nll - nll_bigram).mean(axis=1)  # (n_windows,) per-window difference
    se = d.std(ddof=1) / np.sqrt(len(d))

    save_checkpoint("gpt_char.npz", params, CONFIG, VOCAB)
    # --8<-- [end:main]
    text = decode(sample(params, CONFIG, np.zeros((1, 1), dtype=int), 240,
                         np.random.default_rng(1), temperature=0.8)[0, 1:])  # fmt: skip
    words = set(decode(train_ids).split())  # every word of the training text
    text_bigram = bigram_sample(P, 240, np.random.default_rng(1))
    real_gpt, real_bigram = real_word_rate(text, words), real_word_rate(text_bigram, words)
    model_bytes = os.path.getsize("gpt_char.npz")
    state_bytes = os.path.getsize("train_state.npz")
    print(f"{num_params(params):,} parameters; {max_steps} steps of {B} x {T} characters")
    print(f"held-out NLL over {n:,} characters: GPT {nll.mean():.3f}, count bigram "
          f"{nll_bigram.mean():.3f} nats")  # fmt: skip
    print(f"  difference {d.mean():.3f} +- {se:.3f} (standard error over {len(d):,} windows)")
    print(f"resumed at step {resume_at} from train_state.npz: the last {max_steps - resume_at}")
    print(f"  losses and the final weights are {'bit-identical' if identical else 'DIFFERENT'}")
    print(
        f"gpt_char.npz {model_bytes / 1024:.0f} KiB, train_state.npz {state_bytes / 1024:.0f} KiB"
    )
    print("a sample at temperature 0.8:")
    print(textwrap.fill(text, width=88, initial_indent="  ", subsequent_indent="  "))
    print(
        f"its words found in the training text: {real_gpt:.0%} (a bigram sample's: {real_bigram:.0%})"
    )
    if plot:
        plot_curves(history, nll_bigram[::9].mean(), np.log(V))  # the bigram on the probe
        plot_schedule(history, TRAIN["warmup"])
    return {
        "n_params": num_params(params),
        "vocab_size": V,
        "n_train": len(train_ids),
        "passes": max_steps * B * T / len(train_ids),
        "max_steps": max_steps,
        "batch_size": B,
        "block_size": T,
        "tokens": max_steps * B * T,
        "val_nll": float(nll.mean()),
        "bigram_val_nll": float(nll_bigram.mean()),
        "diff": float(d.mean()),
        "diff_se": float(se),
        "n_val": n,
        "n_windows": len(d),
        "final_train": float(np.mean(history["loss"][-50:])),
        "resume_at": resume_at,
        "identical": bool(identical),
        "n_replayed": max_steps - resume_at,
        "model_kib": model_bytes / 1024,
        "state_kib": state_bytes / 1024,
        "state_ratio": state_bytes / model_bytes,
        "sample": text,
        "sample_bigram": text_bigram,
        "real_words": real_gpt,
        "real_words_bigram": real_bigram,
        "max_lr": TRAIN["max_lr"],
        "min_lr": TRAIN["min_lr"],
        "warmup": TRAIN["warmup"],
        "perplexity": float(np.exp(nll.mean())),
        "bigram_perplexity": float(np.exp(nll_bigram.mean())),
        "n_layer": CONFIG["n_layer"],
        "n_head": CONFIG["n_head"],
        "n_embd": CONFIG["n_embd"],
    }


def throughput(steps=100):
    """Characters per second of CPU time over the first steps of the training run, evaluations
    included (a frozen run: the number belongs to the machine, not to the code)."""
    train_ids, val_ids = train_val_ids()
    B, T = TRAIN["batch_size"], CONFIG["block_size"]
    start = time.process_time()
    train(train_ids, val_ids, 0, TRAIN["max_steps"], stop_at=steps, log=lambda s: None)
    seconds = time.process_time() - start
    print(f"{steps} steps of {B} x {T} characters in {seconds:.1f} s of CPU time: "
          f"{steps * B * T / seconds:,.0f} characters per CPU second")  # fmt: skip
    return {"steps": steps, "tokens": steps * B * T, "cpu_seconds": seconds,
            "tokens_per_s": steps * B * T / seconds}  # fmt: skip


if __name__ == "__main__":
    main()
