"""Entry 12, "Inference and deployment": sampling (temperature and top-k against scipy's softmax and
entropy, the draws against their probabilities), the KV cache against the uncached forward
(logits at every position, tokens exactly), the FLOP count against one made from the checkpoint's
own arrays, int8 quantization (the rounding bound, the matmul bound on real activations, bytes
counted independently), the server (replies, errors, nothing left running), and every number the
entry quotes, at the entry's seeds. The frozen runs' timings are not asserted, only their
arithmetic and the comparisons the prose makes from them."""

import json
import math
import urllib.error
import urllib.request

import numpy as np
import pytest
import scipy.special
import scipy.stats
from corpus import VOCAB, train_val_ids
from gpt import gpt_forward, init_params, load_checkpoint
from kv_cache import decode_cached, decode_uncached, flops_per_token, forward_cached, new_cache
from kv_cache import generate as generate_cached
from quantize import (
    MATRICES,
    TABLES,
    dequantized,
    int8_matmul,
    quantize,
    quantize_model,
    weight_bytes,
)
from sampling import distinct_ngrams, draw, entropy, probs, real_word_rate
from sampling_sweep import SEEDS, TEMPERATURES, TOP_KS, measure
from serve import ModelServer, local, post
from train_gpt import CONFIG, token_losses, windows

ENTRY = "posts/entries/inference-and-deployment.md"
TRAINING = "posts/entries/a-training-pipeline.md"
SMALL = {"vocab_size": 11, "block_size": 12, "n_layer": 2, "n_head": 2, "n_embd": 8}


@pytest.fixture(scope="session")
def runs(entry_runs):
    return entry_runs(ENTRY)


@pytest.fixture(scope="session")
def trained(entry_runs):
    """The model the training entry produced, as this entry's runs received it."""
    return load_checkpoint(entry_runs(TRAINING)["train"].files["gpt_char.npz"])


@pytest.fixture(scope="session")
def words():
    return set(__import__("corpus").load_text()[: len(train_val_ids()[0])].split())


def random_model(seed=0, config=SMALL, scale=0.3):
    """A small model with weights large enough that its attention is not uniform."""
    rng = np.random.default_rng(seed)
    return {k: v + rng.normal(0, scale, v.shape) for k, v in init_params(config, rng).items()}


# ---------------------------------------------------------------- sampling


def test_temperature_one_is_the_softmax_and_zero_is_greedy():
    z = np.random.default_rng(0).normal(0, 2, (5, 27))
    assert np.allclose(probs(z), scipy.special.softmax(z, axis=-1), rtol=1e-13, atol=0)
    assert np.allclose(probs(z, 0.5), scipy.special.softmax(2 * z, axis=-1), rtol=1e-12)
    assert np.array_equal(probs(z, 0), np.eye(27)[z.argmax(axis=-1)])
    H = [entropy(probs(z[0], t)) for t in (0.25, 0.5, 1, 2, 4)]
    assert all(a < b for a, b in zip(H, H[1:], strict=False))  # flatter with temperature
    assert H[-1] < math.log(27)


@pytest.mark.parametrize("k", [1, 2, 5, 26, 27])
def test_top_k_keeps_the_k_largest_and_renormalizes(k):
    z = np.random.default_rng(k).normal(0, 1, 27)
    p = probs(z, 1.0, k)
    keep = np.argsort(z)[-k:]
    assert np.count_nonzero(p) == k and set(np.flatnonzero(p)) == set(keep)
    ref = scipy.special.softmax(z[keep])
    assert np.allclose(p[keep], ref, rtol=1e-13) and p.sum() == pytest.approx(1, abs=1e-15)


def test_per_row_settings_equal_one_call_per_row():
    z = np.random.default_rng(1).normal(0, 1, (4, 27))
    tau, k = np.array([0.3, 1.0, 1.7, 0.0]), np.array([3, 27, 8, 27])
    batched = probs(z, tau, k)
    for b in range(4):
        assert np.array_equal(batched[b], probs(z[b], tau[b], k[b]))


