"""A KV cache for gpt.py's model: decoding that computes each position's keys and values once.

Without a cache, generating token t+1 runs the whole model over all t tokens again, although the
keys and values of tokens 1..t are exactly what the previous step computed: position i's k and v
depend only on tokens 1..i (causal mask). The cache keeps them, one (B, nh, T_max, hs) buffer per
layer for k and one for v, so each step runs the model on the one new token and attends from it to
the stored keys: memoization of a pure function of the prefix.

Cost per generated token at sequence length T (C channels, L layers, V characters), counting a
multiply-add as 2 FLOPs:
    uncached  L (24 C^2 T + 2 C T (T + 1)) + 2 C V T      the whole prefix again, every step
    cached    L (24 C^2 + 4 C T) + 2 C V                   one position, attending to T keys
24 C^2 = 2 (3 C^2 for q, k, v + C^2 output + 8 C^2 MLP); the attention terms are q.k and the
weighted sum of v, 2 C each per (query, key) pair; the causal prefix has T (T + 1) / 2 pairs.
kv_cache_check.py checks the cache against decoding without it; kv_cache_timing.py times both.
"""

import math

import numpy as np
from gpt import BLOCK_PARAMS, gelu_forward, gpt_forward, layernorm_forward
from sampling import draw, probs


# --8<-- [start:cache]
def new_cache(config, B, dtype=np.float64):
    """Empty key and value buffers for every layer, allocated once for block_size positions."""
    shape = (config["n_layer"], B, config["n_head"], config["block_size"],
             config["n_embd"] // config["n_head"])  # fmt: skip
    return {"k": np.zeros(shape, dtype), "v": np.zeros(shape, dtype), "len": 0}


def forward_cached(params, config, idx, cache):
    """Logits (B, t, V) of t new tokens idx (B, t) at positions len .. len + t - 1; their keys
    and values are written into the cache. With an empty cache this is the prefill."""
    B, t = idx.shape
    T0, nh, C = cache["len"], config["n_head"], config["n_embd"]
    hs, T1 = C // nh, cache["len"] + t
    assert T1 <= config["block_size"], "the cache is full: positions end at block_size"
    x = params["wte"][idx] + params["wpe"][T0:T1]  # (B, t, C)
    for layer in range(config["n_layer"]):
        p = {k: params[f"h{layer}.{k}"] for k in BLOCK_PARAMS}
        a, _ = layernorm_forward(x, p["ln_1.g"], p["ln_1.b"])  # (B, t, C)
        qkv = a @ p["attn.W_qkv"] + p["attn.b_qkv"]  # (B, t, 3C)
        q, k, v = (qkv[..., i * C : (i + 1) * C].reshape(B, t, nh, hs).transpose(0, 2, 1, 3)
                   for i in range(3))  # fmt: skip  # each (B, nh, t, hs)
        cache["k"][layer, :, :, T0:T1] = k  # memoize: computed once, read by every later step
        cache["v"][layer, :, :, T0:T1] = v
        K, Vs = cache["k"][layer, :, :, :T1], cache["v"][layer, :, :, :T1]  # (B, nh, T1, hs)
        scores = q @ K.transpose(0, 1, 3, 2) / math.sqrt(hs)  # (B, nh, t, T1)
        future = np.arange(T1)[None, :] > np.arange(T0, T1)[:, None]  # (t, T1): key after query
        scores = np.where(future, -np.inf, scores)
        att = np.exp(scores - scores.max(axis=-1, keepdims=True))
        att /= att.sum(axis=-1, keepdims=True)  # (B, nh, t, T1)
        y = (att @ Vs).transpose(0, 2, 1, 3).reshape(B, t, C)  # (B, t, C)
        x = x + y @ p["attn.W_o"] + p["attn.b_o"]  # residual
        m, _ = layernorm_forward(x, p["ln_2.g"], p["ln_2.b"])
        m, _ = gelu_forward(m @ p["mlp.W_fc"] + p["mlp.b_fc"])  # (B, t, 4C)
        x = x + m @ p["mlp.W_proj"] + p["mlp.b_proj"]  # (B, t, C)
    cache["len"] = T1
    xf, _ = layernorm_forward(x, params["ln_f.g"], params["ln_f.b"])
    return xf @ params["wte"].T  # (B, t, V), tied output layer


# --8<-- [end:cache]


# --8<-- [start:decode]
def decode_uncached(params, config, prompt, num_new, rng, temperature=1.0, top_k=None):
    """Every step runs the model over the whole sequence and keeps the last position's logits."""
    idx, logits_seen = np.array([prompt]), []  # (1, T0)
    for _ in range(num_new):
        logits, _, _ = gpt_forward(params, idx, config)  # (1, T, V): T positions recomputed
        logits_seen.append(logits[0, -1])
        nxt = draw(probs(logits[:, -1], temperature, top_k), [rng])  # (1,)
        idx = np.append(idx, nxt[:, None], axis=1)  # (1, T + 1)
    return idx[0].tolist(), np.array(logits_seen)  # tokens, (num_new, V)


def decode_cached(params, config, prompt, num_new, rng, temperature=1.0, top_k=None):
    """The prompt once (prefill), then one position per step against the cache."""
    cache = new_cache(config, 1, params["wte"].dtype)
    logits = forward_cached(params, config, np.array([prompt]), cache)[0, -1]  # (V,)
    tokens, logits_seen = list(prompt), []
    for _ in range(num_new):
        logits_seen.append(logits)
        tokens.append(int(draw(probs(logits[None], temperature, top_k), [rng])[0]))
        if len(logits_seen) < num_new:
            logits = forward_cached(params, config, np.array([[tokens[-1]]]), cache)[0, -1]
    return tokens, np.array(logits_seen)


# --8<-- [end:decode]


# --8<-- [start:generate]
def generate(params, config, prompts, num_new, seeds, temperature=1.0, top_k=None):
    """Continue each prompt (B, T0) by num_new tokens, row b drawing with seed seeds[b], with a
    cache. Past block_size (the positions the model knows), keep the last half of the context and
    prefill it again. temperature and top_k: numbers, or one per row.
    Returns tokens (B, T0 + num_new) and each draw's distribution (B, num_new, V)."""
    rngs = [np.random.default_rng(s) for s in seeds]
    idx = np.array(prompts)  # (B, T0)
    cache = new_cache(config, len(idx), params["wte"].dtype)
    logits, P = forward_cached(params, config, idx, cache)[:, -1], []  # (B, V)
    for _ in range(num_new):
        p = probs(logits, temperature, top_k)  # (B, V)
        P.append(p)
        nxt = draw(p, rngs)[:, None]  # (B, 1)
        idx = np.concatenate([idx, nxt], axis=1)  # (B, T + 1)
        if cache["len"] == config["block_size"]:  # full: restart from the last half
            cache = new_cache(config, len(idx), params["wte"].dtype)
            nxt = idx[:, -config["block_size"] // 2 :]  # (B, block_size / 2)
        logits = forward_cached(params, config, nxt, cache)[:, -1]  # (B, V)
    return idx, np.stack(P, axis=1)


# --8<-- [end:generate]


# --8<-- [start:flops]
def flops_per_token(config, T, cached):
    """FLOPs (2 per multiply-add) to produce the logits of position T (1-based) of a sequence."""
    C, L, V = config["n_embd"], config["n_layer"], config["vocab_size"]
    if cached:  # one position; its query meets T keys
        return L * (24 * C * C + 4 * C * T) + 2 * C * V
    return L * (24 * C * C * T + 2 * C * T * (T + 1)) + 2 * C * V * T  # all T positions


# --8<-- [end:flops]
