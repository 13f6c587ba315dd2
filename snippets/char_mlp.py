"""A character-level MLP language model over learned embeddings (Bengio et al., 2003, in miniature).

The previous T characters are each looked up in a table C of learned E-dimensional vectors,
concatenated, passed through one tanh hidden layer, and mapped to logits over the next character:

    x = [C[c_{t-3}], C[c_{t-2}], C[c_{t-1}]]       (T*E,)
    h = tanh(x W1 + b1)                             (H,)
    P(c_t | context) = softmax(h W2 + b2)           (V,)

It is trained with the layers, the MLP loop and the Adam of the backprop entry, unchanged.
"""

import itertools

import matplotlib.pyplot as plt
import numpy as np
from bigram import count_bigrams, count_model, nll
from corpus import VOCAB, V, decode, train_val_ids
from layers import embedding_init, linear_init
from mlp import forward, mean_loss, train


# --8<-- [start:model]
def contexts(ids, T):
    """Every window of T characters and the character after it: X (n-T, T), y (n-T,)."""
    X = np.lib.stride_tricks.sliding_window_view(ids[:-1], T)  # (n-T, T), a view, no copy
    return X, ids[T:]


def init_char_mlp(T, E, H, rng):
    """Embedding table, flatten, tanh hidden layer, output logits: a list of (kind, params)."""
    return [
        ("embedding", embedding_init(V, E, rng)),  # C: (V, E)
        ("flatten", {}),  # (B, T, E) -> (B, T*E)
        ("linear", linear_init(T * E, H, rng, gain=5 / 3)),  # W1: (T*E, H)
        ("tanh", {}),
        ("linear", linear_init(H, V, rng, gain=0.1)),  # W2: (H, V), small: start near uniform
    ]


# --8<-- [end:model]


def generate(model, T, length, rng):
    """Sample characters one at a time, each conditioned on the T before it."""
    ids = [0] * T  # start from spaces
    for _ in range(length):
        logits = forward(model, np.array([ids[-T:]]))[0][0]  # (V,)
        p = np.exp(logits - logits.max())
        ids.append(rng.choice(V, p=p / p.sum()))
    return decode(ids[T:])


def embedding_map(C):
    """Project the embedding vectors onto their top two principal directions (PCA by SVD)."""
    Cc = C - C.mean(axis=0)  # (V, E) centred
    U, S, Vt = np.linalg.svd(Cc, full_matrices=False)
    return Cc @ Vt[:2].T, S**2 / (S**2).sum()  # (V, 2), explained variance ratios


def vowel_distances(C):
    """Mean Euclidean distance between two vowels' vectors, and between a vowel's and a consonant's."""
    vowels = [VOCAB.index(c) for c in "aeiou"]
    consonants = [i for i in range(1, V) if i not in vowels]  # every letter but the vowels
    D = np.linalg.norm(C[:, None, :] - C[None, :, :], axis=-1)  # (V, V) pairwise distances
    vv = D[np.ix_(vowels, vowels)][np.triu_indices(len(vowels), k=1)].mean()
    vc = D[np.ix_(vowels, consonants)].mean()
    return vv, vc


# --8<-- [start:permutation]
def set_closeness(D, sets):
    """For each set of letters (rows of `sets`, (S, k)): mean distance within the set divided by
    mean distance from the set to the other letters. Below 1: the set sits together."""
    n, k = len(D), sets.shape[1]
    i, j = np.triu_indices(k, k=1)
    within = D[sets[:, i], sets[:, j]].sum(axis=1)  # (S,) sum over the k(k-1)/2 pairs
    to_all = D.sum(axis=1)[sets].sum(axis=1)  # (S,) members to every letter (themselves: 0)
    between = to_all - 2 * within  # (S,) members to non-members
    return (within / len(i)) / (between / (k * (n - k)))


def vowel_permutation_test(C):
    """The vowels' closeness against every other set of five letters (an exact permutation test):
    p = the fraction of the C(26, 5) sets that sit at least as close together as the vowels."""
    letters = np.arange(1, V)  # the 26 letters (index 0 is the space)
    D = np.linalg.norm(C[letters, None] - C[None, letters], axis=-1)  # (26, 26) distances
    sets = np.array(list(itertools.combinations(range(len(letters)), 5)))  # (65780, 5)
    scores = set_closeness(D, sets)  # (65780,)
    vowels = [VOCAB.index(c) - 1 for c in "aeiou"]  # their rows of D
    score = scores[np.flatnonzero((sets == vowels).all(axis=1))[0]]  # the vowels are one set
    return float(score), float(np.mean(scores <= score)), len(sets), float(np.mean(scores < 1))


# --8<-- [end:permutation]