def test_draws_follow_the_distribution_and_never_pick_a_zero():
    p = probs(np.random.default_rng(2).normal(0, 1, 27), 1.0, 6)  # 21 zeros
    rng = np.random.default_rng(3)
    n = 20000
    counts = np.bincount(draw(np.tile(p, (n, 1)), [rng] * n), minlength=27)
    assert counts[p == 0].sum() == 0
    chi2 = scipy.stats.chisquare(counts[p > 0], n * p[p > 0])
    assert chi2.pvalue > 1e-3  # a wrong inversion fails this at any seed
    # the same as numpy's own inversion of the CDF
    u = np.random.default_rng(4).random()
    assert draw(p[None], [np.random.default_rng(4)])[0] == np.searchsorted(
        np.cumsum(p), u * p.sum(), side="right"
    )


def test_entropy_and_the_text_measures():
    p = np.random.default_rng(5).dirichlet(np.ones(27), size=3)
    assert np.allclose(entropy(p), scipy.stats.entropy(p, axis=-1), rtol=1e-13)
    assert entropy(np.eye(27)[3]) == 0
    assert distinct_ngrams("abcdefgh") == 1.0
    assert distinct_ngrams("abababab") == pytest.approx(2 / 5)
    assert real_word_rate("xx the cat zzq dog yy", {"the", "cat", "dog"}) == pytest.approx(3 / 4)


# ---------------------------------------------------------------- the KV cache


def test_cached_forward_equals_the_full_forward_at_every_position():
    params = random_model()
    idx = np.random.default_rng(1).integers(0, SMALL["vocab_size"], (3, SMALL["block_size"]))
    full, _, _ = gpt_forward(params, idx, SMALL)  # (3, T, V)
    for chunks in ([12], [1] * 12, [5, 1, 6], [4, 4, 4]):  # prefill, steps, and mixtures
        cache, out, t = new_cache(SMALL, 3), [], 0
        for c in chunks:
            out.append(forward_cached(params, SMALL, idx[:, t : t + c], cache))
            t += c
        assert cache["len"] == 12
        assert np.abs(np.concatenate(out, axis=1) - full).max() < 1e-12 * np.abs(full).max()
    with pytest.raises(AssertionError, match="cache is full"):
        forward_cached(params, SMALL, idx[:, :1], cache)


@pytest.mark.parametrize("temperature, top_k", [(1.0, None), (0.7, 3), (0, None), (1.5, 5)])
def test_cached_decoding_gives_the_same_tokens(temperature, top_k):
    params = random_model(1)
    for seed in range(4):
        args = (params, SMALL, [1, 2], 10, temperature, top_k)
        t_u, l_u = decode_uncached(*args[:4], np.random.default_rng(seed), *args[4:])
        t_c, l_c = decode_cached(*args[:4], np.random.default_rng(seed), *args[4:])
        assert t_u == t_c and len(t_c) == 12
        assert np.abs(l_u - l_c).max() < 1e-12 * np.abs(l_u).max()


def test_batched_generation_equals_one_row_at_a_time():
    """Rows of a batch do not see each other; within the context, each row is decode_cached."""
    params = random_model(2)
    prompts = np.array([[1], [4], [7]])
    idx, P = generate_cached(params, SMALL, prompts, 11, [5, 6, 7], 0.9, 4)
    for b in range(3):
        tokens, _ = decode_cached(params, SMALL, [int(prompts[b, 0])], 11,
                                  np.random.default_rng(5 + b), 0.9, 4)  # fmt: skip
        assert idx[b].tolist() == tokens
    assert P.shape == (3, 11, SMALL["vocab_size"]) and np.allclose(P.sum(axis=-1), 1)
    long, _ = generate_cached(params, SMALL, prompts, 40, [5, 6, 7])  # past the context
    assert long.shape == (3, 41)


