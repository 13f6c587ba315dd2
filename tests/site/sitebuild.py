"""Build the journal once per test session and serve it like GitHub Pages would.

Shared by tests/site and tests/browser (both conftests import it), so a session that runs both
builds the site once. The build is the real one (`mkdocs build --strict` over this repository,
with the engine's shared cache); set JOURNAL_SITE_CONFIG to build another mkdocs.yml instead.
The server mounts the site under the path of `site_url` (e.g. /learning-journal/) and answers
unknown paths with the site's 404.html, so absolute links and the 404 page work as published.
"""

from __future__ import annotations

import atexit
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
MKDOCS = Path(sys.executable).with_name("mkdocs")


@dataclass(frozen=True)
class BuiltSite:
    """A built site: its folder, the config it came from and the build's log."""

    root: Path  # the built files
    config_file: Path
    site_url: str  # from mkdocs.yml, with a trailing slash
    log: str
    snapshot: dict | None = None  # entries' front matter read just before the build

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


def read_site_url(path: Path) -> str:
    """site_url from an mkdocs.yml, with a trailing slash."""
    return (read_config(path).get("site_url") or "http://localhost/").rstrip("/") + "/"


def build(dest: Path, config: Path | None = None, env: dict | None = None) -> str:
    """Run `mkdocs build --strict` into `dest`; return the log; raise with the log on failure."""
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


@functools.cache
def built_site() -> BuiltSite:
    """The site, built once per process into a temporary folder (removed at exit)."""
    tmp = Path(tempfile.mkdtemp(prefix="journal-site-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    cfg = config_file()
    snapshot = BuiltSite(tmp / "site", cfg, read_site_url(cfg), "").entries()
    log = build(tmp / "site", cfg)
    return BuiltSite(tmp / "site", cfg, read_site_url(cfg), log, snapshot)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves `site` under `prefix`; anything else gets 404.html with status 404."""

    site: Path
    prefix: str

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(self.site), **kwargs)

    def translate_path(self, path):
        clean = urlsplit(path).path
        if clean.startswith(self.prefix):
            clean = "/" + clean[len(self.prefix) :]
        elif clean != self.prefix.rstrip("/"):
            clean = "/__outside_the_site__"
        return super().translate_path(clean)

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir() and not (path / "index.html").exists() or not path.exists():
            body = (self.site / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            import io

            return io.BytesIO(body)
        return super().send_head()

    def log_message(self, *args):  # keep test output quiet
        pass


_extensions = {".svg": "image/svg+xml", ".json": "application/json", ".xml": "application/xml"}
_Handler.extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **_extensions}


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
