"""MkDocs hook: a way into the journal, in the plan's order.

- The home page's ``<!-- journal:start-here -->`` marker becomes the journey's progress
  ("13 of 16 steps written", counted, never typed), a link to the first entry, the newest entry
  for returning readers, and the path: every step of journal.yml's plan, part by part, each
  linking its entry with a glimpse of it (a figure and a number its runs computed, chosen in
  the entry's front matter, ``journal/glimpse.py``), unwritten steps shown as planned. The
  blog's newest-first list follows, under its own heading.
- Every entry gets "Part N of M · <part>" above its title and, after its text, previous and
  next in the plan's order (the theme's blog-post.html prints both); Material's footer
  links, which follow dates, point the same way (``<link rel=prev/next>`` too) and are hidden.
  An entry on a step another entry already covers (a notebook exploration) sits right after
  it, and says so; an entry outside the plan says that, and links the path.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.utils import get_relative_url

from journal.adapters.hooks import roadmap

MARKER = "<!-- journal:start-here -->"
PATH_ID = "start-here"  # the path's anchor on the home page
NEWEST_ID = "newest"
HOME_LABEL = "Start here"  # the home page in the navigation (the header names the journal)


@dataclass(frozen=True)
class Place:
    """Where an entry sits in the plan: its step's position (1-based) among ``total`` steps,
    the step's part, and whether it is the step's entry, one beside it, or off the plan."""

    entry: roadmap.Entry
    position: int  # 0 when off the plan
    total: int
    part: str
    kind: str  # "step" | "beside" | "off"
    main_title: str = ""  # for "beside": the title of the step's own entry


def part_id(name: str) -> str:
    """The home page's anchor of a part of the plan."""
    return "part-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "x")


def places(plan: list[dict], entries: list[roadmap.Entry]) -> list[Place]:
    """Every entry in the plan's order: each step's entries by date (the first is the step's own,
    later ones sit beside it), then the entries off the plan by date."""
    steps = [(s, p["name"]) for p in plan for s in p["steps"]]
    total = len(steps)
    by_step: dict[int, list[roadmap.Entry]] = {}
    for e in entries:
        by_step.setdefault(e.curriculum, []).append(e)
    out, known = [], set()
    for position, (step, part) in enumerate(steps, start=1):
        known.add(step["n"])
        covering = sorted(by_step.get(step["n"], []), key=lambda e: (e.date, e.src_uri))
        for i, e in enumerate(covering):
            kind = "step" if i == 0 else "beside"
            main = covering[0].title if i else ""
            out.append(Place(e, position, total, part, kind, main))
    off = [e for e in entries if e.curriculum not in known]
    for e in sorted(off, key=lambda e: (e.date, e.src_uri)):
        out.append(Place(e, 0, total, "", "off"))
    return out


def neighbours(order: list[Place]) -> dict[str, tuple[Place | None, Place | None]]:
    """Previous and next of every entry in the plan (entries off the plan have neither)."""
    chain = [p for p in order if p.kind != "off"]
    out: dict[str, tuple[Place | None, Place | None]] = {}
    for i, place in enumerate(chain):
        before = chain[i - 1] if i > 0 else None
        after = chain[i + 1] if i + 1 < len(chain) else None
        out[place.entry.src_uri] = (before, after)
    for place in order:
        out.setdefault(place.entry.src_uri, (None, None))
    return out


def where_label(place: Place) -> str:
    """What the entry's header says of its place: "Part 5 of 16" and the like (plain text)."""
    if place.kind == "off":
        return "Outside the plan"
    if place.kind == "beside":
        return f"Beside part {place.position} of {place.total}"
    return f"Part {place.position} of {place.total}"


# -- state shared between the events of one build ---------------------------------------------


@dataclass
class _State:
    order: list[Place]
    urls: dict[str, str]  # src_uri -> the entry's URL under the site's root
    pages: dict[str, object]  # src_uri -> its Page
    plan: list[dict]


_state: _State | None = None


def _entries(files) -> list[roadmap.Entry]:
    return roadmap.read_entries(
        [(f.src_uri, f.content_string) for f in files.documentation_pages()]
    )


@event_priority(-60)  # after the blog (-50) has made the entries' pages and linked them by date
def on_nav(nav, config, files, **kwargs):
    global _state
    plan = roadmap.load_plan(Path(config.config_file_path).resolve().parent)
    entries = _entries(files)
    urls, pages = {}, {}
    for e in entries:
        file = files.get_file_from_path(e.src_uri)
        if file is not None:
            urls[e.src_uri] = file.url
            pages[e.src_uri] = file.page
    entries = [e for e in entries if e.src_uri in urls]
    _state = _State(places(plan, entries), urls, pages, plan)
    for page in nav.pages:  # the home page's link says what it is, not the title once more
        if page.is_homepage:
            page.title = HOME_LABEL
    return nav