def test_flop_count_from_the_checkpoints_own_arrays(trained):
    """2 FLOPs per weight of every matrix a position passes through (the output layer is wte),
    plus 2 x 2 C per (query, key) pair, counted with a loop over the causal pairs."""
    params, config = trained
    C = config["n_embd"]
    per_position = 2 * sum(p.size for k, p in params.items() if k.endswith(MATRICES))
    per_position += 2 * params["wte"].size  # logits = x @ wte.T
    for T in (1, 7, 32):
        pairs_all = sum(t for t in range(1, T + 1))  # query t sees keys 1..t
        uncached = T * per_position + config["n_layer"] * 4 * C * pairs_all
        cached = per_position + config["n_layer"] * 4 * C * T
        assert flops_per_token(config, T, False) == uncached
        assert flops_per_token(config, T, True) == cached


# ---------------------------------------------------------------- int8


def test_quantization_rounds_each_weight_by_at_most_half_a_step():
    W = np.random.default_rng(0).normal(0, 0.02, (48, 144)).astype(np.float32)
    for axis in (0, 1):
        Q, s = quantize(W, axis)
        assert Q.dtype == np.int8 and np.abs(Q).max() == 127 and Q.min() >= -127
        assert np.all(np.abs(W - Q * s) <= s / 2 * (1 + 1e-6))
        assert s.shape == ((1, 144) if axis == 0 else (48, 1))


def test_int8_matmul_and_its_error_bound_on_real_activations(trained):
    """(x Q) s equals x (Q s); the change of output j is at most (s_j / 2) sum_i |x_i|, checked
    on the first block's real input (layer-normed held-out windows)."""
    params, config = trained
    x_val, _ = windows(train_val_ids()[1], config["block_size"])
    x = params["wte"][x_val[:64]] + params["wpe"]  # (64, T, C)
    a = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    a = (a * params["h0.ln_1.g"] + params["h0.ln_1.b"]).astype(np.float64)
    W = params["h0.attn.W_qkv"].astype(np.float64)
    Q, s = quantize(W, axis=0)
    assert np.allclose(int8_matmul(a, Q, s), a @ (Q * s.astype(np.float64)), rtol=1e-12)
    err = np.abs(a @ W - int8_matmul(a, Q, s))  # (64, T, 3C)
    bound = (s / 2) * np.abs(a).sum(axis=-1, keepdims=True)
    assert np.all(err <= bound * (1 + 1e-9))
    # independent rounding errors add like a random walk, not all in one direction
    assert np.median(err / bound) < 0.2


def test_bytes_counted_independently(trained):
    params, _ = trained
    q = quantize_model(params, MATRICES + TABLES)
    assert set(q) == {k for k in params if k.endswith(MATRICES)} | set(TABLES)
    ints = sum(params[k].size for k in q)  # one byte each
    scales = sum(params[k].shape[1] for k in params if k.endswith(MATRICES))  # per column
    scales += sum(params[k].shape[0] for k in TABLES)  # per row
    rest = sum(p.size for k, p in params.items() if k not in q)
    assert weight_bytes(params, q) == ints + 4 * scales + 4 * rest
    assert all(k.split(".")[-1] in ("g", "b", "b_qkv", "b_o", "b_fc", "b_proj") for k in params
               if k not in q)  # fmt: skip
    d = dequantized(params, q)
    assert all(d[k].dtype == np.float32 for k in d) and d["h0.ln_1.g"] is params["h0.ln_1.g"]


# ---------------------------------------------------------------- the server


def test_server_answers_errors_and_stops():
    config = dict(SMALL, chars="abcdefghijk")
    params = random_model(3)
    with ModelServer(params, config) as server:
        req = {"prompt": "ab", "max_new": 6, "temperature": 0.9, "top_k": 4, "seed": 11}
        status, rep = post(server.url, req)
        assert status == 200 and rep["text"] == local(params, config, req)
        assert rep["text"].startswith("ab") and len(rep["text"]) == 8
        assert post(server.url, dict(req, prompt="aZ"))[0] == 400
        status, rep = post(server.url, dict(req, max_new=11))
        assert status == 400 and "from 1 to 10" in rep["error"]
        status, rep = post(server.url, dict(req, max_new="many"))
        assert status == 400
        r = urllib.request.Request(server.url + "/generate", b"{not json", method="POST")
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(r, timeout=10)
        assert e.value.code == 400
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(server.url + "/nothing", timeout=10)
        assert e.value.code == 404
    assert not server.thread.is_alive()
    # its listening socket is closed (asked of the socket itself: probing the port could meet
    # another test's server, which the system may give the freed port to)
    assert server.httpd.socket.fileno() == -1


