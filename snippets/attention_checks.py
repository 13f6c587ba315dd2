"""What attention does, measured: a hand-built lookup, why scores are divided by sqrt(d), the causal
mask checked exactly, multi-head attention against two other ways of computing it, its gradients
against centred differences, and the memory of the T x T matrix."""

import tracemalloc

import matplotlib.pyplot as plt
import numpy as np
from attention import (
    attention,
    attention_blocked,
    causal_mask,
    init_multihead,
    multihead,
    multihead_backward,
    softmax,
)

TEXT = "the cat sat on the mat"
SEEDS = (0, 1, 2)


# --8<-- [start:lookup]
def lookup_heads(text, d=32, sharpness=6.0, seed=0):
    """Two heads built by hand over random unit vectors, one per character (E) and one per
    position (P). Content: query = own character, key = character, so each position finds the
    earlier places holding the same character. Position: query = P[i - 1], key = P[j], so each
    position finds the one before it."""
    rng = np.random.default_rng(seed)
    chars = sorted(set(text))
    E = rng.standard_normal((len(chars), d))
    E /= np.linalg.norm(E, axis=1, keepdims=True)  # (V, d) unit vectors, nearly orthogonal
    P = rng.standard_normal((len(text), d))
    P /= np.linalg.norm(P, axis=1, keepdims=True)  # (T, d)
    x = E[[chars.index(c) for c in text]]  # (T, d)
    c = sharpness * np.sqrt(d)  # so a perfect match scores `sharpness` after the 1/sqrt(d)
    _, content = attention(c * x, x, x, causal=True)  # cache[3] holds the weights
    previous = np.roll(P, 1, axis=0)  # (T, d) row i holds P[i - 1] (row 0 wraps: masked anyway)
    _, position = attention(c * previous, P, P, causal=True)
    weights = {"content": content[3], "position": position[3]}
    return weights  # {name: (T, T) attention weights}


# --8<-- [end:lookup]


