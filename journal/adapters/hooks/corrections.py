"""MkDocs hook: an entry's correction notes, shown to readers and carried by the feeds.

An entry whose front matter lists `corrections:` (see journal/corrections.py and AUTHORING.md)
gets, right under its title, a note per correction: "Corrected on 1 December 2026" and what
changed. The note sits above `<!-- more -->`, so the home page's excerpt shows it too, and it is
part of the content the feeds carry. The entry's `date.updated` becomes the newest correction's
date: the page's metadata shows it, and feeds.py writes it as Atom's <updated> and JSON Feed's
date_modified. Dates come only from front matter, so builds stay byte-reproducible.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from material.plugins.blog.structure import Post
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

from journal import corrections

TITLE = re.compile(r"^# .+$", re.M)


def note_markdown(items: list[corrections.Correction]) -> str:
    """The notes as Markdown (an admonition per date, newest first).

    >>> day = dt.date(2026, 12, 1)
    >>> print(note_markdown([corrections.Correction(day, "The KS distances are now exact.")]))
    !!! note "Corrected on 1 December 2026"
    <BLANKLINE>
        The KS distances are now exact.
    <BLANKLINE>
    """
    by_date: dict[dt.date, list[str]] = {}
    for c in items:
        by_date.setdefault(c.date, []).append(c.note)
    out = []
    for day in sorted(by_date, reverse=True):
        title = f"Corrected on {day.day} {day:%B %Y}"
        out.append(f'!!! note "{html.escape(title)}"\n')
        out += [f"    {note}\n" for note in by_date[day]]
    return "\n".join(out)


def insert_after_title(markdown: str, block: str) -> str:
    """`block` right after the page's first level-1 heading (at the top if it has none)."""
    match = TITLE.search(markdown)
    if match is None:
        return f"{block}\n{markdown}"
    at = match.end()
    return f"{markdown[:at]}\n\n{block}\n{markdown[at:]}"


# after the journal plugin (priority 0) rendered its directives, before the blog plugin (-50)
# builds the excerpt from the page's Markdown
@event_priority(-10)
def on_page_markdown(markdown, page, config, files, **kwargs):
    if not isinstance(page, Post) or corrections.KEY not in page.meta:
        return markdown
    try:
        items = corrections.read(page.meta)
    except corrections.CorrectionError as err:
        raise PluginError(f"{page.file.src_uri}: {err} (run journal check)") from None
    newest = corrections.latest(items)
    if newest is None:
        return markdown
    updated = dt.datetime.combine(newest, dt.time(), tzinfo=dt.UTC)
    old = page.config.date.get("updated")
    if old is None or old < updated:
        page.config.date["updated"] = updated
    return insert_after_title(markdown, note_markdown(items))
