"""Execute a take-home notebook (journal/export.py) as a reader would, and read back what its runs
returned and printed: shared by tests/site/test_site_notebooks.py and bench/notebooks.py.

The notebook runs with nbclient and the locked ipykernel in an empty temporary folder, with an
environment stripped of everything the engine would set (threads, seeds, PYTHONPATH), so the
notebook must set them itself. Two cells are added around it, for the check only: the first
notes every file the kernel opens in the repository (an audit hook), the last reports those,
and any module or ``sys.path`` entry from the repository. The venv is not counted: the locked
libraries are what a reader installs.

Executed notebooks are kept in the engine's cache, one per entry (``.cache/journal/takehome/
NAME.ipynb``, its text outputs only), with the key it was executed under: the notebook's bytes
and the journal's environment (Python, the lock, the engine). A second session re-executes only
the notebooks that changed; ``journal prune`` keeps the folder (one file per entry: bounded).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from journal.cache import Cache
from journal.results import decode_value

KERNEL = "python3"
FOLDER = "takehome"  # in the engine's cache: the last execution of each entry's notebook
TIMEOUT = 900  # seconds a cell may take (the training run takes two minutes on a busy machine)
# How close is close enough, and which values measure the process: see test_site_notebooks.py.
FLOAT_RTOL = 1e-12
MEASURED = {
    ("posts/entries/a-tiny-gpt.md", "sort", "cpu_seconds"): "the training loop's CPU time",
    **{
        ("posts/entries/retrieval-augmented-generation.md", run, key): "how long the run took"
        for run in ("probe", "seeds", "growth")
        for key in ("seconds", "cpu_seconds")
    },
    **{
        ("posts/entries/attention.md", "attention", key): "tracemalloc's peak also counts what the "
        "kernel's own threads allocate meanwhile (tens of KB in MiB: 6.067909 against 6.067879)"
        for key in ("peak_full", "peak_full_2x", "peak_blocked", "peak_blocked_2x")
    },
}
DROPPED = ("PYTHONPATH", "PYTHONHASHSEED", "PYTHONSTARTUP", "MPLBACKEND", "MATPLOTLIBRC")
# Nor what a run's fixed environment (journal/runner.py) leaves out and a reader's shell rarely
# has: the BLAS kernels OpenBLAS picks for this CPU (this machine sets Haswell's, runs detect
# SkylakeX's; the notebooks then printed numbers 1e-16..1e-9 from the page's).
DROPPED += ("OPENBLAS_CORETYPE",)

WATCH = """\
import os as _os, sys as _sys
_REPO = {repo!r}
_VENV = {venv!r}
_opened = set()


def _watch(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes, _os.PathLike)):
        try:
            path = _os.path.realpath(_os.fsdecode(args[0]))
        except (TypeError, ValueError):
            return
        if path.startswith(_REPO + _os.sep) and not path.startswith(_VENV + _os.sep):
            _opened.add(path)