# --8<-- [start:scaling]
def scores(d, T, n, seed):
    """q . k for n queries against the same T keys, all entries independent N(0, 1): (n, T)."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n, d))  # (n, d)
    k = rng.standard_normal((T, d))  # (T, d)
    return q @ k.T  # (n, T), each score a sum of d products


def jacobian_norms(p):
    """||diag(p) - p p^T||_F for each row p of (n, T): how much the softmax's output moves
    when its input moves. Built as matrices: the closed form cancels to nan when p is one-hot."""
    J = p[:, :, None] * np.eye(p.shape[1]) - p[:, :, None] * p[:, None, :]  # (n, T, T)
    return np.linalg.norm(J, axis=(1, 2))  # (n,)


def saturation(s, d, scale):
    """Scores -> (variance, share of queries with one weight above 0.99, median Jacobian norm)."""
    s = s / np.sqrt(d) if scale else s
    p = softmax(s)  # (n, T)
    return np.mean(s**2), np.mean(p.max(axis=1) > 0.99), np.median(jacobian_norms(p))


# --8<-- [end:scaling]


def closed_form_norms(p):
    """The same norms from sum p^2 - 2 sum p^3 + (sum p^2)^2: my first version, which cancels
    to a slightly negative number, and so to nan, when a row is nearly one-hot."""
    s2 = (p**2).sum(axis=1)
    with np.errstate(invalid="ignore"):
        return np.sqrt(s2 - 2 * (p**3).sum(axis=1) + s2**2)  # (n,)


def peak_mib(f, *args):
    """The largest memory numpy held above the start while f(*args) ran, in MiB (tracemalloc)."""
    tracemalloc.start()
    try:
        f(*args)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


# --8<-- [start:causal]
def future_leak(T, t, C, H, seed, mask="before"):
    """Change every token after position t and return the largest change of any output at a
    position <= t. mask="before" is attention(); "after" zeroes the future weights after the
    softmax instead, a shortcut that looks equivalent."""
    rng = np.random.default_rng(seed)
    params = init_multihead(C, rng)
    x = rng.standard_normal((1, T, C))  # (B, T, C)
    x2 = x.copy()
    x2[:, t + 1 :] = rng.standard_normal((1, T - t - 1, C))  # a different future
    if mask == "before":
        y, y2 = multihead(x, params, H)[0], multihead(x2, params, H)[0]
    else:
        y, y2 = masked_after(x, params, H), masked_after(x2, params, H)
    return np.abs(y2[:, : t + 1] - y[:, : t + 1]).max(), np.abs(
        y2[:, t + 1 :] - y[:, t + 1 :]
    ).max()


def masked_after(x, params, H):
    """The shortcut: softmax over all positions, then multiply the future weights by zero."""
    B, T, C = x.shape
    heads = [x @ params[n] for n in ("Wq", "Wk", "Wv")]  # (B, T, C) each
    q, k, v = (h.reshape(B, T, H, C // H).transpose(0, 2, 1, 3) for h in heads)
    a = softmax(q @ k.transpose(0, 1, 3, 2) / np.sqrt(C // H)) * causal_mask(T)  # (B, H, T, T)
    o = (a @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
    return o @ params["Wo"]


# --8<-- [end:causal]


def multihead_loop(x, params, H, causal=True):
    """A reference written differently: every example and every head on its own, with its own
    slices of the projections, and the mask as a Python condition."""
    B, T, C = x.shape
    D = C // H
    out = np.zeros((B, T, C))
    for b in range(B):
        heads = []
        for h in range(H):
            cols = slice(h * D, (h + 1) * D)
            q, k, v = (x[b] @ params[n][:, cols] for n in ("Wq", "Wk", "Wv"))  # (T, D)
            o = np.zeros((T, D))
            for i in range(T):
                keys = range(i + 1) if causal else range(T)
                s = np.array([q[i] @ k[j] / np.sqrt(D) for j in keys])
                w = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
                o[i] = sum(w_j * v[j] for w_j, j in zip(w, keys, strict=True))
            heads.append(o)
        out[b] = np.concatenate(heads, axis=1) @ params["Wo"]
    return out


def multihead_einsum(x, params, H, causal=True):
    """Another reference: einsum over the projections reshaped to (C, H, D)."""
    B, T, C = x.shape
    W = {n: params[n].reshape(C, H, C // H) for n in ("Wq", "Wk", "Wv")}
    q, k, v = (np.einsum("btc,chd->bhtd", x, W[n]) for n in ("Wq", "Wk", "Wv"))
    s = np.einsum("bhid,bhjd->bhij", q, k) / np.sqrt(C // H)
    s = np.where(causal_mask(T), s, -np.inf) if causal else s
    o = np.einsum("bhij,bhjd->bhid", softmax(s), v)
    return np.einsum("bhtd,hde->bte", o, params["Wo"].reshape(H, C // H, C))


def gradient_check(seed=0, B=1, T=4, C=6, H=2, h=1e-5):
    """Worst relative error of multihead_backward against centred differences, in float64."""
    rng = np.random.default_rng(seed)
    params = init_multihead(C, rng)
    x = rng.standard_normal((B, T, C))
    dy = rng.standard_normal((B, T, C))  # the loss is L = sum(y * dy), so dL/dy = dy

    def loss():
        return (multihead(x, params, H)[0] * dy).sum()

    dx, grads = multihead_backward(dy, multihead(x, params, H)[1])
    worst = 0.0
    for p, g in [(x, dx)] + [(params[n], grads[n]) for n in params]:
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            up = loss()
            p[idx] = old - h
            down = loss()
            p[idx] = old
            num[idx] = (up - down) / (2 * h)
        err = np.abs(g - num).max() / max(np.abs(g).max(), np.abs(num).max())
        worst = max(worst, err)
    return worst


def plot_lookup(text, weights):
    """The two hand-built heads' weights as heat maps: query position down, key position across."""
    fig, axes = plt.subplots(1, 2, figsize=(6.4, 3.1), num="lookup", layout="constrained")
    labels = [c if c != " " else "␣" for c in text]
    for ax, (name, w) in zip(axes, weights.items(), strict=True):
        im = ax.imshow(w, cmap="viridis", vmin=0, vmax=1)
        ax.set_xticks(range(len(text)), labels, fontsize=6)
        ax.set_yticks(range(len(text)), labels, fontsize=6)
        ax.set_xlabel("key (position looked at)")
        ax.set_title({"content": "same character", "position": "previous position"}[name])
    axes[0].set_ylabel("query (position looking)")
    fig.colorbar(im, ax=axes, label="attention weight", shrink=0.8)


