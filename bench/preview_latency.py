"""How long the live preview takes from saving a snippet to the reloaded page, minus the time the
snippet's own runs take (the part the journal's tooling adds; the issue's target is under 1 s).

It copies the journal (entries, snippets, hooks, theme overrides, mkdocs.yml) and a copy of its
run cache into a temporary folder, starts ``journal preview`` there on a free port, and then, a
few times: adds a comment inside a section of a snippet that an entry shows and runs (a new
hash, so its runs execute again, and a change the page must show), waits as the browser does (the page's livereload long-poll returns when the rebuild is visible), fetches the
page, and reads the rebuild's summary line (the seconds spent executing runs) from the server's
stderr.

    .venv/bin/python bench/preview_latency.py                      # the real journal
    .venv/bin/python bench/preview_latency.py --fixture            # the small fixture journal
    .venv/bin/python bench/preview_latency.py --full                # every page rebuilt
    .venv/bin/python bench/preview_latency.py --snippet snippets/qr.py --repeat 7
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "tooling" / "fixture_site"
COPY = ["mkdocs.yml", "posts", "snippets", "site_hooks", "overrides", "requirements.lock"]
SUMMARY = re.compile(
    r"journal: (\d+) runs: (\d+) executed, (\d+) cached, (\d+) failed in ([\d.]+) s"
)
BUILT = re.compile(r"Documentation built in ([\d.]+) seconds")
EPOCH = re.compile(r"livereload\((\d+), (\d+)\)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 90) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode("utf-8", errors="replace")


def prepare(fixture: bool, folder: Path) -> Path:
    root = folder / "journal"
    if fixture:
        shutil.copytree(FIXTURE, root)
    else:
        root.mkdir()
        for name in COPY:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__"))
            elif src.is_file():
                shutil.copy2(src, root / name)
    cache = ROOT / ".cache" / "journal"
    if cache.is_dir() and not fixture:
        shutil.copytree(cache, folder / "cache")
    return root


def page_of(root: Path, snippet: str) -> tuple[str, str]:
    """The URL path of an entry that runs ``snippet`` and shows one of its sections (the blog
    serves entries at /SLUG/), and that section's name."""
    name = Path(snippet).name
    for entry in sorted((root / "posts" / "entries").glob("*.md")):
        text = entry.read_text(encoding="utf-8")
        shown = re.search(rf"^::code {re.escape(name)}#([\w-]+)", text, re.M)
        if shown and re.search(rf"^::run \S+ {re.escape(name)}\b", text, re.M):
            slug = re.search(r"^slug:\s*(\S+)", text, re.M)
            return f"/{slug.group(1) if slug else entry.stem}/", shown.group(1)
    raise SystemExit(f"no entry both runs {snippet} and shows a section of it")


def save(path: Path, section: str, mark: str) -> None:
    """Add a comment line at the end of ``section`` (so the page must change) and save."""
    end = f"# --8<-- [end:{section}]"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(end, f"# {mark}\n{end}", 1), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixture", action="store_true", help="use tests/tooling/fixture_site")
    parser.add_argument("--snippet", help="the snippet to save (default: one an entry runs)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--full", action="store_true", help="journal preview --full (rebuild every page)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="journal-bench-") as tmp:
        folder = Path(tmp)
        root = prepare(args.fixture, folder)
        snippet = args.snippet or ("snippets/alpha.py" if args.fixture else "snippets/softmax.py")
        path, section = page_of(root, snippet)
        port = free_port()
        log = folder / "stderr.txt"
        env = {**os.environ, "JOURNAL_CACHE_DIR": str(folder / "cache"), "PYTHONUNBUFFERED": "1"}
        env.pop("GITHUB_ACTIONS", None)
        journal = Path(sys.executable).with_name("journal")
        with open(log, "w") as err:
            proc = subprocess.Popen(
                [str(journal), "preview", "--port", str(port), "--root", str(root)]
                + (["--full"] if args.full else []),
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env,
            )
        site_url = re.search(r"^site_url:\s*(\S+)", (root / "mkdocs.yml").read_text(), re.M)
        prefix = urlsplit(site_url.group(1)).path.rstrip("/") if site_url else ""
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300
            while "Serving on" not in log.read_text():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the preview did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.1)
            results, builds = [], []
            for i in range(args.repeat):
                page = get(base + prefix + path)
                epoch, request = EPOCH.search(page).groups()
                start = len(log.read_text())
                mark = f"preview latency bench, save {i} at {time.time()}"
                save(root / snippet, section, mark)
                saved = time.monotonic()
                get(f"{base}/livereload/{epoch}/{request}")  # returns when the rebuild is visible
                page = get(base + prefix + path)  # what the reloading browser fetches
                shown = time.monotonic()
                if mark not in page:
                    raise SystemExit(f"save {i}: the reloaded page does not show the change")
                time.sleep(0.3)
                found = list(SUMMARY.finditer(log.read_text()[start:]))
                if not found:
                    raise SystemExit(f"no summary line after save {i}:\n{log.read_text()[start:]}")
                executed, run_seconds = int(found[-1].group(2)), float(found[-1].group(5))
                built = [float(b) for b in BUILT.findall(log.read_text()[start:])]
                total = shown - saved
                results.append(total - run_seconds)
                builds.append(built[-1] - run_seconds if built else float("nan"))
                print(
                    f"save {i}: page reloaded after {total:.2f} s; {executed} run(s) executed in "
                    f"{run_seconds:.2f} s; tooling {total - run_seconds:.2f} s, of which the "
                    f"rest of the MkDocs rebuild {builds[-1]:.2f} s"
                )
                time.sleep(0.5)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    print(
        f"preview latency minus the snippet's own runs ({'fixture' if args.fixture else 'journal'}, "
        f"{'full' if args.full else 'changed pages'} rebuild, "
        f"{snippet}): median {statistics.median(results):.2f} s, "
        f"min {min(results):.2f} s, max {max(results):.2f} s over {len(results)} saves; "
        f"the MkDocs rebuild without the runs: median {statistics.median(builds):.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
