"""A tiny HTTP model server for gpt.py's model, on the standard library's ThreadingHTTPServer.

POST /generate with a JSON body {"prompt": "the ", "max_new": 20, "temperature": 0.8,
"top_k": 5, "seed": 1} answers {"text": ...}: the prompt and its continuation, decoded with the
KV cache (kv_cache.py), so a reply is a pure function of the request. GET /health answers the
model's size. Bad requests get status 400 and a JSON error saying what is wrong. The server binds
127.0.0.1 on a port the system picks (port 0) and runs in a thread of the caller's process; stop()
shuts it down and waits for the thread. serve_check.py checks its replies against local decoding;
serve_latency.py measures its latency under a small concurrent load.
"""

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from kv_cache import decode_cached


# --8<-- [start:server]
class ModelServer:
    """The model behind an HTTP endpoint on 127.0.0.1, served from a background thread."""

    def __init__(self, params, config):
        self.params, self.config = params, config
        handler = type("Handler", (Handler,), {"model": self})  # the handler class sees the model
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)  # port 0: a free port
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()  # serve_forever returns
        self.httpd.server_close()  # the listening socket is closed
        self.thread.join()

    def generate(self, req):
        """The reply to one request, or ValueError saying what is wrong with it."""
        chars, T = self.config["chars"], self.config["block_size"]
        prompt, max_new = req.get("prompt", " "), req.get("max_new", 16)
        if not isinstance(prompt, str) or not prompt or set(prompt) - set(chars):
            raise ValueError(f"prompt: a non-empty string of the characters {chars!r}")
        if not isinstance(max_new, int) or not 1 <= max_new <= T - len(prompt):
            raise ValueError(f"max_new: an integer from 1 to {T - len(prompt)} (the context "
                             f"holds {T} characters)")  # fmt: skip
        rng = np.random.default_rng(int(req.get("seed", 0)))
        ids = [chars.index(c) for c in prompt]
        tokens, _ = decode_cached(self.params, self.config, ids, max_new, rng,
                                  float(req.get("temperature", 1.0)), req.get("top_k"))  # fmt: skip
        return {"text": "".join(chars[i] for i in tokens)}


class Handler(BaseHTTPRequestHandler):
    """POST /generate and GET /health, JSON in and out."""

    model = None  # set by ModelServer

    def do_POST(self):
        if self.path != "/generate":
            return self.reply(404, {"error": f"no such endpoint: {self.path}"})
        try:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.reply(200, self.model.generate(json.loads(body)))
        except (ValueError, TypeError, AttributeError) as e:  # bad JSON or bad fields
            self.reply(400, {"error": str(e)})

    def do_GET(self):
        if self.path != "/health":
            return self.reply(404, {"error": f"no such endpoint: {self.path}"})
        n = sum(p.size for p in self.model.params.values())
        self.reply(200, {"status": "ok", "parameters": int(n)})

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # no line per request on stderr
        pass


# --8<-- [end:server]


# --8<-- [start:client]
def post(url, req, timeout=10):
    """(status, reply) of one JSON request."""
    data = json.dumps(req).encode()
    r = urllib.request.Request(url + "/generate", data, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(r, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:  # 4xx and 5xx carry a JSON body too
        return e.code, json.loads(e.read())


def local(params, config, req):
    """What the server should answer, computed in this process without HTTP."""
    chars = config["chars"]
    tokens, _ = decode_cached(params, config, [chars.index(c) for c in req["prompt"]],
                              req["max_new"], np.random.default_rng(req["seed"]),
                              req["temperature"], req["top_k"])  # fmt: skip
    return "".join(chars[i] for i in tokens)


# --8<-- [end:client]