def plot_saturation(ds, stats):
    """Variance of the score and median softmax Jacobian norm against d, raw and scaled; bars
    span the seeds' range."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.4, 2.8), num="saturation")
    for key, label, colour in [("raw", "q.k", "tab:red"), ("scaled", "q.k / sqrt(d)", "tab:blue")]:
        for ax, col in ((ax1, 0), (ax2, 2)):
            y = stats[key][:, :, col]  # (len(ds), seeds)
            err = [y.mean(1) - y.min(1), y.max(1) - y.mean(1)]
            ax.errorbar(ds, y.mean(1), yerr=err, marker="o", ms=3, color=colour, label=label)
    ax1.plot(ds, ds, "k:", label="d")
    ax1.set(ylabel="variance of the score")
    ax2.set(ylabel="median softmax Jacobian norm")
    for ax in (ax1, ax2):  # log axes with plain labels (no mathtext: it is slow to lay out)
        ax.set(xscale="log", yscale="log", xlabel="head width d")
        ax.set_xticks(ds, [str(d) for d in ds])
        ax.xaxis.set_minor_locator(plt.NullLocator())
        ax.yaxis.set_minor_locator(plt.NullLocator())
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.legend(fontsize=7)
    fig.tight_layout()


# --8<-- [start:main]
def main(plot=True):
    weights = lookup_heads(TEXT)
    same = np.array([[a == b for b in TEXT] for a in TEXT]) & causal_mask(len(TEXT))  # (T, T)
    on_match = (weights["content"] * same).sum(axis=1)  # weight each query puts on its matches
    on_prev = np.diag(weights["position"], k=-1)  # weight of query i on key i - 1

    ds, T, n = [4, 16, 64, 256, 1024], 32, 200
    stats = {key: np.zeros((len(ds), len(SEEDS), 3)) for key in ("raw", "scaled")}
    closed_form_nan = []  # the widths at which my first, closed-form norm gave nan
    for i, d in enumerate(ds):
        for j, seed in enumerate(SEEDS):
            s = scores(d, T, n, seed)  # (n, T)
            for key in stats:
                stats[key][i, j] = saturation(s, d, scale=key == "scaled")
            if np.isnan(closed_form_norms(softmax(s))).any() and d not in closed_form_nan:
                closed_form_nan.append(d)
    mean = {key: st.mean(axis=1) for key, st in stats.items()}  # (len(ds), 3) over seeds
    print("    d   Var(q.k)  scaled   max weight > 0.99: raw  scaled   median |J|: raw   scaled")
    for d, r, c in zip(ds, mean["raw"], mean["scaled"], strict=True):
        print(f"{d:5} {r[0]:10.1f} {c[0]:7.2f} {r[1]:22.0%} {c[1]:7.0%} {r[2]:17.1e} {c[2]:8.2f}")

    T_c, t_c, H_c = 12, 5, 4  # sequence length, last position kept, heads
    leak, changed = future_leak(T=T_c, t=t_c, C=16, H=H_c, seed=0)
    leak_after, _ = future_leak(T=T_c, t=t_c, C=16, H=H_c, seed=0, mask="after")
    print(f"causal mask: outputs up to t change by {leak}, later ones by {changed:.2f}")
    print(f"mask after the softmax: outputs up to t change by {leak_after:.3f}")

    rng = np.random.default_rng(3)
    x, params = rng.standard_normal((2, 10, 16)), init_multihead(16, rng)
    y = multihead(x, params, H=4)[0]
    loop_diff = np.abs(y - multihead_loop(x, params, H=4)).max()
    einsum_diff = np.abs(y - multihead_einsum(x, params, H=4)).max()
    grad_err = gradient_check()
    print(f"multi-head vs per-head loop {loop_diff:.1e}, vs einsum {einsum_diff:.1e}; "
          f"gradient check {grad_err:.1e}")  # fmt: skip

    T_big, block = 512, 64
    q, k, v = (rng.standard_normal((T_big, 64)) for _ in range(3))  # one head, d = 64
    full, cache = attention(q, k, v, causal=True)
    blocked_diff = np.abs(attention_blocked(q, k, v, block) - full).max()
    peaks = {}  # (method, T) -> peak MiB, measured at T and 2T
    for T_m in (T_big, 2 * T_big):
        qm, km, vm = (rng.standard_normal((T_m, 64)) for _ in range(3))
        peaks["full", T_m] = peak_mib(attention, qm, km, vm, True)
        peaks["blocked", T_m] = peak_mib(attention_blocked, qm, km, vm, block)
    print(f"T={T_big}: the weights take {cache[3].nbytes / 2**20:.0f} MiB; blocked: "
          f"{T_big * block * 8 / 2**20:.2f} MiB of scores at a time, same output to {blocked_diff:.1e}")  # fmt: skip
    print(f"peak memory at T={T_big} and {2 * T_big}: full {peaks['full', T_big]:.1f} and "
          f"{peaks['full', 2 * T_big]:.1f} MiB, blocked {peaks['blocked', T_big]:.1f} and "
          f"{peaks['blocked', 2 * T_big]:.1f} MiB")  # fmt: skip
    if plot:
        plot_lookup(TEXT, weights)
        plot_saturation(ds, stats)
    i64, i1024 = ds.index(64), ds.index(1024)
    return {
        "T_text": len(TEXT),
        "d_lookup": 32,
        "ds": ", ".join(map(str, ds)),
        "T_causal": T_c,
        "t_causal": t_c,
        "H_causal": H_c,
        "on_match": float(on_match.min()),
        "on_prev": float(on_prev.min()),
        "n_queries": n,
        "n_seeds": len(SEEDS),
        "T_keys": T,
        "var_raw_64": mean["raw"][i64, 0],
        "var_raw_1024": mean["raw"][i1024, 0],
        "var_scaled_64": mean["scaled"][i64, 0],
        "var_scaled_1024": mean["scaled"][i1024, 0],
        "sat_raw_64": mean["raw"][i64, 1],
        "sat_raw_1024": mean["raw"][i1024, 1],
        "sat_scaled_max": mean["scaled"][:, 1].max(),
        "jac_raw_64": mean["raw"][i64, 2],
        "jac_raw_1024": mean["raw"][i1024, 2],
        "jac_scaled_64": mean["scaled"][i64, 2],
        "jac_scaled_1024": mean["scaled"][i1024, 2],
        "jac_ratio_1024": mean["scaled"][i1024, 2] / mean["raw"][i1024, 2],
        # per seed: the median norm at d = 1024 varies a lot between seeds (three sets of keys)
        "jac_raw_1024_min": stats["raw"][i1024, :, 2].min(),
        "jac_raw_1024_max": stats["raw"][i1024, :, 2].max(),
        "jac_ratio_1024_min": (stats["scaled"][i1024, :, 2] / stats["raw"][i1024, :, 2]).min(),
        "jac_ratio_1024_max": (stats["scaled"][i1024, :, 2] / stats["raw"][i1024, :, 2]).max(),
        "closed_form_nan_d": closed_form_nan[0] if closed_form_nan else 0,
        "leak": float(leak),
        "changed": float(changed),
        "leak_after": float(leak_after),
        "loop_diff": float(loop_diff),
        "einsum_diff": float(einsum_diff),
        "grad_err": float(grad_err),
        "T_big": T_big,
        "block": block,
        "weights_mib": cache[3].nbytes / 2**20,
        "blocked_mib": T_big * block * 8 / 2**20,
        "blocked_diff": float(blocked_diff),
        "peak_full": peaks["full", T_big],
        "peak_full_2x": peaks["full", 2 * T_big],
        "peak_blocked": peaks["blocked", T_big],
        "peak_blocked_2x": peaks["blocked", 2 * T_big],
        "gib_128k_bf16": 131072**2 * 2 / 2**30,
    }


# --8<-- [end:main]


if __name__ == "__main__":
    main()
