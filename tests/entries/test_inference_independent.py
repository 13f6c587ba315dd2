"""Entry 12, "Inference and deployment", re-derived by a reader who did not write it: every check
here recomputes a published number from definitions, with its own code (a forward pass, a
quantizer, a FLOP count by enumeration, a sampler), reading only the trained checkpoint with
np.load and the data split from corpus.py. Nothing from kv_cache, sampling or quantize is
imported; the server is the entry's (it is what is checked), its replies compared with this
file's decoding."""

import json
import math

import numpy as np
import pytest
import scipy.special
from corpus import load_text, train_val_ids
from serve import ModelServer, post

ENTRY = "posts/entries/inference-and-deployment.md"
TRAINING = "posts/entries/a-training-pipeline.md"
MATRIX_NAMES = ("W_qkv", "W_o", "W_fc", "W_proj")


@pytest.fixture(scope="session")
def runs(entry_runs):
    return entry_runs(ENTRY)


@pytest.fixture(scope="session")
def model(entry_runs):
    """(params as stored, config, chars), read with np.load alone."""
    with np.load(entry_runs(TRAINING)["train"].files["gpt_char.npz"]) as f:
        config, chars = json.loads(str(f["config"])), str(f["chars"])
        params = {k: f[k] for k in f.files if k not in ("config", "chars")}
    return params, config, chars


def layer_norm(x, g, b):
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + 1e-5) * g + b


