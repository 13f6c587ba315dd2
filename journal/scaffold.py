"""What ``journal new "Title"`` writes: a draft entry with complete front matter, a snippet module
with a section and a figure to start from, and a test module that already asserts the entry's
one quoted value. Together they build, pass ``journal check`` and pass their tests as written.
"""

from __future__ import annotations

import datetime as dt
import keyword
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import deps, identity
from . import plan as journal_plan
from .check import SLUG
from .errors import JournalError

MAX_SLUG = 60


class ScaffoldError(Exception):
    """A title or option that cannot become an entry; the message says what to do instead."""


@dataclass(frozen=True)
class NewEntry:
    """The three files of a new entry, relative to the journal's root."""

    entry: Path
    snippet: Path
    test: Path


def slugify(title: str) -> str:
    """The URL slug of a title: ASCII lowercase words joined by '-'.

    >>> slugify("Attention, from scratch (part 1)")
    'attention-from-scratch-part-1'
    >>> slugify("Régularisation & dropout")
    'regularisation-dropout'
    """
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


def module_name(slug: str) -> str:
    """The snippet module for a slug: ``byte-pair-encoding`` -> ``byte_pair_encoding``."""
    return slug.replace("-", "_")


def existing_ids(entries_dir: Path) -> dict[str, str]:
    """Slugs and discussion ids already taken, mapped to the entry that holds each."""
    taken: dict[str, str] = {}
    for path in sorted(entries_dir.glob("*.md")) + sorted(entries_dir.glob("*.ipynb")):
        taken[path.stem] = path.name
        text = path.read_text(encoding="utf-8", errors="replace")
        for key in ("slug", "discussion_id"):
            for m in re.finditer(rf"^\"?{key}:\s*([\w-]+)", text, re.M):
                taken.setdefault(m.group(1), path.name)
    return taken


def written_numbers(entries_dir: Path) -> set[int]:
    """The ``curriculum:`` numbers the entries already cover."""
    if not entries_dir.is_dir():
        return set()
    return {
        int(m.group(1))
        for path in entries_dir.glob("*.*")
        for m in re.finditer(
            r"^\"?curriculum:\s*(\d+)", path.read_text(encoding="utf-8", errors="replace"), re.M
        )
    }


def journal_identity(root: Path) -> identity.Identity:
    """The journal's identity (journal.yml), its problems as a ScaffoldError."""
    try:
        return identity.load(root)
    except JournalError as err:
        raise ScaffoldError(str(err)) from None


def next_curriculum(
    entries_dir: Path, category: str | None = None, root: Path | None = None
) -> int:
    """The number to propose: with a category, the first step of its part in the plan
    (journal.yml under ``root``) that no entry covers (else its last step); without one, one
    more than the highest number among the entries (0 if none)."""
    written = written_numbers(entries_dir)
    if category is not None:
        parts = journal_identity(root or entries_dir.parents[1]).plan
        return journal_plan.propose(parts, category, written)
    return max(written, default=-1) + 1


def plan(
    root: Path,
    title: str,
    slug: str | None = None,
    category: str | None = None,
) -> tuple[str, NewEntry]:
    """Check a new entry's title and options against the journal; its slug and its files
    (``category``: one of the plan's parts, default its first)."""
    categories = journal_identity(root).categories
    category = category or categories[0]
    title = title.strip()
    if not title:
        raise ScaffoldError('the title is empty: journal new "What I learnt this week"')
    if "\n" in title or len(title) > 90:
        raise ScaffoldError("the title must be one line of at most 90 characters")
    slug = slug or slugify(title)
    if not slug or not SLUG.match(slug):
        raise ScaffoldError(
            f"cannot make a URL slug from {title!r}: it needs ASCII letters or digits; "
            "pass one with --slug words-joined-by-dashes"
        )
    if len(slug) > MAX_SLUG:
        raise ScaffoldError(
            f"the slug {slug!r} is {len(slug)} characters; keep it under {MAX_SLUG}: "
            "shorten the title or pass --slug"
        )
    if slug[0].isdigit() or keyword.iskeyword(module_name(slug)):
        raise ScaffoldError(
            f"{module_name(slug)!r} cannot be a Python module name; pass --slug starting with a word"
        )
    hidden = deps.shadowed(module_name(slug))
    if hidden:
        raise ScaffoldError(
            f"snippets/{module_name(slug)}.py would hide {hidden} from every snippet, test and "
            "notebook; pass --slug with a word more (e.g. --slug my-" + slug + ")"
        )
    if category not in categories:
        raise ScaffoldError(
            f"unknown category {category!r}; known: {', '.join(categories)} (the plan's parts "
            "in journal.yml)"
        )
    entries_dir = root / "posts" / "entries"
    taken = existing_ids(entries_dir) if entries_dir.is_dir() else {}
    if slug in taken:
        raise ScaffoldError(
            f"an entry already uses the slug {slug!r} ({taken[slug]}); "
            "choose another title or pass --slug"
        )
    files = NewEntry(
        Path("posts/entries") / f"{slug}.md",
        Path("snippets") / f"{module_name(slug)}.py",
        Path("tests/entries") / f"test_{module_name(slug)}.py",
    )
    for path in (files.entry, files.snippet, files.test):
        if (root / path).exists():
            raise ScaffoldError(f"{path} already exists; choose another title or pass --slug")
    return slug, files


