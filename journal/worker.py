"""Runs one snippet function in a fresh process and writes what it produced to a folder.

Started by ``runner.py`` as ``python worker.py SPEC.json``. It imports nothing of the engine,
so a run sees only the snippet, its local modules and the locked libraries. What it writes:

- ``result.json``: the returned values, the figures, the files the run opened;
- ``fig-N.svg``: every matplotlib figure left open, in creation order;
- ``error.json`` instead, when the function raises.

Printed output goes to this process's stdout, which the runner captures.
"""

import faulthandler
import importlib.util
import json
import math
import os
import random
import signal
import sys
import traceback

# Figure settings: part of every cache key (the runner hashes this file). They reach matplotlib
# through a matplotlibrc file, so a run that draws nothing never pays for importing it.
RC_PARAMS = {
    "backend": "Agg",
    "svg.hashsalt": "learning-journal",  # stable element ids from one build to the next
    "svg.fonttype": "none",  # text stays text: small files, selectable, crisp
    "figure.figsize": "3.5, 2.5",
    "figure.dpi": "100",
    "font.size": "8",
    "axes.titlesize": "9",
    "axes.labelsize": "8",
    "legend.fontsize": "7",
    "path.simplify": "True",
}
SAVE_OPTIONS = {
    "format": "svg",
    "metadata": {"Date": None},
    "transparent": True,
    "bbox_inches": "tight",
}


def _plain(value, key):
    """A JSON-ready copy of a returned value: numbers, strings, booleans, or lists of them."""
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        value = value.item()  # numpy scalar
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return {"__float__": repr(value)}
        return value
    if isinstance(value, list | tuple) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else value
        return [_plain(v, key) for v in items]
    raise TypeError(
        f"value {key!r} is a {type(value).__name__}; a run returns numbers, strings, booleans or lists of them"
    )


def _record_opens(project_root, ignored, opened):
    """Note every project file the run opens (data it reads), but not the engine's or libraries'."""
    root = os.path.realpath(project_root) + os.sep
    skip = tuple(os.path.realpath(p) + os.sep for p in [sys.prefix, *ignored])

    def hook(event, args):
        if event != "open" or not args or not isinstance(args[0], str | bytes | os.PathLike):
            return
        try:
            path = os.path.realpath(os.fsdecode(args[0]))
        except (TypeError, ValueError):
            return
        if path.startswith(root) and not path.startswith(skip) and os.path.isfile(path):
            opened.add(path[len(root) :])

    sys.addaudithook(hook)


def main(spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    out_dir = spec["out_dir"]
    snippet = spec["snippet"]
    sys.path[0] = os.path.dirname(snippet)  # as when a reader runs `python snippets/x.py`

    rc_file = os.path.join(out_dir, "matplotlibrc")
    with open(rc_file, "w") as f:
        f.writelines(f"{key}: {value}\n" for key, value in RC_PARAMS.items())
    os.environ["MATPLOTLIBRC"] = rc_file

    # On a timeout the runner sends SIGUSR1 first: the stack then says where the run was.
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=False)

    random.seed(0)
    try:
        import numpy

        numpy.random.seed(0)
    except ImportError:
        pass

    opened = set()
    _record_opens(spec["project_root"], spec["ignored"], opened)
    name = os.path.splitext(os.path.basename(snippet))[0]
    try:
        module_spec = importlib.util.spec_from_file_location(name, snippet)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
        function = getattr(module, spec["function"], None)
        if not callable(function):
            raise AttributeError(
                f"{os.path.basename(snippet)} has no function {spec['function']}()"
            )
        returned = function()
        if returned is None:
            returned = {}
        if not isinstance(returned, dict):
            raise TypeError(
                f"{spec['function']}() returned a {type(returned).__name__}; return a dict of values"
            )
        values = {str(k): _plain(v, k) for k, v in returned.items()}
        figures = []
        plt = sys.modules.get("matplotlib.pyplot")  # None: the run drew nothing
        for index, num in enumerate(plt.get_fignums() if plt else [], start=1):
            fig = plt.figure(num)
            file = f"fig-{index}.svg"
            fig.savefig(os.path.join(out_dir, file), **SAVE_OPTIONS)
            figures.append({"index": index, "label": fig.get_label() or "", "file": file})
            plt.close(fig)
    except BaseException as exc:  # noqa: BLE001 - everything the snippet raises is reported
        sys.stdout.flush()
        frames = [
            {"file": fr.filename, "line": fr.lineno, "function": fr.name}
            for fr in traceback.extract_tb(exc.__traceback__)
        ]
        if isinstance(exc, SyntaxError) and exc.filename:
            frames.append({"file": exc.filename, "line": exc.lineno or 0, "function": "<module>"})
        error = {
            "type": type(exc).__name__,
            "message": str(exc),
            "traceback": "".join(traceback.format_exception(exc)),
            "frames": frames,
        }
        with open(os.path.join(out_dir, "error.json"), "w") as f:
            json.dump(error, f)
        return 1
    sys.stdout.flush()
    result = {"values": values, "figures": figures, "opened": sorted(opened)}
    with open(os.path.join(out_dir, "result.json"), "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
