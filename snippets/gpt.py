"""A tiny GPT in numpy, forward and backward by hand (the shape of nanoGPT's model.py, GPT-2's blocks).

Radford et al. (2019) keep the transformer of Vaswani et al. (2017) but put layer norm before each
sub-layer; nanoGPT (Karpathy) is the reference this follows. Every layer is a pair of functions in
the style of llm.c: forward(x, params) -> (out, cache), backward(dout, cache) -> (dx, grads).
Works in whatever float type the parameters have (float64 for gradient checks and here).

    x = wte[idx] + wpe[:T]                        token plus position embeddings
    for each block:
        x = x + attn(ln_1(x))                     causal multi-head self-attention
        x = x + mlp(ln_2(x))                      W_proj gelu(W_fc x)
    logits = ln_f(x) @ wte.T                      tied: the output layer is the embedding table

Shapes: B batch, T time (<= block_size), C channels (n_embd), nh heads, hs = C / nh, V vocabulary.

Checkpoint format (gpt_char.npz, written by train_gpt.py, read with load_checkpoint): a numpy .npz
holding every parameter array under its name below ("wte", "wpe", "h0.attn.W_qkv", ..., "ln_f.b"),
plus "config", a JSON string {"vocab_size", "block_size", "n_layer", "n_head", "n_embd"}, and
"chars", the vocabulary as one string (token i is chars[i]). No pickles: np.load(path) reads it.
"""

import json
import math

import numpy as np

# Names of one block's parameters and of the model's own (h{l}. prefixes the block's).
BLOCK_PARAMS = (
    "ln_1.g", "ln_1.b", "attn.W_qkv", "attn.b_qkv", "attn.W_o", "attn.b_o",
    "ln_2.g", "ln_2.b", "mlp.W_fc", "mlp.b_fc", "mlp.W_proj", "mlp.b_proj",
)  # fmt: skip


def init_params(config, rng, dtype=np.float64):
    """GPT-2's initialisation: N(0, 0.02) weights, zero biases, unit layer-norm gains; the two
    projections that write into the residual stream scaled down by 1/sqrt(2 n_layer)."""
    V, Tm, C, L = config["vocab_size"], config["block_size"], config["n_embd"], config["n_layer"]
    std, std_res = 0.02, 0.02 / np.sqrt(2 * L)
    p = {"wte": rng.normal(0, std, (V, C)), "wpe": rng.normal(0, std, (Tm, C))}  # (V, C), (Tm, C)
    for layer in range(L):
        h = f"h{layer}."
        p[h + "ln_1.g"], p[h + "ln_1.b"] = np.ones(C), np.zeros(C)
        p[h + "attn.W_qkv"], p[h + "attn.b_qkv"] = rng.normal(0, std, (C, 3 * C)), np.zeros(3 * C)
        p[h + "attn.W_o"], p[h + "attn.b_o"] = rng.normal(0, std_res, (C, C)), np.zeros(C)
        p[h + "ln_2.g"], p[h + "ln_2.b"] = np.ones(C), np.zeros(C)
        p[h + "mlp.W_fc"], p[h + "mlp.b_fc"] = rng.normal(0, std, (C, 4 * C)), np.zeros(4 * C)
        p[h + "mlp.W_proj"], p[h + "mlp.b_proj"] = rng.normal(0, std_res, (4 * C, C)), np.zeros(C)
    p["ln_f.g"], p["ln_f.b"] = np.ones(C), np.zeros(C)
    return {k: v.astype(dtype) for k, v in p.items()}


# --8<-- [start:layernorm]
def layernorm_forward(x, g, b, eps=1e-5):
    """out = g * (x - mean) / sqrt(var + eps) + b over the last axis."""
    mean = x.mean(axis=-1, keepdims=True)  # (B, T, 1)
    rstd = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)  # (B, T, 1)
    xhat = (x - mean) * rstd  # (B, T, C)
    return xhat * g + b, (xhat, rstd, g)


def layernorm_backward(dout, cache):
    """llm.c's form: dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))."""
    xhat, rstd, g = cache
    dxhat = dout * g  # (B, T, C)
    dx = rstd * (
        dxhat
        - dxhat.mean(axis=-1, keepdims=True)
        - xhat * (dxhat * xhat).mean(axis=-1, keepdims=True)
    )  # (B, T, C)
    sum_bt = tuple(range(dout.ndim - 1))
    dg, db = (dout * xhat).sum(axis=sum_bt), dout.sum(axis=sum_bt)  # (C,), (C,)
    return dx, {"g": dg, "b": db}


# --8<-- [end:layernorm]


def linear_forward(x, W, b):
    """out = x W + b on the last axis of a (B, T, C_in) array."""
    return x @ W + b, (x, W)  # (B, T, C_in) @ (C_in, C_out) -> (B, T, C_out)


def linear_backward(dout, cache):
    """dx = dout W^T; dW sums x^T dout over every (b, t); db sums dout."""
    x, W = cache
    C_in, C_out = W.shape
    dW = x.reshape(-1, C_in).T @ dout.reshape(-1, C_out)  # (C_in, B*T) @ (B*T, C_out)
    return dout @ W.T, {"W": dW, "b": dout.reshape(-1, C_out).sum(axis=0)}  # (B, T, C_in)


