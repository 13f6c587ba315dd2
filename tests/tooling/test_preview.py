"""The live preview through a real server on a free localhost port, serving a copy of
tests/tooling/fixture_site: ``journal preview`` (rebuilds only changed pages) and
``journal preview --full -- --strict`` (every page, stopping on warnings: what ``make preview``
runs).

Saving a snippet re-runs only the run that depends on it (read from the reporter's lines on the
server's stderr) and the page changes; editing the entry's prose re-runs nothing; a failing
snippet shows its error in the page while the server keeps running; drafts are served; nothing
the engine writes lands in a watched folder.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

# The preview's latency is asserted in wall-clock seconds: `make test` runs this module alone.
pytestmark = pytest.mark.timing

FIXTURE = Path(__file__).with_name("fixture_site")
JOURNAL = Path(sys.executable).with_name("journal")
BETA = '''"""Beta: a value and a figure (the preview test edits this file)."""

import matplotlib.pyplot as plt

VALUE = {value}


def main():
    """Prints and returns VALUE, and draws three dots."""
    print(f"beta value {{VALUE}}")
    fig, ax = plt.subplots(figsize=(2, 1.5), num="dots")
    ax.plot([0, 1, 2], [0, 1, 2], "o")
    return {{"value": VALUE}}
'''
EXECUTED = re.compile(r"journal: \[\d+/\d+\] executed\s+([\d.]+) s\s+(\S+) (\S+) \((\S+)\)")
SUMMARY = re.compile(r"journal: (\d+) runs: (\d+) executed, (\d+) cached, (\d+) failed")
_values = itertools.count(int(time.time()) % 100_000 * 10)  # fresh values: never in the cache


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Preview:
    """A running ``journal preview`` and what it has written to stderr."""

    def __init__(self, root: Path, port: int, proc: subprocess.Popen, log: Path):
        self.root, self.port, self.proc, self.log = root, port, proc, log

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.status, r.read().decode("utf-8")
        except urllib.error.HTTPError as err:
            return err.code, ""
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return 0, ""

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, path: str, text: str, timeout: float = 60) -> float:
        """Poll ``path`` until it contains ``text``; the monotonic time it first did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, body = self.get(path)
            if status == 200 and text in body:
                return time.monotonic()
            assert self.proc.poll() is None, f"the server stopped:\n{self.stderr()[-3000:]}"
            time.sleep(0.02)
        raise AssertionError(f"{path} never showed {text!r}:\n{self.stderr()[-3000:]}")

    def wait_for_log(self, pattern: str, start: int, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            new = self.stderr()[start:]
            if re.search(pattern, new):
                return new
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} in the server's log:\n{self.stderr()[start:]}")

    def save(self, rel: str, text: str) -> tuple[float, int]:
        """Write a watched file; the time of saving and the log's length before it."""
        start = len(self.stderr())
        (self.root / rel).write_text(text, encoding="utf-8")
        return time.monotonic(), start


MODES = {
    "changed-pages": [],  # journal preview: rebuilds the pages whose entry or snippets changed
    "full-strict": ["--full", "--", "--strict"],  # what make preview runs
}


