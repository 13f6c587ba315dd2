"""Entry 15, "Fine-tuning and LoRA", re-derived by a reader who did not write it. Nothing here
imports lora.py, finetune.py or code_corpus.py for the thing it checks: the adapted matrices are
found from the checkpoint's shapes, the forward with the adapters on a side path is written again
below from the definitions (layer norm, causal attention, tanh GELU, tied output), the code text is
rebuilt with tokenize's byte interface, and the summary is recomputed from the curves' files.
gpt.py's forward and backward and the checkpoint loader are the given model. Cheap: a few seconds.
"""

import io
import math
import re
import tokenize
from importlib.util import find_spec

import numpy as np
import pytest
from corpus import load_text
from gpt import gpt_backward, gpt_forward, load_checkpoint

ENTRY = "posts/entries/fine-tuning-and-lora.md"
SEEDS = (0, 1, 2)


@pytest.fixture(scope="session")
def runs(entry_runs):
    return entry_runs(ENTRY)


@pytest.fixture(scope="session")
def checkpoint(entry_runs):
    train = entry_runs("posts/entries/a-training-pipeline.md")["train"]
    return load_checkpoint(train.files["gpt_char.npz"])


@pytest.fixture(scope="session")
def trained(runs):
    """The adapters of seed 0 as stored: {matrix name: (A, B)}, A (C_in, r), B (r, C_out)."""
    with np.load(runs["lora_0"].files["adapters_0.npz"]) as f:
        return {n[:-2]: (f[n[:-2] + ".A"], f[n[:-2] + ".B"]) for n in f.files if n.endswith(".A")}


# ---------------------------------------------------------------- an independent side-path model


def _norm(x, g, b):
    mu = x.mean(-1, keepdims=True)
    return g * (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + 1e-5) + b


def _dense(x, params, name, adapters, s):
    """x W + b, plus s (x A) B beside it when the matrix has an adapter (never W + s A B)."""
    out = np.einsum("btc,cd->btd", x, params[name]) + params[name.replace(".W_", ".b_")]
    if name in adapters:
        A, B = adapters[name]
        out = out + s * np.einsum("btr,rd->btd", np.einsum("btc,cr->btr", x, A), B)
    return out


def side_path_logits(params, idx, n_head, adapters=None, s=0.0):
    adapters = adapters or {}
    T = idx.shape[1]
    x = params["wte"][idx] + params["wpe"][:T]
    C = x.shape[-1]
    hs = C // n_head
    n_layer = len({k.split(".")[0] for k in params if k.startswith("h")})
    mask = np.tril(np.ones((T, T), bool))
    for layer in range(n_layer):
        h = f"h{layer}."
        qkv = _dense(_norm(x, params[h + "ln_1.g"], params[h + "ln_1.b"]), params,
                     h + "attn.W_qkv", adapters, s)  # fmt: skip
        q, k, v = (qkv[..., i * C : (i + 1) * C].reshape(*idx.shape, n_head, hs) for i in range(3))
        w = np.einsum("bthd,buhd->bhtu", q, k) / math.sqrt(hs)
        w = np.exp(np.where(mask, w, -np.inf) - w.max(-1, keepdims=True))
        w = w / w.sum(-1, keepdims=True)
        y = np.einsum("bhtu,buhd->bthd", w, v).reshape(x.shape)
        x = x + _dense(y, params, h + "attn.W_o", adapters, s)
        m = _dense(_norm(x, params[h + "ln_2.g"], params[h + "ln_2.b"]), params,
                   h + "mlp.W_fc", adapters, s)  # fmt: skip
        m = 0.5 * m * (1 + np.tanh(math.sqrt(2 / math.pi) * (m + 0.044715 * m**3)))
        x = x + _dense(m, params, h + "mlp.W_proj", adapters, s)
    return _norm(x, params["ln_f.g"], params["ln_f.b"]) @ params["wte"].T


def _nll(logits, y):
    z = logits - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    return -np.take_along_axis(logp, y[..., None], -1).mean()


def _f64(params):
    return {k: np.asarray(v, np.float64) for k, v in params.items()}


# ---------------------------------------------------------------- the code text, rebuilt


def _names(module):
    """Keywords and identifiers of the module's source (tokenize on bytes), lowercased, letters."""
    with open(find_spec(module).origin, "rb") as f:
        toks = tokenize.tokenize(io.BytesIO(f.read()).readline)
        words = [t.string for t in toks if t.type == tokenize.NAME]
    return " ".join(w for w in re.split(r"[^a-z]+", " ".join(words).lower()) if w)


