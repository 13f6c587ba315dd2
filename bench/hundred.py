"""A journal of N entries (issue 19): how the site's build and the live preview grow with the
number of entries, the snippets' runs aside.

For each N it makes a journal from this one's own entries: the first N by date, or, past the
journal's size, every entry plus copies of them under new slugs, dates (every 3 days back from
the oldest entry) and discussion ids. A copy runs the same snippets with the same options, so its
runs have the same cache keys: one cache serves every size and nothing executes after the first
build fills it (seeded from this checkout's `.cache/journal/` when there is one). The entry
whose snippet the preview saves (probability-you-can-run, softmax.py) is never copied, so a save
changes one entry, as it does while writing. Measured, for each N:

- warm: `mkdocs build --strict`, nothing changed (median of --repeat);
- off: the same with JOURNAL_EXECUTION=off (no runs: the pages alone), after one untimed
  build so the site caches hold its pages (they differ from the warm build's);
- cold: the site's own caches emptied (the runs' results kept: the cost apart from execution);
- preview: `journal preview`, save a snippet section, until the reloaded page shows it, minus the
  runs' own time (bench/preview_latency.py's definition; median of --saves).

Wall time is inflated by whatever else the machine runs; processor time (user + sys of the build
and every process it started) much less, so both are printed. The slope per entry is the least-
squares fit over the sizes. Targets: warm build of 100 entries <= 3 s and preview overhead <= 1 s
on 2 cores.

    .venv/bin/python bench/hundred.py [--sizes 8 50 100 200] [--repeat 3] [--saves 3]
    .venv/bin/python bench/hundred.py --make 100 /tmp/j100   # only write the journal (to profile)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from preview_latency import COPY, measure
from sites import run_build

ROOT = Path(__file__).resolve().parents[1]
EDITED = "probability-you-can-run"  # the entry being written: the preview saves its snippet
SNIPPET = "snippets/softmax.py"
SITE_CACHES = ("site",)  # folders of the journal's cache that only the site's build writes
DATE = re.compile(r"^date:\s*(\d{4}-\d\d-\d\d)\b.*$", re.M)


def front(text: str) -> tuple[str, str]:
    """An entry's front matter (between its first two ``---`` lines) and the rest."""
    _, head, body = text.split("---\n", 2)
    return head, body


def renamed(head: str, k: int, date: dt.date) -> str:
    """Front matter of copy ``k``: its own slug, discussion id and date."""
    head = re.sub(r"^(slug|discussion_id):\s*(\S+)\s*$", rf"\1: \2-{k}", head, flags=re.M)
    return DATE.sub(f"date: {date.isoformat()}", head, count=1)


def entries(posts: Path) -> list[tuple[dt.date, Path]]:
    found = []
    for path in (posts / "entries").iterdir():
        if path.suffix == ".md":
            head = front(path.read_text(encoding="utf-8"))[0]
        elif path.suffix == ".ipynb":
            head = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
        else:
            continue
        found.append((dt.date.fromisoformat(DATE.search(head).group(1)), path))
    return sorted(found)


def copy_entry(path: Path, k: int, date: dt.date, frozen: Path) -> None:
    """Write copy ``k`` of the entry at ``path`` beside it, with its frozen results."""
    target = path.with_name(f"{path.stem}-{k}{path.suffix}")
    if path.suffix == ".md":
        head, body = front(path.read_text(encoding="utf-8"))
        target.write_text(f"---\n{renamed(head, k, date)}---\n{body}", encoding="utf-8")
    else:  # a notebook: the front matter is its first (raw) cell
        nb = json.loads(path.read_text(encoding="utf-8"))
        cell = nb["cells"][0]
        cell["source"] = renamed("".join(cell["source"]), k, date).splitlines(keepends=True)
        target.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    if (frozen / path.stem).is_dir():
        shutil.copytree(frozen / path.stem, frozen / f"{path.stem}-{k}")


def make_journal(n: int, root: Path) -> None:
    """Write a journal of ``n`` entries at ``root`` (see the module's docstring)."""
    root.mkdir(parents=True)
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.is_file():
            shutil.copy2(src, root / name)
    found = entries(root / "posts")
    for _, path in found[n:]:
        path.unlink()
    originals = [p for _, p in found if p.stem != EDITED]
    oldest = found[0][0]
    for i in range(max(0, n - len(found))):
        k, path = divmod(i, len(originals))
        copy_entry(originals[path], k + 1, oldest - dt.timedelta(days=3 * (i + 1)), root / "frozen")