def front_matter(title: str, slug: str, category: str, date: dt.date, curriculum: int, tags) -> str:
    meta = {
        "title": title,
        "date": date,
        "description": f"Draft: what I set out to learn about {title.lower()}, in one or two "
        "sentences for search results.",
        "categories": [category],
        "tags": list(tags) or ["draft"],
        "slug": slug,
        "discussion_id": slug,  # stable: keeps the comments if the URL ever changes
        "curriculum": curriculum,
        "draft": True,
    }
    if len(meta["description"]) > 160:
        meta["description"] = "Draft: one or two sentences about this entry for search results."
    body = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{body}---\n"


ENTRY = """{front}
# {title}

What I set out to understand, in two or three sentences: the question, and why an engineer who
builds distributed systems for a living would care.

<!-- more -->

## The idea

The idea in plain words first, then in maths. A line fitted by least squares has the slope
$w = \\operatorname{{cov}}(x, y) / \\operatorname{{var}}(x)$.

::code {module}.py#fit

## What running it showed

::run fit {module}.py
::output fit

On noisy points around a line of slope 2, the fitted slope came out at {{{{ fit.slope:.3f }}}}.

::figure fit line alt="Scattered points rising from left to right, with the fitted straight line running through the middle of them."

## What surprised me

## Where to read more
"""

SNIPPET = '''"""{title}: the starting point of this entry's code (replace it with the real thing).

A least-squares line through noisy points, fitted by hand and drawn.
"""

import matplotlib.pyplot as plt
import numpy as np


# --8<-- [start:fit]
def fit_line(x, y):
    """The least-squares line y = w x + b through the points (x, y): returns (w, b)."""
    w = np.mean((x - x.mean()) * (y - y.mean())) / np.var(x)  # w = cov(x, y) / var(x)
    b = y.mean() - w * x.mean()  # the line passes through the means
    return w, b


# --8<-- [end:fit]


def main(seed=0):
    """Fit a line to points around y = 2x + 1 and draw both; returns the fitted slope."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=50)  # (N,)
    y = 2 * x + 1 + 0.1 * rng.normal(size=50)  # (N,)
    w, b = fit_line(x, y)
    print(f"slope {{w:.3f}}, intercept {{b:.3f}}")
    fig, ax = plt.subplots(figsize=(3.5, 2.5), num="line")
    ax.scatter(x, y, s=8)
    ax.plot([0, 1], [b, w + b], color="C1")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    return {{"slope": w, "intercept": b}}


if __name__ == "__main__":
    main()
'''

TEST = '''"""{title}: every number the entry quotes, against a reference."""

import numpy as np
import pytest
from {module} import fit_line

ENTRY = "posts/entries/{slug}.md"


def test_fit_line_matches_numpy_polyfit():
    rng = np.random.default_rng(1)
    x = rng.normal(size=30)
    y = -0.5 * x + 3 + rng.normal(size=30)
    w, b = fit_line(x, y)
    assert (w, b) == pytest.approx(tuple(np.polyfit(x, y, 1)), rel=1e-12)


def test_quoted_slope_is_close_to_the_truth(entry_runs):
    fit = entry_runs(ENTRY)["fit"]
    assert fit.values["slope"] == pytest.approx(2.0, abs=0.1)
    assert "line" in fit.figures
'''


def write(
    root: Path,
    title: str,
    slug: str | None = None,
    category: str | None = None,
    date: dt.date | None = None,
    curriculum: int | None = None,
    tags: tuple[str, ...] = (),
) -> NewEntry:
    """Create the entry, its snippet and its test under ``root``; refuse to overwrite anything."""
    root = Path(root)
    slug, files = plan(root, title, slug, category)
    ident = journal_identity(root)
    category = category or ident.categories[0]
    entries_dir = root / "posts" / "entries"
    if curriculum is None:
        curriculum = next_curriculum(entries_dir, category, root)
    wrong = journal_plan.disagreement(
        {"curriculum": curriculum, "categories": [category]}, journal_plan.steps(ident.plan)
    )
    if wrong:
        raise ScaffoldError(f"--curriculum {curriculum} with --category {category!r}: {wrong}")
    date = date or dt.datetime.now(dt.UTC).date()
    module = module_name(slug)
    front = front_matter(title.strip(), slug, category, date, curriculum, tags)
    doc_title = title.strip().replace("\\", "/").replace('"', "'")  # safe inside a docstring
    texts = {
        files.entry: ENTRY.format(front=front, title=title.strip(), module=module),
        files.snippet: SNIPPET.format(title=doc_title),
        files.test: TEST.format(title=doc_title, module=module, slug=slug),
    }
    for path, text in texts.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        with open(root / path, "x", encoding="utf-8") as f:  # "x": never overwrite
            f.write(text)
    return files
