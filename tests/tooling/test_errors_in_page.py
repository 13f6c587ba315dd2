"""Errors show in the page in the preview, and drafts follow one rule (issue 11, items 11 and 13).

Through the real ``journal preview`` (one server on a free port, over a copy of the fixture
journal) and the real ``journal build``:

- in the preview every error shows in the page where it happens, the way a failing snippet's
  does, and the rest of the entry is rendered (a figure without alt text used to turn the whole
  entry into raw text);
- a published build does not execute drafts: a draft whose snippet raises, or whose section is
  mistyped, does not stop it; the preview shows those errors in the draft's page.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_preview import Preview, free_port

FIXTURE = Path(__file__).with_name("fixture_site")
JOURNAL = Path(sys.executable).with_name("journal")
ENTRY = "posts/entries/first.md"
DRAFT = "posts/entries/unfinished.md"
BOOM = '''"""Raises, so that its run fails."""


def main():
    raise RuntimeError("boom from the draft")
'''


def broken_draft(root: Path) -> None:
    (root / "snippets" / "boom.py").write_text(BOOM, encoding="utf-8")
    path = root / DRAFT
    path.write_text(
        path.read_text(encoding="utf-8")
        + "\n::code alpha.py#sqare\n\n::run boom boom.py\n\n::output boom\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    root = tmp_path_factory.mktemp("errors-in-page") / "journal"
    shutil.copytree(FIXTURE, root)
    broken_draft(root)
    log = root.parent / "stderr.txt"
    env = {**os.environ, "JOURNAL_CACHE_DIR": str(root.parent / "cache"), "PYTHONUNBUFFERED": "1"}
    env.pop("GITHUB_ACTIONS", None)
    port = free_port()
    with open(log, "w") as err:
        proc = subprocess.Popen(
            [str(JOURNAL), "preview", "--port", str(port), "--root", str(root)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
        )
    server = Preview(root, port, proc, log)
    try:
        server.wait_for("/first/", "Alpha says 49", timeout=120)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_preview_shows_a_drafts_errors_in_its_page(preview):
    _, page = preview.get("/unfinished/")
    assert "DRAFT-MARKER" in page
    assert page.count('class="admonition failure journal-error"') == 2, page
    assert (
        "section &#x27;sqare&#x27; not found in snippets/alpha.py: did you mean `square`?" in page
    )
    assert "RuntimeError: boom from the draft" in page


def test_every_error_shows_in_the_page_and_the_rest_is_rendered(preview):
    text = (preview.root / ENTRY).read_text(encoding="utf-8")
    broken = text.replace('alt="Three dots rising from left to right."', "").replace(
        "beta says {{ beta.value }}", "beta says {{ bta.value }}"
    )
    preview.save(ENTRY, broken)
    page = preview.wait_for("/first/", "figure has no alt text") and preview.get("/first/")[1]
    assert "posts/entries/first.md:30: figure has no alt text" in page
    assert 'class="admonition failure journal-error"' in page  # as a failing snippet's
    # an unknown run name, inline where it is quoted, with the closest name
    assert "no run named &#x27;bta&#x27;" in page
    # the rest of the entry is rendered, not shown as raw text
    assert "Alpha says 49" in page
    assert "snippets/alpha.py</span>" in page  # the ::code block, titled
    assert "::code" not in page and "::run" not in page and "{{" not in page
    # and the server keeps serving: fixing the entry brings the figure back
    preview.save(ENTRY, text)
    preview.wait_for("/first/", 'alt="Three dots rising from left to right."')


def test_a_published_build_does_not_execute_drafts(tmp_path):
    root = tmp_path / "journal"
    shutil.copytree(FIXTURE, root)
    broken_draft(root)
    out = tmp_path / "site"
    done = subprocess.run(
        [str(JOURNAL), "build", "--root", str(root), "-d", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "JOURNAL_CACHE_DIR": str(tmp_path / "cache")},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "boom" not in done.stderr  # never run, not even listed
    assert "journal: 2 runs: 2 executed, 0 cached, 0 failed" in done.stderr
    assert not (out / "unfinished").exists()