def slope(sizes: list[int], values: list[float]) -> float:
    """Least-squares slope of ``values`` against ``sizes``."""
    mx, my = statistics.fmean(sizes), statistics.fmean(values)
    return sum((x - mx) * (y - my) for x, y in zip(sizes, values, strict=True)) / sum(
        (x - mx) ** 2 for x in sizes
    )


def clear_site_caches(cache: Path) -> None:
    for name in SITE_CACHES:
        shutil.rmtree(cache / name, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 50, 100, 200])
    parser.add_argument("--repeat", type=int, default=3, help="builds per measurement")
    parser.add_argument("--saves", type=int, default=3, help="preview saves per size (0: none)")
    parser.add_argument("--make", nargs=2, metavar=("N", "DIR"), help="only write a journal")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["off", "cold"], help="measurements to leave out"
    )
    args = parser.parse_args(argv)
    if args.make:
        make_journal(int(args.make[0]), Path(args.make[1]))
        return 0
    from sites import load

    print(f"journal of N entries: {load()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="journal-hundred-") as tmp:
        work = Path(tmp)
        cache = work / "cache"
        if (ROOT / ".cache" / "journal").is_dir():
            shutil.copytree(ROOT / ".cache" / "journal", cache)
            clear_site_caches(cache)
        for n in args.sizes:
            root = work / f"n{n}"
            make_journal(n, root)
            env = {"JOURNAL_CACHE_DIR": str(cache)}
            first = run_build(root, **env)  # fills the run cache if it lacks anything
            executed = re.search(r"runs: (\d+) executed", first.log)
            if executed and int(executed.group(1)):
                print(
                    f"  N={n}: the first build executed {executed.group(1)} runs (new to the cache)"
                )
            cold = []
            for _ in range(0 if "cold" in args.skip else args.repeat):
                clear_site_caches(cache)
                cold.append(run_build(root, **env))
            warm = [run_build(root, **env) for _ in range(args.repeat)]
            if "off" not in args.skip:  # its pages differ (no results): fill the caches first
                run_build(root, JOURNAL_EXECUTION="off", **env)
            off = [
                run_build(root, JOURNAL_EXECUTION="off", **env)
                for _ in range(0 if "off" in args.skip else args.repeat)
            ]
            saves = (
                measure(root, cache, SNIPPET, args.saves, echo=lambda s: None) if args.saves else []
            )
            row = {
                "n": n,
                "warm": [b.wall for b in warm],
                "warm_cpu": [b.cpu for b in warm],
                "off": [b.wall for b in off],
                "off_cpu": [b.cpu for b in off],
                "cold": [b.wall for b in cold],
                "cold_cpu": [b.cpu for b in cold],
                "preview": [s.overhead for s in saves],
                "preview_cpu": [s.cpu for s in saves],
            }
            rows.append(row)
            print(line(row), flush=True)
            shutil.rmtree(root)
    print(table(rows))
    print(f"after: {load()}")
    return 0


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def line(row: dict) -> str:
    return f"N={row['n']}: " + ", ".join(
        f"{k} {med(row[k]):.2f} s (cpu {med(row[k + '_cpu']):.2f} s)"
        for k in ("warm", "off", "cold", "preview")
    )


def table(rows: list[dict]) -> str:
    head = (
        "| entries | warm build wall / CPU | execution off wall / CPU | cold (site caches empty) "
        "wall / CPU | preview overhead wall / server CPU |\n| ---: | ---: | ---: | ---: | ---: |"
    )
    body = [
        f"| {r['n']} | "
        + " | ".join(f"{med(r[k]):.2f} / {med(r[k + '_cpu']):.2f} s" for k in KINDS)
        + " |"
        for r in rows
    ]
    out = [head, *body]
    sizes = [r["n"] for r in rows]
    if len(sizes) > 1:
        slopes = " | ".join(
            f"{1000 * slope(sizes, [med(r[k]) for r in rows]):.1f} / "
            f"{1000 * slope(sizes, [med(r[k + '_cpu']) for r in rows]):.1f} ms"
            for k in KINDS
        )
        out.append(f"| per entry | {slopes} |")
    at = {r["n"]: r for r in rows}
    near = min(at, key=lambda n: abs(n - 100))
    warm, preview = med(at[near]["warm"]), med(at[near]["preview"])
    out.append(
        f"\ntargets at N={near}: warm build {warm:.2f} s (<= 3 s: "
        f"{'met' if warm <= 3 else 'MISSED'}; CPU {med(at[near]['warm_cpu']):.2f} s), preview "
        f"overhead {preview:.2f} s (<= 1 s: {'met' if preview <= 1 else 'MISSED'})"
    )
    return "\n".join(out)


KINDS = ("warm", "off", "cold", "preview")

if __name__ == "__main__":
    sys.exit(main())