def _link(target_uri: str, page_url: str) -> str:
    return html.escape(get_relative_url(target_uri, page_url) or "./")


def _home(page_url: str) -> str:
    """The home page, relative to ``page_url`` ("../", or "./" on the home page itself)."""
    up = get_relative_url("", page_url)
    return html.escape(up if up.endswith("/") else (up + "/" if up != "." else "./"))


# -- an entry's header and plan navigation ----------------------------------------------------


def entry_header(place: Place, page_url: str) -> str:
    """The line above the title: "Part 5 of 16 · Neural networks" (the part links the path)."""
    label = html.escape(where_label(place))
    home = _home(page_url)
    if place.kind == "off":
        return (
            f'<p class="journal-place">{label} · '
            f'<a href="{home}#{PATH_ID}">the path in plan order</a></p>'
        )
    part = html.escape(place.part)
    extra = ""
    if place.kind == "beside":
        extra = f" · an exploration beside <em>{html.escape(place.main_title)}</em>"
    return (
        f'<p class="journal-place">{label} · '
        f'<a href="{home}#{part_id(place.part)}">{part}</a>{extra}</p>'
    )


def plan_nav(place: Place, before: Place | None, after: Place | None, page_url: str) -> str:
    """Previous and next in the plan's order, each one link naming its part and title; at the
    ends of the path (and off it) a link to the path itself."""
    if _state is None:
        return ""
    home = _home(page_url)

    def side(target: Place | None, rel: str) -> str:
        direction = "Previous" if rel == "prev" else "Next"
        if target is None:
            return (
                f'<a class="journal-plan-nav__{rel}" href="{home}#{PATH_ID}">'
                f'<span class="journal-plan-nav__dir">{direction}</span>'
                "<span>The whole path</span></a>"
            )
        url = _link(_state.urls[target.entry.src_uri], page_url)
        return (
            f'<a class="journal-plan-nav__{rel}" href="{url}" rel="{rel}">'
            f'<span class="journal-plan-nav__dir">{direction}: '
            f"{html.escape(where_label(target).lower())}</span>"
            f"<span>{html.escape(target.entry.title)}</span></a>"
        )

    if place.kind == "off":
        return ""
    return (
        '<nav class="journal-plan-nav" aria-label="The plan, in order">'
        f"{side(before, 'prev')}{side(after, 'next')}</nav>"
    )


def on_page_context(context, page, config, nav, **kwargs):
    if _state is None:
        return context
    src = page.file.src_uri
    place = next((p for p in _state.order if p.entry.src_uri == src), None)
    if place is None:
        return context
    before, after = neighbours(_state.order)[src]
    context["journal_place"] = entry_header(place, page.url)
    context["journal_plan_nav"] = plan_nav(place, before, after, page.url)
    if place.kind != "off":  # Material's footer and <link rel> follow the plan too, hidden
        page.previous_page = _state.pages.get(before.entry.src_uri) if before else None
        page.next_page = _state.pages.get(after.entry.src_uri) if after else None
        hide = list(page.meta.get("hide") or [])
        page.meta["hide"] = [*hide, "footer"] if "footer" not in hide else hide
    return context


# -- the home page --------------------------------------------------------------------------


def _glimpses(config) -> dict:
    plugin = config.plugins.get("journal")
    return getattr(plugin, "glimpses", None) or {}


def _published(e: roadmap.Entry):
    """When an entry was published, to the minute if its page says (the blog's own order)."""
    page = _state.pages.get(e.src_uri)
    created = getattr(getattr(getattr(page, "config", None), "date", None), "created", None)
    return (str(created) if created else e.date.isoformat(), e.src_uri)


def _date(e: roadmap.Entry) -> str:
    return f'<time datetime="{e.date.isoformat()}">{e.date.day} {e.date:%B %Y}</time>'


def glimpse_html(glimpse, page_url: str) -> str:
    """The figure (lazy, sized: no layout shift) and the number of an entry's glimpse."""
    if glimpse is None:
        return ""
    out = ""
    if glimpse.value:
        label = f" {html.escape(glimpse.label)}" if glimpse.label else ""
        out += f'<p class="journal-glimpse__value"><strong>{glimpse.value}</strong>{label}</p>'
    if glimpse.figure_uri:
        keep = " journal-glimpse__figure--keep-colours" if glimpse.keep_colours else ""
        out += (
            f'<img class="journal-glimpse__figure{keep}" '
            f'src="{_link(glimpse.figure_uri, page_url)}" alt="{html.escape(glimpse.alt)}" '
            f'width="{glimpse.width}" height="{glimpse.height}" loading="lazy" decoding="async">'
        )
    return out


