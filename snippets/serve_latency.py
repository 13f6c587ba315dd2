"""Latency of serve.py's server under a small concurrent load (a frozen run: the numbers belong
to the machine that measured them). The weights are random, of the training-pipeline model's
shape: a request's work depends on the shapes, not on the values."""

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from gpt import init_params
from serve import ModelServer, post

# The training pipeline's model (train_gpt.CONFIG and corpus.VOCAB; a test checks they agree).
SHAPE = {"vocab_size": 27, "block_size": 32, "n_layer": 2, "n_head": 4, "n_embd": 48,
         "chars": " abcdefghijklmnopqrstuvwxyz"}  # fmt: skip


# --8<-- [start:load]
def load(url, reqs, concurrency):
    """Each request's latency in seconds, `concurrency` clients sending at once; and the wall
    time of the whole batch."""

    def timed(req):
        start = time.perf_counter()
        status, _ = post(url, req)
        assert status == 200
        return time.perf_counter() - start

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        lat = np.array(list(pool.map(timed, reqs)))  # (n,)
    return lat, time.perf_counter() - start


# --8<-- [end:load]


def measure(n_requests=200, levels=(1, 4)):
    params = init_params(SHAPE, np.random.default_rng(0), np.float32)
    reqs = [{"prompt": "the ", "max_new": 24, "temperature": 0.8, "top_k": 8, "seed": s}
            for s in range(n_requests)]  # fmt: skip
    out = {"n_requests": n_requests, "max_new": 24}
    print(f"{n_requests} requests of 24 characters each")
    print("clients   p50 (ms)   p90 (ms)   p99 (ms)   requests/s")
    with ModelServer(params, SHAPE) as server:
        load(server.url, reqs[:20], 1)  # warm-up: connections, first calls
        for c in levels:
            lat, wall = load(server.url, reqs, c)
            p50, p90, p99 = np.percentile(lat, [50, 90, 99]) * 1e3
            print(f"{c:7d}   {p50:8.2f}   {p90:8.2f}   {p99:8.2f}   {n_requests / wall:10.0f}")
            out |= {
                f"p50_{c}": p50,
                f"p90_{c}": p90,
                f"p99_{c}": p99,
                f"rps_{c}": n_requests / wall,
            }
    return {k: float(v) for k, v in out.items()}


if __name__ == "__main__":
    measure()
