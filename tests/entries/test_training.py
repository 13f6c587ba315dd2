"""Entry 10, "A training pipeline": batches, the schedule against its closed form, gradient
accumulation against one big batch, checkpoint and resume bit for bit, the checkpoint format that
entries 12 and 15 read, and the GPT against the count bigram (recomputed here by plain counting)
on held-out text, at the entry's seed and two more. pydoc_data.topics changes between Python
versions: thresholds, not exact values, for anything that depends on the text."""

import json
import math
from collections import Counter

import numpy as np
import pytest
from corpus import VOCAB, decode, train_val_ids
from gpt import gpt_forward, init_params, load_checkpoint, save_checkpoint
from train_gpt import (
    CONFIG,
    TRAIN,
    accumulation_check,
    get_batch,
    load_state,
    loss_and_grads,
    lr_at,
    token_losses,
    train,
    windows,
)

ENTRY = "posts/entries/a-training-pipeline.md"


@pytest.fixture(scope="session")
def runs(entry_runs):
    return entry_runs(ENTRY)


@pytest.fixture(scope="session")
def ids():
    return train_val_ids()


@pytest.fixture(scope="session")
def other_seeds(ids):
    """Seeds 1 and 2 with a shorter run (250 steps): held-out NLL of the GPT and of the bigram."""
    train_ids, val_ids = ids
    x, y = windows(val_ids, CONFIG["block_size"])
    out = {}
    for seed in (1, 2):
        params, _, _ = train(train_ids, val_ids, seed, max_steps=250, log=lambda s: None)
        out[seed] = token_losses(params, x, y).mean()
    return out


def count_bigram_nll(train_text, val_pairs):
    """Add-one bigram NLL by plain Python counting: the independent reference."""
    pairs = Counter(zip(train_text, train_text[1:], strict=False))
    firsts = Counter(train_text[:-1])
    return -sum(math.log((pairs[a, b] + 1) / (firsts[a] + len(VOCAB))) for a, b in val_pairs) / len(
        val_pairs
    )


# ---------------------------------------------------------------- the pieces


def test_batches_are_windows_and_their_next_characters(ids):
    train_ids, _ = ids
    x, y = get_batch(train_ids, 8, 32, seed=0, step=5)
    assert x.shape == y.shape == (8, 32)
    assert np.array_equal(x[:, 1:], y[:, :-1])  # targets are the inputs shifted by one
    again, _ = get_batch(train_ids, 8, 32, seed=0, step=5)
    assert np.array_equal(x, again)  # a function of (seed, step) alone
    assert not np.array_equal(x, get_batch(train_ids, 8, 32, seed=0, step=6)[0])


def test_windows_score_every_character_once():
    ids = np.arange(100)
    x, y = windows(ids, 8)
    assert x.shape == (12, 8)
    assert np.array_equal(y.reshape(-1), np.arange(1, 97))


def test_schedule_against_its_closed_form():
    kw = {"max_lr": 1.0, "min_lr": 0.1, "warmup": 10, "max_steps": 110}
    assert lr_at(0, **kw) == pytest.approx(0.1)
    assert lr_at(9, **kw) == pytest.approx(1.0)  # the end of the warm-up
    assert lr_at(10, **kw) == pytest.approx(1.0)  # the top of the cosine
    assert lr_at(60, **kw) == pytest.approx(0.55)  # halfway: (max + min) / 2
    assert lr_at(110, **kw) == pytest.approx(0.1)  # the floor
    after = [lr_at(s, **kw) for s in range(10, 111)]
    assert all(a >= b for a, b in zip(after, after[1:], strict=False))


def test_accumulation_equals_one_batch_to_rounding():
    result = accumulation_check()
    eps64, eps32 = np.finfo(np.float64).eps, np.finfo(np.float32).eps
    for (dtype, accum), (diff, dloss) in result.items():
        tol = 100 * (eps64 if dtype == "float64" else eps32)  # summation order only
        assert diff <= tol, f"{dtype}, {accum} micro-batches: {diff:.1e}"
        assert dloss <= tol