# --8<-- [start:attention]
def attention_forward(x, W_qkv, b_qkv, W_o, b_o, n_head):
    """Causal multi-head self-attention: y = softmax(q k^T / sqrt(hs) + mask) v."""
    B, T, C = x.shape
    hs = C // n_head
    qkv, c_qkv = linear_forward(x, W_qkv, b_qkv)  # (B, T, 3C)
    q, k, v = (
        qkv[..., i * C : (i + 1) * C].reshape(B, T, n_head, hs).transpose(0, 2, 1, 3)
        for i in range(3)
    )  # each (B, nh, T, hs)
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hs)  # (B, nh, T, T)
    future = np.triu(np.ones((T, T), dtype=bool), k=1)  # (T, T): key s > query t
    scores = np.where(future, -np.inf, scores)  # a query sees only itself and the past
    att = np.exp(scores - scores.max(axis=-1, keepdims=True))
    att /= att.sum(axis=-1, keepdims=True)  # (B, nh, T, T), rows sum to 1
    y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, C)  # (B, nh, T, hs) -> (B, T, C)
    out, c_o = linear_forward(y, W_o, b_o)  # (B, T, C)
    return out, (c_qkv, q, k, v, att, c_o)


def attention_backward(dout, cache):
    """Back through the output projection, y = att v, the softmax, and q k^T / sqrt(hs)."""
    c_qkv, q, k, v, att, c_o = cache
    B, nh, T, hs = q.shape
    dy, g_o = linear_backward(dout, c_o)  # (B, T, C)
    dy = dy.reshape(B, T, nh, hs).transpose(0, 2, 1, 3)  # (B, nh, T, hs)
    datt = dy @ v.transpose(0, 1, 3, 2)  # (B, nh, T, T)
    dv = att.transpose(0, 1, 3, 2) @ dy  # (B, nh, T, hs)
    dscores = att * (datt - (datt * att).sum(axis=-1, keepdims=True))  # p (g - p.g)
    dq = dscores @ k / math.sqrt(hs)  # (B, nh, T, hs); masked: att = 0, so no gradient
    dk = dscores.transpose(0, 1, 3, 2) @ q / math.sqrt(hs)  # (B, nh, T, hs)
    dqkv = np.concatenate(
        [d.transpose(0, 2, 1, 3).reshape(B, T, nh * hs) for d in (dq, dk, dv)], axis=-1
    )  # (B, T, 3C)
    dx, g_qkv = linear_backward(dqkv, c_qkv)  # (B, T, C)
    return dx, {"W_qkv": g_qkv["W"], "b_qkv": g_qkv["b"], "W_o": g_o["W"], "b_o": g_o["b"]}


# --8<-- [end:attention]


# --8<-- [start:gelu]
GELU_S = math.sqrt(2.0 / math.pi)  # a Python float: keeps float32 arrays float32


def gelu_forward(x):
    """GPT-2's tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    t = np.tanh(GELU_S * (x + 0.044715 * x * x * x))  # (B, T, 4C); not x**3: see the entry
    return 0.5 * x * (1.0 + t), (x, t)


def gelu_backward(dout, cache):
    """d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)."""
    x, t = cache
    dt = (1 - t * t) * GELU_S * (1 + 3 * 0.044715 * x * x)  # d tanh(u)/dx
    return dout * (0.5 * (1 + t) + 0.5 * x * dt)


# --8<-- [end:gelu]


# --8<-- [start:block]
def block_forward(x, p, n_head):
    """One pre-norm transformer block; p holds its parameters without the h{l}. prefix."""
    a, c_ln1 = layernorm_forward(x, p["ln_1.g"], p["ln_1.b"])  # (B, T, C)
    a, c_att = attention_forward(
        a, p["attn.W_qkv"], p["attn.b_qkv"], p["attn.W_o"], p["attn.b_o"], n_head
    )
    x = x + a  # residual: the block adds to the stream, it does not replace it
    m, c_ln2 = layernorm_forward(x, p["ln_2.g"], p["ln_2.b"])  # (B, T, C)
    m, c_fc = linear_forward(m, p["mlp.W_fc"], p["mlp.b_fc"])  # (B, T, 4C)
    m, c_gelu = gelu_forward(m)  # (B, T, 4C)
    m, c_proj = linear_forward(m, p["mlp.W_proj"], p["mlp.b_proj"])  # (B, T, C)
    return x + m, (c_ln1, c_att, c_ln2, c_fc, c_gelu, c_proj)


def block_backward(dout, cache):
    """The residual's gradient flows straight through and each branch adds its own."""
    c_ln1, c_att, c_ln2, c_fc, c_gelu, c_proj = cache
    g = {}
    dm, gp = linear_backward(dout, c_proj)  # (B, T, 4C)
    g["mlp.W_proj"], g["mlp.b_proj"] = gp["W"], gp["b"]
    dm, gf = linear_backward(gelu_backward(dm, c_gelu), c_fc)  # (B, T, C)
    g["mlp.W_fc"], g["mlp.b_fc"] = gf["W"], gf["b"]
    dm, gl = layernorm_backward(dm, c_ln2)
    g["ln_2.g"], g["ln_2.b"] = gl["g"], gl["b"]
    dx = dout + dm  # (B, T, C): residual plus the MLP branch
    da, ga = attention_backward(dx, c_att)
    g.update({"attn." + k: v for k, v in ga.items()})
    da, gl = layernorm_backward(da, c_ln1)
    g["ln_1.g"], g["ln_1.b"] = gl["g"], gl["b"]
    return dx + da, g


