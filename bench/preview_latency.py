"""How long the live preview takes from saving a snippet to the reloaded page, minus the time the
snippet's own runs take (the part the journal's tooling adds; the issue's target is under 1 s).

It copies the journal (entries, snippets, mkdocs.yml, journal.yml) and a copy of its
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
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "tooling" / "fixture_site"
COPY = ["mkdocs.yml", "journal.yml", "posts", "snippets", "frozen", "requirements.lock"]
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


@dataclass(frozen=True)
class Save:
    """One save in the live preview: seconds from the save to the reloaded page, of which the
    runs it re-executed took ``runs``; the server's processor seconds for it (its runs' processes
    included); the MkDocs rebuild's own seconds (its log line) minus the runs."""

    total: float
    runs: float
    executed: int
    cpu: float
    rebuild: float

    @property
    def overhead(self) -> float:
        return self.total - self.runs


def process_cpu(pid: int) -> float:
    """Processor seconds of process ``pid`` and of its children it has waited for (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def measure(
    root: Path, cache: Path, snippet: str, repeat: int, full: bool = False, echo=print
) -> list[Save]:
    """Start ``journal preview`` on ``root`` (runs cached in ``cache``), save a section of
    ``snippet`` ``repeat`` times, and time each save until the reloaded page shows it."""
    path, section = page_of(root, snippet)
    port = free_port()
    log = root.parent / f"preview-{port}.txt"
    env = {**os.environ, "JOURNAL_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"}
    env.pop("GITHUB_ACTIONS", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as `make` runs it (sites.run_build)
    journal = Path(sys.executable).with_name("journal")
    with open(log, "w") as err:
        proc = subprocess.Popen(
            [str(journal), "preview", "--port", str(port), "--root", str(root)]
            + (["--full"] if full else []),
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
        )
    site_url = re.search(r"^site_url:\s*(\S+)", (root / "mkdocs.yml").read_text(), re.M)
    prefix = urlsplit(site_url.group(1)).path.rstrip("/") if site_url else ""
    base = f"http://127.0.0.1:{port}"
    saves = []
    try:
        deadline = time.monotonic() + 600
        while "Serving on" not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the preview did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        for i in range(repeat):
            page = get(base + prefix + path)
            epoch, request = EPOCH.search(page).groups()
            start = len(log.read_text())
            mark = f"preview latency bench, save {i} at {time.time()}"
            cpu = process_cpu(proc.pid)
            save(root / snippet, section, mark)
            saved = time.monotonic()
            get(f"{base}/livereload/{epoch}/{request}")  # returns when the rebuild is visible
            page = get(base + prefix + path)  # what the reloading browser fetches
            shown = time.monotonic()
            if mark not in page:
                raise SystemExit(f"save {i}: the reloaded page does not show the change")
            time.sleep(0.3)
            cpu = process_cpu(proc.pid) - cpu
            found = list(SUMMARY.finditer(log.read_text()[start:]))
            if not found:
                raise SystemExit(f"no summary line after save {i}:\n{log.read_text()[start:]}")
            executed, run_seconds = int(found[-1].group(2)), float(found[-1].group(5))
            built = [float(b) for b in BUILT.findall(log.read_text()[start:])]
            one = Save(
                shown - saved,
                run_seconds,
                executed,
                cpu,
                built[-1] - run_seconds if built else float("nan"),
            )
            saves.append(one)
            echo(
                f"save {i}: page reloaded after {one.total:.2f} s; {executed} run(s) executed in "
                f"{run_seconds:.2f} s; tooling {one.overhead:.2f} s, of which the rest of the "
                f"MkDocs rebuild {one.rebuild:.2f} s; server CPU {cpu:.2f} s"
            )
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    return saves


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
        saves = measure(root, folder / "cache", snippet, args.repeat, args.full)
    results = [s.overhead for s in saves]
    builds = [s.rebuild for s in saves]
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
