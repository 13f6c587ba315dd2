"""Runs one snippet function in a fresh process and writes what it produced to a folder.

Started by ``runner.py`` as ``python worker.py SPEC.json``, or forked by ``forkserver.py``,
which calls ``run(spec)`` in a clean child. It imports nothing of the engine, so a run sees
only the snippet, its local modules and the locked libraries. What it writes:

- ``call.json``: where the called function is defined, before calling it;
- ``result.json``: the returned values, the figures, the files the run opened;
- ``fig-N.svg``: every matplotlib figure left open, in creation order;
- ``error.json`` instead, when the function raises.

Printed output goes to this process's stdout and stderr, files the runner reads. When the
function returns, every process it started (a daemon, a double fork) is stopped.
"""

import ctypes
import faulthandler
import importlib.util
import json
import math
import os
import random
import resource
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
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
ENGINE_FILES = (os.path.abspath(__file__),)  # frames a traceback shown to the author skips


def write_rc(folder):
    """Point matplotlib (not imported yet) at the journal's figure settings."""
    rc_file = os.path.join(folder, "matplotlibrc")
    with open(rc_file, "w") as f:
        f.writelines(f"{key}: {value}\n" for key, value in RC_PARAMS.items())
    os.environ["MATPLOTLIBRC"] = rc_file


def become_subreaper():
    """Orphans of this process's descendants (a double fork, a ``setsid`` daemon) become its
    children instead of init's, so it can stop them (Linux; elsewhere the process group)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def children(pid=None):
    """The process ids of ``pid``'s children (default: this process), zombies included."""
    pid = pid or os.getpid()
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
    except OSError:
        return []
    return found


