"""MkDocs hook: the roadmap page, generated from the plan and the entries' front matter.

The `plan:` of journal.yml lists the curriculum (numbers, titles, parts). Each entry in
`posts/entries/` says which step it covers with `curriculum: N` in its front matter. The page
`posts/roadmap.md` holds a `<!-- journal:roadmap -->` marker; this hook replaces it with one
table per part: every step, the entries that cover it (linked) and their dates. Nobody edits
the table by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from journal import plan as journal_plan
from journal.adapters import page_meta

log = logging.getLogger("mkdocs.hooks.journal_roadmap")

MARKER = "<!-- journal:roadmap -->"
ENTRIES_DIR = "entries/"


@dataclass(frozen=True)
class Entry:
    """One published entry as the roadmap sees it."""

    src_uri: str  # path under docs_dir, e.g. "entries/linear-algebra.md"
    title: str
    date: dt.date
    curriculum: int | None
    categories: tuple[str, ...] = ()


def load_plan(root: Path) -> list[dict]:
    """The plan's parts in ``root``'s journal.yml, each {name, summary, steps: [{n, title, short}]}
    (no default: the hook lives in the engine's package, not in a journal)."""
    return journal_plan.load(root)


def disagreements(plan: list[dict], entries: list[Entry]) -> list[str]:
    """Every entry whose category is not the part of its curriculum step, with what to change."""
    steps = journal_plan.steps(plan)
    out = []
    for e in entries:
        meta = {"curriculum": e.curriculum, "categories": list(e.categories)}
        wrong = journal_plan.disagreement(meta, steps)
        if wrong:
            out.append(f"{e.src_uri}: {wrong}")
    return out


def read_entries(pages: list[tuple[str, str]]) -> list[Entry]:
    """Front matter of the non-draft entries among `pages`: (path under docs_dir, Markdown).

    Reading the text MkDocs holds (not the file on disk) covers generated pages too, such as
    an entry the engine makes from a notebook (its src_uri stays `*.ipynb`).
    """
    entries = []
    for src, text in sorted(pages):
        if not (src.startswith(ENTRIES_DIR) and src.endswith((".md", ".ipynb"))):
            continue
        if text.lstrip().startswith("{"):  # a notebook's JSON: front matter in its first cell
            cells = json.loads(text).get("cells") or [{"source": ""}]
            source = cells[0]["source"]
            text = "".join(source) if isinstance(source, list) else source
        meta = page_meta.meta(text)
        if meta.get("draft"):
            continue
        number = meta.get("curriculum")
        date = meta.get("date")
        if isinstance(date, dict):  # Material allows date: {created: ..., updated: ...}
            date = date.get("created")
        if isinstance(date, dt.datetime):
            date = date.date()
        entries.append(
            Entry(
                src_uri=src,
                title=str(meta.get("title") or Path(src).stem),
                date=date if isinstance(date, dt.date) else dt.date.min,
                curriculum=int(number) if number is not None else None,
                categories=tuple(str(c) for c in meta.get("categories") or ()),
            )
        )
    return entries


def render(plan: list[dict], entries: list[Entry], page_dir: str = "") -> str:
    """The roadmap as Markdown: a progress line, then one table per part of the plan.

    Links are relative Markdown links to the entries' source files (MkDocs resolves them to
    the entries' URLs); `page_dir` is the roadmap page's folder under docs_dir.
    """
    by_step: dict[int, list[Entry]] = {}
    for entry in entries:
        if entry.curriculum is not None:
            by_step.setdefault(entry.curriculum, []).append(entry)
    steps = [step["n"] for part in plan for step in part["steps"]]
    done = sum(1 for n in steps if n in by_step)
    prefix = "../" * page_dir.count("/") if page_dir else ""
    out = [f"**{done} of {len(steps)} steps written.**", ""]
    for part in plan:
        covered = sum(1 for step in part["steps"] if step["n"] in by_step)
        out += [f"## {part['name']}", "", part["summary"], ""]
        out += [f"{covered} of {len(part['steps'])} written.", ""]
        out += ["| # | step | entry | date |", "| ---: | --- | --- | --- |"]
        for step in part["steps"]:
            written = sorted(by_step.get(step["n"], []), key=lambda e: (e.date, e.src_uri))
            if written:
                links = "<br>".join(f"[{e.title}]({prefix}{e.src_uri})" for e in written)
                dates = "<br>".join(e.date.isoformat() for e in written)
            else:
                links, dates = "*planned*", ""
            out.append(f"| {step['n']} | {step['title']} | {links} | {dates} |")
        out.append("")
    known = set(steps)
    strays = [e for e in entries if e.curriculum is None or e.curriculum not in known]
    if strays:
        out += ["## Off the plan", "", "| entry | date |", "| --- | --- |"]
        out += [f"| [{e.title}]({prefix}{e.src_uri}) | {e.date.isoformat()} |" for e in strays]
        out.append("")
    return "\n".join(out)


def on_page_markdown(markdown, page, config, files, **kwargs):
    if MARKER not in markdown:
        return markdown
    entries = read_entries([(f.src_uri, f.content_string) for f in files.documentation_pages()])
    for entry in entries:
        if entry.curriculum is None:
            log.info("roadmap: %s has no `curriculum:` number in its front matter", entry.src_uri)
    plan = load_plan(Path(config.config_file_path).resolve().parent)
    for wrong in disagreements(plan, entries):  # a warning: `mkdocs build --strict` stops
        log.warning("roadmap: %s", wrong)
    page_dir = str(Path(page.file.src_uri).parent).replace(".", "")
    table = render(plan, entries, page_dir)
    # md_in_html: the tables stay Markdown, inside a block the style sheet can size
    return markdown.replace(MARKER, f'<div class="journal-roadmap" markdown>\n\n{table}\n\n</div>')
