"""Scaled dot-product attention, the causal mask and multi-head attention, forward and backward,
after "Attention Is All You Need" (Vaswani et al., 2017):

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d) + M) V,    M_ij = -inf where key j is in the future

Each query row asks every key how well it matches (a dot product), turns the scores into weights
that sum to one (a softmax), and returns the weighted sum of the values: a soft key-value lookup.
Shapes: q, k, v are (..., T, d); multi-head attention works on x of shape (B, T, C), C = H * D.
"""

import numpy as np


# --8<-- [start:attention]
def softmax(s):
    """softmax over the last axis, stable: exp(s - max) / sum exp(s - max)."""
    z = np.exp(s - s.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def causal_mask(T):
    """(T, T) booleans: True where query i may look at key j, that is j <= i."""
    return np.tril(np.ones((T, T), dtype=bool))


def attention(q, k, v, causal=False, scale=True):
    """softmax(q k^T / sqrt(d)) v for q, k, v of shape (..., T, d); returns (out, cache)."""
    c = 1 / np.sqrt(q.shape[-1]) if scale else 1.0
    s = c * (q @ np.swapaxes(k, -1, -2))  # (..., T, T) s_ij = q_i . k_j / sqrt(d)
    if causal:
        s = np.where(causal_mask(q.shape[-2]), s, -np.inf)  # the future scores exp(-inf) = 0
    a = softmax(s)  # (..., T, T) each row sums to 1
    return a @ v, (q, k, v, a, c)  # (..., T, d) out_i = sum_j a_ij v_j


# --8<-- [end:attention]


# --8<-- [start:backward]
def attention_backward(dout, cache):
    """Gradients of the loss with respect to q, k, v, given dL/dout."""
    q, k, v, a, c = cache
    dv = np.swapaxes(a, -1, -2) @ dout  # (..., T, d)
    da = dout @ np.swapaxes(v, -1, -2)  # (..., T, T)
    ds = a * (da - (da * a).sum(axis=-1, keepdims=True))  # softmax: J = diag(a) - a a^T
    dq = c * (ds @ k)  # (..., T, d); masked entries have a = 0, so ds = 0 there
    dk = c * (np.swapaxes(ds, -1, -2) @ q)  # (..., T, d)
    return dq, dk, dv


# --8<-- [end:backward]


# --8<-- [start:multihead]
def init_multihead(C, rng):
    """Four (C, C) projections, scaled so that x W keeps x's variance."""
    return {name: rng.standard_normal((C, C)) / np.sqrt(C) for name in ("Wq", "Wk", "Wv", "Wo")}


def split_heads(x, H):
    """(B, T, C) -> (B, H, T, C/H): head h sees columns h*D .. (h+1)*D - 1 of every row."""
    B, T, C = x.shape
    return x.reshape(B, T, H, C // H).transpose(0, 2, 1, 3)


def merge_heads(x):
    """(B, H, T, D) -> (B, T, H*D), the inverse of split_heads."""
    B, H, T, D = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, T, H * D)


def multihead(x, params, H, causal=True):
    """H attention heads of width C/H side by side, then an output projection."""
    q = split_heads(x @ params["Wq"], H)  # (B, H, T, D)
    k = split_heads(x @ params["Wk"], H)  # (B, H, T, D)
    v = split_heads(x @ params["Wv"], H)  # (B, H, T, D)
    o, att = attention(q, k, v, causal=causal)  # (B, H, T, D), one T x T matrix per head
    y = merge_heads(o) @ params["Wo"]  # (B, T, C)
    return y, (x, params, H, att, merge_heads(o))


def multihead_backward(dy, cache):
    """dL/dx and dL/dW for every projection, given dL/dy."""
    x, params, H, att, o = cache
    grads = {"Wo": np.einsum("btc,bte->ce", o, dy)}  # (C, C) sum over batch and time
    do = split_heads(dy @ params["Wo"].T, H)  # (B, H, T, D)
    dq, dk, dv = attention_backward(do, att)
    dx = np.zeros_like(x)
    for name, d in (("Wq", dq), ("Wk", dk), ("Wv", dv)):
        d = merge_heads(d)  # (B, T, C)
        grads[name] = np.einsum("btc,bte->ce", x, d)
        dx += d @ params[name].T
    return dx, grads


# --8<-- [end:multihead]


# --8<-- [start:blocked]
def attention_blocked(q, k, v, block, causal=True):
    """The same output, reading the keys block by block with a running max m and sum l (the
    online softmax): it never holds more than T x block scores, instead of T x T."""
    T, d = q.shape[-2:]
    m = np.full(q.shape[:-1], -np.inf)  # (..., T) running max of each query's scores
    l = np.zeros(q.shape[:-1])  # (..., T) running sum of exp(score - m)
    out = np.zeros(q.shape)  # (..., T, d) running sum of exp(score - m) v
    for j in range(0, T, block):
        s = (q @ np.swapaxes(k[..., j : j + block, :], -1, -2)) / np.sqrt(d)  # (..., T, block)
        if causal:  # key j + c is visible to query i when j + c <= i
            s = np.where(np.arange(T)[:, None] >= np.arange(j, min(j + block, T)), s, -np.inf)
        m_new = np.maximum(m, s.max(axis=-1))  # block 0 holds key 0, so m_new is finite
        p = np.exp(s - m_new[..., None])  # (..., T, block)
        rescale = np.exp(m - m_new)  # the old sums were relative to the old max
        l = l * rescale + p.sum(axis=-1)
        out = out * rescale[..., None] + p @ v[..., j : j + block, :]
        m = m_new
    return out / l[..., None]


# --8<-- [end:blocked]


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 8, 16))  # (B, T, C)
    y, _ = multihead(x, init_multihead(16, rng), H=4)
    print(y.shape)
