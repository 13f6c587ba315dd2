"""Fine-tuning the training-pipeline entry's GPT on Python code: every weight, or LoRA adapters.

Both start from gpt_char.npz (train_gpt.py writes it; put it in the working directory first):

    cd /tmp/x && python /path/to/snippets/train_gpt.py && python /path/to/snippets/finetune.py

One run trains one method at one seed and writes its held-out curves to curves_METHOD_SEED.npz
(and LoRA's adapters to adapters_SEED.npz); summary() reads them all and draws the figure. Held-out
loss is measured on both texts: the code the model is adapted to, and the help pages it was
trained on (how much of them it forgets).
"""

import functools

import matplotlib.pyplot as plt
import numpy as np
from adam import Adam
from code_corpus import code_train_val_ids
from corpus import train_val_ids
from gpt import gpt_backward, gpt_forward, load_checkpoint
from lora import ALPHA, count, init_adapters, loss_and_adapter_grads, merge, save_adapters
from train_gpt import get_batch, lr_at, token_losses, windows

FT = {"steps": 80, "batch_size": 16, "eval_every": 20, "warmup": 10, "r": 4}
LR = {"full": 3e-3, "lora": 2e-2}  # each method's best on held-out code among lr/2, lr, 2 lr
GENTLE_LR = 1e-3  # full fine-tuning, gently: the comparison that keeps LoRA honest
SEEDS = (0, 1, 2)


@functools.cache
def texts(T):
    """The code to train on, and the held-out windows of both texts: every 3rd of the code's,
    every 9th of the help pages' (spread over each whole held-out tenth)."""
    code_train, code_val = code_train_val_ids()
    (cx, cy), (hx, hy) = windows(code_val, T), windows(train_val_ids()[1], T)  # (n, T) each
    return code_train, {"code": (cx[::3], cy[::3]), "help": (hx[::9], hy[::9])}


def held_out(params, config):
    """{text: mean NLL per character} on both held-out texts."""
    _, probes = texts(config["block_size"])
    return {text: float(token_losses(params, x, y).mean()) for text, (x, y) in probes.items()}


# --8<-- [start:finetune]
def finetune(base, config, method, seed, lr, steps=FT["steps"], log=print):
    """Adam on the code from the base model: every weight ("full") or adapters alone ("lora").
    Returns the model (adapters merged in), the adapters (None for "full") and the curves."""
    train_ids, _ = texts(config["block_size"])
    s = ALPHA / FT["r"]  # LoRA's scale alpha / r
    if method == "full":
        params = {k: p.copy() for k, p in base.items()}  # every weight trains; base untouched
        names = sorted(params)
        opt = Adam([params[k] for k in names], lr=lr)
    else:
        adapters = init_adapters(base, config, FT["r"], np.random.default_rng([seed, 1]))
        names = sorted(adapters)
        opt = Adam([M for k in names for M in adapters[k]], lr=lr)  # A and B; base frozen

    def model():
        return params if method == "full" else merge(base, adapters, s)

    curves = {"step": [], "code": [], "help": []}
    for step in range(steps):
        x, y = get_batch(train_ids, FT["batch_size"], config["block_size"], seed, step)
        lr_now = lr_at(step, lr, lr / 10, FT["warmup"], steps)  # warm-up, cosine to lr / 10
        if method == "full":
            _, _, cache = gpt_forward(params, x, config, y)
            grads = gpt_backward(params, cache, config)
            opt.step([grads[k] for k in names], lr=lr_now)
        else:
            _, grads = loss_and_adapter_grads(base, adapters, s, x, y, config)
            opt.step([g for k in names for g in grads[k]], lr=lr_now)
        if (step + 1) % FT["eval_every"] == 0:
            nll = held_out(model(), config)
            curves["step"].append(step + 1)
            curves["code"].append(nll["code"])
            curves["help"].append(nll["help"])
            log(
                f"{method} step {step + 1:3d}: held-out code {nll['code']:.3f}, help {nll['help']:.3f}"
            )
    return model(), (None if method == "full" else adapters), curves


# --8<-- [end:finetune]


def run(method, seed, lr=None, name=None):
    """One method at one seed from gpt_char.npz; writes curves_NAME_SEED.npz."""
    name = name or method
    base, config = load_checkpoint("gpt_char.npz")
    lr = LR[method] if lr is None else lr
    _, adapters, curves = finetune(base, config, method, seed, lr)
    trained = count(base, adapters)[0] if adapters else sum(p.size for p in base.values())
    np.savez(f"curves_{name}_{seed}.npz", **{k: np.array(v) for k, v in curves.items()})
    if adapters:
        save_adapters(f"adapters_{seed}.npz", adapters)
    return {
        "code": curves["code"][-1],
        "help": curves["help"][-1],
        "trained": trained,
        "lr": lr,
        "seed": seed,
    }


