"""Entry 7, "Tokenization: byte-pair encoding". References: Wikipedia's worked example of byte-pair
encoding ("aaabdaaabac": aa -> Z, ab -> Y, ZY -> X, giving XdXac) and minbpe's test of it
([258, 100, 258, 97, 99]), both exact; the incremental trainer against the plain recount
(train_slow) and the batch encoder against minbpe's one-chunk loop (encode_chunk), exact; and
round trips on every test text. The help pages and the standard library change between Python
versions, so the entry's measured numbers are asserted as thresholds and relations."""

from collections import Counter
from itertools import pairwise

import pytest
from bpe import (
    PairIndex,
    chunks,
    decode,
    encode,
    encode_chunk,
    encode_words,
    merge,
    most_frequent,
    pair_counts,
    train,
    train_slow,
    vocab,
)
from token_costs import MY_CODE, code_costs, digit_splits, help_pages, identifiers, kind, my_code

ENTRY = "posts/entries/byte-pair-encoding.md"

TEXTS = [
    "",
    "a",
    "hello world",
    "aaabdaaabac",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",  # overlapping pairs
    "naïve café, crème brûlée",
    "Ελληνικά και русский текст",
    "日本語のテキストと中文",
    "emoji 🙂🚀 and a family 👨‍👩‍👧",
    "e\u0301 combining accent, and the precomposed \u00e9",
    "def f(x):\n\tif x:\r\n        return x ** 2  # tabs, CRLF\n",
    "\x00 nul, \x7f del, \u2028 line separator",
    "    \n\n   trailing spaces   ",
    "numbers 3.14159 2026 65536 1e-9 0xFF",
]


@pytest.fixture(scope="session")
def runs(entry_runs):
    return entry_runs(ENTRY)


@pytest.fixture(scope="session")
def prose_merges():
    return train(help_pages()[0][:150_000], 400)


# ---------------------------------------------------------------- published answers, exactly


def test_wikipedia_example_merges():
    """Wikipedia: "aa" -> Z, then "ab" -> Y, then "ZY" -> X. The second step is a tie between
    (Z, a) and (a, b), both twice; ties going to the smallest pair of ids picks (a, b) as Wikipedia."""
    merges = train("aaabdaaabac", 3)
    assert merges == {(97, 97): 256, (97, 98): 257, (256, 257): 258}
    assert train_slow("aaabdaaabac", 3) == merges
    assert vocab(merges)[258] == b"aaab"


def test_minbpe_example_ids():
    """minbpe's test_wikipedia_example: training 3 merges then encoding gives [258, 100, 258, 97, 99]."""
    merges = train("aaabdaaabac", 3)
    ids = encode("aaabdaaabac", merges)
    assert ids == [258, 100, 258, 97, 99]
    assert decode(ids, vocab(merges)) == "aaabdaaabac"


def minbpe_train(text, num_merges):
    """minbpe's BasicTokenizer.train, rewritten here: max(stats, key=stats.get) breaks ties by the
    pair seen first in the text, not by the smallest ids."""
    ids, merges = list(text.encode()), {}
    for k in range(num_merges):
        stats = {}
        for pair in pairwise(ids):
            stats[pair] = stats.get(pair, 0) + 1
        pair = max(stats, key=stats.get)
        merges[pair] = 256 + k
        ids = merge(ids, pair, 256 + k)
    return merges


def test_the_other_tie_break_gives_other_merges_but_the_same_ids():
    """The entry's claim: breaking the tie of step 2 the other way changes the table, not the ids."""
    theirs = minbpe_train("aaabdaaabac", 3)
    assert theirs == {(97, 97): 256, (256, 97): 257, (257, 98): 258}  # Za, not ab
    assert theirs != train("aaabdaaabac", 3)
    assert encode("aaabdaaabac", theirs) == [258, 100, 258, 97, 99]
    assert vocab(theirs)[258] == b"aaab"


def test_entry_example_run(runs):
    v = runs["example"].values
    assert v["example_ids"] == "258, 100, 258, 97, 99"
    assert v["example_symbols"] == "XdXac"
    assert v["example_x"] == "aaab"
    assert v["example_round_trip"] is True
    assert "merge (Z, Y) -> X = 'aaab'" in runs["example"].stdout


# ---------------------------------------------------------------- the pieces


def test_pair_counts_and_merge_by_hand():
    assert pair_counts([1, 2, 3, 1, 2]) == {(1, 2): 2, (2, 3): 1, (3, 1): 1}
    assert pair_counts([7, 7, 7]) == {(7, 7): 2}  # overlapping occurrences both count
    assert merge([1, 1, 1], (1, 1), 256) == [256, 1]  # left to right, no overlap
    assert merge([1, 1, 1, 1], (1, 1), 256) == [256, 256]
    assert merge([5, 1, 2, 1, 2], (1, 2), 300) == [5, 300, 300]
    assert most_frequent(Counter({(3, 4): 2, (1, 9): 2, (0, 0): 1})) == (1, 9)


