"""Build the journal once per test session and serve it like GitHub Pages would.

Shared by tests/site and tests/browser (through tests/conftest.py), so a session builds the site
once: under pytest-xdist the first worker that needs it builds it into a folder all workers share
(SHARED, set by tests/conftest.py), holding a file lock; the others wait and reuse it. The same
lock is held by anything that may execute the journal's runs into the shared cache, so a cold
run is executed by one worker, never by two at once. The build is the real one (`mkdocs build --strict` over this repository,
with the engine's shared cache); set JOURNAL_SITE_CONFIG to build another mkdocs.yml instead.
The server mounts the site under the path of `site_url` (e.g. /learning-journal/) and answers
unknown paths with the site's 404.html, so absolute links and the 404 page work as published.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import gzip
import hashlib
import http.server
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
MKDOCS = Path(sys.executable).with_name("mkdocs")
# A folder shared by every process of a test session (pytest-xdist's workers); tests/conftest.py
# sets it. Unset (tools/audit.py), the site is built into a private temporary folder.
SHARED: Path | None = None


@dataclass(frozen=True)
class BuiltSite:
    """A built site: its folder, the config it came from and the build's log."""

    root: Path  # the built files
    config_file: Path
    site_url: str  # from the journal's identity (journal.yml), with a trailing slash
    log: str
    snapshot: dict | None = None  # entries' front matter read just before the build
    env: dict | None = None  # what the build's environment set beyond the session's own
    clean: bool = False  # the journal's files were as committed: a clone's build would be the same

    @property
    def identity(self):
        """The journal's identity (journal.yml beside the config) the site was built from."""
        return read_identity(self.config_file)

    @property
    def docs_dir(self) -> Path:
        return self.config_file.parent / str(read_config(self.config_file).get("docs_dir", "docs"))

    def entries(self) -> dict[str, dict]:
        """Front matter of every published (non-draft) entry, by its file name, as it was when
        the site was built (entries written during a test session do not count)."""
        if self.snapshot is not None:
            return self.snapshot
        out = {}
        for path in sorted((self.docs_dir / "entries").glob("*")):
            if path.suffix == ".md":
                text = path.read_text(encoding="utf-8")
            elif path.suffix == ".ipynb":  # front matter in the first cell
                cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
                source = cells[0]["source"] if cells else ""
                text = "".join(source) if isinstance(source, list) else source
            else:
                continue
            meta = yaml.safe_load(text.split("---", 2)[1]) if text.startswith("---") else {}
            if not meta.get("draft"):
                out[path.name] = meta
        return out

    @property
    def prefix(self) -> str:
        """The URL path the site is published under, e.g. '/learning-journal/'."""
        return urlsplit(self.site_url).path or "/"

    def html_pages(self) -> list[Path]:
        return sorted(self.root.rglob("*.html"))


def config_file() -> Path:
    return Path(os.environ.get("JOURNAL_SITE_CONFIG", ROOT / "mkdocs.yml")).resolve()


class _Loader(yaml.SafeLoader):
    """A safe loader that reads tagged values (!!python/name, !ENV) as None."""


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
# !ENV [NAME, default]: the default (tests read the committed configuration, not the shell's)
_Loader.add_constructor("!ENV", lambda loader, node: loader.construct_sequence(node)[-1])


def read_config(path: Path) -> dict:
    """An mkdocs.yml as plain data."""
    return yaml.load(path.read_text(encoding="utf-8"), _Loader)  # noqa: S506 - a SafeLoader


def read_identity(path: Path):
    """The identity (journal.yml) of the journal whose mkdocs.yml is ``path``."""
    from journal import identity

    return identity.load(Path(path).parent)


def read_site_url(path: Path) -> str:
    """The site's URL, with a trailing slash: journal.yml's (mkdocs.yml carries none)."""
    return read_identity(path).site_url