# One function per run, so the engine runs them side by side on separate cores.
def full_0():
    return run("full", 0)


def full_1():
    return run("full", 1)


def full_2():
    return run("full", 2)


def lora_0():
    return run("lora", 0)


def lora_1():
    return run("lora", 1)


def lora_2():
    return run("lora", 2)


def gentle_0():
    return run("full", 0, GENTLE_LR, name="gentle")


def plot_curves(base_nll, curves, T):
    """Held-out NLL against the step on each text: the seeds' mean per method, the base flat."""
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 2.8), num="curves", sharex=True)
    styles = {
        "full": ("full fine-tuning", 0, "-"),
        "lora": ("LoRA, r = 4", 1, "-"),
        "gentle": (f"full, lr {GENTLE_LR:g} (seed 0)", 2, ":"),
    }
    for ax, text, title in zip(
        axes, ("code", "help"), ("new text: code", "old text: help pages"), strict=True
    ):
        for method, (label, colour, ls) in styles.items():
            runs = curves[method]
            steps = np.concatenate([[0], runs[0]["step"]])
            mean = np.mean([np.concatenate([[base_nll[text]], c[text]]) for c in runs], axis=0)
            ax.plot(steps, mean, ls, marker="o", ms=3, color=plt.cm.tab10(colour), label=label)
        ax.axhline(base_nll[text], color="grey", ls="--", lw=1, label="frozen base")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(f"fine-tuning step ({FT['batch_size']} x {T} characters)")
    axes[0].set_ylabel("held-out NLL (nats per character)")
    axes[1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()


# --8<-- [start:summary]
def summary():
    """Every seed's result side by side, the gaps, and the figure."""
    base, config = load_checkpoint("gpt_char.npz")
    base_nll = held_out(base, config)
    curves = {m: [dict(np.load(f"curves_{m}_{s}.npz")) for s in SEEDS] for m in ("full", "lora")}
    curves["gentle"] = [dict(np.load("curves_gentle_0.npz"))]
    final = {
        m: {t: np.array([c[t][-1] for c in runs]) for t in ("code", "help")}
        for m, runs in curves.items()
    }
    gap = final["lora"]["code"] - final["full"]["code"]  # (seeds,) LoRA behind on the new text
    rise = {m: final[m]["help"] - base_nll["help"] for m in ("full", "lora")}  # forgetting
    gain = {m: base_nll["code"] - final[m]["code"] for m in ("full", "lora")}  # learning
    share = gain["lora"] / gain["full"]  # (seeds,) LoRA's share of full fine-tuning's gain
    print(f"frozen base: held-out code {base_nll['code']:.3f}, help pages {base_nll['help']:.3f}")
    print("seed   full: code  help    LoRA: code  help    LoRA - full on code")
    for i, seed in enumerate(SEEDS):
        print(
            f"{seed:4d}   {final['full']['code'][i]:10.3f} {final['full']['help'][i]:5.3f}"
            f"   {final['lora']['code'][i]:10.3f} {final['lora']['help'][i]:5.3f}"
            f"   {gap[i]:+.3f}"
        )
    g = final["gentle"]
    print(
        f"full fine-tuning at lr {GENTLE_LR:g}, seed 0: code {g['code'][0]:.3f}, "
        f"help pages {g['help'][0]:.3f}"
    )
    plot_curves(base_nll, curves, config["block_size"])
    # --8<-- [end:summary]
    return {
        "base_code": base_nll["code"],
        "base_help": base_nll["help"],
        "full_code": float(final["full"]["code"].mean()),
        "lora_code": float(final["lora"]["code"].mean()),
        "full_help": float(final["full"]["help"].mean()),
        "lora_help": float(final["lora"]["help"].mean()),
        "gap": float(gap.mean()),
        "gap_max": float(gap.max()),
        "gain_share": float(share.mean()),
        "gain_share_min": float(share.min()),
        "full_rise": float(rise["full"].mean()),
        "lora_rise": float(rise["lora"].mean()),
        "rise_ratio": float(np.mean(rise["lora"] / rise["full"])),
        "rise_margin_min": float((rise["full"] - rise["lora"]).min()),
        "lora_forgets_less_every_seed": bool(np.all(rise["lora"] < rise["full"])),
        "gentle_code": float(g["code"][0]),
        "gentle_help": float(g["help"][0]),
        "n_seeds": len(SEEDS),
        "steps": FT["steps"],
        "batch_size": FT["batch_size"],
        "n_code_train": len(texts(config["block_size"])[0]),
        "lr_full": LR["full"],
        "lr_lora": LR["lora"],
        "gentle_lr": GENTLE_LR,
    }


def main():
    for method in ("full", "lora"):
        for seed in SEEDS:
            run(method, seed)
    run("full", 0, GENTLE_LR, name="gentle")
    summary()
    plt.show()


if __name__ == "__main__":
    main()