# ---------------------------------------------------------------- the entry's numbers


def test_entry_receives_the_trained_model(runs, entry_runs, trained):
    params, config = trained
    train = entry_runs(TRAINING)["train"].values
    assert (
        runs["quant"].values["n_params"] == train["n_params"] == runs["serve"].values["parameters"]
    )
    assert runs["quant"].values["nll"] == pytest.approx(train["val_nll"], rel=1e-9)
    v = runs["kv"].values
    assert (v["block_size"], v["n_layer"], v["n_head"], v["n_embd"]) == (
        config["block_size"], config["n_layer"], config["n_head"], config["n_embd"]
    )  # fmt: skip


def test_entry_kv_cache(runs, trained):
    v = runs["kv"].values
    _, config = trained
    assert v["identical"] == v["n_seeds"] == 4
    assert 0 < v["logit_diff"] < 1e-12  # rounding only, and not bit-identical either
    assert v["num_new"] == config["block_size"] - len("the ")
    T0, T = 4, config["block_size"]
    work_u = sum(flops_per_token(config, t, False) for t in range(T0, T))
    work_c = flops_per_token(config, T0, False) + sum(
        flops_per_token(config, t, True) for t in range(T0 + 1, T)
    )
    assert (v["flops_uncached"], v["flops_cached"]) == (work_u, work_c)
    assert v["flops_ratio"] == pytest.approx(work_u / work_c) and v["flops_ratio"] > 10
    long = dict(config, block_size=1024)
    assert v["ratio_1024"] == pytest.approx(
        flops_per_token(long, 1024, False) / flops_per_token(long, 1024, True)
    )
    assert "flops" in runs["kv"].figures
    assert v["sample"].startswith("the ") and len(v["sample"]) == T


def test_entry_timing_frozen(runs, trained):
    """Measured once: the arithmetic, and the comparisons the prose draws from the values."""
    t, v = runs["timing"].values, runs["kv"].values
    from kv_cache_timing import LENGTHS, SHAPE

    assert SHAPE == CONFIG
    assert t["max_T"] == LENGTHS[-1] == 1024 and t["e2e_new"] == CONFIG["block_size"] - 1
    u = np.array([t[f"u_ms_{T}"] for T in LENGTHS])
    c = np.array([t[f"c_ms_{T}"] for T in LENGTHS])
    hi = LENGTHS >= 128
    assert t["slope_uncached"] == pytest.approx(
        np.polyfit(np.log(LENGTHS[hi]), np.log(u[hi]), 1)[0]
    )
    assert t["slope_cached"] == pytest.approx(np.polyfit(np.log(LENGTHS[hi]), np.log(c[hi]), 1)[0])
    assert t["ratio_1024"] == pytest.approx(u[-1] / c[-1])
    assert t["ratio_8"] == pytest.approx(u[0] / c[0])
    assert t["e2e_speedup"] == pytest.approx(t["e2e_uncached_ms"] / t["e2e_cached_ms"])
    # what the prose says of them
    assert t["e2e_speedup"] > 1 and t["ratio_1024"] > 50
    assert t["slope_uncached"] > v["flops_slope_uncached"]  # faster than the FLOPs
    assert t["u_ms_8"] / t["c_ms_8"] < 2  # short sequences: the fixed costs dominate both
    assert t["c_ms_1024"] / t["c_ms_8"] < 3 and t["u_ms_1024"] / t["u_ms_8"] > 100
    assert np.all(np.diff(u[hi]) > 0)
    assert "timing" in runs["timing"].figures


@pytest.fixture(scope="session")
def sweep_ends(trained, words):
    """The lowest and highest temperature again, every seed kept."""
    params, config = trained
    return measure(params, config, words, [(TEMPERATURES[0], None), (TEMPERATURES[-1], None)])


