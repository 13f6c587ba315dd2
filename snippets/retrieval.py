"""Retrieval from scratch: chunking, an inverted index, TF-IDF, BM25, LSA, and prompt assembly.

The index is the one a search engine keeps: for every term, its postings (the chunks it occurs in
and how often), stored column-wise as numpy arrays like a CSC matrix. TF-IDF follows scikit-learn's
TfidfVectorizer defaults (smooth idf, raw counts, l2-normalised rows, cosine scores); BM25 follows
Robertson and Zaragoza (2009) with k1 = 1.2, b = 0.75 and the non-negative idf Lucene uses; LSA
(Deerwester et al., 1990) is a truncated SVD of the TF-IDF matrix, computed from the small Gram
matrix of the chunks.

    >>> index = Index.build(["the cat sat", "the dog sat down", "a cat"])
    >>> [int(i) for i in np.argsort(-index.bm25("cat"))[:2]]
    [2, 0]
"""

import re
from dataclasses import dataclass

import numpy as np

TERM = re.compile(r"[a-z0-9_]+")  # a term: a run of letters, digits and underscores, lowercased


def terms(text):
    """The terms of a text: "The `x = 1` case" -> ["the", "x", "1", "case"]."""
    return TERM.findall(text.lower())


# --8<-- [start:chunk]
def chunk(name, text, size=100):
    """Cut a section into passages of about `size` words that never cross the section's end.

    Each passage gets an id "name:i" to cite it by. A last piece shorter than half a passage joins
    the one before, so no passage is a stub of a few words."""
    words = text.split()
    starts = list(range(0, len(words), size))
    if len(starts) > 1 and len(words) - starts[-1] < size // 2:
        starts.pop()  # the stub joins the previous passage
    ends = starts[1:] + [len(words)]
    return [
        (f"{name}:{i}", " ".join(words[a:b]))
        for i, (a, b) in enumerate(zip(starts, ends, strict=True))
    ]


# --8<-- [end:chunk]


