"""Run one snippet function in its own Python process, with a timeout, and read back its result.

The process gets the Agg backend, fixed seeds, ``PYTHONHASHSEED=0``, one BLAS thread (so sums
come out in the same order every time) and an empty temporary working directory.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import JournalError, Location

WORKER = Path(__file__).with_name("worker.py")
TRACEBACK_LINES = 12  # the end of a traceback that an error message shows


@dataclass(frozen=True)
class RunSpec:
    """What to run: ``function`` of ``snippet`` (an absolute path), for the entry at ``where``."""

    where: Location
    name: str
    snippet: Path
    function: str
    timeout: float


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MPLBACKEND="Agg",
        PYTHONHASHSEED="0",
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("PYTHONSTARTUP", None)
    return env


def _snippet_frame(frames: list[dict], snippets_dir: Path, root: Path) -> Location | None:
    """The innermost traceback frame that lies in the snippets folder."""
    base = snippets_dir.resolve()
    for frame in reversed(frames):
        path = Path(frame["file"]).resolve()
        if path.is_relative_to(base):
            return Location(path.relative_to(root.resolve()).as_posix(), frame["line"])
    return None


_FAULT_FRAME = re.compile(r'^\s*File "(?P<file>.+)", line (?P<line>\d+) in (?P<function>\S+)', re.M)


def _stack_at_timeout(proc: subprocess.Popen) -> list[dict]:
    """Ask the worker where it is (SIGUSR1 makes it dump its stack), then stop its group.

    Returns the frames outermost first, like a traceback."""
    try:
        proc.send_signal(signal.SIGUSR1)
        _, stderr = proc.communicate(timeout=1.0)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
    else:  # it ended on the signal; stop anything it started
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    frames = [
        {"file": m["file"], "line": int(m["line"]), "function": m["function"]}
        for m in _FAULT_FRAME.finditer(stderr.decode("utf-8", "replace"))
    ]
    return list(reversed(frames))  # faulthandler prints the most recent call first


def _tail(text: str, lines: int = TRACEBACK_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def execute(
    spec: RunSpec, out_dir: Path, root: Path, snippets_dir: Path, ignored: list[str]
) -> dict:
    """Run ``spec`` writing into ``out_dir``; return the worker's result with ``seconds`` added.

    Raises JournalError when the run raises, times out or dies.
    """
    rel = spec.snippet.resolve().relative_to(root.resolve()).as_posix()
    spec_file = out_dir / "spec.json"
    spec_file.write_text(
        json.dumps(
            {
                "snippet": str(spec.snippet.resolve()),
                "function": spec.function,
                "out_dir": str(out_dir),
                "project_root": str(root.resolve()),
                "ignored": [str(root / p) for p in ignored] + [str(out_dir)],
            }
        )
    )
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="journal-run-") as cwd,
        open(out_dir / "stdout.txt", "wb") as out,
    ):
        proc = subprocess.Popen(
            [sys.executable, "-X", "utf8", str(WORKER), str(spec_file)],
            cwd=cwd,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
            start_new_session=True,  # so a timeout can stop the whole process group
        )
        try:
            _, stderr = proc.communicate(timeout=spec.timeout)
        except subprocess.TimeoutExpired:
            stack = _stack_at_timeout(proc)
            raise JournalError(
                f"run {spec.name!r} ({rel}:{spec.function}) timed out after {spec.timeout:g} s",
                spec.where,
                snippet_where=_snippet_frame(stack, snippets_dir, root) or Location(rel, 1),
                detail="where it was: "
                + " <- ".join(f"{Path(f['file']).name}:{f['line']}" for f in reversed(stack)),
                hint=f"make it faster, or give it more time: '::run {spec.name} ... timeout=SECONDS'",
            ) from None
    seconds = time.perf_counter() - started
    spec_file.unlink()
    stderr_text = stderr.decode("utf-8", "replace")

    error_file = out_dir / "error.json"
    if error_file.exists():
        error = json.loads(error_file.read_text())
        raise JournalError(
            f"run {spec.name!r} failed: {error['type']}: {error['message']}",
            spec.where,
            snippet_where=_snippet_frame(error["frames"], snippets_dir, root) or Location(rel, 1),
            detail=_tail(error["traceback"]),
            hint=f"run it by hand: python {rel}",
        )
    result_file = out_dir / "result.json"
    if proc.returncode != 0 or not result_file.exists():
        code = proc.returncode
        how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        raise JournalError(
            f"run {spec.name!r} ({rel}:{spec.function}) died ({how}) before returning",
            spec.where,
            snippet_where=Location(rel, 1),
            detail=_tail(stderr_text) or "(it printed nothing to stderr)",
            hint=f"run it by hand to see why: python {rel}",
        )
    result = json.loads(result_file.read_text())
    result_file.unlink()
    result["seconds"] = round(seconds, 3)
    return result
