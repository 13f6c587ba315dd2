"""Byte-pair encoding on bytes: learn a table of merges, encode text with it, decode it back.

Gage (1994) invented byte-pair encoding as compression: replace the most frequent pair of adjacent
bytes by a new symbol, and repeat. Sennrich, Haddow and Birch (2016) used it to build subword
vocabularies for translation; GPT-2 (Radford et al., 2019) runs it on raw UTF-8 bytes, so every
string has an encoding and no token is ever "unknown", and first splits text into chunks (words,
numbers, punctuation, spaces) that merges never cross. The layout follows Karpathy's minbpe:
tokens 0..255 are the bytes, and token 256 + k is the k-th merge.

    >>> merges = train("aaabdaaabac", 3)
    >>> merges
    {(97, 97): 256, (97, 98): 257, (256, 257): 258}
    >>> encode("aaabdaaabac", merges)
    [258, 100, 258, 97, 99]
"""

import heapq
import re
from collections import Counter, defaultdict
from itertools import pairwise

# --8<-- [start:split]
# GPT-2's pre-split pattern in Python's re (which has no \p{L}): contractions; an optional
# space and a run of letters, of digits, or of other symbols (the underscore is one);
# whitespace. "\s+(?!\S)" leaves a run's last space to the word after it.
SPLIT = re.compile(r"'(?:[sdmt]|ll|ve|re)| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+")


def chunks(text):
    """The pieces merges stay inside: "x = 42  # ok" -> x, " =", " 42", " ", " #", " ok"."""
    return SPLIT.findall(text)


# --8<-- [end:split]


# --8<-- [start:basic]
def pair_counts(ids, counts=None, weight=1):
    """Add weight to the count of each adjacent pair: [1, 2, 1, 2] -> {(1, 2): 2, (2, 1): 1}."""
    counts = Counter() if counts is None else counts
    for pair in pairwise(ids):
        counts[pair] += weight
    return counts


def merge(ids, pair, new_id):
    """Replace each occurrence of pair, left to right, by new_id: [1, 1, 1] -> [new_id, 1]."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def most_frequent(counts):
    """The pair to merge next: the highest count; a tie goes to the smallest pair of ids."""
    return min(counts, key=lambda pair: (-counts[pair], pair))


def train_slow(text, num_merges):
    """The definition, run as written: recount every pair after every merge."""
    words = Counter(c.encode("utf-8") for c in chunks(text))  # distinct chunks: counts
    seqs = {w: list(w) for w in words}  # chunk -> its current token ids
    merges = {}
    for k in range(num_merges):
        counts = Counter()
        for w, n in words.items():
            pair_counts(seqs[w], counts, weight=n)
        if not counts:
            break
        pair = most_frequent(counts)
        merges[pair] = 256 + k
        seqs = {w: merge(ids, pair, 256 + k) for w, ids in seqs.items()}
    return merges


# --8<-- [end:basic]


# --8<-- [start:incremental]
class PairIndex:
    """Distinct chunks laid end to end as linked lists of positions, with each adjacent
    pair's count and the positions where it starts, updated locally on every merge."""

    def __init__(self, words):
        self.ids, self.weight, self.next, self.prev = [], [], [], []  # one per position
        self.start = {}  # word -> its first position
        self.count, self.where = Counter(), defaultdict(list)
        for w, n in words.items():  # w: a chunk's bytes, n: how often it occurs
            i0, m = len(self.ids), len(w)
            self.start[w] = i0
            self.ids += w  # token ids; -1 once a position has been absorbed by a merge
            self.weight += [n] * m
            self.next += [*range(i0 + 1, i0 + m), -1]  # -1: no pair across chunks
            self.prev += [-1, *range(i0, i0 + m - 1)]
            for i, pair in enumerate(pairwise(w), i0):
                self.count[pair] += n
                self.where[pair].append(i)  # may go stale; merge() checks
        self.length = sum(self.weight)  # tokens in the whole text: chunks counted n times
        self.size = len(self.ids)  # live positions, each distinct chunk once
        self.visited = len(self.ids)  # positions looked at so far: the work done

    def merge(self, pair, new_id):
        """Merge each occurrence of pair, left to right; return the pairs whose count changed."""
        a, b = pair
        ids, nxt, prv, weight, where = self.ids, self.next, self.prev, self.weight, self.where
        delta = {pair: 0}
        todo = sorted(set(where.pop(pair, ())))
        self.visited += len(todo)
        for i in todo:
            j = nxt[i]
            if ids[i] != a or j < 0 or ids[j] != b:  # stale, or eaten earlier in this pass
                continue
            p, n, w = prv[i], nxt[j], weight[i]
            delta[pair] -= w
            if p >= 0:  # (x, a) becomes (x, new)
                x = ids[p]
                delta[x, a] = delta.get((x, a), 0) - w
                delta[x, new_id] = delta.get((x, new_id), 0) + w
                where[x, new_id].append(p)
            if n >= 0:  # (b, y) becomes (new, y)
                y = ids[n]
                delta[b, y] = delta.get((b, y), 0) - w
                delta[new_id, y] = delta.get((new_id, y), 0) + w
                where[new_id, y].append(i)
            ids[i], ids[j] = new_id, -1  # i now holds the merged token; j is gone
            nxt[i] = n
            if n >= 0:
                prv[n] = i
            self.length -= w
            self.size -= 1
        changed = []
        for q, d in delta.items():
            if d:
                self.count[q] += d
                if self.count[q] == 0:
                    del self.count[q]
                else:
                    changed.append(q)
        return changed

    def tokens(self, w):
        """The current token ids of chunk w."""
        i = self.start[w]
        return [t for t in self.ids[i : i + len(w)] if t >= 0]


