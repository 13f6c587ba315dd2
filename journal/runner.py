"""Run one snippet function in its own process, with a timeout and a memory limit, and read back
its result.

The process gets a fixed environment (``ENVIRONMENT``: never the caller's, so a variable a
snippet reads cannot make the cache serve a stale result), the Agg backend, seeds 0, one BLAS
thread (so sums come out in the same order every time) and an empty temporary working directory.
When it ends, in success or failure, nothing it started is still running.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import launch
from .directives import memory_bytes
from .errors import JournalError, Location

TRACEBACK_LINES = 12  # the end of a traceback that an error message shows
DEFAULT_MEMORY = "4G"  # what a run may allocate unless its ::run line says memory=...
PROGRESS_AFTER = 2.0  # seconds before a run's latest printed line is shown while it runs

# Everything a run's process finds in os.environ. Placeholders in braces are filled per machine
# (they name places, not inputs); the text as written here is part of every cache key.
ENVIRONMENT = {
    "PATH": "{python_bin}:/usr/local/bin:/usr/bin:/bin",
    "HOME": "{cwd}",  # the run's own empty working directory
    "TMPDIR": "{tmp}",
    "MPLCONFIGDIR": "{mpl_cache}",  # matplotlib's font list, built once, not per run
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TZ": "UTC",
    "PYTHONHASHSEED": "0",
    "PYTHONUTF8": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "MPLBACKEND": "Agg",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
}


@dataclass(frozen=True)
class RunSpec:
    """What to run: ``function`` of ``snippet`` (an absolute path), for the entry at ``where``;
    ``memory`` as written on the ``::run`` line (``2G``), empty for the default."""

    where: Location
    name: str
    snippet: Path
    function: str
    timeout: float
    memory: str = ""


def environment(cwd: str) -> dict[str, str]:
    """The environment of a run whose working directory is ``cwd``."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    places = {
        "python_bin": os.path.dirname(sys.executable),
        "cwd": cwd,
        "tmp": tempfile.gettempdir(),
        "mpl_cache": os.path.join(cache_home, "matplotlib"),
    }
    return {key: value.format(**places) for key, value in ENVIRONMENT.items()}


def fingerprint() -> str:
    """What every run's process is made of: the environment as written above, the worker
    (figure settings, seeds) and the fork server. Part of every cache key."""
    h = hashlib.sha256(json.dumps(ENVIRONMENT, sort_keys=True).encode())
    for source in (launch.WORKER, launch.FORKSERVER):
        h.update(f"\0{source.name}\0".encode() + source.read_bytes())
    return h.hexdigest()


def _relative(path: str, root: Path) -> str | None:
    p = Path(path).resolve()
    return p.relative_to(root.resolve()).as_posix() if p.is_relative_to(root.resolve()) else None


def _snippet_frame(frames: list[dict], snippets_dir: Path, root: Path) -> Location | None:
    """The innermost traceback frame that lies in the snippets folder."""
    base = snippets_dir.resolve()
    for frame in reversed(frames):
        path = Path(frame["file"]).resolve()
        if path.is_relative_to(base):
            return Location(path.relative_to(root.resolve()).as_posix(), frame["line"])
    return None


_FAULT_FRAME = re.compile(r'^\s*File "(?P<file>.+)", line (?P<line>\d+) in (?P<function>\S+)', re.M)


def _fault_frames(stderr: str) -> list[dict]:
    """The frames of the last stack faulthandler wrote (a timeout's dump, a fatal signal),
    outermost first like a traceback."""
    last = stderr.rfind("(most recent call first):")
    if last < 0:
        return []
    frames = [
        {"file": m["file"], "line": int(m["line"]), "function": m["function"]}
        for m in _FAULT_FRAME.finditer(stderr[last:])
    ]
    return list(reversed(frames))  # faulthandler prints the most recent call first


def _crash_report(stderr: str, root: Path) -> str:
    """What a dead worker wrote to stderr, without faulthandler's list of loaded extension
    modules, with paths relative to the project."""
    lines = [line for line in stderr.splitlines() if not line.startswith("Extension modules:")]
    return "\n".join(lines).replace(str(root.resolve()) + os.sep, "")


