"""A content-addressed store of run results, safe against crashes and concurrent builds.

Two levels, as in ccache's direct mode. The *static key* hashes what is known before a run
(the snippet and its local imports, the function, the locked dependencies, Python, the engine).
A run may also read data files; the worker reports them, and a small *manifest* per static key
lists them. The *full key* adds those files' current hashes, so editing a data file re-runs
exactly the runs that read it.

Entries are written into a temporary folder and renamed into place (atomic on POSIX), and every
file of an entry carries its SHA-256 in ``meta.json``: a torn or altered entry is detected on
read, deleted and re-run, never served. Only successes are stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from .results import FigureOut, RunResult, decode_value

FORMAT = 1  # bump when the layout of an entry changes


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_bytes(path.read_bytes())


def _checksum(meta: dict) -> str:
    body = {k: v for k, v in meta.items() if k != "checksum"}
    return sha256_bytes(json.dumps(body, sort_keys=True).encode())


class Cache:
    """Run results stored under ``root``; with ``root=None`` nothing is stored or served."""

    def __init__(self, root: Path | None):
        self.root = root

    @property
    def enabled(self) -> bool:
        return self.root is not None

    # -- keys ---------------------------------------------------------------------------------
    def _manifest_path(self, static_key: str) -> Path:
        return self.root / "manifests" / f"{static_key}.json"

    def _entry_dir(self, full_key: str) -> Path:
        return self.root / "entries" / full_key[:2] / full_key

    @staticmethod
    def full_key(static_key: str, project_root: Path, data_files: list[str]) -> str | None:
        """The key including the current content of the data files; None if one is gone."""
        h = hashlib.sha256(static_key.encode())
        for rel in sorted(data_files):
            path = project_root / rel
            if not path.is_file():
                return None
            h.update(f"\0{rel}\0{sha256_file(path)}".encode())
        return h.hexdigest()

    # -- reading ------------------------------------------------------------------------------
    def lookup(self, static_key: str, project_root: Path) -> RunResult | None:
        """The stored result for this run as the files stand now, or None."""
        if not self.enabled:
            return None
        try:
            manifest = json.loads(self._manifest_path(static_key).read_text())
            data_files = list(manifest["data"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        full = self.full_key(static_key, project_root, data_files)
        if full is None:
            return None
        return self._load(self._entry_dir(full))

    def _load(self, entry: Path) -> RunResult | None:
        try:
            meta = json.loads((entry / "meta.json").read_text())
            if meta.get("format") != FORMAT or meta.get("checksum") != _checksum(meta):
                raise ValueError("meta.json does not match its checksum")
            stdout = (entry / "stdout.txt").read_bytes()
            if sha256_bytes(stdout) != meta["stdout_sha256"]:
                raise ValueError("stdout.txt was altered")
            figures = []
            for fig in meta["figures"]:
                svg = (entry / fig["file"]).read_bytes()
                if sha256_bytes(svg) != fig["sha256"]:
                    raise ValueError(f"{fig['file']} was altered")
                figures.append(FigureOut(fig["index"], fig["label"], svg.decode()))
        except FileNotFoundError:
            if entry.exists():
                self._discard(entry)
            return None
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
            self._discard(entry)  # corrupt: never served, re-run and rewritten
            return None
        values = {k: decode_value(v) for k, v in meta["values"].items()}
        return RunResult(values, stdout.decode(), figures, meta["seconds"], cached=True)

    def _discard(self, entry: Path) -> None:
        trash = entry.with_name(f".trash-{os.getpid()}-{entry.name}")
        try:
            os.rename(entry, trash)
            shutil.rmtree(trash, ignore_errors=True)
        except OSError:
            pass

    # -- writing ------------------------------------------------------------------------------
    def store(
        self,
        static_key: str,
        project_root: Path,
        data_files: list[str],
        produced: Path,
        result: dict,
    ) -> None:
        """Store a successful run. ``produced`` holds its stdout.txt and figure files;
        ``result`` has ``values``, ``figures`` (index, label, file) and ``seconds``."""
        if not self.enabled:
            return
        full = self.full_key(static_key, project_root, data_files)
        if full is None:
            return
        figures = [
            {**fig, "sha256": sha256_file(produced / fig["file"])} for fig in result["figures"]
        ]
        meta = {
            "format": FORMAT,
            "values": result["values"],
            "figures": figures,
            "seconds": result["seconds"],
            "data": sorted(data_files),
            "stdout_sha256": sha256_file(produced / "stdout.txt"),
        }
        meta["checksum"] = _checksum(meta)
        (produced / "meta.json").write_text(json.dumps(meta, sort_keys=True, indent=1))
        for name in os.listdir(produced):
            if name not in {"meta.json", "stdout.txt"} and name not in {f["file"] for f in figures}:
                os.remove(produced / name)

        final = self._entry_dir(full)
        final.parent.mkdir(parents=True, exist_ok=True)
        staged = Path(tempfile.mkdtemp(prefix=".staging-", dir=final.parent))
        shutil.copytree(produced, staged, dirs_exist_ok=True)
        try:
            os.rename(staged, final)  # atomic; fails if another build stored it first
        except OSError:
            shutil.rmtree(staged, ignore_errors=True)
        self._write_atomic(
            self._manifest_path(static_key), json.dumps({"data": sorted(data_files)})
        )

    @staticmethod
    def _write_atomic(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