def test_summing_micro_batches_instead_of_averaging_is_caught(ids):
    """The classic accumulation bug (a sum, not a mean) is a 4x larger step, not rounding."""
    params = init_params(CONFIG, np.random.default_rng(0))
    x, y = get_batch(ids[0], 8, 32, 0, 0)
    _, one = loss_and_grads(params, x, y)
    _, acc = loss_and_grads(params, x, y, accum=4)
    wrong = {k: 4 * g for k, g in acc.items()}  # what summing would give
    assert max(np.abs(one[k] - acc[k]).max() for k in one) < 1e-15
    ratio = np.linalg.norm(wrong["wte"]) / np.linalg.norm(one["wte"])
    assert ratio == pytest.approx(4.0, rel=1e-12)


def test_resume_replays_bit_for_bit(ids, tmp_path):
    train_ids, val_ids = ids
    path = str(tmp_path / "state.npz")
    p1, _, h1 = train(train_ids, val_ids, 3, 12, save_at=6, state_path=path, log=lambda s: None)
    state = load_state(path, TRAIN["max_lr"])
    assert state[2] == 6 and state[1].t == 6
    p2, _, h2 = train(train_ids, val_ids, 3, 12, state=state, log=lambda s: None)
    assert h2["loss"] == h1["loss"][6:]
    assert all(np.array_equal(p1[k], p2[k]) for k in p1)
    # and without Adam's moments the replay diverges: the moments are part of the state
    params, opt, step = load_state(path, TRAIN["max_lr"])
    for m in opt.m:
        m[...] = 0
    _, _, h3 = train(train_ids, val_ids, 3, 12, state=(params, opt, step), log=lambda s: None)
    assert h3["loss"][0] == h1["loss"][6] and h3["loss"][1:] != h1["loss"][7:]


def test_checkpoint_format_for_later_entries(tmp_path):
    params = init_params(CONFIG, np.random.default_rng(0), np.float32)
    path = tmp_path / "gpt_char.npz"
    save_checkpoint(path, params, CONFIG, VOCAB)
    with np.load(path, allow_pickle=False) as f:  # plain arrays, no pickles
        assert json.loads(str(f["config"])) == CONFIG
        assert str(f["chars"]) == VOCAB
        assert set(f.files) == set(params) | {"config", "chars"}
    loaded, config = load_checkpoint(path)
    assert config["chars"] == VOCAB and config["n_embd"] == CONFIG["n_embd"]
    assert all(np.array_equal(loaded[k], params[k]) for k in params)
    idx = np.array([[1, 2, 3]])
    assert np.array_equal(gpt_forward(loaded, idx, config)[0], gpt_forward(params, idx, CONFIG)[0])


# ---------------------------------------------------------------- the entry's numbers


def test_entry_accumulation(runs):
    v = runs["accum"].values
    assert 0 < v["worst_float64"] < 100 * v["eps64"]  # ~1e-15: rounding of the summation order
    assert 0 < v["worst_float32"] < 100 * v["eps32"]
    assert v["worst_loss_float64"] < 100 * v["eps64"]
    assert v["eps64"] == np.finfo(np.float64).eps


def test_entry_gpt_beats_the_count_bigram(runs, ids):
    v = runs["train"].values
    train_ids, val_ids = ids
    x, y = windows(val_ids, CONFIG["block_size"])
    assert v["n_val"] == x.size and v["n_windows"] == len(x)
    ref = count_bigram_nll(
        decode(train_ids), list(zip(decode(x.ravel()), decode(y.ravel()), strict=True))
    )
    assert v["bigram_val_nll"] == pytest.approx(ref, rel=1e-12)  # independent counting
    assert 2.0 < v["bigram_val_nll"] < 2.6  # ~2.31 on Python 3.11
    assert v["val_nll"] < 1.85  # ~1.67 on Python 3.11
    assert v["diff"] == pytest.approx(v["val_nll"] - v["bigram_val_nll"], rel=1e-9)
    assert v["diff"] + 5 * v["diff_se"] < 0  # tens of standard errors, not a fluke
    assert 0 < v["diff_se"] < 0.05
    assert v["perplexity"] == pytest.approx(math.exp(v["val_nll"]))
    assert v["bigram_perplexity"] == pytest.approx(math.exp(v["bigram_val_nll"]))
    assert v["final_train"] < v["bigram_val_nll"]
    assert set(runs["train"].figures) >= {"curves", "schedule"}


