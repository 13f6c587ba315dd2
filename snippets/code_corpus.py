"""The text to adapt to: the names in a few standard-library modules' Python source, as 27 characters.

The model of the training-pipeline entry learned English from Python's help pages (corpus.py).
This text is code instead: every keyword and identifier of argparse, zipfile and tarfile in order,
strings and comments dropped (tokenize), lowercased, each run of non-letters one space, so
"def add_argument(self, *args, **kwargs):" becomes "def add argument self args kwargs". Same 27
symbols, a different language. The modules ship with Python and change between versions: tests
assert thresholds on anything that depends on them, not exact values.
"""

import importlib.util
import io
import re
import tokenize

import numpy as np
from corpus import encode, load_text

MODULES = ("argparse", "zipfile", "tarfile")


# --8<-- [start:text]
def module_names(module):
    """The module's source reduced to its NAME tokens, lowercased, letters only."""
    with open(importlib.util.find_spec(module).origin, encoding="utf-8") as f:
        tokens = tokenize.generate_tokens(io.StringIO(f.read()).readline)
        names = " ".join(t.string for t in tokens if t.type == tokenize.NAME)
    return re.sub(r"[^a-z]+", " ", names.lower()).strip()


def code_train_val_ids(val_fraction=0.1):
    """From each module, the first 90% to train on and the last 10% held out (encoded)."""
    train, val = [], []
    for module in MODULES:
        ids = encode(module_names(module))  # (n,)
        cut = int(len(ids) * (1 - val_fraction))
        train.append(ids[:cut])
        val.append(ids[cut:])
    return np.concatenate(train), np.concatenate(val)


# --8<-- [end:text]


def main():
    sizes, code = {}, []
    for module in MODULES:
        text = module_names(module)
        sizes[module] = len(text)
        code += text.split()
        print(f"{module + '.py':<12} {len(text):>6,} characters: {text[:64]}")
    train, val = code_train_val_ids()
    print(f"{len(train):,} characters to train on, {len(val):,} held out")
    help_pages = load_text().split()  # the text the base model was trained on
    share = {f"{w}_{name}": words.count(w) / len(words) for w in ("self", "the")
             for name, words in (("code", code), ("help", help_pages))}  # fmt: skip
    print("share of words:      code    help pages")
    for w in ("self", "the"):
        print(f"  {w!r:<10} {share[f'{w}_code']:12.1%} {share[f'{w}_help']:12.1%}")
    return {"n_train": len(train), "n_val": len(val), "n_modules": len(MODULES)} | sizes | share


if __name__ == "__main__":
    main()