# --8<-- [end:block]


# --8<-- [start:model]
def gpt_forward(params, idx, config, targets=None):
    """Logits at every position; mean cross-entropy over targets >= 0 (-1: ignored)."""
    B, T = idx.shape
    x = params["wte"][idx] + params["wpe"][:T]  # (B, T, C)
    caches = []
    for layer in range(config["n_layer"]):
        h = f"h{layer}."
        x, c = block_forward(x, {k: params[h + k] for k in BLOCK_PARAMS}, config["n_head"])
        caches.append(c)
    xf, c_lnf = layernorm_forward(x, params["ln_f.g"], params["ln_f.b"])  # (B, T, C)
    logits = xf @ params["wte"].T  # (B, T, C) @ (C, V) -> (B, T, V), tied weights
    if targets is None:
        return logits, None, None
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))  # (B, T, V) log-softmax
    keep = targets >= 0  # (B, T)
    n = int(keep.sum())
    y = np.maximum(targets, 0)[..., None]  # (B, T, 1)
    logp_y = np.take_along_axis(logp, y, axis=-1)[..., 0]  # (B, T)
    loss = -(logp_y * keep).sum() / n  # -1/n sum log p(target)
    return logits, loss, (idx, caches, c_lnf, xf, logp, targets, keep, n)


def gpt_backward(params, cache, config):
    """Gradients of the mean cross-entropy for every parameter, as a dict like params."""
    idx, caches, c_lnf, xf, logp, targets, keep, n = cache
    B, T = idx.shape
    dlogits = np.exp(logp)  # (B, T, V): d loss / d logits = (softmax - one_hot) / n
    dlogits[np.arange(B)[:, None], np.arange(T), np.maximum(targets, 0)] -= 1.0
    dlogits *= keep[..., None] / n  # ignored positions (target -1) contribute nothing
    V, C = params["wte"].shape
    grads = {"wte": dlogits.reshape(-1, V).T @ xf.reshape(-1, C)}  # (V, C): output's share
    dx, g = layernorm_backward(dlogits @ params["wte"], c_lnf)  # (B, T, C)
    grads["ln_f.g"], grads["ln_f.b"] = g["g"], g["b"]
    for layer in reversed(range(config["n_layer"])):
        dx, g = block_backward(dx, caches[layer])
        grads.update({f"h{layer}.{k}": v for k, v in g.items()})
    grads["wpe"] = np.zeros_like(params["wpe"])
    grads["wpe"][:T] = dx.sum(axis=0)  # (T, C)
    np.add.at(grads["wte"], idx, dx)  # the input's share: scatter-add into the rows used
    return grads


# --8<-- [end:model]


def num_params(params):
    """The number of scalars in the model."""
    return sum(p.size for p in params.values())


def activation_bytes(cache, params):
    """Bytes of every array a forward cache holds that is not a parameter: the activations that
    must stay in memory until the backward pass has used them."""
    seen = {id(p) for p in params.values()}  # parameters are referenced, not copied

    def walk(c):
        if isinstance(c, np.ndarray):
            if id(c) in seen:
                return 0
            seen.add(id(c))
            return c.nbytes
        if isinstance(c, (tuple, list)):
            return sum(walk(item) for item in c)
        return 0

    return walk(cache)


def sample(params, config, idx, num_new, rng, temperature=1.0):
    """Append num_new tokens to the (1, T) prompt idx, drawn from softmax(logits / temperature)."""
    for _ in range(num_new):
        logits, _, _ = gpt_forward(params, idx[:, -config["block_size"] :], config)
        z = logits[0, -1] / temperature  # (V,)
        p = np.exp(z - z.max())
        idx = np.concatenate([idx, [[rng.choice(len(p), p=p / p.sum())]]], axis=1)
    return idx


# --8<-- [start:checkpoint]
def save_checkpoint(path, params, config, chars):
    """Every parameter by name, the config as JSON and the vocabulary as one string."""
    np.savez(path, **params, config=json.dumps(config), chars=np.array(chars))


def load_checkpoint(path):
    """(params, config) from a file save_checkpoint wrote; config["chars"]: the vocabulary."""
    with np.load(path) as f:
        config = json.loads(str(f["config"]))
        config["chars"] = str(f["chars"])
        params = {k: f[k] for k in f.files if k not in ("config", "chars")}
    return params, config


# --8<-- [end:checkpoint]