@pytest.mark.parametrize("text", TEXTS)
def test_chunks_cover_the_text(text):
    assert "".join(chunks(text)) == text


def test_chunks_follow_gpt2_rules():
    assert chunks("x = 42  # ok") == ["x", " =", " 42", " ", " #", " ok"]
    assert chunks("\n    return x") == ["\n   ", " return", " x"]
    assert chunks("loss_and_grad") == ["loss", "_", "and", "_", "grad"]
    assert chunks("don't") == ["don", "'t"]


@pytest.mark.parametrize("text", TEXTS)
def test_round_trip(text, prose_merges):
    """decode(encode(s)) == s for every text, with a tokenizer trained on the help pages and with
    one trained on the text itself (which merges inside multi-byte characters)."""
    assert decode(encode(text, prose_merges), vocab(prose_merges)) == text
    own = train(text, 20)
    assert decode(encode(text, own), vocab(own)) == text


def test_a_token_can_hold_part_of_a_character():
    """Hiragana are three bytes each, all starting E3 81: the first merge is half a character."""
    merges = train("あいうえお", 1)
    table = vocab(merges)
    assert table[256] == b"\xe3\x81"
    assert decode([256], table) == "\ufffd"  # alone, not a character
    assert decode(encode("あいうえお", merges), table) == "あいうえお"


