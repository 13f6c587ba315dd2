"""A probe set for retrieval over Python's help pages, recall@k for three retrievers, and what
happens to the index as the corpus grows.

The corpus is pydoc_data.topics (the text behind help("topics"), about 80 titled sections). A probe
is one prose sentence taken out of a section: the sentence is the question, its section is the
answer, and the sentence is removed from the text before anything is chunked, indexed or fitted,
so no retriever has seen it. A retriever finds the answer at k if any of its top k passages comes
from that section.
"""

import re
import textwrap
import time
from collections import Counter
from functools import cache
from pydoc_data.topics import topics

import matplotlib.pyplot as plt
import numpy as np
from retrieval import LSA, Index, assemble_prompt, chunk

KS = np.arange(1, 21)  # the k of recall@k


def sentences(text):
    """Prose sentences of 8 to 40 words, with no code or grammar in them."""
    flat = re.sub(r"\s+", " ", text)
    out = []
    for s in re.split(r"(?<=[.?!])\s+(?=[A-Z])", flat):
        words = s.split()
        if 8 <= len(words) <= 40 and not re.search(r"::=|>>>|\*\*\*|\.\.\.|[{}]", s):
            out.append(s)
    return out


@cache
def flat_sections():
    """Every section with its whitespace runs as single spaces, and its sentences that occur
    exactly once in the whole help text (a copy left anywhere would leak the answer).

    A sentence that occurs twice has its 2nd to 7th words twice in a row somewhere else, whatever
    stands around the copy, so a sentence whose run of those six words is unique is unique."""
    flat = {name: re.sub(r"\s+", " ", topics[name]) for name in sorted(topics)}
    words = " \n ".join(flat.values()).split()
    runs = Counter(
        zip(*(words[i:] for i in range(6)), strict=False)
    )  # every run of six words, counted
    sents = {name: sentences(text) for name, text in flat.items()}
    return flat, {
        name: [s for s in ss if runs[tuple(s.split()[1:7])] == 1] for name, ss in sents.items()
    }


