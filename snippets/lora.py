"""LoRA, low-rank adapters (Hu et al., 2021, "LoRA: Low-Rank Adaptation of Large Language Models"),
on the weight matrices of gpt.py's model, with gradients taken from gpt.py's own backward pass.

The pretrained W stays frozen; each adapted matrix gets W + (alpha / r) A B with A (C_in, r) and
B (r, C_out). The paper writes h = W0 x + B A x for column vectors; gpt.py multiplies row vectors,
x @ W with W stored (C_in, C_out), so the same product reads x A B here: A reads the input and goes
down to rank r, B writes the output and starts at zero, so the adapted model starts as the base.

    dL/dA = (alpha / r) dW B^T        dL/dB = (alpha / r) A^T dW        (dW = dL/dW at W + s A B)
"""

import numpy as np
from code_corpus import code_train_val_ids
from gpt import (
    BLOCK_PARAMS,
    gelu_forward,
    gpt_backward,
    gpt_forward,
    layernorm_forward,
    load_checkpoint,
)
from train_gpt import windows

ALPHA = 8  # alpha in the scale alpha / r (fine-tuning uses r = 4)
D_LARGE = 12288  # GPT-3 175B's width (Brown et al., 2020), for the fraction at scale
TARGETS = ("attn.W_qkv", "attn.W_o", "mlp.W_fc", "mlp.W_proj")  # the block's four weight matrices
GRAD_ENTRIES = 6  # entries of each adapter matrix checked against centred differences


# --8<-- [start:adapters]
def init_adapters(params, config, r, rng):
    """{name: (A, B)} for every target matrix, in its dtype: A ~ N(0, 1/C_in), B = 0, so
    A B = 0 at the start."""
    adapters = {}
    for layer in range(config["n_layer"]):
        for t in TARGETS:
            W = params[f"h{layer}.{t}"]
            C_in, C_out = W.shape
            A = rng.normal(0.0, 1.0 / np.sqrt(C_in), (C_in, r)).astype(W.dtype)  # (C_in, r)
            B = np.zeros((r, C_out), W.dtype)  # (r, C_out)
            adapters[f"h{layer}.{t}"] = (A, B)
    return adapters


def merge(params, adapters, s):
    """The base parameters with W + s A B in place of every adapted W: an ordinary model."""
    out = dict(params)
    for name, (A, B) in adapters.items():
        out[name] = params[name] + s * (A @ B)  # (C_in, C_out) + (C_in, r) @ (r, C_out)
    return out


def adapter_grads(dW, A, B, s):
    """The chain rule through W_eff = W + s A B: dA = s dW B^T, dB = s A^T dW."""
    return s * dW @ B.T, s * A.T @ dW  # (C_in, r), (r, C_out)


def loss_and_adapter_grads(params, adapters, s, x, y, config):
    """Mean loss and {name: (dA, dB)}, from gpt.py's backward at the merged weights."""
    merged = merge(params, adapters, s)
    _, loss, cache = gpt_forward(merged, x, config, y)
    grads = gpt_backward(merged, cache, config)  # every parameter's gradient, frozen ones too
    return loss, {name: adapter_grads(grads[name], A, B, s) for name, (A, B) in adapters.items()}


# --8<-- [end:adapters]


def count(params, adapters):
    """(adapter scalars, model scalars): what LoRA trains against what full fine-tuning trains."""
    return sum(A.size + B.size for A, B in adapters.values()), sum(p.size for p in params.values())


def count_formula(config, r):
    """The same count from the shapes alone: per block r (C_in + C_out) for each target matrix,
    r ((C + 3C) + (C + C) + (C + 4C) + (4C + C)) = 16 r C, times n_layer."""
    return 16 * r * config["n_embd"] * config["n_layer"]


# --8<-- [start:unmerged]
def lora_linear(x, W, b, adapter, s):
    """x W + b + s (x A) B: the base matrix product plus a thin side path through rank r."""
    out = x @ W + b  # (B, T, C_out)
    if adapter is not None:
        A, B = adapter
        out = out + s * ((x @ A) @ B)  # (B, T, C_in) @ (C_in, r) @ (r, C_out)
    return out