SAMPLES = {
    "help pages": lambda: help_pages()[0][:30_000],
    "my code": lambda: my_code()["bigram.py"],
    "repetitive": lambda: "aaaa aaa aaaaaa ab" * 50 + " ".join(str(n) for n in range(300)),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_incremental_trainer_equals_recounting(name):
    """The reference is the definition: recount every pair after every merge (train_slow)."""
    text = SAMPLES[name]()
    stats = {}
    merges = train(text, 150, stats)
    assert merges == train_slow(text, 150)
    table = vocab(merges)
    for k in (0, 1, 10, 149):  # the tracked length is the length of encoding with k merges
        first_k = dict(list(merges.items())[:k])
        assert stats["lengths"][k] == len(encode(text, first_k))
    assert b"".join(table[t] for t in encode(text, merges)) == text.encode()


def test_pair_index_counts_stay_exact():
    """After many merges, the index's counts equal a fresh count of its sequences."""
    text = help_pages()[0][:20_000]
    words = Counter(c.encode() for c in chunks(text))
    index = PairIndex(words)
    for pair, new_id in train(text, 100).items():
        index.merge(pair, new_id)
    fresh = Counter()
    for w, n in words.items():
        pair_counts(index.tokens(w), fresh, weight=n)
    assert +index.count == +fresh
    assert index.length == sum(len(index.tokens(w)) * n for w, n in words.items())


def test_batch_encoder_equals_minbpe_loop(prose_merges):
    """encode_words applies each merge everywhere in order; encode_chunk is minbpe's loop."""
    text = my_code()["autograd.py"] + help_pages()[1][:5000]
    words = Counter(c.encode() for c in chunks(text))
    batch = encode_words(words, prose_merges)
    for w in words:
        assert batch[w] == encode_chunk(w, prose_merges)


def test_digit_splits_on_a_made_up_table():
    """One merge, "20": reference by plain string search."""
    merges = {(ord("2"), ord("0")): 256}
    splits = digit_splits(merges)
    expected = Counter()
    for n in range(1000, 10_000):
        s, pieces = str(n), [1]  # the leading space
        i = 0
        while i < 4:
            step = 2 if s[i : i + 2] == "20" else 1
            pieces.append(step)
            i += step
        expected[tuple(pieces)] += 1
    assert splits == expected


def test_kinds_and_identifiers():
    pieces = [b" ", b"\n   ", b" return", b" 42", b" (", b"_", b"=="]
    assert [kind(p) for p in pieces] == [
        "space", "space", "letters", "digits", "symbols", "symbols", "symbols"]  # fmt: skip
    code = "def f(x_1, y):\n    return np.sum(x_1) if y else None  # not_a_name\n"
    assert identifiers(code) == ["f", "np", "sum", "x_1", "y"]


def test_code_costs_add_up(prose_merges):
    files = {"a.py": "x_1 = 1\n", "b.py": "def f(y):\n    return y\n"}
    c = code_costs(files, identifiers("".join(files.values())), prose_merges)
    total = sum(len(encode(t, prose_merges)) for t in files.values())
    assert c["tokens"] == total
    assert c["per_line"]["b.py"] == pytest.approx(len(encode(files["b.py"], prose_merges)) / 2)
    assert c["bytes_per_token"][0] == 1.0
    assert c["bytes_per_token"][-1] == pytest.approx(
        sum(len(t.encode()) for t in files.values()) / total, rel=1e-15
    )


# ---------------------------------------------------------------- the entry's numbers


def test_entry_sizes(runs):
    v = runs["tokens"].values
    assert v["num_merges"] == 2000 and v["vocab_size"] == 2256
    assert v["n_files"] == len(MY_CODE) == 22
    assert v["n_lines"] == sum(len(t.splitlines()) for t in my_code().values())
    assert v["n_identifiers"] == len(identifiers("\n".join(my_code().values())))
    assert 300_000 < v["n_prose"] < 600_000  # ~419k characters on Python 3.11
    assert 200_000 < v["n_code"] < 600_000  # ~313k
    assert v["n_prose"] <= v["prose_bytes"] < 1.01 * v["n_prose"]
    assert {"compression", "tokens"} <= set(runs["tokens"].figures)


def test_entry_work(runs):
    """Deduplicating chunks shrinks the problem ~10x; updating counts instead of recounting
    visits hundreds of times fewer positions."""
    v = runs["tokens"].values
    assert v["distinct_bytes"] < v["prose_bytes"] / 5
    assert v["visited"] < v["recount"] / 100
    assert v["distinct_bytes"] <= v["visited"]
    assert 1000 < v["the_count"] < 10_000  # 3,752 on Python 3.11
    assert v["the_count"] == chunks(help_pages()[0]).count(" the")


def test_entry_compression(runs):
    v = runs["tokens"].values
    assert 3.0 < v["bpt_prose_pages"] < 4.2  # 3.58 on Python 3.11
    assert v["bpt_prose_pages"] < v["bpt_prose_train"] < v["bpt_prose_pages"] + 0.5
    assert 1.6 < v["bpt_prose_mine"] < 2.4  # 1.97
    assert 0.5 < v["bpt_prose_mine"] / v["bpt_prose_pages"] < 0.6  # "a little over half"
    # each tokenizer is best on the kind of text it learned from
    assert v["bpt_prose_pages"] > v["bpt_code_pages"] + 0.2
    assert v["bpt_code_mine"] > v["bpt_prose_mine"] + 0.05
    assert v["files_code_wins"] == v["n_files"]  # on every one of my files, not on average
    assert 50 < v["half_gain_merges"] < 600  # diminishing returns
    assert v["tokens_per_kb_mine"] == pytest.approx(1000 / v["bpt_prose_mine"], rel=1e-12)
    assert v["tokens_per_kb_pages"] == pytest.approx(1000 / v["bpt_prose_pages"], rel=1e-12)
    assert v["tokens_per_kb_mine"] > 1.5 * v["tokens_per_kb_pages"]
    ratio = v["bpt_prose_pages"] / v["bpt_prose_mine"]
    assert v["code_price_ratio"] == pytest.approx(ratio, rel=1e-12)
    assert v["attention_ratio"] == pytest.approx(ratio**2, rel=1e-12)
    assert v["gpt2_vocab"] == 50_257  # Radford et al. 2019
    assert v["gpt2_ratio"] == pytest.approx(50_257 / 2256, rel=1e-12)


def test_entry_code_costs(runs):
    v = runs["tokens"].values
    for k in ("prose", "code"):
        assert v[f"per_line_{k}"] == pytest.approx(v[f"tokens_mine_{k}"] / v["n_lines"], rel=1e-12)
        assert 3.0 < v[f"per_identifier_{k}"] < 4.5
    assert 0.8 < v["tokens_mine_code"] / v["tokens_mine_prose"] < 1  # "real but modest"
    # whitespace: a fifth of the bytes, well under a tenth of the tokens
    assert 0.15 < v["space_bytes"] < 0.35
    assert v["space_share_prose"] < 0.1 and v["space_share_code"] < v["space_share_prose"]
    assert v["four_spaces_prose"] <= 20 and v["four_spaces_code"] <= 5
    assert 0.25 < v["symbol_share"] < 0.4 and 0.45 < v["letter_share"] < 0.65
    assert 0.02 < v["underscore_share"] < 0.05
    pieces = v["split_identifier"].split(" | ")
    assert "".join(pieces) == "loss_and_grad_from_counts"
    assert pieces.count("_") == 4 and len(pieces) == v["identifier_tokens"] >= 9


def test_entry_numbers(runs):
    v = runs["tokens"].values
    for k in ("prose", "code"):
        assert 3.0 < v[f"number_tokens_{k}"] <= 5.0  # " 1000" .. " 9999": at most 5 tokens
        assert 5 <= v[f"split_patterns_{k}"] <= 16
    assert 0.15 < v["one_per_digit_prose"] < 0.45
    assert v["one_per_digit_code"] < v["one_per_digit_prose"]
    assert v["digit_tokens_prose"] < v["digit_tokens_code"] < 100  # of 2000 merges
    assert v["number_tokens_code"] < v["number_tokens_prose"]
    assert v["split_2026"].replace(" | ", "") == " 2026" and v["split_2026"].count(" | ") >= 2
    assert v["split_pi"].replace(" | ", "") == " 3.14159" and v["split_pi"].count(" | ") >= 4


def test_the_entry_reproduces_the_run(runs):
    """The run's bytes-per-token, recomputed here with a tokenizer trained in the test."""
    train_text, val_text = help_pages()
    merges = train(train_text, 2000)
    ids = encode(val_text, merges)
    assert len(val_text.encode()) / len(ids) == pytest.approx(
        runs["tokens"].values["bpt_prose_pages"], rel=1e-12
    )