def train(text, num_merges, stats=None):
    """The same merges as train_slow, with counts kept up to date and a heap of candidates.
    If stats is a dict, it gets the text's length in tokens after 0, 1, ... merges, and
    the positions visited, here and by recounting."""
    words = Counter(c.encode("utf-8") for c in chunks(text))  # distinct chunks: counts
    index = PairIndex(words)
    heap = [(-c, pair) for pair, c in index.count.items()]  # top count, then smallest
    heapq.heapify(heap)
    merges, lengths, sizes = {}, [index.length], [index.size]
    while len(merges) < num_merges and heap:
        neg, pair = heapq.heappop(heap)
        if index.count.get(pair, 0) != -neg:  # an old entry: the count has moved on
            continue
        merges[pair] = 256 + len(merges)
        for q in index.merge(pair, merges[pair]):
            heapq.heappush(heap, (-index.count[q], q))
        lengths.append(index.length)
        sizes.append(index.size)
    if stats is not None:  # recounting visits every live position at every merge
        recount = sum(sizes[:-1])
        stats.update(
            lengths=lengths, visited=index.visited, recount=recount, distinct_bytes=len(index.ids)
        )
    return merges


# --8<-- [end:incremental]


# --8<-- [start:encode]
def encode_chunk(data, merges):
    """Bytes -> token ids: apply the earliest-learned merge present, until none is."""
    ids = list(data)
    while len(ids) >= 2:
        pair = min(pair_counts(ids), key=lambda p: merges.get(p, float("inf")))
        if pair not in merges:
            break
        ids = merge(ids, pair, merges[pair])
    return ids


def encode_words(words, merges, lengths=None):
    """encode_chunk for many chunks ({bytes: count}) at once: apply each merge, in the
    order learned, everywhere (a merge only creates pairs of later merges, so this is the
    same). If lengths is a list, it gets the total length after 0, 1, ... merges."""
    index = PairIndex(words)
    for pair, new_id in merges.items():
        if lengths is not None:
            lengths.append(index.length)
        if pair in index.count:
            index.merge(pair, new_id)
    if lengths is not None:
        lengths.append(index.length)
    return {w: index.tokens(w) for w in words}


def encode(text, merges):
    """Text -> token ids: split into chunks, encode each distinct one once, concatenate."""
    parts = [c.encode("utf-8") for c in chunks(text)]
    codes = encode_words(Counter(parts), merges)
    return [t for c in parts for t in codes[c]]


def vocab(merges):
    """Token id -> the bytes it stands for."""
    table = {i: bytes([i]) for i in range(256)}
    for (a, b), new_id in merges.items():  # in the order learned: a and b come first
        table[new_id] = table[a] + table[b]
    return table


def decode(ids, table):
    """Token ids -> text. A token may hold part of a character; the whole text cannot."""
    return b"".join(table[i] for i in ids).decode("utf-8", errors="replace")


# --8<-- [end:encode]


# --8<-- [start:example]
def main():
    text = "aaabdaaabac"
    merges = train(text, 3)
    table = vocab(merges)
    names = {256: "Z", 257: "Y", 258: "X"}  # Wikipedia's names for the three new symbols

    def show(t):
        return names.get(t) or chr(t)

    for (a, b), new_id in merges.items():
        print(f"merge ({show(a)}, {show(b)}) -> {show(new_id)} = {table[new_id].decode()!r}")
    ids = encode(text, merges)
    print(f"encode({text!r}) = {ids}, that is {''.join(show(t) for t in ids)}")
    print(f"decode({ids}) = {decode(ids, table)!r}")
    return {
        "example_ids": ", ".join(map(str, ids)),
        "example_symbols": "".join(show(t) for t in ids),
        "example_x": table[258].decode(),
        "example_round_trip": decode(ids, table) == text,
    }


# --8<-- [end:example]


if __name__ == "__main__":
    main()