def logits_of(params, config, idx):
    """Logits (B, T, V) in float64, written from the model's definition (pre-norm GPT-2 blocks,
    tanh GELU, tied output layer), not from gpt.py."""
    p = {k: v.astype(np.float64) for k, v in params.items()}
    (B, T), C, nh = idx.shape, config["n_embd"], config["n_head"]
    x = p["wte"][idx] + p["wpe"][:T]
    causal = np.tril(np.ones((T, T), bool))
    for layer in range(config["n_layer"]):
        w = {k.split(".", 1)[1]: v for k, v in p.items() if k.startswith(f"h{layer}.")}
        qkv = layer_norm(x, w["ln_1.g"], w["ln_1.b"]) @ w["attn.W_qkv"] + w["attn.b_qkv"]
        q, k, v = (a.reshape(B, T, nh, C // nh).swapaxes(1, 2) for a in np.split(qkv, 3, -1))
        s = np.where(causal, q @ k.swapaxes(2, 3) / math.sqrt(C // nh), -np.inf)
        a = np.exp(s - s.max(-1, keepdims=True))
        y = (a / a.sum(-1, keepdims=True) @ v).swapaxes(1, 2).reshape(B, T, C)
        x = x + y @ w["attn.W_o"] + w["attn.b_o"]
        h = layer_norm(x, w["ln_2.g"], w["ln_2.b"]) @ w["mlp.W_fc"] + w["mlp.b_fc"]
        h = 0.5 * h * (1 + np.tanh(math.sqrt(2 / math.pi) * (h + 0.044715 * h**3)))
        x = x + h @ w["mlp.W_proj"] + w["mlp.b_proj"]
    return layer_norm(x, p["ln_f.g"], p["ln_f.b"]) @ p["wte"].T


def held_out_windows(T):
    """The held-out text cut into non-overlapping windows of T and the characters that follow."""
    ids = train_val_ids()[1]
    n = (len(ids) - 1) // T
    return ids[: n * T].reshape(n, T), ids[1 : n * T + 1].reshape(n, T)


def window_nll(params, config, x, y):
    """Mean -log p(y | the window so far) of each window (n,)."""
    z = np.concatenate([logits_of(params, config, x[i : i + 256]) for i in range(0, len(x), 256)])
    logp = z - z.max(-1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(-1, keepdims=True))
    return -np.take_along_axis(logp, y[..., None], -1)[..., 0].mean(1)  # (n,)


def fake_quantized(W, axis, bits=8):
    """W rounded to 2^(bits-1) - 1 symmetric levels, one float32 scale per slice reduced over
    `axis` (0: per output column of x @ W, 1: per row of a table); returned as Q * s."""
    qmax = 2 ** (bits - 1) - 1
    s = (np.abs(W).max(axis=axis, keepdims=True) / qmax).astype(np.float32)
    return (np.clip(np.floor(W / s + 0.5), -qmax, qmax) * s).astype(np.float32)


def is_matrix(name):
    return name.split(".")[-1] in MATRIX_NAMES


# ---------------------------------------------------------------- sizes, counted from shapes


def test_sizes_and_ratios_from_the_checkpoint_shapes(runs, model):
    params, _, _ = model
    v = runs["quant"].values
    n = sum(p.size for p in params.values())
    vectors = sum(p.size for p in params.values() if p.ndim == 1)
    mats = [p for k, p in params.items() if is_matrix(k)]
    tables = [params["wte"], params["wpe"]]
    # int8: one byte per integer, a float32 scale per column (matrices) or per row (tables)
    matrices_only = sum(p.size + 4 * p.shape[1] for p in mats) + 4 * (n - sum(p.size for p in mats))
    all_int8 = (
        sum(p.size + 4 * p.shape[1] for p in mats)
        + sum(p.size + 4 * p.shape[0] for p in tables)
        + 4 * vectors
    )
    all_int4 = all_int8 - sum(p.size for p in mats + tables) // 2  # two integers per byte
    assert v["n_params"] == n == 59_472 and v["float_bytes"] == 4 * n
    assert (v["bytes_matrices"], v["bytes_int8"], v["bytes_int4"]) == (
        matrices_only, all_int8, all_int4
    )  # fmt: skip
    assert v["ratio_int8"] == pytest.approx(4 * n / all_int8, rel=1e-12)  # published 3.54
    assert v["ratio_matrices"] == pytest.approx(4 * n / matrices_only, rel=1e-12)  # 3.15
    assert v["ratio_int4"] == pytest.approx(4 * n / all_int4, rel=1e-12)  # 6.2
    assert v["n_float"] == vectors and v["share_float"] == pytest.approx(vectors / n)
    assert v["share_tables"] == pytest.approx(sum(p.size for p in tables) / n)
    assert (2**7 - 1) / (2**3 - 1) == pytest.approx(18, abs=0.2)  # "18 times coarser"


# ---------------------------------------------------------------- FLOPs, by enumeration


def flops_enumerated(config, T, cached):
    """2 x the multiply-adds for the logits of position T (1-based), summed matrix by matrix
    and head by head over the positions computed: all T without a cache, the last with one.
    Layer norms, softmax, GELU and biases are not counted (order C per position)."""
    C, V, nh = config["n_embd"], config["vocab_size"], config["n_head"]
    macs = 0
    for t in [T] if cached else range(1, T + 1):
        for _ in range(config["n_layer"]):
            macs += C * 3 * C + C * C + C * 4 * C + 4 * C * C  # qkv, out, fc, proj
            macs += nh * (t * (C // nh) + t * (C // nh))  # q.k and the weighted sum, t keys
        macs += C * V  # the tied output layer
    return 2 * macs


def test_flops_per_token_by_enumeration(runs, model):
    _, config, _ = model
    v = runs["kv"].values
    T0, T = len("the "), config["block_size"]
    uncached = sum(flops_enumerated(config, t, False) for t in range(T0, T))
    cached = flops_enumerated(config, T0, False) + sum(  # prefill, then one position a step
        flops_enumerated(config, t, True) for t in range(T0 + 1, T)
    )
    assert (v["flops_uncached"], v["flops_cached"]) == (uncached, cached)  # 57,551,424; 3,699,168
    assert v["flops_ratio"] == pytest.approx(uncached / cached, rel=1e-12)  # 15.6
    long = dict(config, block_size=1024)
    r = flops_enumerated(long, 1024, False) / flops_enumerated(long, 1024, True)
    assert v["ratio_1024"] == pytest.approx(r, rel=1e-12)  # 627
    hi = [128, 256, 512, 1024]
    slope = np.polyfit(np.log(hi), np.log([flops_enumerated(long, t, False) for t in hi]), 1)[0]
    assert v["flops_slope_uncached"] == pytest.approx(slope, rel=1e-9)  # 1.4
    # the prose: at T = 1024 attending to the cache is more FLOPs than the weight matrices
    C, L = config["n_embd"], config["n_layer"]
    assert L * 4 * C * 1024 > L * 24 * C * C
    # ... and yet, measured (frozen), the cached step grew by less than half its cost at T = 8
    t = runs["timing"].values
    assert t["c_ms_1024"] - t["c_ms_8"] < t["c_ms_8"] / 2  # 0.45 -> 0.53 ms


# ---------------------------------------------------------------- int8, the loss recomputed


def test_int8_held_out_loss_change_recomputed(runs, model):
    """The whole held-out text, float64 forward of the float32 and the int8-rounded weights;
    tolerance 2e-5 nats (a sixth of the published standard error; the run's forward is float32).
    The KL divergences from scipy's, of float64 softmaxes."""
    params, config, _ = model
    v = runs["quant"].values
    x, y = held_out_windows(config["block_size"])
    q = {k: fake_quantized(p, 0) for k, p in params.items() if is_matrix(k)}
    q |= {k: fake_quantized(params[k], 1) for k in ("wte", "wpe")}
    base = window_nll(params, config, x, y)
    d = window_nll(params | q, config, x, y) - base
    se = d.std(ddof=1) / math.sqrt(len(d))
    assert len(d) == v["n_windows"] == 1174
    assert base.mean() == pytest.approx(v["nll"], abs=1e-4)  # 1.670
    assert d.mean() == pytest.approx(v["dnll_int8"], abs=2e-5)  # +0.00018 here
    assert se == pytest.approx(v["dnll_se_int8"], rel=0.05)  # 0.00012
    assert abs(d.mean()) < 10 * se  # "barely resolve it"

    def kl(a, b, rows):  # KL(p_a || p_b) averaged over every position of the windows `rows`
        p = [
            scipy.special.softmax(logits_of(m, config, x[rows]).astype(np.float64), -1)
            for m in (a, b)
        ]
        return scipy.special.rel_entr(p[0], p[1]).sum(-1).mean()  # fmt: skip

    rows = slice(0, None, 8)  # every 8th window: a sample, within a few percent of the mean
    q_mat = {k: w for k, w in q.items() if is_matrix(k)}
    kl8, kl_mat = kl(params, params | q, rows), kl(params, params | q_mat, rows)
    assert kl8 == pytest.approx(v["kl_int8"], rel=0.1)  # 0.00031 here
    assert kl_mat == pytest.approx(v["kl_matrices"], rel=0.1)  # 0.00009
    assert (kl8 - kl_mat) / kl8 > 0.5  # the tables: "most of the damage"
    # int4 (7 levels a side) on every 4th window, as the run: its loss change, and predictions
    # moved "a hundred times as far as with 8 bits on the same windows" (or more)
    q4 = {k: fake_quantized(p, 0, 4) for k, p in params.items() if is_matrix(k)}
    q4 |= {k: fake_quantized(params[k], 1, 4) for k in ("wte", "wpe")}
    d4 = window_nll(params | q4, config, x[::4], y[::4]) - base[::4]
    assert len(d4) == v["windows_int4"] == 294
    assert d4.mean() == pytest.approx(v["dnll_int4"], abs=1e-3)  # 0.111, s.e. 0.005
    assert kl(params, params | q4, rows) > 100 * kl8


# ---------------------------------------------------------------- decoding


def decode(params, config, prompt, n_new, rng=None, temperature=1.0, top_k=None):
    """Token ids after n_new draws, recomputing the whole context each step (no cache). When
    block_size positions have been fed, the context restarts from the last half, as the entry's
    sweep does. rng None: argmax. A draw inverts the CDF at one uniform from rng."""
    tokens, start, T = list(prompt), 0, config["block_size"]
    for _ in range(n_new):
        z = logits_of(params, config, np.array([tokens[start:]]))[0, -1]
        if rng is None:
            tokens.append(int(z.argmax()))
        else:
            keep = z >= np.sort(z)[-(top_k or len(z))]
            p = np.where(keep, np.exp((z - z.max()) / temperature), 0)
            c = np.cumsum(p)
            tokens.append(int(np.searchsorted(c, rng.random() * c[-1], side="right")))
        if len(tokens) - start > T:
            start = len(tokens) - T // 2
    return tokens


def test_greedy_text_and_its_measures_recomputed(runs, model):
    params, config, chars = model
    v = runs["sampling"].values
    text = "".join(chars[i] for i in decode(params, config, [0], 200)[1:])
    assert text[:76] == v["text_greedy"]  # "the the the ... a string th"
    grams = [text[i : i + 4] for i in range(len(text) - 3)]
    assert len(set(grams)) / len(grams) == pytest.approx(v["distinct4_k1"], abs=1e-12)  # 8%
    words = set(load_text()[: len(train_val_ids()[0])].split())
    inner = text.split()[1:-1]
    assert all(w in words for w in inner) and v["real_k1"] == 1.0
    assert v["entropy_k1"] == 0  # one character allowed: nothing to choose


def test_temperature_entropies_against_held_out_logits(runs, model):
    """H(softmax(z / tau)) rises with tau (its derivative is Var(z) / tau^3), so on the model's
    own held-out logits the entropies must rise, and at tau = 1 and the two ends come close to
    the sweep's, which are measured along generated text instead (tolerance 0.1 nats)."""
    params, config, _ = model
    v = runs["sampling"].values
    T = config["block_size"]
    z = logits_of(params, config, train_val_ids()[1][: 64 * T].reshape(64, T)).reshape(-1, 27)
    H = {}
    for tau in (0.25, 1.0, 1.5):
        p = np.exp((z - z.max(-1, keepdims=True)) / tau)
        p /= p.sum(-1, keepdims=True)
        H[tau] = float(-(p * np.log(np.where(p > 0, p, 1))).sum(-1).mean())
    assert H[0.25] < H[1.0] < H[1.5]
    assert v["entropy_0_25"] == pytest.approx(H[0.25], abs=0.1)  # 0.53 vs 0.47
    assert v["entropy_1_0"] == pytest.approx(H[1.0], abs=0.1)  # 1.63 vs 1.62
    assert v["entropy_1_5"] == pytest.approx(H[1.5], abs=0.1)  # 2.22 vs 2.21


# ---------------------------------------------------------------- the server


def test_server_replies_equal_this_files_decoding(runs, model):
    """The serve run's requests (seeds 0-3) sent to the entry's server holding the checkpoint;
    each reply equals decoding here, without a cache, and the run's printed replies agree."""
    params, config, chars = model
    config = dict(config, chars=chars)
    out = runs["serve"].stdout
    with ModelServer(params, config) as server:
        for seed in range(4):
            req = {"prompt": "the ", "max_new": 24, "temperature": 0.8, "top_k": 8, "seed": seed}
            status, rep = post(server.url, req)
            ids = decode(params, config, [chars.index(c) for c in "the "], 24,
                         np.random.default_rng(seed), 0.8, 8)  # fmt: skip
            mine = "".join(chars[i] for i in ids)
            assert status == 200 and rep["text"] == mine
            if seed < 3:  # the run prints its first three replies
                assert f"seed {seed}: {mine!r}" in out
    assert not server.thread.is_alive()
