"""Sampling from a language model: temperature and top-k, and what they do to the text.

The model gives logits z over the V characters; sampling draws the next one from
p_i = exp(z_i / tau) / sum_j exp(z_j / tau), after keeping only the k largest logits (top-k, Fan,
Lewis and Dauphin 2018). tau -> 0 is greedy decoding (argmax), tau = 1 the model's own distribution,
tau > 1 flattens it. What that does to the
text is measured (sampling_sweep.py) by the entropy of the distribution each character was drawn
from, how repetitive the text is (distinct 4-grams over all 4-grams), and how many of its words
occur in the training text.
"""

import numpy as np


# --8<-- [start:probs]
def probs(logits, temperature=1.0, top_k=None):
    """The distribution to sample from: softmax(z / tau) over the top_k largest logits, on the
    last axis of (..., V). temperature and top_k are numbers or one per row (...,);
    temperature 0 keeps only the largest logit (greedy)."""
    z = np.asarray(logits, dtype=np.float64)  # (..., V)
    V = z.shape[-1]
    tau = np.asarray(temperature, dtype=np.float64)[..., None]  # (..., 1) or (1,)
    k = np.asarray(V if top_k is None else top_k)[..., None]  # (..., 1) or (1,)
    k = np.broadcast_to(np.where(tau == 0, 1, np.minimum(k, V)), z.shape[:-1] + (1,))
    kth = np.take_along_axis(np.sort(z, axis=-1), V - k, axis=-1)  # (..., 1): k-th largest
    z = np.where(z < kth, -np.inf, z / np.where(tau == 0, 1.0, tau))  # the rest: never drawn
    p = np.exp(z - z.max(axis=-1, keepdims=True))  # (..., V)
    return p / p.sum(axis=-1, keepdims=True)


def draw(p, rngs):
    """One index per row of p (B, V), row b by inverting its CDF at a uniform from rngs[b]."""
    u = np.array([rng.random() for rng in rngs])  # (B,)
    c = np.cumsum(p, axis=-1)  # (B, V); an index of probability 0 has c[i] == c[i - 1]
    return (c <= (u * c[:, -1])[:, None]).sum(axis=-1)  # (B,): the first i with c[i] > u


# --8<-- [end:probs]


def entropy(p):
    """H(p) = -sum p log p in nats, over the last axis (0 log 0 = 0)."""
    logp = np.log(np.where(p > 0, p, 1.0))
    return -(p * logp).sum(axis=-1)


# --8<-- [start:measures]
def distinct_ngrams(text, n=4):
    """Distinct n-grams over all n-grams: 1 when nothing repeats, small for a loop."""
    grams = [text[i : i + n] for i in range(len(text) - n + 1)]
    return len(set(grams)) / len(grams)


def real_word_rate(text, words):
    """Fraction of the whole words of a sample (not the first and last) found in `words`."""
    inner = text.split()[1:-1]
    return sum(w in words for w in inner) / max(1, len(inner))


# --8<-- [end:measures]
