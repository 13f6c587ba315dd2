"""What byte-pair encoding does to the text I work with: English prose, numbers and Python code.

Two tokenizers with the same number of merges, trained on different text: one on Python's help
pages (pydoc_data.topics, English with some code in it), one on Python source from the standard
library. Both are measured on held-out help pages and on the code of this journal's earlier
entries, which neither saw. Both texts ship with Python and change between versions, so the
tests assert thresholds, not exact values.
"""

import io
import keyword
import sysconfig
import tokenize
from collections import Counter
from pathlib import Path
from pydoc_data.topics import topics

import matplotlib.pyplot as plt
import numpy as np
from bpe import chunks, encode, encode_words, train, vocab

NUM_MERGES = 2000
GPT2_VOCAB = 50_257  # GPT-2's vocabulary: 256 bytes, 50,000 merges, one end-of-text token
STDLIB = ["dataclasses.py", "functools.py", "pathlib.py", "statistics.py", "shutil.py",
          "textwrap.py", "fractions.py", "csv.py"]  # fmt: skip
# the snippets of entries 1 to 6, the code I wrote before this entry
MY_CODE = ["qr.py", "power_iteration.py", "pca.py", "least_squares.py", "monte_carlo.py",
           "clt.py", "softmax.py", "mle.py", "gradient_descent.py", "rosenbrock.py",
           "optimizers.py", "autograd.py", "gradcheck.py", "autograd_speed.py", "layers.py",
           "mlp.py", "adam.py", "two_moons.py", "digits_mlp.py", "corpus.py", "bigram.py",
           "char_mlp.py"]  # fmt: skip
SAMPLE = '''def nll(P, ids):
    """Mean negative log-likelihood."""
    p = P[ids[:-1], ids[1:]]
    return -np.log(p).mean()
'''  # four lines adapted from bigram.py, to draw


# --8<-- [start:corpora]
def help_pages(val_fraction=0.1):
    """The help pages in sorted order, cut once: the first 90% to train on, the rest held out."""
    text = "\n".join(topics[name] for name in sorted(topics))
    cut = int(len(text) * (1 - val_fraction))
    return text[:cut], text[cut:]


def stdlib_code():
    """Python source from the standard library: the code tokenizer's training text."""
    lib = Path(sysconfig.get_paths()["stdlib"])
    return "\n".join((lib / name).read_text(encoding="utf-8") for name in STDLIB)


def my_code():
    """The snippets of this journal's first six entries: code I wrote, held out from both."""
    here = Path(__file__).resolve().parent
    return {name: (here / name).read_text(encoding="utf-8") for name in MY_CODE}


# --8<-- [end:corpora]


# --8<-- [start:measures]
def bytes_per_token(text, merges):
    """UTF-8 bytes divided by tokens, after 0, 1, ..., len(merges) merges: (num_merges + 1,)."""
    lengths = []
    encode_words(Counter(c.encode("utf-8") for c in chunks(text)), merges, lengths)
    return len(text.encode("utf-8")) / np.array(lengths)


def digit_splits(merges):
    """How " 1000" ... " 9999" are cut: Counter of (token lengths in bytes) -> how many numbers."""
    numbers = {f" {n}".encode(): 1 for n in range(1000, 10_000)}
    table = vocab(merges)
    codes = encode_words(numbers, merges)
    return Counter(tuple(len(table[t]) for t in ids) for ids in codes.values())


def identifiers(code):
    """The distinct names in Python code (variables, functions, attributes), keywords excluded."""
    names = set()
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.NAME and not keyword.iskeyword(tok.string):
            names.add(tok.string)
    return sorted(names)


def kind(piece):
    """What a token is made of: "space" (only whitespace), "letters", "digits" or "symbols"."""
    core = piece.strip()  # a leading space belongs to the word after it
    if not core:
        return "space"
    if core.isalpha():
        return "letters"
    return "digits" if core.isdigit() else "symbols"