def _ids(text):
    return np.array([0 if c == " " else ord(c) - 96 for c in text], np.int64)


@pytest.fixture(scope="session")
def code_text():
    return {m: _names(m) for m in ("argparse", "zipfile", "tarfile")}


def _held_out_code(code_text):
    return np.concatenate([_ids(t)[int(len(t) * 0.9) :] for t in code_text.values()])


def test_code_text_statistics(runs, code_text):
    v = runs["text"].values
    for module, text in code_text.items():
        assert v[module] == len(text), module
    n = sum(len(t) for t in code_text.values())
    n_val = sum(len(t) - int(len(t) * 0.9) for t in code_text.values())
    assert (v["n_train"], v["n_val"]) == (n - n_val, n_val)
    code = " ".join(code_text.values()).split()
    help_pages = load_text().split()
    for w in ("self", "the"):
        assert v[f"{w}_code"] == pytest.approx(code.count(w) / len(code), abs=1e-12)
        assert v[f"{w}_help"] == pytest.approx(help_pages.count(w) / len(help_pages), abs=1e-12)
    # "`self`, `def`, `return` and `none` everywhere": four of the code's ten commonest words
    words, counts = np.unique(code, return_counts=True)
    top = set(words[np.argsort(-counts)[:10]])
    assert {"self", "def", "return", "none"} <= top, top
    assert "the" not in code  # no identifier is `the`, and there are no sentences


# ---------------------------------------------------------------- counts and bytes


def test_count_and_bytes_from_the_checkpoint_shapes(runs, checkpoint, trained):
    params, config = checkpoint
    v = runs["checks"].values
    # "all four weight matrices of each block": every 2-d array inside a block, nothing else
    block_matrices = {k for k, p in params.items() if k.startswith("h") and p.ndim == 2}
    assert set(trained) == block_matrices and len(block_matrices) == 4 * config["n_layer"]
    r = {A.shape[1] for A, _ in trained.values()} | {B.shape[0] for _, B in trained.values()}
    assert r == {v["r"]} == {4}
    for name, (A, B) in trained.items():
        assert (A.shape[0], B.shape[1]) == params[name].shape, name
    n_lora = sum(v["r"] * sum(params[k].shape) for k in block_matrices)
    n_model = sum(p.size for p in params.values())
    assert (v["n_lora"], v["n_model"]) == (n_lora, n_model) == (6144, 59_472)
    assert v["fraction"] == pytest.approx(n_lora / n_model, rel=1e-12)  # 10.3%
    assert v["scale_s"] == v["alpha"] / v["r"] == 2.0
    assert v["fraction_large"] == pytest.approx(2 * 4 * 12288 / 12288**2, rel=1e-12)  # 0.07%
    # "and less of a block's rectangular ones": r (C_in + C_out) / (C_in C_out) at C = 12288
    d = 12288
    for c_in, c_out in ((d, 3 * d), (d, 4 * d), (4 * d, d)):
        assert 4 * (c_in + c_out) / (c_in * c_out) < v["fraction_large"]
    # bytes: the checkpoint and the adapters as stored, float32
    assert {p.dtype for p in params.values()} == {np.dtype(np.float32)}
    adapter_bytes = sum(A.nbytes + B.nbytes for A, B in trained.values())
    model_bytes = sum(p.nbytes for p in params.values())
    assert v["adapter_kib"] == adapter_bytes / 1024 == 24.0
    assert v["model_kib"] == pytest.approx(model_bytes / 1024, rel=1e-12)  # 232 KiB
    assert v["adam_full_kib"] == pytest.approx(2 * model_bytes / 1024, rel=1e-12)
    assert v["adam_lora_kib"] == pytest.approx(2 * adapter_bytes / 1024, rel=1e-12)


# ---------------------------------------------------------------- merging


def test_side_path_model_is_gpt_py_without_adapters(checkpoint, code_text):
    """The model written again here agrees with gpt.py's forward to float64 rounding."""
    params, config = checkpoint
    x = _held_out_code(code_text)[: 4 * 32].reshape(4, 32)
    ours = side_path_logits(_f64(params), x, config["n_head"])
    assert np.abs(ours - gpt_forward(_f64(params), x, config)[0]).max() < 1e-11