def plot_curves(history, bigram_val, steps_per_eval):
    """Training loss (thin, averaged over windows) and held-out loss, with the bigram's as a line."""
    fig, ax = plt.subplots(figsize=(4.2, 3.0), num="curves")
    tr = np.array(history["train"])
    k = steps_per_eval
    smooth = tr[: len(tr) // k * k].reshape(-1, k).mean(axis=1)  # mean of each window of k steps
    ax.plot(
        np.arange(len(smooth)) * k + k / 2,
        smooth,
        color=plt.cm.tab10(0),
        lw=1,
        label="MLP, training (window mean)",
    )
    ax.plot(history["val_step"], history["val"], color=plt.cm.tab10(1), lw=2, label="MLP, held-out")
    ax.axhline(bigram_val, color=plt.cm.tab10(2), ls="--", label="count bigram, held-out")
    ax.set_ylim(1.3, 3.4)
    ax.set_xlabel("Adam step (batch of 128)")
    ax.set_ylabel("NLL (nats per character)")
    ax.legend(fontsize=7)
    fig.tight_layout()


def plot_embeddings(C):
    """The 27 learned character vectors in 2-D: vowels in one colour, consonants in another."""
    Z, ratio = embedding_map(C)
    fig, ax = plt.subplots(figsize=(4.4, 3.0), num="embeddings")
    kinds = np.array([0 if ch in "aeiou" else (2 if ch == " " else 1) for ch in VOCAB])  # (V,)
    for kind, name in enumerate(["vowel", "consonant", "space"]):
        ax.scatter(
            *Z[kinds == kind].T,
            s=60,
            color=plt.cm.tab10(kind),
            alpha=0.35,
            edgecolors="none",
            label=name,
        )
    for i, ch in enumerate(VOCAB):
        if ch == " ":  # no glyph for a space: name it beside its marker
            ax.annotate("space", Z[i], xytext=(7, 0), textcoords="offset points", fontsize=7,
                        ha="left", va="center")  # fmt: skip
        else:
            ax.annotate(ch, Z[i], ha="center", va="center", fontsize=8)
    ax.legend(
        fontsize=7, markerscale=0.6, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False
    )
    ax.set_xlabel(f"PC 1 ({ratio[0]:.0%} of variance)")
    ax.set_ylabel(f"PC 2 ({ratio[1]:.0%})")
    fig.tight_layout()
    return ratio


# --8<-- [start:main]
def main(seed=0, T=3, E=8, H=128, num_steps=2000, plot=True):
    rng = np.random.default_rng(seed)
    train_ids, val_ids = train_val_ids()
    X_tr, y_tr = contexts(train_ids, T)  # (n_train-T, T), (n_train-T,)
    X_val, y_val = contexts(val_ids, T)
    bigram_val = nll(count_model(count_bigrams(train_ids), alpha=1.0), val_ids)

    model = init_char_mlp(T, E, H, rng)
    n_params = sum(p.size for _, params in model for p in params.values())
    sub = rng.choice(len(y_val), size=5000, replace=False)  # a fixed held-out sample for the curve
    history = train(
        model,
        X_tr,
        y_tr,
        rng,
        num_steps=num_steps,
        lr=0.01,
        batch_size=128,
        X_val=X_val[sub],
        y_val=y_val[sub],
        eval_every=250,
    )
    train_loss = mean_loss(model, X_tr[::10], y_tr[::10])  # every 10th window: enough, and quick
    val_loss = mean_loss(model, X_val, y_val)
    print(
        f"context {T}, embeddings {E}-d, hidden {H}: {n_params:,} parameters, "
        f"{num_steps} steps of 128 windows"
    )
    print(
        f"held-out NLL: MLP {val_loss:.4f} vs count bigram {bigram_val:.4f} nats per character "
        f"(train NLL of the MLP {train_loss:.4f})"
    )
    text = generate(model, T, 80, np.random.default_rng(1))
    print("a sample from the MLP:", repr(text))
    vv, vc = vowel_distances(model[0][1]["C"])
    print(f"mean distance vowel-vowel {vv:.2f}, vowel-consonant {vc:.2f} (in {E}-d)")
    closeness, p, n_sets, below_one = vowel_permutation_test(model[0][1]["C"])
    print(f"vowels' closeness {closeness:.3f}; sets of five letters at least as close: {p:.1%}")
    values = {
        "val_nll": float(val_loss),
        "train_nll": float(train_loss),
        "bigram_val_nll": float(bigram_val),
        "n_params": n_params,
        "num_steps": num_steps,
        "T": T,
        "E": E,
        "H": H,
        "perplexity": float(np.exp(val_loss)),
        "bigram_perplexity": float(np.exp(bigram_val)),
        "sample": text,
        "vowel_vowel": float(vv),
        "vowel_consonant": float(vc),
        "vowel_closeness": closeness,
        "vowel_p": p,
        "n_sets": n_sets,
        "sets_below_one": below_one,
    }
    if plot:
        plot_curves(history, bigram_val, steps_per_eval=250)
        ratio = plot_embeddings(model[0][1]["C"])
        values["pc_variance"] = float(ratio[:2].sum())
    return values


# --8<-- [end:main]


def vowels_over_seeds(seeds=(1, 2, 3)):
    """The same model and test from other seeds: is the vowels' closeness a property of the
    language, or of one initialisation?"""
    out = {}
    for seed in seeds:
        v = main(seed=seed, plot=False)
        out |= {f"{k}_{seed}": v[k] for k in ("vowel_vowel", "vowel_consonant", "vowel_p")}
        out[f"val_nll_{seed}"] = v["val_nll"]
        out[f"bigram_val_nll_{seed}"] = v["bigram_val_nll"]
    ps = [out[f"vowel_p_{seed}"] for seed in seeds]
    out |= {"seeds": len(seeds), "p_lo": min(ps), "p_hi": max(ps)}
    out["ordered"] = sum(out[f"vowel_vowel_{s}"] < out[f"vowel_consonant_{s}"] for s in seeds)
    return out


if __name__ == "__main__":
    main()