def code_costs(files, names, merges):
    """What my code costs under one tokenizer: tokens per line of each file, bytes per token after
    0..K merges, the share of whitespace and lone-underscore tokens, tokens per identifier."""
    table = vocab(merges)
    parts = {key: [c.encode("utf-8") for c in chunks(text)] for key, text in files.items()}
    name_parts = [[c.encode("utf-8") for c in chunks(n)] for n in names]  # "x_1" -> x, _, 1
    words = Counter(c for cs in parts.values() for c in cs)  # every chunk with its count
    lengths = []  # tokens after 0, 1, ... merges
    codes = encode_words(words, merges, lengths)
    codes |= encode_words(Counter(c for cs in name_parts for c in cs), merges)
    tokens = [t for cs in parts.values() for c in cs for t in codes[c]]
    per_line = {k: sum(len(codes[c]) for c in parts[k]) / len(files[k].splitlines()) for k in files}
    return {
        "per_line": per_line,
        "tokens": len(tokens),
        "bytes_per_token": sum(len(c) * n for c, n in words.items()) / np.array(lengths),
        "whitespace": np.mean([table[t].isspace() for t in tokens]),
        "underscore": np.mean([table[t] == b"_" for t in tokens]),
        "kinds": Counter(kind(table[t]) for t in tokens),
        "per_identifier": np.mean([sum(len(codes[c]) for c in cs) for cs in name_parts]),
    }


# --8<-- [end:measures]


def plot_compression(curves):
    """Bytes per token on held-out text against the number of merges, one line per pairing."""
    fig, ax = plt.subplots(figsize=(4.2, 3.0), num="compression")
    styles = {"help pages": "-", "my code": "--"}
    colours = {"prose tokenizer": "tab:blue", "code tokenizer": "tab:orange"}
    for (tok, text), y in curves.items():
        ax.plot(y, styles[text], color=colours[tok], label=f"{tok} on {text}")
    ax.set_xlabel("number of merges")
    ax.set_ylabel("bytes per token (held-out)")
    ax.set_ylim(1, None)
    ax.legend(fontsize=7)
    fig.tight_layout()


def plot_tokens(sample, tokenizers):
    """The sample code as each tokenizer cuts it: a coloured cell per character, one colour per
    token (alternating), spaces shown as dots and line ends as arrows."""
    lines = sample.splitlines()
    width = max(len(line) for line in lines) + 1
    fig, axes = plt.subplots(len(tokenizers), 1, figsize=(3.4, 1.0 * len(tokenizers)), num="tokens")
    for ax, (title, merges) in zip(axes, tokenizers.items(), strict=True):
        table = vocab(merges)
        ids = encode(sample, merges)
        grid = np.full((len(lines), width), np.nan)  # (rows, columns): token colour per cell
        row, col = 0, 0
        for k, t in enumerate(ids):
            for ch in table[t].decode("utf-8"):
                grid[row, col] = k % 4
                shown = {"\n": "↵", " ": "·"}.get(ch, ch)
                ax.text(col, row, shown, ha="center", va="center", fontsize=6.5,
                        family="monospace", color="0.4" if ch in " \n" else "black")  # fmt: skip
                row, col = (row + 1, 0) if ch == "\n" else (row, col + 1)
        ax.imshow(grid, cmap="Pastel2", vmin=0, vmax=7, aspect="auto", interpolation="nearest")
        ax.axis("off")
        ax.set_title(f"{title}: {len(ids)} tokens", fontsize=7, loc="left")
    fig.subplots_adjust(left=0.01, right=0.99, top=0.9, bottom=0.02, hspace=0.4)


