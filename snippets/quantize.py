"""int8 weight quantization of gpt.py's model: symmetric, one scale per output channel.

Each weight matrix W (C_in, C_out), used as x @ W, is stored as integers Q in [-127, 127] and one
float32 scale per column: s_j = max_i |W_ij| / 127, Q_ij = round(W_ij / s_j). Because the scale
belongs to an output column, it factors out of the matrix product:
    x @ (Q * s) = (x @ Q) * s
so the inner product can run on the integers and the scale is applied once per output. Rounding
moves each weight by at most s_j / 2, so output j moves by at most (s_j / 2) * sum_i |x_i|.
The token table wte is quantized per row: a row is one token's embedding, and in the tied output
layer (logits = x @ wte.T) one row is one output channel. Layer-norm gains and all biases stay
float32 (why: see the entry). The model is gpt_char.npz in the working directory (train_gpt.py).
"""

import os

import numpy as np
from corpus import train_val_ids
from gpt import gpt_forward, load_checkpoint, save_checkpoint
from train_gpt import token_losses, windows

MATRICES = ("attn.W_qkv", "attn.W_o", "mlp.W_fc", "mlp.W_proj")  # x @ W in every block
TABLES = ("wte", "wpe")  # row lookups (and, for wte, the output layer)


# --8<-- [start:quantize]
def quantize(W, axis, bits=8):
    """Symmetric quantization with one scale per slice along `axis` (0: per column of a
    (C_in, C_out) matrix, 1: per row). Returns the integers and the float32 scales."""
    qmax = 2 ** (bits - 1) - 1  # 127 for int8: symmetric, -128 unused
    s = np.abs(W).max(axis=axis, keepdims=True) / qmax  # (1, C_out) or (rows, 1)
    s = np.where(s == 0, 1.0, s).astype(np.float32)
    Q = np.clip(np.round(W / s), -qmax, qmax).astype(np.int8)  # same shape as W
    return Q, s


def int8_matmul(x, Q, s):
    """x @ (Q * s) computed as (x @ Q) * s: integer weights, one scale per output column."""
    return (x @ Q.astype(x.dtype)) * s  # (..., C_in) @ (C_in, C_out) -> (..., C_out)


def quantize_model(params, names, bits=8):
    """{name: (Q, s)} for every parameter whose name ends with one of `names`."""
    out = {}
    for k, W in params.items():
        if k.endswith(MATRICES) and any(k.endswith(n) for n in names):
            out[k] = quantize(W, axis=0, bits=bits)  # per output column
        elif k in TABLES and k in names:
            out[k] = quantize(W, axis=1, bits=bits)  # per row
    return out


def dequantized(params, quantized):
    """The model with each quantized weight replaced by Q * s (float32), the rest unchanged."""
    return params | {k: (Q * s).astype(np.float32) for k, (Q, s) in quantized.items()}


def weight_bytes(params, quantized, bits=8):
    """Bytes of the weights as stored: `bits` per integer (two int4 values share a byte),
    float32 scales, and float32 for everything not quantized."""
    return sum(Q.size * bits // 8 + s.nbytes for Q, s in quantized.values()) + sum(
        p.nbytes for k, p in params.items() if k not in quantized
    )


def log_probs(params, config, x, batch=64):
    """log p(. | the window so far) at every position of the windows x: (n, T, V), float64."""
    out = []
    for i in range(0, len(x), batch):
        z, _, _ = gpt_forward(params, x[i : i + batch], config)  # (b, T, V) logits
        z = z.astype(np.float64) - z.max(axis=-1, keepdims=True)
        out.append(z - np.log(np.exp(z).sum(axis=-1, keepdims=True)))
    return np.concatenate(out)


def kl_per_window(logp, logq):
    """KL(p || q) of the next-character distributions, averaged over each window's positions:
    how far q's predictions are from p's, whichever way the loss goes. (n,) nats."""
    return (np.exp(logp) * (logp - logq)).sum(axis=-1).mean(axis=-1)


# --8<-- [end:quantize]


def save_int8(path, params, config, quantized):
    """The quantized model in the checkpoint's format: name.q (int8) and name.scale arrays."""
    arrays = {k: p for k, p in params.items() if k not in quantized}
    for k, (Q, s) in quantized.items():
        arrays[k + ".q"], arrays[k + ".scale"] = Q, s
    save_checkpoint(path, arrays, {k: v for k, v in config.items() if k != "chars"},
                    config["chars"])  # fmt: skip