@pytest.fixture(scope="module", params=list(MODES))
def preview(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("preview") / "journal"
    shutil.copytree(FIXTURE, root)
    log = root.parent / "stderr.txt"
    port = free_port()
    tmp = root.parent / "tmp"  # the server's own temporary folders (mkdocs serve's site)
    tmp.mkdir()
    env = {
        **os.environ,
        "JOURNAL_CACHE_DIR": str(root.parent / "cache"),
        "PYTHONUNBUFFERED": "1",
        "TMPDIR": str(tmp),
    }
    env.pop("GITHUB_ACTIONS", None)
    with open(log, "w") as err:
        proc = subprocess.Popen(
            [str(JOURNAL), "preview", "--port", str(port), "--root", str(root)]
            + MODES[request.param],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
        )
    server = Preview(root, port, proc, log)
    server.tmp = tmp
    try:
        server.wait_for("/first/", "Alpha says 49", timeout=120)
        server.wait_for_log(r"Serving on", 0)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_first_build_runs_everything_and_serves_the_page(preview):
    log = preview.stderr()
    ran = {m.group(3) for m in EXECUTED.finditer(log)}
    assert ran == {"alpha", "beta"}
    status, page = preview.get("/first/")
    assert status == 200
    assert "Alpha says 49 and beta says" in page
    assert 'alt="Three dots rising from left to right."' in page


def test_drafts_are_shown_in_the_preview(preview):
    status, page = preview.get("/unfinished/")
    assert status == 200 and "DRAFT-MARKER" in page
    assert 'href="unfinished/"' in preview.get("/")[1]


def test_saving_a_snippet_reruns_only_its_run(preview):
    value = next(_values)
    saved, start = preview.save("snippets/beta.py", BETA.format(value=value))
    shown = preview.wait_for("/first/", f"beta says {value}.")
    log = preview.wait_for_log(SUMMARY.pattern, start)
    executed = [m.groups() for m in EXECUTED.finditer(log)]
    assert [(name, snippet) for _, _, name, snippet in executed] == [("beta", "snippets/beta.py")]
    total, done, cached, failed = map(int, SUMMARY.search(log).groups())
    assert (total, done, cached, failed) == (2, 1, 1, 0)
    own = float(executed[0][0])
    overhead = shown - saved - own
    print(f"save -> page changed {shown - saved:.2f} s, of which the snippet ran {own:.2f} s")
    assert overhead < 3.0  # the target is < 1 s on an idle machine; bench/preview_latency.py


def test_editing_prose_reruns_nothing(preview):
    text = (preview.root / "posts/entries/first.md").read_text(encoding="utf-8")
    marker = f"PROSE-{next(_values)}"
    saved, start = preview.save(
        "posts/entries/first.md", text.replace("Two runs,", f"{marker}: two runs,", 1)
    )
    preview.wait_for("/first/", marker)
    log = preview.wait_for_log(SUMMARY.pattern, start)
    assert not EXECUTED.search(log)
    assert SUMMARY.search(log).groups() == ("2", "0", "2", "0")


def test_a_failing_snippet_shows_its_error_and_the_server_keeps_running(preview):
    _, start = preview.save("snippets/beta.py", BETA.format(value="1 / 0"))
    preview.wait_for("/first/", "This part of the entry could not be built")
    _, page = preview.get("/first/")
    assert "ZeroDivisionError" in page and "snippets/beta.py" in page
    assert "Alpha says 49" in page  # the rest of the entry still renders
    assert preview.proc.poll() is None
    assert "Aborted" not in preview.stderr()[start:]
    # Fix it: the page recovers without restarting the server.
    value = next(_values)
    preview.save("snippets/beta.py", BETA.format(value=value))
    preview.wait_for("/first/", f"beta says {value}.")
    assert "could not be built" not in preview.get("/first/")[1]


def test_a_deleted_snippet_or_module_it_imports_shows_in_the_page(preview):
    """No saved file is newer than the page when one is deleted: the page kept its numbers,
    as if the code were still there."""
    value = next(_values)
    preview.save("snippets/beta_helper.py", f"VALUE = {value}\n")
    preview.save("snippets/beta.py", BETA.format(value="beta_helper.VALUE"))
    beta = (preview.root / "snippets" / "beta.py").read_text(encoding="utf-8")
    preview.save("snippets/beta.py", "import beta_helper\n" + beta)
    preview.wait_for("/first/", f"beta says {value}.")
    (preview.root / "snippets" / "beta_helper.py").unlink()
    preview.wait_for("/first/", "No module named &#x27;beta_helper&#x27;")  # escaped
    (preview.root / "snippets" / "beta.py").unlink()
    preview.wait_for("/first/", "snippet snippets/beta.py not found")
    value = next(_values)
    preview.save("snippets/beta.py", BETA.format(value=value))
    preview.wait_for("/first/", f"beta says {value}.")
    assert "could not be built" not in preview.get("/first/")[1]
    assert preview.proc.poll() is None


def test_nothing_lands_in_watched_folders_and_nothing_loops(preview):
    def listing():
        return sorted(
            p.relative_to(preview.root).as_posix()
            for folder in ("posts", "snippets")
            for p in (preview.root / folder).rglob("*")
        )

    fixture = sorted(
        p.relative_to(FIXTURE).as_posix()
        for folder in ("posts", "snippets")
        for p in (FIXTURE / folder).rglob("*")
    )
    assert listing() == fixture
    rebuilds = preview.stderr().count("Detected file changes")
    time.sleep(3)  # a loop would rebuild again and again without any save
    assert preview.stderr().count("Detected file changes") == rebuilds


def test_listing_pages_keep_every_entry_after_a_save(preview):
    """The blog's archive and category pages list both entries after a save (the changed-pages
    preview leaves them as its first build wrote them; it once rewrote them with only the
    entries that save rebuilt)."""
    text = (preview.root / "posts/entries/first.md").read_text(encoding="utf-8")
    marker = f"LISTED-{next(_values)}"
    preview.save("posts/entries/first.md", f"{text.rstrip()}\n\n{marker}\n")
    preview.wait_for("/first/", marker)
    for path in ("/archive/2026/", "/category/foundations/"):
        status, page = preview.get(path)
        assert status == 200, path
        assert page.count("md-post--excerpt") == 2, path


def test_a_saved_journal_yml_changes_every_page(preview):
    """The identity is read at every rebuild: a new title shows on the pages (all of them, even
    in the mode that rebuilds only changed pages)."""
    text = (preview.root / "journal.yml").read_text(encoding="utf-8")
    retitled(preview, text, f"Renamed journal {next(_values)}")


def retitled(preview, text: str, title: str) -> None:
    """Save journal.yml's ``text`` with ``title``, see every page take it, then save ``text``."""
    preview.save("journal.yml", text.replace("title: Fixture journal", f"title: {title}"))
    try:
        preview.wait_for("/first/", f"<title>First entry - {title}</title>")
        preview.wait_for("/", f"<title>{title}</title>")
    finally:
        preview.save("journal.yml", text)
    preview.wait_for("/first/", "<title>First entry - Fixture journal</title>")


def test_a_journal_yml_broken_then_mended_with_a_new_title_changes_every_page(preview):
    """The broken save's build stops; the mending save's must compare with the identity the
    pages were last written with (it compared with none, and the pages kept the old title)."""
    path = "journal.yml"
    text = (preview.root / path).read_text(encoding="utf-8")
    _, start = preview.save(path, text.replace("title: Fixture journal", "title: [Fixture"))
    preview.wait_for_log(r"journal\.yml:\d+: not valid YAML", start)
    retitled(preview, text, f"Mended journal {next(_values)}")
    assert preview.proc.poll() is None


def test_stopping_it_with_sigterm_removes_its_temporary_site(preview):
    """A process manager's SIGTERM ends the preview as Ctrl-C does, so mkdocs removes the
    temporary site it served from (this runs last: it stops the module's server)."""
    served = [p.name for p in preview.tmp.iterdir() if p.name.startswith("mkdocs_")]
    assert len(served) == 1, served  # the site being served, while it runs
    start = len(preview.stderr())
    preview.proc.terminate()
    assert preview.proc.wait(timeout=30) == 0, preview.stderr()[start:]
    assert "Shutting down" in preview.stderr()[start:]
    assert not any(p.name.startswith("mkdocs_") for p in preview.tmp.iterdir())