# --8<-- [start:main]
def main(num_merges=NUM_MERGES, plot=True):
    prose_train, prose_val = help_pages()
    code_train = stdlib_code()
    mine = my_code()
    mine_bytes = sum(len(t.encode("utf-8")) for t in mine.values())
    n_lines = sum(len(t.splitlines()) for t in mine.values())
    names = identifiers("\n".join(mine.values()))
    stats = {}
    merges = {"prose": train(prose_train, num_merges, stats), "code": train(code_train, num_merges)}
    tables = {k: vocab(m) for k, m in merges.items()}
    costs = {k: code_costs(mine, names, m) for k, m in merges.items()}
    curves, v = {}, {}
    for k, m in merges.items():
        curves[f"{k} tokenizer", "help pages"] = bytes_per_token(prose_val, m)
        curves[f"{k} tokenizer", "my code"] = costs[k]["bytes_per_token"]
        v[f"bpt_{k}_pages"] = curves[f"{k} tokenizer", "help pages"][-1]
        v[f"bpt_{k}_mine"] = curves[f"{k} tokenizer", "my code"][-1]
        c, splits = costs[k], digit_splits(m)
        v[f"per_line_{k}"] = c["tokens"] / n_lines
        v[f"space_share_{k}"] = c["whitespace"]
        v[f"per_identifier_{k}"] = c["per_identifier"]
        v[f"four_spaces_{k}"] = next(i - 255 for i, b in tables[k].items() if b == b"    ")
        v[f"digit_tokens_{k}"] = sum(i > 255 and b.strip().isdigit() for i, b in tables[k].items())
        v[f"number_tokens_{k}"] = sum(len(p) * n for p, n in splits.items()) / 9000
        v[f"one_per_digit_{k}"] = splits[1, 1, 1, 1, 1] / 9000  # " ", then four single digits
        v[f"split_patterns_{k}"] = len(splits)
    kinds = costs["prose"]["kinds"]
    gain = curves["prose tokenizer", "help pages"] - 1  # (num_merges + 1,)
    show = {t: " | ".join(tables["prose"][i].decode() for i in encode(t, merges["prose"]))
            for t in [" 2026", " 3.14159", "loss_and_grad_from_counts"]}  # fmt: skip
    price = v["bpt_prose_pages"] / v["bpt_prose_mine"]
    v |= {
        "num_merges": num_merges,
        "vocab_size": 256 + num_merges,
        "n_prose": len(prose_train),
        "n_code": len(code_train),
        "n_files": len(mine),
        "n_lines": n_lines,
        "n_identifiers": len(names),
        "prose_bytes": len(prose_train.encode("utf-8")),
        "distinct_bytes": stats["distinct_bytes"],
        "bpt_prose_train": len(prose_train.encode("utf-8")) / stats["lengths"][-1],
        "half_gain_merges": int(np.argmax(gain >= gain[-1] / 2)),
        "tokens_mine_prose": costs["prose"]["tokens"],
        "tokens_mine_code": costs["code"]["tokens"],
        "files_code_wins": sum(
            costs["code"]["per_line"][f] < costs["prose"]["per_line"][f] for f in mine
        ),
        "space_bytes": sum(ch.isspace() for t in mine.values() for ch in t) / mine_bytes,
        "symbol_share": kinds["symbols"] / costs["prose"]["tokens"],
        "letter_share": kinds["letters"] / costs["prose"]["tokens"],
        "underscore_share": costs["prose"]["underscore"],
        "tokens_per_kb_mine": 1000 / v["bpt_prose_mine"],
        "tokens_per_kb_pages": 1000 / v["bpt_prose_pages"],
        "code_price_ratio": price,  # tokens per byte, code over English
        "attention_ratio": price**2,  # attention work grows as T^2
        "gpt2_vocab": GPT2_VOCAB,
        "gpt2_ratio": GPT2_VOCAB / (256 + num_merges),
        "the_count": chunks(prose_train).count(" the"),
        "visited": stats["visited"],
        "recount": stats["recount"],
        "split_2026": show[" 2026"],
        "split_pi": show[" 3.14159"],
        "split_identifier": show["loss_and_grad_from_counts"],
        "identifier_tokens": len(encode("loss_and_grad_from_counts", merges["prose"])),
    }
    print(f"{v['n_prose']:,} characters of help pages, {v['n_code']:,} of stdlib code; "
          f"{num_merges} merges each")  # fmt: skip
    for (tok, name), y in curves.items():
        print(f"{tok} on held-out {name}: {y[-1]:.2f} bytes per token")
    for k in merges:
        print(f"{k} tokenizer on my {n_lines:,} lines: {costs[k]['tokens']:,} tokens, "
              f"{v[f'per_line_{k}']:.1f} per line, {v[f'per_identifier_{k}']:.2f} per name")  # fmt: skip
    for t, cut in show.items():
        print(f"{t!r:28} -> {cut}")
    if plot:
        plot_compression(curves)
        plot_tokens(SAMPLE, {f"{k} tokenizer": m for k, m in merges.items()})
    return {k: (float(x) if isinstance(x, np.floating) else x) for k, x in v.items()}


# --8<-- [end:main]


if __name__ == "__main__":
    main()