# --8<-- [start:index]
@dataclass
class Index:
    """An inverted index over n passages: for term t, postings docs[ptr[t]:ptr[t+1]] with counts."""

    vocab: dict  # term -> id, ids in sorted term order (as scikit-learn numbers them)
    ptr: np.ndarray  # (V + 1,) where each term's postings start
    docs: np.ndarray  # (P,) int32 passage ids, sorted within each term
    tf: np.ndarray  # (P,) int32 term counts
    doc_len: np.ndarray  # (n,) terms per passage
    k1: float = 1.2
    b: float = 0.75

    @classmethod
    def build(cls, passages, k1=1.2, b=0.75):
        return cls.from_terms([terms(p) for p in passages], k1, b)

    @classmethod
    def from_terms(cls, toks, k1=1.2, b=0.75):
        """The index of passages already cut into terms (a list of lists of strings)."""
        vocab = {t: i for i, t in enumerate(sorted({t for ts in toks for t in ts}))}
        term_ids = np.array([vocab[t] for ts in toks for t in ts], dtype=np.int64)  # (T,)
        return cls.from_ids(vocab, term_ids, np.array([len(ts) for ts in toks]), k1, b)

    @classmethod
    def from_ids(cls, vocab, term_ids, doc_len, k1=1.2, b=0.75):
        """The index of the term ids of all passages end to end, doc_len[i] of them for passage i."""
        V, n = len(vocab), len(doc_len)
        doc_ids = np.repeat(np.arange(n), doc_len)  # (T,) the passage of each term occurrence
        keys, tf = np.unique(term_ids * n + doc_ids, return_counts=True)  # sorted by (term, doc)
        ptr = np.zeros(V + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys // n, minlength=V), out=ptr[1:])  # postings per term
        docs = (keys % n).astype(np.int32)  # (P,)
        idx = cls(vocab, ptr, docs, tf.astype(np.int32), doc_len.astype(np.float64), k1, b)
        idx._precompute()
        return idx

    def _precompute(self):
        """Per-posting weights, so that a query only adds numbers: the index is 'compiled'."""
        n = len(self.doc_len)
        df = np.diff(self.ptr)  # (V,) passages containing each term
        term_of = np.repeat(np.arange(len(df)), df)  # (P,) the term of each posting
        # TF-IDF (scikit-learn's defaults): idf = ln((1 + n) / (1 + df)) + 1, rows l2-normalised
        self.idf_tfidf = np.log((1 + n) / (1 + df)) + 1  # (V,)
        w = self.tf * self.idf_tfidf[term_of]  # (P,) tf * idf
        norm = np.sqrt(np.bincount(self.docs, weights=w**2, minlength=n))  # (n,) ||row||
        self.w_tfidf = w / norm[self.docs]  # (P,)
        # BM25: idf * tf (k1 + 1) / (tf + k1 (1 - b + b |d| / avgdl)), idf = ln(1 + (n-df+.5)/(df+.5))
        self.idf_bm25 = np.log(1 + (n - df + 0.5) / (df + 0.5))  # (V,)
        K = self.k1 * (1 - self.b + self.b * self.doc_len / self.doc_len.mean())  # (n,)
        self.w_bm25 = self.idf_bm25[term_of] * self.tf * (self.k1 + 1) / (self.tf + K[self.docs])

    def query_terms(self, text):
        """The query's known term ids and their counts (unknown terms match nothing)."""
        ids = [self.vocab[t] for t in terms(text) if t in self.vocab]
        return np.unique(np.array(ids, dtype=np.int64), return_counts=True)

    def _accumulate(self, ids, weights, posting_w):
        """Term-at-a-time scoring: scores[d] += weight(t) * posting weight, over each t's postings."""
        lens = self.ptr[ids + 1] - self.ptr[ids]  # (q,) postings of each query term
        first = np.repeat(self.ptr[ids] - np.cumsum(lens) + lens, lens)  # (R,) run starts
        at = first + np.arange(lens.sum())  # (R,) every posting the query reads
        per = np.repeat(weights, lens)  # (R,) the query-side weight of each
        scores = np.bincount(
            self.docs[at], weights=per * posting_w[at], minlength=len(self.doc_len)
        )
        return scores.astype(np.float64, copy=False)  # (n,)

    def tfidf(self, text):
        """Cosine between the query's and each passage's TF-IDF vector: (n,) scores."""
        ids, qtf = self.query_terms(text)
        q = qtf * self.idf_tfidf[ids]  # (q,) the query's own tf * idf
        q = q / np.linalg.norm(q) if len(q) else q
        return self._accumulate(ids, q, self.w_tfidf)

    def bm25(self, text):
        """BM25 score of each passage: (n,). Each distinct query term counts once."""
        ids, _ = self.query_terms(text)
        return self._accumulate(ids, np.ones(len(ids)), self.w_bm25)

    def postings_read(self, text):
        """How many postings a query touches: the work the inverted index does for it."""
        ids, _ = self.query_terms(text)
        return int(np.diff(self.ptr)[ids].sum())

    def nbytes(self):
        return self.ptr.nbytes + self.docs.nbytes + self.tf.nbytes + self.doc_len.nbytes


# --8<-- [end:index]


# --8<-- [start:lsa]
def tfidf_matrix(index):
    """The dense (n, V) TF-IDF matrix the index stores sparsely (rows l2-normalised)."""
    A = np.zeros((len(index.doc_len), len(index.vocab)))  # (n, V)
    term_of = np.repeat(np.arange(len(index.vocab)), np.diff(index.ptr))  # (P,)
    A[index.docs, term_of] = index.w_tfidf
    return A


@dataclass
class LSA:
    """Latent semantic analysis: A ~ U_r S_r V_r^T; passages are rows of U_r S_r, a query is q V_r."""

    index: Index
    Vr: np.ndarray  # (V, r) term -> concept directions: the 'embedding model'
    D: np.ndarray  # (n, r) passage vectors, unit length: the dense index

    @classmethod
    def fit(cls, index, r=100):
        A = tfidf_matrix(index)  # (n, V), n << V
        G = A @ A.T  # (n, n) Gram matrix: A A^T = U S^2 U^T, cheap because n is small
        lam, U = np.linalg.eigh(G)  # ascending eigenvalues
        lam, U = lam[::-1][:r], U[:, ::-1][:, :r]  # (r,), (n, r) the top r
        s = np.sqrt(lam)  # (r,) singular values of A
        Vr = A.T @ U / s  # (V, r) right singular vectors: V = A^T U S^-1
        D = U * s  # (n, r) = A V_r, each passage in concept space
        return cls(index, Vr, D / np.linalg.norm(D, axis=1, keepdims=True))

    def embed(self, text):
        """A query's TF-IDF vector folded into concept space (r,), unit length."""
        ids, qtf = self.index.query_terms(text)
        q = (qtf * self.index.idf_tfidf[ids]) @ self.Vr[ids]  # (r,) = q_tfidf V_r
        return q / (np.linalg.norm(q) or 1.0)

    def scores(self, text):
        """Cosine similarity of the query to every passage: a brute-force scan, (n,)."""
        return self.D @ self.embed(text)  # (n,)


# --8<-- [end:lsa]


# --8<-- [start:prompt]
def assemble_prompt(question, ids, passages, budget=1500):
    """Top passages, best first, each tagged with its id, until the character budget is spent.

    A passage that does not fit whole is skipped (never cut mid-sentence), and the next, shorter one
    may still fit. Returns the prompt and the ids it cites."""
    head = "Answer from the passages below and cite their ids in brackets.\n\n"
    tail = f"\nQuestion: {question}\nAnswer:"
    parts, cited, used = [], [], len(head) + len(tail)
    for pid in ids:
        block = f"[{pid}] {passages[pid]}\n"
        if used + len(block) <= budget:
            parts.append(block)
            cited.append(pid)
            used += len(block)
    return head + "".join(parts) + tail, cited


# --8<-- [end:prompt]