def start_here(page_url: str, glimpses: dict) -> str:
    """The home page's way in (see the module's docstring), as one HTML block."""
    state = _state
    order = state.order
    by_step: dict[int, list[Place]] = {}
    for p in order:
        if p.kind != "off":
            by_step.setdefault(p.position, []).append(p)
    steps = [s for part in state.plan for s in part["steps"]]
    written = len(by_step)
    total = len(steps)
    out = ['<div class="journal-way-in">']
    percent = round(100 * written / total) if total else 0
    out.append(
        f'<p class="journal-progress"><strong>{written} of {total} steps written</strong>'
        f'<span class="journal-progress__bar" aria-hidden="true">'
        f'<span style="width:{percent}%"></span></span></p>'
    )
    first = next((p for p in order if p.kind == "step"), None)
    newest = max(order, key=lambda p: _published(p.entry), default=None)
    links = []
    if first is not None:
        url = _link(state.urls[first.entry.src_uri], page_url)
        links.append(
            f'<a class="md-button md-button--primary" href="{url}">'
            f"Start at part {first.position}: {html.escape(first.entry.title)}</a>"
        )
    if newest is not None and newest is not first:  # for returning readers
        url = _link(state.urls[newest.entry.src_uri], page_url)
        links.append(
            f'<span class="journal-latest">Latest: <a href="{url}">'
            f"{html.escape(newest.entry.title)}</a>, {_date(newest.entry)} · "
            f'<a href="#{NEWEST_ID}">newest first</a></span>'
        )
    if links:
        out.append('<p class="journal-start">' + " ".join(links) + "</p>")
    else:
        out.append(
            '<p class="journal-start">No entry yet: the path below is the plan, and each step '
            "links its entry once it is written.</p>"
        )
    out.append(f'<h2 id="{PATH_ID}">The path, in plan order</h2>')
    position = 0
    for part in state.plan:
        items = []
        for step in part["steps"]:
            position += 1
            items.append(_step_item(position, step, by_step.get(position, []), page_url, glimpses))
        covered = sum(1 for item in items if "journal-step--planned" not in item)
        out.append(
            f'<h3 id="{part_id(part["name"])}">{html.escape(part["name"])} '
            f'<span class="journal-path__count">{covered} of {len(items)} written</span></h3>'
        )
        out += ['<ol class="journal-path">', *items, "</ol>"]
    off = [p for p in order if p.kind == "off"]
    if off:
        out.append('<h3 id="off-the-plan">Off the plan</h3><ul class="journal-path">')
        for p in off:
            link = _link(state.urls[p.entry.src_uri], page_url)
            out.append(
                '<li class="journal-step"><p class="journal-step__title">'
                f'<a href="{link}">{html.escape(p.entry.title)}</a></p>'
                f'<p class="journal-step__meta">{_date(p.entry)}</p></li>'
            )
        out.append("</ul>")
    if order:
        out.append(f'<h2 id="{NEWEST_ID}">Newest first</h2>')
    out.append("</div>")
    return "\n".join(out)


def _step_item(position: int, step: dict, here: list[Place], page_url: str, glimpses) -> str:
    """One step of the path: its entry (linked, dated, with its glimpse) and any beside it."""
    number = f'<span class="journal-step__n">Part {position}</span>'
    if not here:
        return (
            '<li class="journal-step journal-step--planned">'
            f'<p class="journal-step__title">{number} {html.escape(step["title"])}</p>'
            '<p class="journal-step__meta">Planned, not written yet</p></li>'
        )
    own, beside = here[0], here[1:]
    url = _link(_state.urls[own.entry.src_uri], page_url)
    item = [
        '<li class="journal-step">',
        f'<p class="journal-step__title">{number} '
        f'<a href="{url}">{html.escape(own.entry.title)}</a></p>',
        f'<p class="journal-step__meta">{_date(own.entry)}</p>',
        glimpse_html(glimpses.get(own.entry.src_uri), page_url),
    ]
    for p in beside:
        link = _link(_state.urls[p.entry.src_uri], page_url)
        item.append(
            '<p class="journal-step__beside">Beside it: '
            f'<a href="{link}">{html.escape(p.entry.title)}</a>, {_date(p.entry)}</p>'
        )
    item.append("</li>")
    return "".join(item)


@event_priority(-60)  # after the journal plugin and the blog have read the page
def on_page_markdown(markdown, page, config, files, **kwargs):
    if MARKER not in markdown or _state is None:
        return markdown
    block = start_here(page.url, _glimpses(config))
    return markdown.replace(MARKER, "\n\n" + block + "\n\n")