def test_merge_identity_from_the_stored_adapters(runs, checkpoint, trained, code_text):
    params, config = checkpoint
    v = runs["checks"].values
    s = v["alpha"] / v["r"]
    val = _held_out_code(code_text)
    n = (len(val) - 1) // 32
    x = val[: n * 32].reshape(n, 32)[:16]  # the run's 16 windows
    logits = {}
    for dt in (np.float64, np.float32):
        p = {k: w.astype(dt) for k, w in params.items()}
        ad = {k: (A.astype(dt), B.astype(dt)) for k, (A, B) in trained.items()}
        merged = {**p, **{k: p[k] + dt(s) * (A @ B) for k, (A, B) in ad.items()}}
        logits[dt] = (gpt_forward(merged, x, config)[0],
                      side_path_logits(p, x, config["n_head"], ad, s))  # fmt: skip
    diff64 = np.abs(np.subtract(*logits[np.float64])).max()
    diff32 = np.abs(np.subtract(*logits[np.float32])).max()
    scale = np.abs(logits[np.float64][0]).max()
    assert all(np.abs(B).max() > 0.01 for _, B in trained.values())  # trained: B is not zero
    assert diff64 < 1e-12 and v["merge_diff64"] < 1e-12  # equal up to float64 rounding
    assert v["logit_scale"] == pytest.approx(scale, rel=1e-5)
    # float32: a different order of evaluation rounds differently; same order of magnitude
    assert 0.1 < v["merge_diff32"] / diff32 < 10
    assert 1e-7 < diff32 / scale < 1e-5  # "about a millionth of the largest logit"
    # the merged matrix really is an ordinary model of the original size
    assert all(merged[k].shape == params[k].shape for k in params)
    # "float16 keeps 11 significant bits to float32's 24"
    assert (np.finfo(np.float16).nmant + 1, np.finfo(np.float32).nmant + 1) == (11, 24)


# ---------------------------------------------------------------- gradients


def test_adapter_gradient_formulas_on_a_small_case():
    """L = sum(G * tanh(X W')), W' = W + s A B: dL/dW' = X^T (G (1 - tanh^2)), and the claimed
    dA = s dW' B^T, dB = s A^T dW' against centred differences, every entry, float64."""
    rng = np.random.default_rng(15)
    X, W, G = rng.normal(size=(6, 5)), rng.normal(size=(5, 7)), rng.normal(size=(6, 7))
    A, B, s = rng.normal(size=(5, 3)), rng.normal(size=(3, 7)), 2.5

    def loss(A, B):
        return float((G * np.tanh(X @ (W + s * A @ B))).sum())

    t = np.tanh(X @ (W + s * A @ B))
    dW = X.T @ (G * (1 - t**2))
    for M, claimed in ((A, s * dW @ B.T), (B, s * A.T @ dW)):
        numeric = np.zeros_like(M)
        for i in np.ndindex(M.shape):
            old = M[i]
            M[i] = old + 1e-6
            up = loss(A, B)
            M[i] = old - 1e-6
            numeric[i] = (up - loss(A, B)) / 2e-6
            M[i] = old
        assert np.abs(claimed - numeric).max() < 1e-7 * np.abs(numeric).max()


def test_adapter_gradients_of_the_trained_model(runs, checkpoint, trained, code_text):
    """The chain rule at the trained adapters of seed 0, with gpt.py's dW at W + s A B, against
    centred differences of the side-path model's loss on two windows of held-out code."""
    params, config = checkpoint
    v = runs["checks"].values
    s = v["alpha"] / v["r"]
    p = _f64(params)
    ad = {k: (A.astype(np.float64), B.astype(np.float64)) for k, (A, B) in trained.items()}
    val = _held_out_code(code_text)
    x, y = val[: 2 * 32].reshape(2, 32), val[1 : 2 * 32 + 1].reshape(2, 32)
    merged = {**p, **{k: p[k] + s * A @ B for k, (A, B) in ad.items()}}
    _, _, cache = gpt_forward(merged, x, config, y)
    dW = gpt_backward(merged, cache, config)
    rng = np.random.default_rng(0)
    worst = 0.0
    for name, (A, B) in ad.items():
        for M, claimed in ((A, s * dW[name] @ B.T), (B, s * A.T @ dW[name])):
            num, ana = [], []
            for i in rng.choice(M.size, 3, replace=False):
                j = np.unravel_index(i, M.shape)
                old = M[j]
                M[j] = old + 1e-5
                up = _nll(side_path_logits(p, x, config["n_head"], ad, s), y)
                M[j] = old - 1e-5
                down = _nll(side_path_logits(p, x, config["n_head"], ad, s), y)
                M[j] = old
                num.append((up - down) / 2e-5)
                ana.append(claimed[j])
            num, ana = np.array(num), np.array(ana)
            worst = max(
                worst, np.linalg.norm(ana - num) / (np.linalg.norm(ana) + np.linalg.norm(num))
            )
    assert worst < 1e-7 and 0 < v["grad_worst"] < 1e-7


