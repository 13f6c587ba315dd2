"""A character bigram model two ways: by counting, and by gradient descent on a table of logits.

Counting: P(b | a) = N[a, b] / sum_c N[a, c], the maximum-likelihood estimate.
Learning: P(b | a) = softmax(W[a])_b, with W a 27 x 27 table trained to minimise the mean
negative log-likelihood (NLL). Both describe the same family of models, so gradient descent should
land on the counts' NLL, which is the smallest NLL any bigram model can reach on the training text.
"""

import matplotlib.pyplot as plt
import numpy as np
from adam import Adam
from corpus import VOCAB, V, decode, train_val_ids
from layers import (
    embedding_backward,
    embedding_forward,
    flatten_backward,
    flatten_forward,
    softmax_cross_entropy_backward,
    softmax_cross_entropy_forward,
)


# --8<-- [start:count]
def count_bigrams(ids):
    """N[a, b] = how many times token b follows token a in the stream."""
    pair = ids[:-1] * V + ids[1:]  # (n-1,) each pair (a, b) as one number a*V + b
    return np.bincount(pair, minlength=V * V).reshape(V, V).astype(float)  # (V, V)


def count_model(N, alpha=0.0):
    """P[a, b] = (N[a, b] + alpha) / sum_c (N[a, c] + alpha): counts, optionally add-alpha smoothed."""
    return (N + alpha) / (N + alpha).sum(axis=1, keepdims=True)  # (V, V), rows sum to 1


def nll(P, ids):
    """Mean negative log-likelihood of a stream under the bigram table P: -1/n sum log P[a, b]."""
    return -np.log(P[ids[:-1], ids[1:]]).mean()


# --8<-- [end:count]


# --8<-- [start:neural]
def softmax_rows(W):
    """softmax of every row of a table of logits."""
    z = np.exp(W - W.max(axis=1, keepdims=True))  # (V, V)
    return z / z.sum(axis=1, keepdims=True)


def loss_and_grad_from_counts(W, N):
    """The mean NLL of the whole training stream under softmax(W), and its gradient, from N alone.

    loss = -1/n sum_ab N[a, b] log softmax(W[a])_b
    dW[a, b] = (N_a softmax(W[a])_b - N[a, b]) / n,  with N_a = sum_b N[a, b]
    Every example whose input is a contributes (p - one_hot(y)) to row a, so the sum over the
    n examples only needs how many times each pair occurred: the counts are a sufficient statistic.
    """
    n = N.sum()
    N_a = N.sum(axis=1, keepdims=True)  # (V, 1)
    P = softmax_rows(W)  # (V, V)
    loss = -(N * np.log(P)).sum() / n
    return loss, (N_a * P - N) / n  # (V, V)


def fit_neural_bigram(N, optimizer, lr, num_steps):
    """Train W from zeros by full-batch gradient descent ("sgd") or Adam; returns W and the losses."""
    W = np.zeros((V, V))  # (V, V) logits: every row starts uniform
    opt = Adam([W], lr=lr) if optimizer == "adam" else None
    losses = []
    for step in range(num_steps):
        loss, dW = loss_and_grad_from_counts(W, N)
        losses.append(loss)
        if opt is None:
            W -= lr * dW  # W <- W - lr dL/dW
        else:
            opt.step([dW], lr=lr * 0.5 * (1 + np.cos(np.pi * step / num_steps)))
    losses.append(loss_and_grad_from_counts(W, N)[0])
    return W, np.array(losses)


# --8<-- [end:neural]


# --8<-- [start:per_example]
def grad_from_examples(W, ids):
    """The same gradient the slow way: look up W[a] for every example, softmax, cross-entropy."""
    emb, c1 = embedding_forward(ids[:-1, None], {"C": W})  # (n, 1, V): one row of W per example
    logits, c2 = flatten_forward(emb)  # (n, V)
    loss, c3 = softmax_cross_entropy_forward(logits, ids[1:])
    dlogits = softmax_cross_entropy_backward(1.0, c3)  # (n, V) = (p - one_hot) / n
    _, grads = embedding_backward(flatten_backward(dlogits, c2)[0], c1)
    return loss, grads["C"]  # (V, V)


# --8<-- [end:per_example]


def row_gaps(P, Q):
    """How far each row of a learned table Q is from the counts' P: KL(P[a] || Q[a]) in nats."""
    ratio = np.where(P > 0, P / Q, 1.0)  # (V, V); pairs that never occur contribute 0
    return (P * np.log(ratio)).sum(axis=1)  # (V,)


def sample(P, length, rng):
    """Generate text by drawing each next character from the row of the previous one."""
    ids = [0]  # start after a space
    for _ in range(length):
        ids.append(rng.choice(V, p=P[ids[-1]]))
    return decode(ids[1:])