def _tail(text: str, lines: int = TRACEBACK_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _last_line(path: Path) -> str:
    """The last non-empty line of a file that is being written."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - 4096))
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    return next((line.strip() for line in reversed(lines) if line.strip()), "")


def _wait(process, spec: RunSpec, stdout: Path, on_output) -> int | None:
    """Wait for the run to end or its time to run out (None), passing its latest printed line
    to ``on_output`` while it takes long."""
    started = time.monotonic()
    shown = ""
    while True:
        left = spec.timeout - (time.monotonic() - started)
        if left <= 0:
            return None
        status = process.wait(min(left, 0.5))
        if status is not None:
            return status
        if on_output is not None and time.monotonic() - started > PROGRESS_AFTER:
            line = _last_line(stdout)
            if line and line != shown:
                shown = line
                on_output(line)


def _stack_at_timeout(process, stderr: Path) -> list[dict]:
    """Ask the worker where it is: SIGUSR1 makes it write its stack to stderr."""
    before = stderr.stat().st_size
    process.signal(signal.SIGUSR1)
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        if process.wait(0.05) is not None or stderr.stat().st_size > before:
            time.sleep(0.05)  # let it finish writing
            break
    return _fault_frames(stderr.read_text("utf-8", "replace"))


def execute(
    spec: RunSpec,
    out_dir: Path,
    root: Path,
    snippets_dir: Path,
    ignored: list[str],
    on_output: Callable[[str], None] | None = None,
    workdir: Path | None = None,
) -> dict:
    """Run ``spec`` writing into ``out_dir``; return the worker's result with ``seconds`` added.
    The run's working directory is ``workdir`` if given (the engine places the files of the runs
    it needs there and collects what it produces), else an empty temporary one.

    Raises JournalError when the run raises, times out, runs out of memory or dies.
    """
    rel = spec.snippet.resolve().relative_to(root.resolve()).as_posix()
    memory_text = spec.memory or DEFAULT_MEMORY
    memory = memory_bytes(memory_text, spec.where)
    stderr_file = out_dir / "stderr.txt"
    with tempfile.TemporaryDirectory(prefix="journal-run-") as tmp:
        cwd = str(workdir) if workdir is not None else tmp
        spec_file = out_dir / "spec.json"
        spec_file.write_text(
            json.dumps(
                {
                    "snippet": str(spec.snippet.resolve()),
                    "function": spec.function,
                    "out_dir": str(out_dir),
                    "cwd": cwd,
                    "memory": memory,
                    "project_root": str(root.resolve()),
                    "ignored": [str(root / p) for p in ignored] + [str(out_dir)],
                }
            )
        )
        process = launch.start(
            spec_file, out_dir, cwd, environment(cwd), launch.stamp(root, fingerprint())
        )
        started = time.perf_counter()  # the run's own time, not the fork server's start
        try:
            status = _wait(process, spec, out_dir / "stdout.txt", on_output)
            stack = _stack_at_timeout(process, stderr_file) if status is None else []
        finally:
            process.close()
    seconds = time.perf_counter() - started
    spec_file.unlink()
    stderr_text = stderr_file.read_text("utf-8", "replace")
    stderr_file.unlink()
    call_site = _call_site(out_dir, root) or Location(rel, 1)

    if status is None:
        raise JournalError(
            f"run {spec.name!r} ({rel}:{spec.function}) timed out after {spec.timeout:g} s",
            spec.where,
            snippet_where=_snippet_frame(stack, snippets_dir, root) or call_site,
            detail="where it was: "
            + " <- ".join(f"{Path(f['file']).name}:{f['line']}" for f in reversed(stack)),
            hint=f"make it faster, or give it more time: '::run {spec.name} ... timeout=SECONDS'",
        )
    error_file = out_dir / "error.json"
    if error_file.exists():
        error = json.loads(error_file.read_text())
        where = _snippet_frame(error["frames"], snippets_dir, root) or call_site
        if error.get("memory"):
            raise JournalError(
                f"run {spec.name!r} ran out of memory: it may use at most {memory_text} "
                f"({error['type']}: {error['message']})",
                spec.where,
                snippet_where=where,
                detail=_tail(error["traceback"]),
                hint=f"use less, or raise its limit: '::run {spec.name} ... memory=SIZE' "
                f"(default {DEFAULT_MEMORY})",
            )
        raise JournalError(
            f"run {spec.name!r} failed: {error['type']}: {error['message']}",
            spec.where,
            snippet_where=where,
            detail=_tail(error["traceback"]),
            hint=f"run it by hand: python {rel}",
        )
    result_file = out_dir / "result.json"
    if status != 0 or not result_file.exists():
        how = f"signal {signal.Signals(-status).name}" if status < 0 else f"exit code {status}"
        raise JournalError(
            f"run {spec.name!r} ({rel}:{spec.function}) died ({how}) before returning",
            spec.where,
            snippet_where=_snippet_frame(_fault_frames(stderr_text), snippets_dir, root)
            or call_site,
            detail=_tail(_crash_report(stderr_text, root)) or "(it printed nothing to stderr)",
            hint=f"run it by hand to see why: python {rel}"
            + (f"; if it ran out of memory, its limit is {memory_text}" if status < 0 else ""),
        )
    result = json.loads(result_file.read_text())
    result_file.unlink()
    (out_dir / "call.json").unlink(missing_ok=True)
    result["seconds"] = round(seconds, 3)
    return result


def _call_site(out_dir: Path, root: Path) -> Location | None:
    """The ``def`` line of the function the run called, as the worker noted it."""
    try:
        call = json.loads((out_dir / "call.json").read_text())
    except (OSError, ValueError):
        return None
    rel = _relative(call["file"], root)
    return Location(rel, call["line"]) if rel else None