def source_date_epoch() -> str:
    """SOURCE_DATE_EPOCH as `make` sets it: the environment's, else the last commit's time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        git = ["git", "-C", str(ROOT), "log", "-1", "--format=%ct"]
        epoch = subprocess.run(git, capture_output=True, text=True).stdout.strip() or "0"
    return epoch


def matches_head() -> bool:
    """Whether this checkout's files are as committed, but for the engine's package and the tests
    (a build in a clone of HEAD uses this checkout's installed package anyway): then a build here
    is byte for byte a build of HEAD, and tests may compare it with builds in clones."""
    status = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=all", "--", "."]
        + [":(exclude)tests", ":(exclude)journal"],
        capture_output=True,
        text=True,
    )
    return status.returncode == 0 and not status.stdout.strip()


def build(dest: Path, config: Path | None = None, env: dict | None = None) -> str:
    """Run `mkdocs build --strict` into `dest`; return the log; raise with the log on failure.
    In a test session the session's own build comes first, so the runs are cached."""
    if SHARED is not None:
        built_site()
    return _build(dest, config, env)


def _build(dest: Path, config: Path | None = None, env: dict | None = None) -> str:
    config = config or config_file()
    run_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    proc = subprocess.run(
        [str(MKDOCS), "build", "--strict", "-f", str(config), "-d", str(dest)],
        cwd=config.parent,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"mkdocs build --strict failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stderr


def digests(root: Path) -> dict[str, str]:
    """Every file under ``root`` (a built site) by its path, as its SHA-256: two sites are
    byte-identical when these are equal."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def load_hook(name: str):
    """A hook of journal/adapters/hooks/ by file name, imported afresh under a private name (so a
    test starts from the module's initial state)."""
    import importlib.util

    path = ROOT / "journal" / "adapters" / "hooks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"journal_site_hooks_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def runs_lock():
    """Held while the journal's runs may execute into the shared cache (the session's build of
    the site, the tests' `run_all`): whoever comes second finds them cached."""
    if SHARED is None:  # one process, nobody to wait for
        yield
        return
    with open(SHARED / "journal-runs.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@functools.cache
def built_site() -> BuiltSite:
    """The site, built once per session (see the module's docstring), with SOURCE_DATE_EPOCH as
    `make` sets it and, in a test session, the site's own caches in a folder of their own, empty
    when the build starts (so tests may compare it with builds made with other caches)."""
    cfg = config_file()
    if SHARED is None:
        tmp = Path(tempfile.mkdtemp(prefix="journal-site-"))
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    else:
        tmp = SHARED / "journal-site"
    record = tmp / "built.pickle"  # written last: its presence means the build is complete
    with runs_lock():
        if not record.is_file():
            env = {"SOURCE_DATE_EPOCH": source_date_epoch()}
            if SHARED is not None:
                env["JOURNAL_SITE_CACHE"] = str(tmp / "site-caches")
            clean = matches_head() and cfg == ROOT / "mkdocs.yml"
            snapshot = BuiltSite(tmp / "site", cfg, read_site_url(cfg), "").entries()
            log = _build(tmp / "site", cfg, env)
            tmp.mkdir(exist_ok=True)
            done = {"log": log, "snapshot": snapshot, "env": env, "clean": clean}
            record.write_bytes(pickle.dumps(done))
    done = pickle.loads(record.read_bytes())  # noqa: S301 - written just above, by this session
    return BuiltSite(
        tmp / "site",
        cfg,
        read_site_url(cfg),
        done["log"],
        done["snapshot"],
        done["env"],
        done["clean"],
    )


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves `site` under `prefix` as GitHub Pages does: index.html for folders, 404.html with
    status 404 for anything missing, gzip for text when the client accepts it, max-age=600."""

    site: Path
    prefix: str
    TEXT = {".html", ".css", ".js", ".json", ".xml", ".svg", ".txt"}
    TYPES = {
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".json": "application/json",
        ".xml": "application/xml",
        ".svg": "image/svg+xml",
        ".txt": "text/plain; charset=utf-8",
        ".png": "image/png",
        ".gz": "application/gzip",
    }

    def _resolve(self) -> tuple[int, Path]:
        path = unquote(urlsplit(self.path).path)
        if not path.startswith(self.prefix):
            return 404, self.site / "404.html"
        target = (self.site / path[len(self.prefix) :]).resolve()
        if self.site.resolve() not in (target, *target.parents):
            return 404, self.site / "404.html"
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return 404, self.site / "404.html"
        return 200, target

    def _respond(self, body_wanted: bool):
        status, target = self._resolve()
        data = target.read_bytes()
        self.send_response(status)
        self.send_header("Content-Type", self.TYPES.get(target.suffix, "application/octet-stream"))
        self.send_header("Cache-Control", "max-age=600")
        if target.suffix in self.TEXT and "gzip" in self.headers.get("Accept-Encoding", ""):
            data = gzip.compress(data, mtime=0)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body_wanted:
            self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - the http.server API
        self._respond(True)

    def do_HEAD(self):  # noqa: N802
        self._respond(False)

    def log_message(self, *args):  # keep test output quiet
        pass


@dataclass
class Server:
    """A running http.server on 127.0.0.1; `url` is the site's root URL on it."""

    httpd: http.server.ThreadingHTTPServer
    url: str

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def serve(site: BuiltSite) -> Server:
    handler = type("Handler", (_Handler,), {"site": site.root, "prefix": site.prefix})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    host, port = httpd.server_address[:2]
    return Server(httpd, f"http://{host}:{port}{site.prefix}")


def page_url(site: BuiltSite, path: Path) -> str:
    """The published URL of a built file."""
    rel = path.relative_to(site.root).as_posix()
    if rel.endswith("index.html"):
        rel = rel[: -len("index.html")]
    return site.site_url + rel


def local_path(site: BuiltSite, url_path: str) -> Path | None:
    """The built file a site-absolute URL path ('/learning-journal/x/') refers to, if any."""
    if not url_path.startswith(site.prefix):
        return None
    rel = url_path[len(site.prefix) :]
    target = site.root / rel
    if rel == "" or rel.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


# Another identity for this journal (tests/site/test_site_identity.py): every value journal.yml
# holds is changed, a category (a part of the plan) is renamed and the entries follow it, and
# the comments get real-looking giscus ids so that the comments can be tested on this build.
RENAMED = {
    "title": "Notes from the test bench",
    "description": "Someone else learns the same things, under another name and address.",
    "author": {"name": "A. N. Other", "about": "Keeps notes from the test bench"},
    "repository": "someone-else/bench-notes",
    "site_url": "https://notes.example.org/bench/",
    "comments": {
        "repo_id": "R_kgDOKq3Zwg",
        "category": "Comments",
        "category_id": "DIC_kwDOKq3Zws4CbT7m",
    },
}
RENAMED_PART = ("Generative models", "Generative modelling")  # (old, new)
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", ".cache", "site", "__pycache__"
)


def rename_copy(dest: Path) -> Path:
    """A copy of this journal at ``dest`` with the identity RENAMED and the part RENAMED_PART
    renamed, in journal.yml and in the entries' front matter; returns its mkdocs.yml."""
    shutil.copytree(ROOT, dest, ignore=COPY_IGNORE, symlinks=True)
    path = dest / "journal.yml"
    ident = yaml.safe_load(path.read_text(encoding="utf-8"))
    ident.update(RENAMED)
    old, new = RENAMED_PART
    names = [part["name"] for part in ident["plan"]]
    assert old in names, f"journal.yml's plan has no part {old!r}: update RENAMED_PART"
    ident["plan"][names.index(old)]["name"] = new
    path.write_text(yaml.safe_dump(ident, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for entry in sorted((dest / "posts" / "entries").glob("*.*")):
        text = entry.read_text(encoding="utf-8")
        moved = text.replace(f"  - {old}\n", f"  - {new}\n").replace(
            f'"  - {old}\\n"',
            f'"  - {new}\\n"',  # a notebook's first cell, as JSON
        )
        if moved != text:
            entry.write_text(moved, encoding="utf-8")
    return dest / "mkdocs.yml"


@functools.cache
def renamed_site() -> BuiltSite:
    """This journal built under RENAMED's identity, once per session (after the journal's own
    build, whose cache it reuses: only runs that read journal.yml execute again)."""
    built_site()
    if SHARED is None:
        tmp = Path(tempfile.mkdtemp(prefix="journal-renamed-"))
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    else:
        tmp = SHARED / "journal-renamed"
    cfg = tmp / "src" / "mkdocs.yml"
    record = tmp / "built.pickle"
    env = {"JOURNAL_CACHE_DIR": os.environ.get("JOURNAL_CACHE_DIR") or str(ROOT / ".cache/journal")}
    with runs_lock():
        if not record.is_file():
            shutil.rmtree(tmp / "src", ignore_errors=True)
            rename_copy(tmp / "src")
            snapshot = BuiltSite(tmp / "site", cfg, read_site_url(cfg), "").entries()
            log = _build(tmp / "site", cfg, env)
            record.write_bytes(pickle.dumps({"log": log, "snapshot": snapshot}))
    done = pickle.loads(record.read_bytes())  # noqa: S301 - written just above, by this session
    return BuiltSite(tmp / "site", cfg, read_site_url(cfg), done["log"], done["snapshot"])
