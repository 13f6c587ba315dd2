"""The server checked on the training-pipeline entry's GPT: replies under concurrent load equal
local decoding with the same seed, bad requests get a clear 400, and nothing outlives the run. The
model is gpt_char.npz in the working directory, written by train_gpt.py:

    cd /tmp/x && python /path/to/snippets/train_gpt.py && python /path/to/snippets/serve_check.py
"""

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from gpt import load_checkpoint
from serve import ModelServer, local, post


# --8<-- [start:main]
def main(n_requests=12, concurrency=4):
    params, config = load_checkpoint("gpt_char.npz")
    reqs = [{"prompt": "the ", "max_new": 24, "temperature": 0.8, "top_k": 8, "seed": s}
            for s in range(n_requests)]  # fmt: skip
    with ModelServer(params, config) as server:
        with ThreadPoolExecutor(concurrency) as pool:  # a few clients at once
            replies = list(pool.map(lambda r: post(server.url, r), reqs))
        bad = [post(server.url, {"prompt": "The ", "max_new": 5}),
               post(server.url, {"prompt": "the ", "max_new": 40})]  # fmt: skip
        with urllib.request.urlopen(server.url + "/health") as resp:
            health = json.loads(resp.read())
    same = sum(status == 200 and rep["text"] == local(params, config, req)
               for (status, rep), req in zip(replies, reqs, strict=True))  # fmt: skip
    # --8<-- [end:main]
    print(f"{n_requests} requests from {concurrency} client threads: {same} replies equal "
          f"local decoding with the same seed")  # fmt: skip
    for s in range(3):
        print(f"  seed {s}: {replies[s][1]['text']!r}")
    for status, rep in bad:
        print(f"  {status}: {rep['error']}")
    print(f"health: {health}; server thread alive after stop: {server.thread.is_alive()}")
    return {
        "n_requests": n_requests,
        "concurrency": concurrency,
        "n_same": same,
        "n_distinct": len({rep["text"] for _, rep in replies}),
        "status_char": bad[0][0],
        "status_long": bad[1][0],
        "error_char": bad[0][1]["error"],
        "error_long": bad[1][1]["error"],
        "alive": server.thread.is_alive(),
        "parameters": health["parameters"],
        "max_new": reqs[0]["max_new"],
    }


if __name__ == "__main__":
    main()