def test_gpt_beats_the_bigram_at_other_seeds(runs, other_seeds):
    bigram = runs["train"].values["bigram_val_nll"]
    for seed, nll in other_seeds.items():
        assert nll < bigram - 0.1, f"seed {seed}: {nll:.3f} vs bigram {bigram:.3f}"  # ~0.2 here


def test_entry_resume_and_sizes(runs, tmp_path):
    v = runs["train"].values
    assert v["identical"] is True
    assert (v["resume_at"], v["n_replayed"], v["max_steps"]) == (560, 40, 600)
    assert v["n_params"] == sum(
        p.size for p in init_params(CONFIG, np.random.default_rng(0)).values()
    )
    # the same format written here with other values has exactly the same size (npz is stored)
    params = init_params(CONFIG, np.random.default_rng(1), np.float32)
    save_checkpoint(tmp_path / "m.npz", params, CONFIG, VOCAB)
    assert v["model_kib"] * 1024 == (tmp_path / "m.npz").stat().st_size
    assert v["model_kib"] * 1024 == pytest.approx(4 * v["n_params"], rel=0.05)  # float32 + names
    assert v["state_ratio"] == pytest.approx(3.0, rel=0.01)  # parameters + two Adam moments
    assert v["state_kib"] == pytest.approx(v["state_ratio"] * v["model_kib"])
    assert v["tokens"] == v["max_steps"] * v["batch_size"] * v["block_size"]
    assert v["n_train"] == len(train_val_ids()[0]) and v["vocab_size"] == len(VOCAB) == 27
    assert v["passes"] == pytest.approx(v["tokens"] / v["n_train"])
    assert "bit-identical" in runs["train"].stdout
    assert len(v["sample"]) == 240 and set(v["sample"]) <= set(VOCAB)
    words = set(decode(train_val_ids()[0]).split())
    for key, sample in (("real_words", v["sample"]), ("real_words_bigram", v["sample_bigram"])):
        inner = sample.split()[1:-1]  # whole words only
        assert v[key] == pytest.approx(sum(w in words for w in inner) / len(inner))
    assert 0 < v["real_words_bigram"] < v["real_words"] <= 1  # one sample each, as the entry says
    assert (v["max_lr"], v["min_lr"], v["warmup"]) == (
        TRAIN["max_lr"],
        TRAIN["min_lr"],
        TRAIN["warmup"],
    )
    assert (v["n_layer"], v["n_head"], v["n_embd"], v["block_size"]) == (2, 4, 48, 32)


def test_entry_produces_the_trained_model(runs, ids):
    """gpt_char.npz, handed to the inference and fine-tuning entries, is the model the entry
    evaluated: loaded back, it scores the entry's held-out NLL on the same windows."""
    v = runs["train"].values
    path = runs["train"].files["gpt_char.npz"]
    params, config = load_checkpoint(path)
    assert config["chars"] == VOCAB and config["n_embd"] == v["n_embd"]
    assert sum(p.size for p in params.values()) == v["n_params"]
    assert all(p.dtype == np.float32 for p in params.values())
    assert path.stat().st_size == v["model_kib"] * 1024
    x, y = windows(ids[1], CONFIG["block_size"])
    assert token_losses(params, x, y).mean() == pytest.approx(v["val_nll"], rel=1e-9)


def test_frozen_throughput(runs):
    """A timing, measured once (a frozen run): only its arithmetic is asserted, not its value."""
    t = runs["speed"].values
    assert t["tokens"] == t["steps"] * TRAIN["batch_size"] * CONFIG["block_size"]
    assert t["steps"] < runs["train"].values["max_steps"] and t["cpu_seconds"] > 0
    assert t["tokens_per_s"] == pytest.approx(t["tokens"] / t["cpu_seconds"], rel=1e-12)