# ---------------------------------------------------------------- the curves and what the prose says


@pytest.fixture(scope="session")
def curves(runs):
    out = {}
    for m in ("full", "lora", "gentle"):
        for seed in (0,) if m == "gentle" else SEEDS:
            with np.load(runs[f"{m}_{seed}"].files[f"curves_{m}_{seed}.npz"]) as f:
                out[m, seed] = {k: f[k].astype(np.float64) for k in ("step", "code", "help")}
    return out


def test_base_losses_from_the_windows(runs, checkpoint, code_text):
    """The frozen base on every 3rd window of held-out code: 'base_code' (float32 model)."""
    params, config = checkpoint
    val = _held_out_code(code_text)
    n = (len(val) - 1) // 32
    x, y = val[: n * 32].reshape(n, 32)[::3], val[1 : n * 32 + 1].reshape(n, 32)[::3]
    nll = _nll(gpt_forward(params, x, config)[0].astype(np.float64), y)
    assert runs["summary"].values["base_code"] == pytest.approx(nll, abs=2e-5)


def test_summary_follows_from_the_curves(runs, curves):
    v = runs["summary"].values
    fin = {k: {t: c[t][-1] for t in ("code", "help")} for k, c in curves.items()}
    full = np.array([fin["full", s]["code"] for s in SEEDS])
    lora = np.array([fin["lora", s]["code"] for s in SEEDS])
    rise_full = np.array([fin["full", s]["help"] for s in SEEDS]) - v["base_help"]
    rise_lora = np.array([fin["lora", s]["help"] for s in SEEDS]) - v["base_help"]
    assert v["full_code"] == pytest.approx(full.mean(), abs=1e-9)
    assert v["lora_code"] == pytest.approx(lora.mean(), abs=1e-9)
    assert v["gap"] == pytest.approx((lora - full).mean(), abs=1e-9)
    assert v["gap_max"] == pytest.approx((lora - full).max(), abs=1e-9)
    share = (v["base_code"] - lora) / (v["base_code"] - full)
    assert v["gain_share"] == pytest.approx(share.mean(), abs=1e-9) and share.min() >= 0.75
    assert v["full_rise"] == pytest.approx(rise_full.mean(), abs=1e-9)
    assert v["lora_rise"] == pytest.approx(rise_lora.mean(), abs=1e-9)
    # "less at every seed, by at least ..."
    margin = rise_full - rise_lora
    assert v["rise_margin_min"] == pytest.approx(margin.min(), abs=1e-9) and margin.min() > 0.01
    # "better than LoRA on both texts at once" (seed 0 against LoRA's seed 0 and its mean)
    g = fin["gentle", 0]
    assert g["code"] < min(fin["lora", 0]["code"], lora.mean())
    assert g["help"] < min(fin["lora", 0]["help"], v["lora_help"])
    assert v["gentle_lr"] == pytest.approx(v["lr_full"] / 3)  # "a third of its best"


def test_forgetting_is_mostly_done_by_step_20(runs, curves):
    """'Most of the damage is done by the first measurement, 20 steps in; the next sixty steps
    move it by less than half as much again', for every curve drawn (the figure shows means)."""
    base = runs["summary"].values["base_help"]
    for key, c in curves.items():
        assert c["step"][0] == 20 and list(c["step"]) == [20, 40, 60, 80], key
        first = c["help"][0] - base
        assert first > 0 and np.abs(c["help"][1:] - c["help"][0]).max() < first / 2, key


def test_alt_text_numbers(runs, curves):
    """The alt text's readings of the figure, from the seeds' means, to the stated digits."""
    v = runs["summary"].values

    def mean(m, t):
        return np.mean([c[t] for (mm, _), c in curves.items() if mm == m], axis=0)

    assert round(v["base_code"], 2) == 2.07 and round(v["base_help"], 2) == 1.68
    assert round(mean("full", "code")[-1], 1) == 1.6
    assert round(mean("lora", "code")[-1] - mean("full", "code")[-1], 2) == 0.07
    assert mean("full", "code")[-1] < mean("gentle", "code")[-1] < mean("lora", "code")[-1]
    assert round(mean("full", "help")[0], 2) == 2.25 and round(mean("full", "help")[-1], 2) == 2.17
    assert (
        abs(mean("lora", "help")[-1] - 2.1) < 0.05 and abs(mean("gentle", "help")[-1] - 2.0) < 0.05
    )
    # "full fine-tuning highest ... LoRA lower ... gentle lowest" at every measurement
    assert np.all(mean("full", "help") > mean("lora", "help"))
    assert np.all(mean("lora", "help") > mean("gentle", "help"))
