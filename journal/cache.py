"""A content-addressed store of run results, safe against crashes and concurrent builds.

Two levels, as in ccache's direct mode. The *static key* hashes what is known before a run
(the snippet and its local imports, the function, its options, the results of the runs it needs,
the locked dependencies, Python, the engine). A run may also read data files; the worker reports
them, and a small *manifest* per static key lists them. The *full key* adds those files' current
hashes, so editing a data file re-runs exactly the runs that read it.

Layout under the cache's root::

    manifests/<static key>.json         the data files a run read
    entries/<ab>/<full key>/            one stored result: meta.json, stdout.txt, fig-N.svg
    files/<ab>/<sha256>                 files runs produced (``produces=``), by content
    notebooks/<ab>/<key>/               executed notebooks: meta.json, notebook.ipynb

Entries are written into a temporary folder and renamed into place (atomic on POSIX), and every
file carries its SHA-256 in ``meta.json`` (itself checksummed): a torn or altered entry, or a
produced file whose content no longer matches its name, is detected on read, deleted and re-run,
never served. Only successes are stored.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from . import fileversion
from .outline import STORE as OUTLINES
from .parsed import STORE as PARSED
from .results import FigureOut, RunResult, decode_value

FORMAT = 2  # bump when the layout of an entry changes
# What this process read of the cache, kept while the files are unchanged on disk: the preview
# looks up every run of the journal at every save (59 stored results at 100 entries), and each
# lookup read and hashed the result's files again, figures and produced models included.
_MANIFESTS: dict = {}  # a manifest's version (fileversion.stat_of) -> its data files
_LOADED: dict[str, tuple[tuple, RunResult]] = {}  # entry folder -> (its files' versions, result)
LOADED_LIMIT = 4096
DURATIONS = "durations.json"  # how long each run took when it last executed, by slug:run
ASSERTED = "asserted.json"  # which values the tests assert (journal/provenance.py): not pruned


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def checksum(meta: dict) -> str:
    body = {k: v for k, v in meta.items() if k != "checksum"}
    return sha256_bytes(json.dumps(body, sort_keys=True).encode())


class Corrupt(ValueError):
    """A stored entry that does not match its checksums."""


class Cache:
    """Run results stored under ``root``. With ``root=None`` results still live somewhere for the
    length of one build (produced files must be handed to the runs that need them): a scratch
    folder that is never read at the start of a build and is removed when the process ends."""

    def __init__(self, root: Path | None):
        self.persistent = root is not None
        self._root = Path(root) if root is not None else None

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="journal-scratch-"))
            atexit.register(shutil.rmtree, self._root, True)
        return self._root

    @property
    def enabled(self) -> bool:
        """Whether results are kept from one build to the next."""
        return self.persistent

    # -- keys ---------------------------------------------------------------------------------
    def _manifest_path(self, static_key: str) -> Path:
        return self.root / "manifests" / f"{static_key}.json"

    def entry_dir(self, full_key: str) -> Path:
        return self.root / "entries" / full_key[:2] / full_key

    def blob(self, sha: str) -> Path:
        return self.root / "files" / sha[:2] / sha

    @staticmethod
    def full_key(static_key: str, project_root: Path, data_files: list[str]) -> str | None:
        """The key including the current content of the data files; None if one is gone.
        A data file is a path relative to the project, or absolute (outside it)."""
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
        if not self.persistent:
            return None
        full = self.current_full_key(static_key, project_root)
        return None if full is None else self.load(full)

    def current_full_key(self, static_key: str, project_root: Path) -> str | None:
        data_files = self.data_files(static_key)
        return None if data_files is None else self.full_key(static_key, project_root, data_files)

    def data_files(self, static_key: str) -> list[str] | None:
        """The data files the run with this key read when it last executed (None: not stored)."""
        path = self._manifest_path(static_key)
        try:
            read = fileversion.per_version(_MANIFESTS, path, lambda: json.loads(path.read_text()))
            return list(read["data"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def load(self, full_key: str) -> RunResult | None:
        """The entry stored under ``full_key``, checked file by file; None (and the entry
        removed) if it is missing, torn or altered. Read again only when one of its files
        changed on disk since this process last read it."""
        entry = self.entry_dir(full_key)
        kept = _LOADED.get(str(entry))
        if kept is not None and kept[0] == _versions(entry, kept[1].files):
            return kept[1]
        try:
            meta = self._meta(entry)
            stdout = self._checked(entry / "stdout.txt", meta["stdout_sha256"]).decode("utf-8")
            figures = [
                FigureOut(
                    fig["index"],
                    fig["label"],
                    self._checked(entry / fig["file"], fig["sha256"]).decode("utf-8"),
                    fig["sha256"],
                )
                for fig in meta["figures"]
            ]
            files = {}
            for rel, sha in meta["files"].items():
                blob = self.blob(sha)
                if sha256_file(blob) != sha:
                    self._discard(blob)
                    raise Corrupt(f"produced file {rel} was altered")
                files[rel] = blob
            values = {k: decode_value(v) for k, v in meta["values"].items()}
        except FileNotFoundError:
            if entry.exists():
                self._discard(entry)
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self._discard(entry)  # corrupt (UnicodeDecodeError is a ValueError): re-run
            return None
        result = RunResult(
            values,
            stdout,
            figures,
            meta["seconds"],
            cached=True,
            files=files,
            key=full_key,
            stdout_note=meta.get("stdout_note", ""),
        )
        versions = _versions(entry, files)
        if versions is not None:
            if len(_LOADED) >= LOADED_LIMIT:
                _LOADED.clear()
            _LOADED[str(entry)] = (versions, result)
        return result

    @staticmethod
    def _meta(entry: Path) -> dict:
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("checksum") != checksum(meta):
            raise Corrupt("meta.json does not match its checksum")
        return meta

    @staticmethod
    def _checked(path: Path, sha: str) -> bytes:
        data = path.read_bytes()
        if sha256_bytes(data) != sha:
            raise Corrupt(f"{path.name} was altered")
        return data

    def _discard(self, entry: Path) -> None:
        trash = entry.with_name(f".trash-{os.getpid()}-{entry.name}")
        try:
            os.rename(entry, trash)
        except OSError:
            return
        if trash.is_dir():
            shutil.rmtree(trash, ignore_errors=True)
        else:
            trash.unlink(missing_ok=True)

    # -- writing ------------------------------------------------------------------------------
    def store(
        self,
        static_key: str,
        project_root: Path,
        data_files: list[str],
        stdout: str,
        stdout_note: str,
        figures: list[tuple[dict, Path]],
        values: dict,
        seconds: float,
        produced: dict[str, Path],
    ) -> RunResult:
        """Store a successful run and return it as stored (what a later build will load).

        ``stdout`` is valid text already cut to what a page shows (``stdout_note`` says what was
        left out); ``figures`` pairs each figure's (index, label, file) with its SVG file;
        ``produced`` maps each produced file's relative path to where the run wrote it. If a data
        file vanished meanwhile the result is returned but not kept."""
        full = self.full_key(static_key, project_root, data_files) or ""
        final = self.entry_dir(full) if full else None
        files = {rel: self._store_blob(path) for rel, path in sorted(produced.items())}
        staged = Path(tempfile.mkdtemp(prefix=".staging-", dir=self._mkdir(self.root / "entries")))
        try:
            stdout_bytes = stdout.encode("utf-8")
            (staged / "stdout.txt").write_bytes(stdout_bytes)
            stored_figures, figure_list = [], []
            for fig, path in figures:
                svg = path.read_bytes()
                (staged / fig["file"]).write_bytes(svg)
                digest = sha256_bytes(svg)
                stored_figures.append({**fig, "sha256": digest})
                figure_list.append(
                    FigureOut(fig["index"], fig["label"], svg.decode("utf-8"), digest)
                )
            meta = {
                "format": FORMAT,
                "values": values,
                "figures": stored_figures,
                "files": files,
                "seconds": seconds,
                "data": sorted(data_files),
                "stdout_sha256": sha256_bytes(stdout_bytes),
                "stdout_note": stdout_note,
            }
            meta["checksum"] = checksum(meta)
            (staged / "meta.json").write_text(json.dumps(meta, sort_keys=True, indent=1))
            if final is not None:
                final.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.rename(staged, final)  # atomic; fails if another build stored it first
                except OSError:
                    pass
                self.write_atomic(
                    self._manifest_path(static_key), json.dumps({"data": sorted(data_files)})
                )
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        return RunResult(
            {k: decode_value(v) for k, v in values.items()},
            stdout,
            figure_list,
            seconds,
            cached=False,
            files={rel: self.blob(sha) for rel, sha in files.items()},
            key=full,
            stdout_note=stdout_note,
        )

    def _store_blob(self, path: Path) -> str:
        sha = sha256_file(path)
        target = self.blob(sha)
        if not target.is_file() or sha256_file(target) != sha:
            self._mkdir(target.parent)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
            os.close(fd)
            shutil.copyfile(path, tmp)
            os.chmod(tmp, 0o444)  # a run that gets a copy cannot alter the stored one anyway
            os.replace(tmp, target)
        return sha

    @staticmethod
    def _mkdir(path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        return path

    @staticmethod
    def write_atomic(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)

    # -- how long runs took (the scheduler starts the longest chains first) --------------------
    def durations(self) -> dict[str, float]:
        """Seconds each run (by ``slug:run``) took when it last executed; empty when unknown."""
        if not self.persistent:
            return {}
        try:
            known = json.loads((self.root / DURATIONS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(known, dict):
            return {}
        return {k: float(v) for k, v in known.items() if isinstance(v, int | float)}

    def remember_durations(self, seconds: dict[str, float]) -> None:
        if not self.persistent or not seconds:
            return
        known = self.durations()
        known.update({ref: round(s, 3) for ref, s in seconds.items()})
        self.write_atomic(self.root / DURATIONS, json.dumps(known, indent=0, sort_keys=True))

    def forget_durations(self, keep: set[str]) -> None:
        """Drop the durations of runs not in ``keep`` (runs renamed or removed since)."""
        known = self.durations()
        if set(known) - keep:
            kept = {ref: s for ref, s in known.items() if ref in keep}
            self.write_atomic(self.root / DURATIONS, json.dumps(kept, indent=0, sort_keys=True))

    # -- executed notebooks -------------------------------------------------------------------
    def _notebook_dir(self, key: str) -> Path:
        return self.root / "notebooks" / key[:2] / key

    def get_notebook(self, key: str) -> str | None:
        """An executed notebook's text, checked against its checksum; None if absent or altered."""
        entry = self._notebook_dir(key)
        try:
            meta = self._meta(entry)
            return self._checked(entry / "notebook.ipynb", meta["sha256"]).decode("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            self._discard(entry)
            return None

    def put_notebook(self, key: str, text: str) -> None:
        entry = self._notebook_dir(key)
        data = text.encode("utf-8")
        staged = Path(tempfile.mkdtemp(prefix=".staging-", dir=self._mkdir(entry.parent)))
        try:
            (staged / "notebook.ipynb").write_bytes(data)
            meta = {"format": FORMAT, "sha256": sha256_bytes(data)}
            meta["checksum"] = checksum(meta)
            (staged / "meta.json").write_text(json.dumps(meta, sort_keys=True))
            if entry.exists():
                self._discard(entry)
            try:
                os.rename(staged, entry)
            except OSError:
                pass
        finally:
            shutil.rmtree(staged, ignore_errors=True)

    # -- pruning ------------------------------------------------------------------------------
    def prune(
        self, static_keys: set[str], notebook_keys: set[str], project_root: Path, dry_run: bool
    ) -> tuple[list[Path], int]:
        """Remove what no current run can hit: entries other than those the given static keys
        lead to as the files stand now, manifests of other keys, produced files no kept entry
        names, notebooks of other keys, and leftovers of interrupted builds.
        Returns (what was or would be removed, bytes)."""
        if not self.persistent or not self.root.is_dir():
            return [], 0
        keep_entries, keep_blobs = set(), set()
        for key in static_keys:
            full = self.current_full_key(key, project_root)
            if full is None:
                continue
            try:
                meta = self._meta(self.entry_dir(full))
            except (OSError, ValueError):
                continue
            keep_entries.add(full)
            keep_blobs.update(meta.get("files", {}).values())
        doomed: list[Path] = []
        for path in sorted((self.root / "manifests").glob("*")):
            if path.name.removesuffix(".json") not in static_keys:
                doomed.append(path)
        for path in sorted((self.root / "entries").glob("*/*")):
            if path.name not in keep_entries:
                doomed.append(path)
        for path in sorted((self.root / "entries").glob(".staging-*")):
            doomed.append(path)
        for path in sorted((self.root / "files").glob("*/*")):
            if path.name not in keep_blobs:
                doomed.append(path)
        for path in sorted((self.root / "notebooks").glob("*/*")):
            if path.name not in notebook_keys:
                doomed.append(path)
        # "site": the MkDocs adapter's highlighted code and such, bounded by itself
        known = {"manifests", "entries", "files", "notebooks", "pages", "site", DURATIONS, ASSERTED}
        known.add("takehome")  # the tests' last execution of each entry's notebook: one a file
        known.update({OUTLINES, PARSED})  # the snippets' outlines, the entries' parses: bounded
        doomed += sorted(p for p in self.root.iterdir() if p.name not in known)
        size = sum(_size(p) for p in doomed)
        if not dry_run:
            for path in doomed:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
            for folder in ("entries", "files", "notebooks"):
                for sub in (self.root / folder).glob("*"):
                    if sub.is_dir() and not any(sub.iterdir()):
                        sub.rmdir()
        return doomed, size

    def size(self) -> int:
        return _size(self.root) if self.persistent and self.root.is_dir() else 0


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _versions(entry: Path, files: dict[str, Path]) -> tuple | None:
    """The version on disk of every file of a stored result: its folder's files and the blobs
    of what it produced (None if one is gone)."""
    try:
        with os.scandir(entry) as found:
            names = sorted(f.name for f in found)
        return tuple(fileversion.stat_of(entry / n) for n in names) + tuple(
            fileversion.stat_of(path) for path in files.values()
        )
    except OSError:
        return None