def test_entry_temperature(runs, sweep_ends):
    v = runs["sampling"].values
    assert (v["n_seeds"], v["length"], v["batch"]) == (len(SEEDS), 200, 88)
    assert (v["context"], v["restart"]) == (32, 16)
    assert (v["t_low"], v["t_high"]) == (0.25, 1.5)
    for key in ("entropy", "distinct4"):
        means = [v[f"{key}_{t}".replace(".", "_")] for t in TEMPERATURES]
        assert all(a < b for a, b in zip(means, means[1:], strict=False)), key  # rises
    real = [v[f"real_{t}".replace(".", "_")] for t in TEMPERATURES]
    assert real[0] > real[3] > real[-1]  # spelling falls
    assert v["entropy_0_25"] < 0.7 and v["entropy_1_5"] > 2.0 and v["real_0_25"] > 0.85
    assert v["distinct4_0_25"] < 0.6 < 0.95 < v["distinct4_1_5"]
    # the same batch in the test reproduces the run, and the ends differ at every seed
    # (float32: the run's batch of 88 rows and this one of 16 may be summed by other BLAS
    # kernels, so the entropies agree to about 1e-8, not to the last bit)
    low, high = sweep_ends
    assert low["entropy"].mean() == pytest.approx(v["entropy_0_25"], rel=1e-6)
    assert high["real"].mean() == pytest.approx(v["real_1_5"], rel=1e-9)
    assert np.all(low["entropy"] < high["entropy"])
    assert np.all(low["distinct4"] < high["distinct4"])
    assert np.all(low["real"] > high["real"])
    assert v["text_t_0_25"] == low["texts"][0][:76] and v["text_t_0_25"].count("the ") >= 5
    assert v["text_t_1_5"] == high["texts"][0][:76]
    assert set(runs["sampling"].figures) == {"temperature", "top_k"}


def test_entry_temperature_one_matches_the_held_out_entropy(runs, trained):
    """Sampling at temperature 1 gives the model's own uncertainty: the mean entropy of its
    next-character distributions on held-out text (scipy), an independent number, is close."""
    params, config = trained
    x, _ = windows(train_val_ids()[1], config["block_size"])
    logits, _, _ = gpt_forward(params, x[::4], config)  # (n, T, V)
    H = scipy.stats.entropy(scipy.special.softmax(logits.astype(np.float64), axis=-1), axis=-1)
    assert runs["sampling"].values["entropy_1_0"] == pytest.approx(H.mean(), abs=0.15)


def test_entry_top_k(runs):
    v = runs["sampling"].values
    ent = [v[f"entropy_k{k}"] for k in TOP_KS]
    dist = [v[f"distinct4_k{k}"] for k in TOP_KS]
    assert ent[0] == 0 and all(a < b for a, b in zip(ent, ent[1:], strict=False))
    assert all(a < b for a, b in zip(dist, dist[1:], strict=False))
    assert v["real_k1"] == 1.0 and v["real_k5"] > v["real_k27"] + 0.1
    assert v["greedy_same"] is True and v["distinct4_k1"] < 0.15
    assert v["text_greedy"].count("the the") >= 5
    assert TOP_KS[-1] == 27 and v["entropy_k27"] == v["entropy_1_0"]  # every character kept