def lora_forward(params, adapters, s, idx, config):
    """gpt.py's forward with the adapters kept apart from W, as a server holding one base model
    and many adapters runs them. Logits (B, T, V)."""
    B_, T = idx.shape
    C, nh = config["n_embd"], config["n_head"]
    x = params["wte"][idx] + params["wpe"][:T]  # (B, T, C)
    future = np.triu(np.ones((T, T), dtype=bool), k=1)  # (T, T)
    for layer in range(config["n_layer"]):
        p = {k: params[f"h{layer}.{k}"] for k in BLOCK_PARAMS}
        ad = {k: adapters.get(f"h{layer}.{k}") for k in TARGETS}
        a, _ = layernorm_forward(x, p["ln_1.g"], p["ln_1.b"])  # (B, T, C)
        qkv = lora_linear(a, p["attn.W_qkv"], p["attn.b_qkv"], ad["attn.W_qkv"], s)  # (B, T, 3C)
        q, k, v = (
            qkv[..., i * C : (i + 1) * C].reshape(B_, T, nh, C // nh).transpose(0, 2, 1, 3)
            for i in range(3)
        )  # each (B, nh, T, hs)
        scores = np.where(future, -np.inf, q @ k.transpose(0, 1, 3, 2) / np.sqrt(C // nh))
        att = np.exp(scores - scores.max(axis=-1, keepdims=True))
        att /= att.sum(axis=-1, keepdims=True)  # (B, nh, T, T)
        y = (att @ v).transpose(0, 2, 1, 3).reshape(B_, T, C)  # (B, T, C)
        x = x + lora_linear(y, p["attn.W_o"], p["attn.b_o"], ad["attn.W_o"], s)
        m, _ = layernorm_forward(x, p["ln_2.g"], p["ln_2.b"])  # (B, T, C)
        m = lora_linear(m, p["mlp.W_fc"], p["mlp.b_fc"], ad["mlp.W_fc"], s)  # (B, T, 4C)
        m, _ = gelu_forward(m)
        x = x + lora_linear(m, p["mlp.W_proj"], p["mlp.b_proj"], ad["mlp.W_proj"], s)
    xf, _ = layernorm_forward(x, params["ln_f.g"], params["ln_f.b"])  # (B, T, C)
    return xf @ params["wte"].T  # (B, T, V)


# --8<-- [end:unmerged]


def mean_nll(logits, y):
    """Mean -log softmax(logits)[y] over every position."""
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))  # (B, T, V)
    return -np.take_along_axis(logp, y[..., None], axis=-1).mean()


# --8<-- [start:gradcheck]
def check_adapter_grads(params, adapters, s, x, y, config, rng, n=8, h=1e-5):
    """{name: relative error} of dA and dB (from the weight gradient) against centred
    differences of the loss of the unmerged forward, at n random entries of each."""
    _, grads = loss_and_adapter_grads(params, adapters, s, x, y, config)
    errors = {}
    for name, (A, B) in adapters.items():
        for which, M in (("A", A), ("B", B)):
            flat = M.reshape(-1)  # a view: nudging flat[i] nudges the adapter
            entries = rng.choice(flat.size, size=min(n, flat.size), replace=False)
            numeric = np.empty(len(entries))
            for j, i in enumerate(entries):
                old = flat[i]
                flat[i] = old + h
                plus = mean_nll(lora_forward(params, adapters, s, x, config), y)
                flat[i] = old - h
                minus = mean_nll(lora_forward(params, adapters, s, x, config), y)
                flat[i] = old
                numeric[j] = (plus - minus) / (2 * h)  # (L(+h) - L(-h)) / 2h
            analytic = grads[name][0 if which == "A" else 1].reshape(-1)[entries]
            errors[f"{name}.{which}"] = float(
                np.linalg.norm(analytic - numeric)
                / (np.linalg.norm(analytic) + np.linalg.norm(numeric))
            )
    return errors


# --8<-- [end:gradcheck]


def save_adapters(path, adapters):
    """Every adapter's A and B by name: "h0.attn.W_qkv.A", ..."""
    np.savez(
        path, **{f"{k}.{w}": M for k, AB in adapters.items() for w, M in zip("AB", AB, strict=True)}
    )


def load_adapters(path):
    """{name: (A, B)} from a file save_adapters wrote."""
    with np.load(path) as f:
        return {k: (f[k + ".A"], f[k + ".B"]) for k in sorted({n[:-2] for n in f.files})}


def checks(seed=0, n_windows=16):
    """The trained adapters of seed 0 against the base: counts, merging, gradients, bytes."""
    base, config = load_checkpoint("gpt_char.npz")
    trained = load_adapters(f"adapters_{seed}.npz")  # float32, as trained
    r = trained["h0.attn.W_qkv"][0].shape[1]
    s = ALPHA / r
    n_lora, n_model = count(base, trained)
    x, y = windows(code_train_val_ids()[1], config["block_size"])  # held-out code (n, T)
    x, y = x[:n_windows], y[:n_windows]

    # Merging: W + s A B in one matrix against the base plus the side path, float64 and float32.
    diffs = {}
    for dt in (np.float64, np.float32):
        p = {k: v.astype(dt) for k, v in base.items()}
        ad = {k: (A.astype(dt), B.astype(dt)) for k, (A, B) in trained.items()}
        merged_logits, _, _ = gpt_forward(merge(p, ad, s), x, config)  # (n, T, V)
        side_logits = lora_forward(p, ad, s, x, config)  # (n, T, V)
        diffs[np.dtype(dt).name] = float(np.abs(merged_logits - side_logits).max())
    scale = float(np.abs(merged_logits).max())

    # Gradients of the adapters, from the weight gradient, against centred differences.
    p64 = {k: v.astype(np.float64) for k, v in base.items()}
    ad64 = {k: (A.astype(np.float64), B.astype(np.float64)) for k, (A, B) in trained.items()}
    errors = check_adapter_grads(
        p64, ad64, s, x[:2], y[:2], config, np.random.default_rng(seed), n=GRAD_ENTRIES
    )
    worst = max(errors, key=errors.get)

    print(f"LoRA trains {n_lora:,} of {n_model:,} parameters ({n_lora / n_model:.1%}): "
          f"16 r C n_layer = 16 x {r} x {config['n_embd']} x {config['n_layer']}")  # fmt: skip
    print(f"merged against base + adapters, {n_windows} held-out windows, largest |logit| "
          f"{scale:.1f}:")  # fmt: skip
    print(f"  float64: largest logit difference {diffs['float64']:.1e}")
    print(f"  float32: largest logit difference {diffs['float32']:.1e}")
    print(f"gradient check, {len(errors)} adapter matrices, float64: worst relative error "
          f"{errors[worst]:.1e} ({worst})")  # fmt: skip
    return {
        "n_lora": n_lora,
        "n_model": n_model,
        "fraction": n_lora / n_model,
        "r": r,
        "alpha": ALPHA,
        "scale_s": s,
        "n_embd": config["n_embd"],
        "n_layer": config["n_layer"],
        "n_adapted": len(trained),
        "n_windows": n_windows,
        "merge_diff64": diffs["float64"],
        "merge_diff32": diffs["float32"],
        "logit_scale": scale,
        "grad_worst": errors[worst],
        "grad_worst_name": worst,
        "n_grad_matrices": len(errors),
        "n_grad_entries": GRAD_ENTRIES,
        "d_large": D_LARGE,
        "fraction_large": 2 * r / D_LARGE,  # r (d + d) / d^2 for one d x d matrix
        "adapter_kib": n_lora * 4 / 1024,
        "model_kib": n_model * 4 / 1024,
        "adam_full_kib": 2 * n_model * 4 / 1024,
        "adam_lora_kib": 2 * n_lora * 4 / 1024,
    }


if __name__ == "__main__":
    checks()