# --8<-- [start:main]
def main():
    params, config = load_checkpoint("gpt_char.npz")
    x, y = windows(train_val_ids()[1], config["block_size"])  # the whole held-out text
    base = token_losses(params, x, y).mean(axis=1)  # (n_windows,) float32 model
    logp = log_probs(params, config, x)  # its predictions: (n_windows, T, V)
    variants = {
        "int8, block matrices": quantize_model(params, MATRICES),
        "int8, + embeddings": quantize_model(params, MATRICES + TABLES),
        "int4, + embeddings": quantize_model(params, MATRICES + TABLES, bits=4),
    }
    float_bytes = weight_bytes(params, {})
    print(f"held-out NLL, float32: {base.mean():.4f} nats per character over {x.size:,}")
    print(f"{'weights':>22}  {'bytes':>8}  {'smaller':>7}  {'NLL change (+- s.e.)':>22}"
          f"  {'KL from float32 (+- s.e.)':>26}")  # fmt: skip
    print(f"{'float32':>22}  {float_bytes:8,}  {1:6.2f}x")
    out = {"nll": float(base.mean()), "float_bytes": float_bytes, "n_val": x.size}
    kl = {}
    for (name, q), key in zip(variants.items(), ("matrices", "int8", "int4"), strict=True):
        w = slice(None, None, 4 if key == "int4" else 1)  # int4's large effect: every 4th window
        model = dequantized(params, q)
        d = token_losses(model, x[w], y[w]).mean(axis=1) - base[w]  # (n,)
        se = d.std(ddof=1) / np.sqrt(len(d))  # paired: the same windows
        kl[key] = kl_per_window(logp[w], log_probs(model, config, x[w]))  # (n,)
        kl_se = kl[key].std(ddof=1) / np.sqrt(len(d))
        nbytes = weight_bytes(params, q, bits=4 if key == "int4" else 8)
        note = "  (every 4th window)" if key == "int4" else ""
        print(f"{name:>22}  {nbytes:8,}  {float_bytes / nbytes:6.2f}x  "
              f"{d.mean():+10.5f} +- {se:.5f}  {kl[key].mean():14.6f} +- {kl_se:.6f}{note}")  # fmt: skip
        out |= {f"windows_{key}": len(d), f"bytes_{key}": nbytes, f"ratio_{key}": float_bytes / nbytes,
                f"dnll_{key}": float(d.mean()), f"dnll_se_{key}": float(se),
                f"kl_{key}": float(kl[key].mean()), f"kl_se_{key}": float(kl_se)}  # fmt: skip
    # --8<-- [end:main]
    q8 = variants["int8, + embeddings"]
    save_int8("gpt_char_int8.npz", params, config, q8)
    file_float, file_int8 = os.path.getsize("gpt_char.npz"), os.path.getsize("gpt_char_int8.npz")
    worst = max(np.abs(params[k] - Q * s).max() / s.max() for k, (Q, s) in q8.items())
    small = sum(p.size for k, p in params.items() if k not in q8)
    print(f"files: gpt_char.npz {file_float:,} bytes, gpt_char_int8.npz {file_int8:,} bytes")
    print(f"kept in float32: {small:,} of {sum(p.size for p in params.values()):,} numbers")
    return out | {
        "file_float": file_float,
        "file_int8": file_int8,
        "file_ratio": file_float / file_int8,
        "worst_step": float(worst),  # largest |W - Q s| in units of the largest scale: <= 1/2
        "n_float": small,
        "n_params": sum(p.size for p in params.values()),
        "n_windows": len(x),
        # how much farther int4's predictions move than int8's, on the same (every 4th) windows
        "int4_over_int8": out["kl_int4"] / float(kl["int8"][::4].mean()),
        "z_int8": out["dnll_int8"] / out["dnll_se_int8"],  # the loss change in standard errors
        "kl_z_int8": out["kl_int8"] / out["kl_se_int8"],
        "z_int4": out["dnll_int4"] / out["dnll_se_int4"],
        # the tables' part of int8's divergence: what adding them to the matrices added
        "tables_share_kl": (out["kl_int8"] - out["kl_matrices"]) / out["kl_int8"],
        "share_float": small / sum(p.size for p in params.values()),
        "share_tables": sum(params[k].size for k in TABLES) / sum(p.size for p in params.values()),
    }


if __name__ == "__main__":
    main()
