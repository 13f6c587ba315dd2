"""Frozen results: runs measured once and committed, never executed by a build or a test.

A frozen run's result lives in ``frozen/SLUG/RUN/`` at the journal's root: ``result.json`` (values,
figures, produced files and the checksum of each file, the key it was made under, what it
depended on, where and when it was measured and how long it took), ``stdout.txt``, the figures
and the produced files under ``files/``. ``journal freeze SLUG[:RUN]`` writes it.

A frozen result is *stale* when its recipe changed: the function, the snippet or a local module it
imports, a file it declared or read, the files it produces or the files of the runs it needs. The
environment (the lock, Python, the engine, the machine) is not checked, only recorded: a frozen
result is a measurement of its moment, and a dependency update (an automated one included) must
not fail a build for a reason its author cannot act on. Refreeze to measure again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

from .cache import checksum, sha256_bytes, sha256_file
from .errors import JournalError, Location
from .results import FigureOut, RunResult, decode_value

FOLDER = "frozen"
FORMAT = 1


def folder(root: Path, slug: str, run: str) -> Path:
    return root / FOLDER / slug / run


def refreeze_command(slug: str, run: str) -> str:
    return f"journal freeze {slug}:{run}"


def machine() -> dict:
    """Where a measurement is taken: CPU model, cores, OS, Python and numpy versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        numpy = metadata.version("numpy")
    except metadata.PackageNotFoundError:
        numpy = "-"
    return {
        "cpu": " ".join(cpu.split()),
        "cores": os.cpu_count() or 1,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": numpy,
    }


def measured_text(measured: dict) -> str:
    """``measured on <machine>, <date>; it took <seconds>`` for the page."""
    return (
        f"measured on {measured['cpu']} ({measured['cores']} cores), {measured['os']}, "
        f"Python {measured['python']}, numpy {measured['numpy']}, {measured['date']}; "
        f"the run took {measured['seconds']:.1f} s"
    )


def write(
    root: Path, slug: str, run: str, result: RunResult, depends: dict, data: dict[str, str]
) -> Path:
    """Commit-ready copy of ``result`` (just executed) under ``frozen/SLUG/RUN``."""
    target = folder(root, slug, run)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
    try:
        stdout = result.stdout.encode("utf-8")
        (staged / "stdout.txt").write_bytes(stdout)
        figures = []
        for fig in result.figure_list:
            name = f"fig-{fig.index}.svg"
            svg = fig.svg.encode("utf-8")
            (staged / name).write_bytes(svg)
            figures.append(
                {"index": fig.index, "label": fig.label, "file": name, "sha256": sha256_bytes(svg)}
            )
        files = {}
        for rel, path in sorted(result.files.items()):
            (staged / "files" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, staged / "files" / rel)
            files[rel] = sha256_file(path)
        record = {
            "format": FORMAT,
            "key": result.key,
            "depends": {**depends, "data": data},
            "measured": {
                **machine(),
                "date": dt.datetime.now(dt.UTC).date().isoformat(),
                "seconds": round(result.seconds, 1),
            },
            "values": _encoded(result.values),
            "figures": figures,
            "files": files,
            "stdout_sha256": sha256_bytes(stdout),
            "stdout_note": result.stdout_note,
        }
        record["checksum"] = checksum(record)
        (staged / "result.json").write_text(json.dumps(record, sort_keys=True, indent=1) + "\n")
        staged.chmod(0o755)  # mkdtemp makes it private; the record is for everyone
        if target.exists():
            shutil.rmtree(target)
        os.rename(staged, target)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return target


def _encoded(values: dict) -> dict:
    def enc(v):
        if isinstance(v, float) and v != v or v in (float("inf"), float("-inf")):
            return {"__float__": repr(v)}
        if isinstance(v, list):
            return [enc(x) for x in v]
        return v

    return {k: enc(v) for k, v in values.items()}


def load(root: Path, slug: str, run, depends: dict) -> RunResult:
    """The committed result of the frozen ``run`` of entry ``slug``, with ``stale`` saying what
    changed since it was measured ('' if nothing). Raises if there is none or it was altered."""
    where: Location = run.where
    target = folder(root, slug, run.name)
    command = refreeze_command(slug, run.name)
    if not (target / "result.json").is_file():
        raise JournalError(
            f"run {run.name!r} is frozen but has no frozen result ({target.relative_to(root)})",
            where,
            hint=f"measure and commit it: {command}",
        )
    try:
        record = json.loads((target / "result.json").read_text(encoding="utf-8"))
        if record.get("format") != FORMAT or record.get("checksum") != checksum(record):
            raise ValueError("result.json does not match its checksum")
        stdout = _checked(target / "stdout.txt", record["stdout_sha256"]).decode("utf-8")
        figures = [
            FigureOut(
                f["index"],
                f["label"],
                _checked(target / f["file"], f["sha256"]).decode("utf-8"),
                f["sha256"],
            )
            for f in record["figures"]
        ]
        files = {}
        for rel, sha in record["files"].items():
            _checked(target / "files" / rel, sha)
            files[rel] = target / "files" / rel
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise JournalError(
            f"the frozen result of run {run.name!r} is damaged: {exc}",
            where,
            hint=f"restore it from git, or measure it again: {command}",
        ) from None
    return RunResult(
        {k: decode_value(v) for k, v in record["values"].items()},
        stdout,
        figures,
        record["measured"]["seconds"],
        cached=True,
        files=files,
        key=record["key"],
        stdout_note=record.get("stdout_note", ""),
        measured=record["measured"],
        stale=_changes(root, record["depends"], depends),
    )


def _checked(path: Path, sha: str) -> bytes:
    data = path.read_bytes()
    if sha256_bytes(data) != sha:
        raise ValueError(f"{path.name} was altered")
    return data


def _changes(root: Path, then: dict, now: dict) -> str:
    """What changed in a run's recipe since it was frozen, in words ('' if nothing)."""
    changes = []
    if then.get("function") != now["function"]:
        changes.append(f"its function changed ({then.get('function')} -> {now['function']})")
    for part, what in (("sources", "source"), ("inputs", "declared input")):
        old, new = then.get(part, {}), now[part]
        for path in sorted(set(old) | set(new)):
            if path not in new:
                changes.append(f"{what} {path} is no longer used")
            elif path not in old:
                changes.append(f"{what} {path} is new")
            elif old[path] != new[path]:
                changes.append(f"{path} changed")
    if sorted(then.get("produces", [])) != now["produces"]:
        changes.append("its produces= list changed")
    old_needs, new_needs = then.get("needs", {}), now["needs"]
    for need in sorted(set(old_needs) | set(new_needs)):
        if old_needs.get(need) != new_needs.get(need):
            changes.append(f"the files of the run it needs ({need}) changed")
    for rel, sha in sorted(then.get("data", {}).items()):
        path = root / rel
        if not path.is_file():
            changes.append(f"data file {rel} is gone")
        elif sha256_file(path) != sha:
            changes.append(f"data file {rel} changed")
    return "; ".join(changes)