def stop_descendants(keep=()):
    """Kill and reap every child but ``keep``, again until none is left: the children of a
    killed child are reparented here (a subreaper) and found on the next round."""
    while kids := [k for k in children() if k not in keep]:
        for kid in kids:
            try:
                os.kill(kid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for kid in kids:
            try:
                os.waitpid(kid, 0)
            except ChildProcessError:
                pass


def _plain(value, key):
    """A JSON-ready copy of a returned value: numbers, strings, booleans, or lists of them."""
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        value = value.item()  # numpy scalar
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            str(value)  # JSON writes ints as decimal, which Python refuses past 4,300 digits
        except ValueError:
            raise ValueError(
                f"value {key!r} is an integer of more than {sys.get_int_max_str_digits()} "
                "digits; return it as a float, or its digits as a string"
            ) from None
        return value
    if isinstance(value, bool | str) or value is None:
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


# Where a run's reads are not its data: the system and the Python installation (their changes
# reach the key through the lock and the engine), and the run's own folders (added per run).
SYSTEM_DIRS = (
    "/usr",
    "/etc",
    "/lib",
    "/lib64",
    "/bin",
    "/sbin",
    "/proc",
    "/sys",
    "/dev",
    "/run",
    "/var",
)
CHILD_EVENTS = {"subprocess.Popen", "os.system", "os.posix_spawn", "os.exec", "os.spawn"}


def _record_opens(project_root, ignored, opened, children=None, own_dirs=()):
    """Note every file the run opens (data it reads), in the project or outside it (outside as
    absolute paths), but not the engine's, the libraries' or the system's; and every child
    process the snippet's own code starts (what a child reads cannot be seen)."""
    root = os.path.realpath(project_root) + os.sep
    skip = tuple(os.path.realpath(p) + os.sep for p in [sys.prefix, *ignored])
    outside_skip = tuple(
        os.path.realpath(p) + os.sep
        for p in [sys.prefix, sys.base_prefix, sys.exec_prefix, *SYSTEM_DIRS, *own_dirs]
    )
    stdlib = os.path.dirname(os.__file__) + os.sep
    written = set()

    def started_by_snippet():
        frame = sys._getframe(2)
        while frame is not None:
            name = frame.f_code.co_filename
            if not (name.startswith(stdlib) or name.startswith("<")) or name == __file__:
                return name.startswith(root)
            frame = frame.f_back
        return False

    def reads(args):
        """Whether an open reads (a log the run only appends to is not its data)."""
        mode = args[1] if len(args) > 1 else None
        if isinstance(mode, str):
            return "r" in mode or "+" in mode
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        return flags & (os.O_WRONLY | os.O_RDWR) != os.O_WRONLY

    def hook(event, args):
        if event in CHILD_EVENTS and children is not None:
            if started_by_snippet():
                command = args[1] if event != "os.system" else args[0]
                if isinstance(command, list | tuple):
                    command = " ".join(os.fsdecode(c) for c in command)
                children.append(os.fsdecode(command)[:200] if command else event)
            return
        if event != "open" or not args or not isinstance(args[0], str | bytes | os.PathLike):
            return
        try:
            path = os.path.realpath(os.fsdecode(args[0]))
        except (TypeError, ValueError):
            return
        if path.startswith(root):
            if not path.startswith(skip) and os.path.isfile(path):
                opened.add(path[len(root) :])
        elif path.startswith(outside_skip) or path in written:
            return
        elif not reads(args) or "w" in str(args[1] if len(args) > 1 else ""):
            written.add(path)  # the run's own file from now on, not its input
        elif os.path.isfile(path):
            opened.add(path)

    sys.addaudithook(hook)


def _author_traceback(exc, project_root):
    """The traceback from the snippet's first frame on (not the worker's), with paths
    relative to the project."""
    tb = exc.__traceback__
    while tb is not None and (
        tb.tb_frame.f_code.co_filename in ENGINE_FILES
        or tb.tb_frame.f_code.co_filename.startswith("<frozen ")
    ):
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    return text.replace(os.path.realpath(project_root) + os.sep, "")


def _write_json(out_dir, name, data):
    with open(os.path.join(out_dir, name), "w") as f:
        json.dump(data, f)


def run(spec):
    """Call the function ``spec`` names in this (fresh) process; return the exit status."""
    out_dir = spec["out_dir"]
    snippet = spec["snippet"]
    if spec.get("memory"):
        resource.setrlimit(resource.RLIMIT_DATA, (spec["memory"], spec["memory"]))
    os.chdir(spec["cwd"])
    os.environ["HOME"] = spec["cwd"]
    sys.path[0] = os.path.dirname(snippet)  # as when a reader runs `python snippets/x.py`
    sys.argv = [snippet]
    sys.stdout.reconfigure(line_buffering=True)  # the runner shows the latest line while it runs
    become_subreaper()
    faulthandler.enable(file=sys.stderr, all_threads=False)  # a segfault names the line
    # On a timeout the runner sends SIGUSR1 first: the stack then says where the run was.
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=False)

    random.seed(0)
    try:
        import numpy

        numpy.random.seed(0)
    except ImportError:
        pass

    opened, children = set(), []
    own = [spec["cwd"], out_dir, os.environ.get("MPLCONFIGDIR", ""), os.path.expanduser("~")]
    _record_opens(spec["project_root"], spec["ignored"], opened, children, [d for d in own if d])
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
        code = getattr(function, "__code__", None)
        if code is not None:  # the place to name if the run dies or returns something odd
            _write_json(
                out_dir, "call.json", {"file": code.co_filename, "line": code.co_firstlineno}
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
        result = {
            "values": values,
            "figures": figures,
            "opened": sorted(opened),
            "children": children,
        }
        status = 0
    except BaseException as exc:  # noqa: BLE001 - everything the snippet raises is reported
        frames = [
            {"file": fr.filename, "line": fr.lineno, "function": fr.name}
            for fr in traceback.extract_tb(exc.__traceback__)
        ]
        if isinstance(exc, SyntaxError) and exc.filename:
            frames.append({"file": exc.filename, "line": exc.lineno or 0, "function": "<module>"})
        error = {
            "type": type(exc).__name__,
            "message": str(exc),
            "memory": isinstance(exc, MemoryError),
            "traceback": _author_traceback(exc, spec["project_root"]),
            "frames": frames,
        }
        result, status = None, 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the snippet closed it
            pass
    stop_descendants()
    if status == 0:
        _write_json(out_dir, "result.json", result)
    else:
        _write_json(out_dir, "error.json", error)
    return status


def main(spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    write_rc(spec["out_dir"])
    status = run(spec)
    os._exit(status)  # threads the snippet left running do not hold the process


if __name__ == "__main__":
    main(sys.argv[1])
