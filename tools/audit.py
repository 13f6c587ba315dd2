"""Audit the built journal: Lighthouse on the home page and every entry, axe-core on every page
in both palettes, and a check of every internal link. Prints per-page scores.

    .venv/bin/python tools/audit.py                 # build into a temporary folder, then audit
    .venv/bin/python tools/audit.py --site site     # audit an existing build
    .venv/bin/python tools/audit.py --runs 3        # median of 3 Lighthouse runs per page

Lighthouse is node_modules/.bin/lighthouse (npm `lighthouse@12.2.3`, `npm ci`), run against
Debian's chromium (CHROME_PATH, default /usr/bin/chromium) with its default mobile settings
(simulated slow 4G and a 4x slower CPU). The site is served as GitHub Pages serves it: under
the path of site_url, gzip for text, 404.html for unknown paths (tests/site/sitebuild.py).
Targets: accessibility, best practices and SEO 100, performance >= 98; zero axe-core
violations; zero broken links. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "site"))
import sitebuild  # noqa: E402
import sitechecks  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH") or os.environ.get("JOURNAL_CHROMIUM", "/usr/bin/chromium")
FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 98, "accessibility": 100, "best-practices": 100, "seo": 100}


def lighthouse(url: str, preset: str | None, categories: tuple[str, ...] = CATEGORIES) -> dict:
    """One Lighthouse run: {category: score 0-100, "failing": [audit ids below 1]}."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [
            str(LIGHTHOUSE),
            url,
            "--output=json",
            f"--output-path={out}",
            "--quiet",
            f"--chrome-flags={FLAGS}",
            f"--only-categories={','.join(categories)}",
            # the full-page screenshot would scroll the comments into view and load giscus
            "--disable-full-page-screenshot",
        ]
        if preset:
            cmd.append(f"--preset={preset}")
        env = {**os.environ, "CHROME_PATH": CHROMIUM}
        subprocess.run(cmd, check=True, env=env, capture_output=True, timeout=300)
        report = json.loads(out.read_text(encoding="utf-8"))
    scores = {c: round(report["categories"][c]["score"] * 100) for c in categories}
    failing = []
    for cat in report["categories"].values():
        for ref in cat["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit["score"] is not None and audit["score"] < 1:
                shown = audit.get("displayValue") or ""
                failing.append(f"{ref['id']} {shown}".strip())
    metrics = report["audits"]
    scores["failing"] = failing
    if "performance" in categories:
        scores["lcp_ms"] = round(metrics["largest-contentful-paint"]["numericValue"])
        scores["tbt_ms"] = round(metrics["total-blocking-time"]["numericValue"])
    # Lighthouse's measure of the machine's speed (its simulated 4x slowdown assumes about
    # 1,000-2,000): the same page scores lower on a slower or busier machine
    scores["benchmark"] = round(report["environment"]["benchmarkIndex"])
    return scores


def median_run(url: str, runs: int, preset: str | None) -> dict:
    results = [lighthouse(url, preset) for _ in range(runs)]
    merged = {c: round(statistics.median(r[c] for r in results)) for c in CATEGORIES}
    for key in ("lcp_ms", "tbt_ms", "benchmark"):
        merged[key] = round(statistics.median(r[key] for r in results))
    merged["failing"] = sorted({f.split(" ")[0] for r in results for f in r["failing"]})
    return merged


# A page of Material with almost no content (the tags index): what this machine scores for the
# theme alone, printed beside the pages so a slow machine's misses can be told from a page's.
CONTROL = "tags/"


def audit_pages(site: sitebuild.BuiltSite) -> list[str]:
    """The home page and every entry, as paths under the site root."""
    return [""] + [f"{fm['slug']}/" for fm in site.entries().values()]


def run_axe(site: sitebuild.BuiltSite, url: str) -> dict[str, list]:
    from playwright.sync_api import sync_playwright

    source = sitechecks.axe_source()
    found: dict[str, list] = {}
    args = FLAGS.replace("--headless=new ", "").split()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args)
        for scheme in ("light", "dark"):
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
            page = ctx.new_page()
            for path in site.html_pages():
                rel = path.relative_to(site.root).as_posix().removesuffix("index.html")
                violations = sitechecks.axe_violations(page, url + rel, source)
                if violations:
                    found[f"{scheme} /{rel}"] = violations
            ctx.close()
        browser.close()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="an existing build (default: build one)")
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page (median)")
    parser.add_argument("--preset", choices=["desktop"], help="Lighthouse preset (default mobile)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--page", action="append", help="audit only this path (e.g. 'x/'); repeatable"
    )
    args = parser.parse_args(argv)

    cfg = sitebuild.config_file()
    if args.site:
        site = sitebuild.BuiltSite(args.site.resolve(), cfg, sitebuild.read_site_url(cfg), "")
    else:
        print("building the site (mkdocs build --strict) ...", flush=True)
        site = sitebuild.built_site()
    server = sitebuild.serve(site)
    ok = True
    results: dict = {"lighthouse": {}, "axe": {}, "links": {}}
    try:
        checked, broken = sitechecks.broken_links(site)
        results["links"] = {"checked": checked, "broken": broken}
        print(f"links: {checked} internal links checked, {sum(map(len, broken.values()))} broken")
        for page, hrefs in broken.items():
            print(f"  {page}: {hrefs}")
        ok &= not broken

        axe = run_axe(site, server.url)
        results["axe"] = axe
        pages = len(site.html_pages())
        print(f"axe-core: {pages} pages x 2 palettes, {sum(map(len, axe.values()))} violations")
        for where, violations in axe.items():
            print(f"  {where}: {[v['id'] for v in violations]}")
        ok &= not axe

        if not LIGHTHOUSE.exists():
            print(f"lighthouse: {LIGHTHOUSE} missing; run `npm ci`")
            return 1
        preset = args.preset or "mobile"
        print(f"lighthouse 12.2.3 ({preset}, median of {args.runs}):")
        print(f"  {'page':<42} perf  a11y  best   seo   LCP ms  TBT ms  bench")
        pages = args.page or audit_pages(site)
        control = not args.page and (site.root / CONTROL / "index.html").is_file()
        for rel in [*pages, CONTROL] if control else pages:
            scores = median_run(server.url + rel, args.runs, args.preset)
            results["lighthouse"]["/" + rel] = scores
            misses = [c for c in CATEGORIES if scores[c] < TARGETS[c]]
            is_control = control and rel == CONTROL and rel not in pages
            ok &= is_control or not misses
            print(
                f"  /{rel:<41} {scores['performance']:>4}  {scores['accessibility']:>4}  "
                f"{scores['best-practices']:>4}  {scores['seo']:>4}  {scores['lcp_ms']:>7} "
                f"{scores['tbt_ms']:>7} {scores['benchmark']:>6}"
                + ("   (control: the theme with almost no content)" if is_control else "")
                + (f"   below target: {misses}" if misses and not is_control else "")
            )
            if misses and scores["failing"]:
                print(f"      failing audits: {', '.join(scores['failing'])}")
    finally:
        server.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print("all targets met" if ok else "some targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