def plot_losses(target, runs):
    """The gap between each learned model's NLL and the counts' NLL, against the step (log scale)."""
    fig, ax = plt.subplots(figsize=(4.2, 3.0), num="convergence")
    for i, (label, losses) in enumerate(runs.items()):
        ax.plot(losses - target, color=plt.cm.tab10(i), label=label)
    ax.set_yscale("log")
    ax.set_xlabel("full-batch step")
    ax.set_ylabel("NLL minus counts' NLL (nats)")
    ax.legend(fontsize=7)
    fig.tight_layout()


def plot_table(P):
    """The count model as a heat map: row = previous character, column = next character."""
    fig, ax = plt.subplots(figsize=(3.8, 3.4), num="table")
    im = ax.imshow(np.log10(P + 1e-6), cmap="viridis", vmin=-4, vmax=0)
    labels = ["␣"] + list(VOCAB[1:])
    ax.set_xticks(range(V), labels, fontsize=6)
    ax.set_yticks(range(V), labels, fontsize=6)
    ax.set_xlabel("next character")
    ax.set_ylabel("previous character")
    fig.colorbar(im, ax=ax, label="log10 P(next | previous)", shrink=0.8)
    fig.tight_layout()


# --8<-- [start:main]
def main(num_steps=1000, plot=True):
    train, val = train_val_ids()  # (n_train,), (n_val,)
    N = count_bigrams(train)  # (V, V)
    P = count_model(N)  # maximum likelihood
    P_smooth = count_model(N, alpha=1.0)  # add-one, so unseen pairs in val get P > 0
    train_nll = nll(P, train)
    val_nll = nll(P_smooth, val)
    print(
        f"count model: train NLL {train_nll:.4f} nats (uniform: {np.log(V):.4f}); "
        f"held-out NLL {val_nll:.4f} (add-one smoothing)"
    )
    print(f"{int((N == 0).sum())} of {V * V} pairs never occur in the training text")

    # The counts give the same gradient as the examples: check on the first 100,000 characters.
    head = train[:100_000]
    W_test = np.random.default_rng(0).standard_normal((V, V))
    _, g_counts = loss_and_grad_from_counts(W_test, count_bigrams(head))
    _, g_examples = grad_from_examples(W_test, head)
    grad_diff = np.abs(g_counts - g_examples).max()
    print(
        f"gradient from counts vs from {len(head) - 1:,} examples: max difference {grad_diff:.1e}"
    )

    W_gd, loss_gd = fit_neural_bigram(N, "sgd", lr=50.0, num_steps=num_steps)
    W_adam, loss_adam = fit_neural_bigram(N, "adam", lr=1.0, num_steps=num_steps)
    gap_gd, gap_adam = loss_gd[-1] - train_nll, loss_adam[-1] - train_nll
    print(
        f"neural bigram after {num_steps} steps: gradient descent NLL {loss_gd[-1]:.6f} "
        f"(gap {gap_gd:.1e}), Adam NLL {loss_adam[-1]:.6f} (gap {gap_adam:.1e})"
    )
    row_err = np.abs(softmax_rows(W_adam) - P).max()
    # pairs the counts give probability 0 (in rows that occur): a finite W never reaches 0, so
    # the NLL's infimum is approached, never attained
    unseen = (N == 0) & (N.sum(axis=1, keepdims=True) > 0)  # (V, V)
    unseen_p_max = float(softmax_rows(W_adam)[unseen].max())
    print(f"largest probability Adam's table still gives a pair never seen: {unseen_p_max:.1e}")
    print(f"largest difference between Adam's table and the counts' table: {row_err:.1e}")
    slowest = ", ".join(VOCAB[i] for i in np.argsort(-row_gaps(P, softmax_rows(W_gd)))[:4])
    print(f"rows furthest from the counts after gradient descent: {slowest}")
    text = sample(P, 80, np.random.default_rng(1))
    print("a sample from the count model:", repr(text))
    if plot:
        plot_losses(
            train_nll, {"gradient descent, lr 50": loss_gd, "Adam, lr 1, cosine": loss_adam}
        )
        plot_table(P)
    return {
        "n_train": len(train),
        "n_val": len(val),
        "zero_pairs": int((N == 0).sum()),
        "unseen_p_max": unseen_p_max,
        "train_nll": float(train_nll),
        "val_nll": float(val_nll),
        "uniform_nll": float(np.log(V)),
        "grad_diff": float(grad_diff),
        "gd_nll": float(loss_gd[-1]),
        "adam_nll": float(loss_adam[-1]),
        "gap_gd": float(gap_gd),
        "gap_adam": float(gap_adam),
        "table_diff": float(row_err),
        "sample": text,
        "num_steps": num_steps,
        "n_check": len(head) - 1,
        "slowest_rows": slowest,
        "vocab_size": V,
        "n_pairs": V * V,
        "n_trigram_rows": V**3,
    }


# --8<-- [end:main]


if __name__ == "__main__":
    main()
