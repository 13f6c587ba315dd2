"""Every value an entry quotes is marked in the built page with where it comes from: the snippet
function that computed it (a link to its lines at the published commit) and, from the record the
tests left, the test that asserts it (a link to the assertion's line) or that none does. The
feeds and the reading time carry the values without their popovers."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from journal import directives, provenance
from journal.directives import Run

ROOT = Path(__file__).resolve().parents[2]
BLOB = re.compile(
    r"https://github\.com/([\w.-]+/[\w.-]+)/blob/([0-9a-f]{40})/([\w/.-]+)#L(\d+)(?:-L(\d+))?"
)


def head() -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


def entry_pages(site):
    """(entry path, its front matter, its page's soup, its parsed directives, the values it
    marks: all but those in a formula or a heading) of each entry."""
    for name, fm in sorted(site.entries().items()):
        if not name.endswith(".md"):
            continue
        rel = f"posts/entries/{name}"
        text = (ROOT / rel).read_text(encoding="utf-8")
        parsed = directives.parse(text, rel)
        lines = text.split("\n")
        marked = [r for r in parsed.values if not provenance.plain_at(lines, r)]
        html = (site.root / fm["slug"] / "index.html").read_text(encoding="utf-8")
        yield rel, fm, BeautifulSoup(html, "html.parser").select_one("article"), parsed, marked


def test_every_quoted_value_is_marked_with_the_function_that_computed_it(site):
    sha, checked, quoted = head(), 0, 0
    repository = site.identity.repository
    for rel, _fm, article, parsed, marked in entry_pages(site):
        quoted += len(parsed.values)
        marks = article.select("span.jv")
        assert len(marks) == len(marked), f"{rel}: {len(marks)} marks, {len(marked)} values"
        runs = {d.name: d for d in parsed.directives if isinstance(d, Run)}
        ids = [m["aria-describedby"] for m in marks]
        assert len(set(ids)) == len(ids), f"{rel}: two values share a popover id"
        for mark, ref in zip(marks, marked, strict=True):
            tip = mark.select_one("span.jv-p")
            assert tip is not None and tip["id"] == mark["aria-describedby"]
            assert tip["role"] == "tooltip" and tip.has_attr("data-search-exclude")
            assert mark.contents[0].strip(), f"{rel}:{ref.where.line}: no visible text"
            run = runs[ref.name]
            made = BLOB.fullmatch(tip.select("a")[0]["href"])
            assert made, tip
            assert made[1] == repository and made[2] == sha, made[0]
            assert made[3] == f"snippets/{run.file}"
            first = (ROOT / made[3]).read_text(encoding="utf-8").splitlines()[int(made[4]) - 1]
            assert re.match(rf"(def {run.function}\(|@)", first), (made[0], first)
            assert tip.get_text().startswith(
                f"Computed by snippets/{run.file} · {run.function} in run {ref.name}."
            )
            checked += 1
    assert checked >= 0.9 * quoted > 400  # all but the few in formulas and headings


@pytest.mark.recorded
def test_each_popover_names_the_test_the_record_says_asserts_the_value(recorded, site):
    """Built with the record the entries' tests wrote (`make test` runs this after them), every
    marked value names the assertion the record holds for it, at the published commit."""
    record = provenance.Record(ROOT, recorded)
    sha, named, marks = head(), 0, 0
    for rel, _fm, article, _parsed, marked in entry_pages(site):
        for mark, ref in zip(article.select("span.jv"), marked, strict=True):
            marks += 1
            text = mark.select_one("span.jv-p").get_text()
            assert "Asserted by" in text, f"{rel}:{ref.where.line}: {text}"
            test = BLOB.fullmatch(mark.select("a")[-1]["href"])
            assert test and test[2] == sha and test[3].startswith("tests/"), text
            candidates = record.asserted(rel, ref.name, ref.key, any_value=True)
            assert (test[3], int(test[4])) in {(a.file, a.line) for a in candidates}, text
            line = (ROOT / test[3]).read_text(encoding="utf-8").splitlines()[int(test[4]) - 1]
            assert line.strip().startswith(("assert", "np.testing.assert")), line
            named += 1
    assert named == marks > 400


def test_feeds_carry_the_values_without_their_popovers(site):
    for name in ("feed.xml", "rss.xml", "feed.json"):
        text = (site.root / name).read_text(encoding="utf-8")
        assert "jv-p" not in text and "Computed by" not in text, name


def test_no_mark_in_a_formula_or_a_heading():
    text = (
        "# T {{ r.a }}\n\n$x = {{ r.a }}$ and {{ r.a }}\n\n$$\ny = {{ r.b }}\n$$\n"
        "\\(z={{ r.c }}\\)\n{{ r.c }} is $2 \\times\n{{ r.d }}$, not {{ r.e }}\n"
    )
    refs = directives.parse(text, "x.md", strict=False).values
    lines = text.split("\n")
    assert [(r.where.line, r.key, provenance.plain_at(lines, r)) for r in refs] == [
        (1, "a", True),
        (3, "a", True),
        (3, "a", True),  # the first {{ r.a }} of its line decides (both are the same value)
        (6, "b", True),
        (8, "c", True),
        (9, "c", False),
        (10, "d", True),  # the formula began on the line before
        (10, "e", False),
    ]


def test_without_notes_leaves_the_value_and_the_rest():
    html = (
        '<p>pi is <span class="jv" tabindex="0" aria-describedby="jv-x-1">3.14<span class="jv-p" '
        'role="tooltip" id="jv-x-1" data-search-exclude>Computed by <a href="u"><code>a</code>'
        '</a>.</span></span> and <em>e</em> is <span class="jv" tabindex="0" '
        'aria-describedby="jv-x-2">2.72<span class="jv-p" role="tooltip" id="jv-x-2" '
        "data-search-exclude>Computed by b.</span></span>.</p>"
    )
    assert provenance.without_notes(html) == "<p>pi is 3.14 and <em>e</em> is 2.72.</p>"