_sys.addaudithook(_watch)
"""
REPORT = """\
import json as _json, sys as _sys, os as _os
_inside = lambda p: p and _os.path.realpath(p).startswith(_REPO + _os.sep) and not _os.path.realpath(p).startswith(_VENV + _os.sep)
print("JOURNAL-ISOLATION " + _json.dumps({
    "opened": sorted(_opened),
    "sys_path": [p for p in _sys.path if _inside(p)],
    "modules": sorted(n for n, m in list(_sys.modules.items()) if _inside(getattr(m, "__file__", None) or "")),
    "cwd": _os.getcwd(),
}))
"""


@dataclass
class Ran:
    """What one run cell of an executed notebook returned and printed."""

    entry: str
    run: str
    frozen: bool
    values: dict | None  # None: the cell showed no values
    stdout: str


@dataclass
class Executed:
    node: nbformat.NotebookNode
    seconds: float  # 0.0 when it came from the cache
    cached: bool
    runs: list[Ran] = field(default_factory=list)
    isolation: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    extra: str = ""  # what the test's own cell printed


def cache_key(data: bytes, environment_key: str) -> str:
    return hashlib.sha256(
        b"take-home notebook\0" + environment_key.encode() + b"\0" + data
    ).hexdigest()


def execute(
    data: bytes,
    root: Path,
    cache: Cache,
    environment_key: str,
    work: Path,
    extra: str = "",
    name: str = "notebook",
) -> Executed:
    """The notebook ``data`` executed in the empty folder ``work`` (or found in ``cache`` under
    ``name``); ``extra``: a cell of the test's own, run after the notebook's (its output in
    ``.extra``)."""
    key = cache_key(data + extra.encode(), environment_key)
    kept = cache.root / FOLDER / f"{name}.ipynb" if cache.persistent else None
    if kept is not None and kept.is_file():
        try:
            node = nbformat.reads(kept.read_text(encoding="utf-8"), as_version=4)
        except Exception:  # nbformat raises several kinds for a broken file: execute again
            node = None
        if node is not None and node.metadata.get("journal_execution", {}).get("key") == key:
            return read(node, 0.0, True)
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    node = nbformat.reads(data.decode("utf-8"), as_version=4)
    venv = str(Path(os.sys.prefix).resolve())
    node.cells.insert(
        0, nbformat.v4.new_code_cell(WATCH.format(repo=str(root.resolve()), venv=venv))
    )
    if extra:
        node.cells.append(nbformat.v4.new_code_cell(extra, metadata={"journal": {"extra": True}}))
    node.cells.append(nbformat.v4.new_code_cell(REPORT))
    work.mkdir(parents=True, exist_ok=True)
    assert not any(work.iterdir()), "the notebook must start in an empty folder"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in DROPPED and not k.endswith("_NUM_THREADS") and not k.startswith("JOURNAL_")
    }
    env["HOME"] = str(work.parent / "home")
    Path(env["HOME"]).mkdir(exist_ok=True)
    env["MPLCONFIGDIR"] = os.environ.get("MPLCONFIGDIR") or str(
        Path.home() / ".cache" / "matplotlib"
    )  # matplotlib's font list, as the engine's runs share it (not the repository)
    client = NotebookClient(
        node, timeout=TIMEOUT, kernel_name=KERNEL, resources={"metadata": {"path": str(work)}}
    )
    started = time.perf_counter()
    try:
        client.execute(env=env, stderr=subprocess.DEVNULL)
    except CellExecutionError:
        pass  # the error is in the cell's outputs; ``read`` reports it
    seconds = time.perf_counter() - started
    executed = read(node, seconds, False)
    if not executed.errors and kept is not None:
        for cell in node.cells:  # what the comparison reads: text and values, not the figures
            if cell.cell_type == "code":
                cell.outputs = [o for o in cell.outputs if "image/png" not in o.get("data", {})]
        node.metadata["journal_execution"] = {"key": key, "seconds": round(seconds, 1)}
        Cache.write_atomic(kept, nbformat.writes(node))
    shutil.rmtree(work, ignore_errors=True)
    return executed


def read(node, seconds: float, cached: bool) -> Executed:
    out = Executed(node, seconds, cached)
    for cell in node.cells:
        if cell.cell_type != "code":
            continue
        stdout, values = [], None
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                out.errors.append(
                    f"{output.ename}: {output.evalue}\n" + "\n".join(output.traceback)
                )
            elif output.output_type == "stream" and output.name == "stdout":
                stdout.append(output.text)
            elif output.output_type == "display_data" and "application/json" in output.data:
                values = {k: decode_value(v) for k, v in output.data["application/json"].items()}
        text = "".join(stdout)
        if text.startswith("JOURNAL-ISOLATION "):
            out.isolation = json.loads(text.split(" ", 1)[1])
        meta = cell.metadata.get("journal", {})
        if meta.get("extra"):
            out.extra = text
        if "run" in meta:
            out.runs.append(Ran(meta["entry"], meta["run"], meta["frozen"], values, text))
    return out


def differences(page, home, rtol: float, where: str = "") -> tuple[list[str], float, int]:
    """Compare a value the page shows with the notebook's: (problems, largest relative float
    difference, how many scalars were compared). Ints, booleans and strings must be equal,
    floats within ``rtol`` of each other (relative to the larger)."""
    if isinstance(page, list) and isinstance(home, list):
        if len(page) != len(home):
            return [f"{where}: {len(home)} items, the page has {len(page)}"], 0.0, 0
        problems, worst, count = [], 0.0, 0
        for i, (a, b) in enumerate(zip(page, home, strict=True)):
            p, w, c = differences(a, b, rtol, f"{where}[{i}]")
            problems += p
            worst, count = max(worst, w), count + c
        return problems, worst, count
    if isinstance(page, float) and isinstance(home, int | float) and not isinstance(home, bool):
        if page != page and home != home:  # both NaN
            return [], 0.0, 1
        if page == home:
            return [], 0.0, 1
        relative = abs(page - home) / max(abs(page), abs(home))
        wrong = [f"{where}: {home!r}, the page has {page!r}"] if not relative <= rtol else []
        return wrong, relative, 1
    if type(page) is not type(home) or page != home:
        return [f"{where}: {home!r}, the page has {page!r}"], 0.0, 1
    return [], 0.0, 1


@dataclass
class Comparison:
    problems: list[str] = field(default_factory=list)
    values: int = 0  # scalars compared
    worst: float = 0.0  # the largest relative difference of a float
    outputs: int = 0  # printed outputs compared
    frozen: list[str] = field(default_factory=list)  # runs not compared
    quoted: int = 0  # values compared as the prose shows them
    measured: list[str] = field(default_factory=list)  # values compared only as quoted


def compare(
    executed: Executed,
    outcome: dict,
    rtol: float,
    quoted: dict | None = None,
    measured: dict | None = None,
) -> Comparison:
    """Every live run's values and printed output against the engine's result (``outcome``:
    (entry path, run name) -> RunResult, as the page was built from).

    ``quoted``: (entry path, run name) -> the ValueRefs the entry's prose quotes: each is also
    compared as the page shows it (formatted), exactly. ``measured``: (entry path, run name,
    key) -> why that value measures the process (a CPU time, tracemalloc's peak): compared only
    as quoted."""
    from journal import capture, render

    quoted, measured = quoted or {}, measured or {}
    out = Comparison(problems=list(executed.errors))
    for ran in executed.runs:
        where = f"{ran.entry}:{ran.run}"
        if ran.frozen:
            out.frozen.append(where)
            continue
        result = outcome.get((ran.entry, ran.run))
        if result is None or isinstance(result, Exception):
            out.problems.append(f"{where}: the engine has no result ({result})")
            continue
        if ran.values is None:
            out.problems.append(f"{where}: the notebook's cell showed no values (did it run?)")
            continue
        if set(ran.values) != set(result.values):
            out.problems.append(f"{where}: keys {sorted(ran.values)} != {sorted(result.values)}")
        for key in sorted(set(ran.values) & set(result.values)):
            if (ran.entry, ran.run, key) in measured:
                out.measured.append(f"{where}.{key}")
                continue
            problems, worst, count = differences(
                result.values[key], ran.values[key], rtol, f"{where}.{key}"
            )
            out.problems += problems
            out.worst, out.values = max(out.worst, worst), out.values + count
        for ref in quoted.get((ran.entry, ran.run), []):
            if ref.key not in ran.values:
                continue  # reported above: the keys differ
            page = render.value_text(result.values[ref.key], ref)
            home = render.value_text(ran.values[ref.key], ref)
            out.quoted += 1
            if page != home:
                out.problems.append(f"{ref.where}: the notebook shows {home}, the page {page}")
        printed = ran.stdout
        if result.stdout_note:  # the page keeps what it shows of a long output
            import tempfile

            with tempfile.NamedTemporaryFile("w", encoding="utf-8", delete=False) as f:
                f.write(printed)
            printed = capture.kept_output(Path(f.name))[0]
            os.unlink(f.name)
        if printed != result.stdout:
            out.problems.append(
                f"{where}: printed output differs from the page's:\n"
                + _first_difference(result.stdout, printed)
            )
        out.outputs += 1
    return out


def _first_difference(page: str, home: str) -> str:
    for number, (a, b) in enumerate(zip(page.splitlines(), home.splitlines(), strict=False), 1):
        if a != b:
            return f"  line {number}: page     {a!r}\n  line {number}: notebook {b!r}"
    return f"  page has {len(page.splitlines())} lines, the notebook {len(home.splitlines())}"


def compare_notebook_entry(executed: Executed, engine_node) -> Comparison:
    """A notebook entry's take-home copy against the engine's execution of it (what the page
    shows): the printed output of every code cell, exactly."""
    out = Comparison(problems=list(executed.errors))
    for cell in executed.node.cells:
        number = cell.metadata.get("journal", {}).get("cell")
        if cell.cell_type != "code" or number is None:
            continue
        page = engine_node.cells[number]  # the engine executes a copy of every cell
        printed = [
            "".join(o.text)
            for o in cell.outputs
            if o.output_type == "stream" and o.name == "stdout"
        ]
        shown = [
            "".join(o.text)
            for o in page.outputs
            if o.output_type == "stream" and o.name == "stdout"
        ]
        if "".join(printed) != "".join(shown):
            out.problems.append(
                f"cell {number}: printed output differs from the page's:\n"
                + _first_difference("".join(shown), "".join(printed))
            )
        out.outputs += 1
    return out