def test_entry_quantization(runs, entry_runs, trained):
    v = runs["quant"].values
    params, config = trained
    assert v["float_bytes"] == 4 * v["n_params"]
    assert v["bytes_int8"] == weight_bytes(params, quantize_model(params, MATRICES + TABLES))
    assert v["bytes_matrices"] == weight_bytes(params, quantize_model(params, MATRICES))
    assert 3.5 < v["ratio_int8"] < 4 and 3.0 < v["ratio_matrices"] < v["ratio_int8"]
    assert v["ratio_int8"] == pytest.approx(v["float_bytes"] / v["bytes_int8"])
    # the loss moves by a few standard errors at most, either way ("barely resolve it")
    assert abs(v["dnll_int8"]) < 0.002 and abs(v["z_int8"]) < 10
    assert v["z_int8"] == pytest.approx(v["dnll_int8"] / v["dnll_se_int8"])
    # the predictions move, certainly: the KL divergence is many standard errors from zero
    assert 0 < v["kl_int8"] < 0.002 and v["kl_z_int8"] > 20
    assert v["kl_z_int8"] == pytest.approx(v["kl_int8"] / v["kl_se_int8"])
    assert 0 < v["kl_matrices"] < v["kl_int8"]
    assert abs(v["dnll_matrices"]) < 0.002  # the matrices alone: as small a loss change, either way
    assert v["tables_share_kl"] == pytest.approx(1 - v["kl_matrices"] / v["kl_int8"])
    assert v["tables_share_kl"] > 0.5  # "most of the damage"
    assert v["dnll_int4"] > 0.05 and v["z_int4"] > 10  # int4 costs loss, beyond doubt
    assert v["z_int4"] == pytest.approx(v["dnll_int4"] / v["dnll_se_int4"])
    assert v["windows_int4"] == len(range(0, v["n_windows"], 4)) and v["dnll_se_int4"] < 0.01
    assert v["windows_int8"] == v["windows_matrices"] == v["n_windows"]
    assert v["int4_over_int8"] > 100  # its predictions move a hundred times as far, or more
    q4 = quantize_model(params, MATRICES + TABLES, bits=4)
    assert v["bytes_int4"] == weight_bytes(params, q4, bits=4)
    assert v["bytes_int4"] == v["bytes_int8"] - sum(Q.size for Q, _ in q4.values()) // 2
    assert v["ratio_int4"] > 5 and 127 / 7 > 18  # "18 times coarser": qmax 127 against 7
    assert v["n_float"] == sum(p.size for p in params.values() if p.ndim == 1)
    assert (
        v["share_float"] == pytest.approx(v["n_float"] / v["n_params"]) and v["share_float"] < 0.03
    )
    assert v["share_tables"] == pytest.approx(
        (params["wte"].size + params["wpe"].size) / v["n_params"]
    )
    assert v["worst_step"] <= 0.5
    # the file the run wrote holds the same model: read back, it scores the int8 loss
    path = runs["quant"].files["gpt_char_int8.npz"]
    with np.load(path) as f:
        q = {k[:-2]: (f[k], f[k[:-2] + ".scale"]) for k in f.files if k.endswith(".q")}
        assert all(Q.dtype == np.int8 for Q, _ in q.values())
        assert json.loads(str(f["config"]))["n_embd"] == config["n_embd"]
        assert str(f["chars"]) == VOCAB
    x, y = windows(train_val_ids()[1], config["block_size"])
    d = token_losses(dequantized(params, q), x, y).mean() - token_losses(params, x, y).mean()
    # a difference of two mean losses near 1.5 nats, each summed in float32 by whichever BLAS
    # kernels this process picks: they agree to about 1e-8 nats, the difference to 1e-5 of itself
    assert d == pytest.approx(v["dnll_int8"], rel=1e-4)
    assert v["file_int8"] == path.stat().st_size


def test_entry_server(runs):
    v = runs["serve"].values
    assert v["n_same"] == v["n_requests"] == 12 and v["concurrency"] == 4
    assert v["n_distinct"] == v["n_requests"]  # the seeds matter
    assert (v["status_char"], v["status_long"]) == (400, 400)
    assert "from 1 to 28" in v["error_long"]
    assert v["alive"] is False


def test_entry_latency_frozen(runs):
    t = runs["latency"].values
    from serve_latency import SHAPE

    assert {k: SHAPE[k] for k in CONFIG} == CONFIG and SHAPE["chars"] == VOCAB
    for c in (1, 4):
        assert 0 < t[f"p50_{c}"] <= t[f"p90_{c}"] <= t[f"p99_{c}"]
        assert t[f"rps_{c}"] > 0
    assert t["rps_4"] > t["rps_1"] and t["p50_4"] > t["p50_1"]  # as the prose says
    assert (t["n_requests"], t["max_new"]) == (200, 24)