# --8<-- [start:probes]
def probe_set(rng, per_section=8, size=100):
    """Hold out up to `per_section` sentences of every section, then chunk what is left.

    A probe is (sentence, id of the passage the sentence was cut from). Sentences that occur more
    than once in the help pages are never picked: a copy left elsewhere would leak the answer.
    Returns the probes and the passages {id: text}."""
    flat, sents = flat_sections()
    probes, passages = [], {}
    for name, text in flat.items():
        cands = sents[name]
        pick = rng.choice(len(cands), size=min(per_section, len(cands)), replace=False)
        held = sorted((text.index(cands[i]), cands[i]) for i in pick)  # in reading order
        kept, where, last, removed = [], [], 0, 0
        for at, s in held:
            kept.append(text[last:at])
            where.append(len(text[:at].split()) - removed)  # word position of the hole
            removed += len(s.split())
            last = at + len(s)
        kept.append(text[last:])
        section = chunk(name, " ".join(kept), size)  # held out: never indexed, never fitted
        passages.update(section)
        probes += [
            (s, section[min(p // size, len(section) - 1)][0])
            for p, (_, s) in zip(where, held, strict=True)
        ]
    return probes, passages


# --8<-- [end:probes]


# --8<-- [start:recall]
def hits_at_k(score_fn, probes, labels, ks=KS):
    """(probes, len(ks)) booleans: is the answer among the labels of the top k passages?

    labels[j] names passage j: its id (the exact passage must come back) or its section."""
    out = np.zeros((len(probes), len(ks)), dtype=bool)
    for i, (question, answer) in enumerate(probes):
        scores = score_fn(question)  # (n,)
        top = np.argpartition(-scores, ks.max())[: ks.max()]  # the best k, unordered
        top = top[np.argsort(-scores[top], kind="stable")]  # best passages first
        rank = np.flatnonzero(labels[top] == answer)  # positions holding the answer
        if len(rank):
            out[i] = ks > rank[0]
    return out


def bootstrap_diff(hits_a, hits_b, rng, n_boot=2000):
    """Recall of a minus recall of b, and its 95% interval, resampling probes with replacement."""
    d = hits_a.astype(float) - hits_b.astype(float)  # (probes, ks) paired differences
    n = len(d)
    draws = rng.integers(0, n, size=(n_boot, n)) + n * np.arange(n_boot)[:, None]  # (n_boot, n)
    counts = np.bincount(draws.ravel(), minlength=n_boot * n).reshape(n_boot, n)  # times drawn
    boot = counts @ d / n  # (n_boot, ks) the difference on each resampled probe set
    return d.mean(axis=0), np.percentile(boot, [2.5, 97.5], axis=0)  # (ks,), (2, ks)


# --8<-- [end:recall]


def evaluate(seed, r=100):
    """One probe set (chosen by seed) and each retriever's hits: {name: (probes, ks) booleans}."""
    probes, passages = probe_set(np.random.default_rng(seed))
    index = Index.build(list(passages.values()))
    lsa = LSA.fit(index, r=r)
    fns = {"TF-IDF": index.tfidf, "BM25": index.bm25, "LSA": lsa.scores}
    ids = np.array(list(passages))  # (n,) passage ids, in index order
    return probes, passages, index, lsa, {k: hits_at_k(f, probes, ids) for k, f in fns.items()}


def section_hits(score_fn, probes, passages):
    """Hits when any passage of the answer's section counts (the first, too easy, probe set)."""
    sections = np.array([pid.rsplit(":", 1)[0] for pid in passages])  # (n,)
    return hits_at_k(score_fn, [(q, a.rsplit(":", 1)[0]) for q, a in probes], sections)


def latency(fn, questions, repeats=3):
    """Seconds per query: the best of a few timed passes over the same questions."""
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        for q in questions:
            fn(q)
        best = min(best, (time.perf_counter() - t0) / len(questions))
    return best


def plot_recall(hits):
    fig, ax = plt.subplots(figsize=(4.2, 3.0), num="recall")
    styles = {"TF-IDF": "-", "BM25": "--", "LSA": ":"}
    for i, (name, h) in enumerate(hits.items()):
        ax.plot(KS, h.mean(axis=0), styles[name], marker="o", ms=3, color=f"C{i}", label=name)
    ax.set_xlabel("k (passages retrieved)")
    ax.set_ylabel("recall@k")
    ax.set_xticks([1, 5, 10, 15, 20])
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    fig.tight_layout()


def plot_growth(sizes, lat):
    fig, ax = plt.subplots(figsize=(4.2, 3.0), num="growth")
    for i, (name, t) in enumerate(lat.items()):
        ax.plot(sizes, np.array(t) * 1e6, marker="o", ms=3, color=f"C{i + 1}", label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("passages in the index")
    ax.set_ylabel("time per query (µs)")
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()


def main():
    t0, c0 = time.perf_counter(), time.process_time()
    probes, passages, index, lsa, hits = evaluate(seed=0)
    out = {"n_sections": len(topics), "n_passages": len(passages), "n_probes": len(probes)}
    out["vocab"] = len(index.vocab)
    out["mean_len"] = float(index.doc_len.mean())
    out["len_cv"] = float(index.doc_len.std() / index.doc_len.mean())
    for name, h in hits.items():
        key = name.lower().replace("-", "")
        for k in (1, 5, 10, 20):
            out[f"{key}_r{k}"] = float(h[:, k - 1].mean())
    rng = np.random.default_rng(1)
    for a, b, key in (("BM25", "TF-IDF", "bm"), ("LSA", "BM25", "lsa")):
        diff, ci = bootstrap_diff(hits[a], hits[b], rng)
        for k in (1, 5, 10):
            out[f"{key}_d{k}"], out[f"{key}_d{k}_lo"], out[f"{key}_d{k}_hi"] = (
                diff[k - 1],
                *ci[:, k - 1],
            )
    # the first probe set: any passage of the right section counts
    for name, fn in (("tfidf", index.tfidf), ("bm25", index.bm25)):
        h = section_hits(fn, probes, passages)
        out[f"sec_{name}_r1"], out[f"sec_{name}_r5"] = float(h[:, 0].mean()), float(h[:, 4].mean())
    # BM25 without length normalisation (b = 0): does b matter on passages of equal length?
    flat_index = Index.build(list(passages.values()), b=0.0)
    out["bm25_b0_r5"] = float(
        hits_at_k(flat_index.bm25, probes, np.array(list(passages)))[:, 4].mean()
    )
    # the dead end: str.replace on the raw text finds few sentences (lines wrap inside them) ...
    out["raw_found"] = float(np.mean([q in topics[a.rsplit(":", 1)[0]] for q, a in probes]))
    # ... so they stayed: the same probes against passages that still contain them
    flat, _ = flat_sections()
    leaky = dict(p for name, text in flat.items() for p in chunk(name, text))
    leaky_index = Index.build(list(leaky.values()))
    for name, fn in (("tfidf", leaky_index.tfidf), ("bm25", leaky_index.bm25)):
        out[f"leak_{name}_r1"] = float(section_hits(fn, probes, leaky)[:, 0].mean())
    # a prompt: the first probe (in section order) whose answer BM25 ranks first
    ids = np.array(list(passages))  # (n,)
    first = int(np.flatnonzero(hits["BM25"][:, 0])[0])
    question, answer = probes[first]
    top = ids[np.argsort(-index.bm25(question), kind="stable")[:5]]  # BM25's top five
    prompt, cited = assemble_prompt(question, top, passages, budget=2000)
    out["prompt_probe"], out["prompt_chars"], out["n_cited"] = first + 1, len(prompt), len(cited)
    out["prompt_answer"], out["prompt_cited"] = answer, ", ".join(cited)
    out["prompt_skipped"] = ", ".join(p for p in top if p not in cited)
    for line in prompt.split("\n"):  # the prompt as the model gets it, wrapped for the page
        print(textwrap.fill(line, 88, break_long_words=False) if line else "")
    print()
    plot_recall(hits)
    print(f"{len(probes)} probes, {len(passages)} passages   recall@k")
    print("k        " + "".join(f"{k:>8}" for k in (1, 5, 10, 20)))
    for name, h in hits.items():
        print(f"{name:<9}" + "".join(f"{h[:, k - 1].mean():8.3f}" for k in (1, 5, 10, 20)))
    out["seconds"], out["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
    return out


def over_seeds(seeds=(1, 2, 3, 4)):
    """The comparisons on fresh probe sets: each seed holds out different sentences."""
    t0, c0 = time.perf_counter(), time.process_time()
    rows = []
    for seed in seeds:
        _, _, _, _, hits = evaluate(seed)
        row = [seed]
        for a, b in (("BM25", "TF-IDF"), ("LSA", "BM25")):
            diff, ci = bootstrap_diff(hits[a], hits[b], np.random.default_rng(seed))
            row += [diff[4], ci[0, 4], ci[1, 4]]
        rows.append(row)
    R = np.array(rows)  # (seeds, 7)
    print("seed   BM25 - TF-IDF at k=5 [95% CI]   LSA - BM25 at k=5 [95% CI]")
    for r in R:
        print(
            f"{r[0]:4.0f}   {r[1]:+.3f} [{r[2]:+.3f}, {r[3]:+.3f}]        {r[4]:+.3f} [{r[5]:+.3f}, {r[6]:+.3f}]"
        )
    out = {"n_seeds": len(seeds), "bm_d5_min": R[:, 1].min(), "bm_d5_max": R[:, 1].max()}
    out["bm_d5_mean"], out["bm_pos"] = R[:, 1].mean(), int((R[:, 1] > 0).sum())
    out["bm_excl0"] = int(((R[:, 2] > 0) | (R[:, 3] < 0)).sum())  # intervals without zero
    out["lsa_d5_min"], out["lsa_d5_max"] = R[:, 4].min(), R[:, 4].max()
    out["lsa_neg"], out["lsa_excl0"] = int((R[:, 4] < 0).sum()), int((R[:, 6] < 0).sum())
    out["seconds"], out["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
    return {k: float(v) for k, v in out.items()}


def growth(n_queries=30):
    """Index size and postings read per query, for the passages and for 4 and 16 copies of them.

    The copies are distinct passages with the same text, so recall means nothing here; only cost."""
    t0, c0 = time.perf_counter(), time.process_time()
    probes, passages = probe_set(np.random.default_rng(0))
    base = Index.build(list(passages.values()))
    lsa = LSA.fit(base)
    questions = [q for q, _ in probes[:n_queries]]
    out = {"text_bytes": sum(len(p.encode()) for p in passages.values())}
    out["index_bytes"] = base.nbytes()
    out["lsa_bytes"], out["lsa_model_bytes"] = lsa.D.nbytes, lsa.Vr.nbytes
    out["postings"] = len(base.docs)
    df = np.diff(base.ptr)  # (V,) postings per term
    common = set(np.argsort(-df)[:20].tolist())  # the 20 most common terms
    read = [df[base.query_terms(q)[0]] for q in questions]  # postings each query term reads
    in_common = [df[[t for t in base.query_terms(q)[0] if t in common]].sum() for q in questions]
    out["read_per_query"] = float(np.mean([r.sum() for r in read]))
    out["read_share_common"] = float(np.sum(in_common) / np.sum([r.sum() for r in read]))
    # ... and what those postings are worth: their share of the best passage's BM25 score
    share = []
    for q in questions:
        ids, _ = base.query_terms(q)
        best = int(np.argmax(base.bm25(q)))
        few = np.array([t for t in ids if t in common], dtype=np.int64)
        share.append(
            base._accumulate(few, np.ones(len(few)), base.w_bm25)[best] / base.bm25(q)[best]
        )
    out["score_share_common"] = float(np.mean(share))
    by_df = sorted(base.vocab, key=lambda t: -df[base.vocab[t]])
    out["common_terms"] = ", ".join(f'"{t}"' for t in by_df[:3])
    out["common_idf_max"] = float(base.idf_bm25[list(common)].max())
    out["idf_median"] = float(np.median(base.idf_bm25))
    out["n_queries"] = len(questions)
    for m in COPIES:  # m copies of every passage: each query reads m times the postings
        index = copies(base, m)
        out[f"read_x{m}"] = float(np.mean([index.postings_read(q) for q in questions]))
    out["n_max"] = COPIES[-1] * len(base.doc_len)
    print("passages   postings read per query")
    for m in COPIES:
        print(f"{m * len(base.doc_len):8,}   {out[f'read_x{m}']:23,.0f}")
    out["seconds"], out["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
    return out


COPIES = (1, 4, 16)  # the corpus indexed 1, 4 and 16 times over


def copies(base, m):
    """The index of m copies of base's passages, built from its postings (no second tokenization)."""
    df = np.diff(base.ptr)  # (V,) postings per term
    term_ids = np.repeat(np.repeat(np.arange(len(df)), df), base.tf)  # (T,) grouped by term
    order = np.argsort(np.repeat(base.docs, base.tf), kind="stable")  # regroup by passage
    term_ids = term_ids[order]  # (T,) passage by passage, the order within one does not matter
    return Index.from_ids(base.vocab, np.tile(term_ids, m), np.tile(base.doc_len.astype(int), m))


def query_time(n_queries=30):
    """Wall-clock time per query on 1, 4 and 16 copies of the passages (a frozen run: it
    depends on the machine, so builds show the committed measurement)."""
    probes, passages = probe_set(np.random.default_rng(0))
    base = Index.build(list(passages.values()))
    lsa = LSA.fit(base)
    questions = [q for q, _ in probes[:n_queries]]
    sizes, lat = [], {"BM25 (inverted index)": [], "LSA (dense scan)": []}
    for m in COPIES:
        index = copies(base, m)
        D = np.tile(lsa.D, (m, 1))  # (m n, r) the same vectors, m times
        sizes.append(len(index.doc_len))
        lat["BM25 (inverted index)"].append(latency(index.bm25, questions))
        lat["LSA (dense scan)"].append(latency(lambda q, D=D: D @ lsa.embed(q), questions))
    out = {"n_queries": len(questions), "n_max": sizes[-1]}
    for name, key in (("BM25 (inverted index)", "bm25"), ("LSA (dense scan)", "lsa")):
        for m, t in zip(COPIES, lat[name], strict=True):
            out[f"{key}_us_x{m}"] = t * 1e6
    plot_growth(sizes, lat)
    print("passages   BM25 µs/query   LSA µs/query")
    for i, m in enumerate(COPIES):
        print(f"{sizes[i]:8,}   {out[f'bm25_us_x{m}']:13,.0f}   {out[f'lsa_us_x{m}']:12,.0f}")
    return out


if __name__ == "__main__":
    main()
    over_seeds()
    growth()
    query_time()
