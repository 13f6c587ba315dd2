"""The text the language-model entries learn from: Python's own help pages, as 27 characters.

The standard library ships the text of help("topics") in pydoc_data.topics, a dict of about 80
pages of English (~465 KB on Python 3.11). It needs no download, but it changes between Python
versions, so tests assert thresholds on it, not exact values.

We keep it simple, like makemore: lowercase, letters only, every other run of characters becomes
one space. The vocabulary is then " abcdefghijklmnopqrstuvwxyz" (space is token 0).
"""

import re
from pydoc_data.topics import topics

import numpy as np

VOCAB = " abcdefghijklmnopqrstuvwxyz"  # token i is VOCAB[i]
V = len(VOCAB)  # 27


# --8<-- [start:corpus]
def load_text():
    """All help topics in sorted order, lowercased, with each run of non-letters as one space."""
    raw = "\n".join(topics[name] for name in sorted(topics)).lower()
    return re.sub(r"[^a-z]+", " ", raw).strip()


def encode(text):
    """Characters to token ids: ' ' -> 0, 'a' -> 1, ..., 'z' -> 26."""
    codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)  # (n,) byte values
    return np.where(codes == ord(" "), 0, codes - ord("a") + 1).astype(np.int64)  # (n,)


def decode(ids):
    """Token ids back to text."""
    return "".join(VOCAB[i] for i in ids)


def train_val_ids(val_fraction=0.1):
    """The encoded text, cut once: the first 90% to train on, the last 10% held out."""
    ids = encode(load_text())  # (n,)
    cut = int(len(ids) * (1 - val_fraction))
    return ids[:cut], ids[cut:]


# --8<-- [end:corpus]


def main():
    text = load_text()
    train, val = train_val_ids()
    print(f"{len(text):,} characters; {len(train):,} to train on, {len(val):,} held out")
    print(repr(text[:120]))


if __name__ == "__main__":
    main()
