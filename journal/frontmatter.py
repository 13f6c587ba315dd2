"""Read an entry's YAML front matter key by key, knowing each key's line.

PyYAML reads ``date: 2026-13-01`` as a timestamp and fails on the whole document ("month must be
in 1..12", at no useful line). Here the document is composed first (its structure, with marks),
then each top-level value is built on its own, so one impossible date is reported at its own line
and names its field, and every other key is still read and checked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import yaml

from .errors import JournalError, Location, did_you_mean

DESCRIPTION_LENGTH = (50, 160)
REQUIRED = (
    "title",
    "date",
    "description",
    "categories",
    "slug",
    "discussion_id",
    "curriculum",
    "draft",
)
# Keys the journal or Material for MkDocs reads; an unknown key close to one of them is a typo
# (``sulg:``, which the blog would ignore without a word), any other is the author's own.
KNOWN = (
    *REQUIRED,
    *("tags", "glimpse", "corrections", "authors", "pin", "links", "readtime", "hide"),
    *("search", "template", "icon", "status", "subtitle", "comments"),
)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class FrontMatter:
    """The keys that could be read, the line of every key, and what could not be read."""

    meta: dict = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, message)
    unreadable: set[str] = field(default_factory=set)  # keys reported in ``problems``


# libyaml's parser when PyYAML has it (the wheels do): the same nodes and marks, about ten times
# faster than the pure-Python one, which a build of a hundred entries spent a second in.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose(source: str) -> yaml.Node | None:
    """The YAML document ``source`` as nodes that know their lines (``yaml.compose``)."""
    return yaml.compose(source, Loader=_LOADER)


class NotAMapping(ValueError):
    """The front matter is YAML, but not ``key: value`` lines."""


@dataclass(frozen=True)
class Block:
    """Where a page's front matter is: its YAML text, the file's line of that text's first line,
    and the index of the page's line that closes it (``---``, or YAML's ``...``)."""

    source: str
    first_line: int
    end: int


def block(text: str) -> Block | None:
    """The front matter of a Markdown page (``---`` on its first line, up to the next ``---`` or
    ``...`` line); None when it has none, or it is not closed. The one place the journal finds
    it: the build, ``journal check``, the home page's glimpses and the notebooks all ask here."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    return Block("\n".join(lines[1:end]), 2, end) if end is not None else None


def read(text: str) -> FrontMatter | None:
    """The front matter of the page ``text``, each key read on its own (``load``); None when it
    has none, or it cannot be read at all (a YAML syntax error, not a mapping: what MkDocs and
    ``journal check`` report, with their lines)."""
    found = block(text)
    if found is None:
        return None
    try:
        return load(found.source, found.first_line)
    except (yaml.YAMLError, NotAMapping):
        return None


def examine(text: str) -> tuple[FrontMatter | None, int, list[tuple[int, str]]]:
    """A page's front matter as ``journal check`` and the build read it: what could be read
    (None: nothing), the index of its closing line (0: there is none), and what is wrong with
    its form, as (line, message): missing, not closed, not YAML, not a mapping, values that
    cannot be read (at their own lines)."""
    found = block(text)
    if found is None:
        first = text.splitlines()[:1]
        if first and first[0].strip() == "---":
            return FrontMatter(), 0, [(1, "front matter is not closed by a '---' line")]
        return FrontMatter(), 0, [(1, "no front matter: start the entry with a '---' line")]
    try:
        front = load(found.source, found.first_line)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line = mark.line + found.first_line if mark else 1
        return None, found.end, [(line, f"front matter is not valid YAML: {problem}")]
    except NotAMapping as exc:
        return None, found.end, [(found.first_line, str(exc))]
    return front, found.end, list(front.problems)


def load(source: str, first_line: int = 2) -> FrontMatter:
    """Read ``source`` (the lines between the ``---`` markers; its first line is the file's
    ``first_line``). Raises ``yaml.YAMLError`` for a syntax error, NotAMapping for a list or
    a scalar."""
    node = compose(source)
    out = FrontMatter()
    if node is None:
        return out
    if not isinstance(node, yaml.MappingNode):
        raise NotAMapping("front matter must be a YAML mapping (key: value lines)")
    for key_node, value_node in node.value:
        key = str(_build(key_node))
        out.lines[key] = first_line + key_node.start_mark.line
        try:
            out.meta[key] = _build(value_node)
        except (ValueError, TypeError, yaml.YAMLError) as exc:
            bad = _first_unbuildable(value_node) or value_node
            what = "a date" if bad.tag == "tag:yaml.org,2002:timestamp" else "readable"
            hint = "; write YYYY-MM-DD" if what == "a date" else ""
            out.problems.append(
                (
                    first_line + bad.start_mark.line,
                    f"{key}: {getattr(bad, 'value', '')!s} is not {what} ({_reason(exc)}{hint})",
                )
            )
            out.unreadable.add(key)
    return out


def _build(node: yaml.Node):
    return yaml.constructor.SafeConstructor().construct_document(node)


def _reason(exc: Exception) -> str:
    return (getattr(exc, "problem", None) or str(exc)).splitlines()[0]


def _first_unbuildable(node: yaml.Node) -> yaml.ScalarNode | None:
    """The first scalar under ``node`` that cannot be built (an impossible date, say)."""
    if isinstance(node, yaml.ScalarNode):
        try:
            _build(node)
        except (ValueError, TypeError, yaml.YAMLError):
            return node
        return None
    children = node.value if isinstance(node, yaml.SequenceNode) else []
    if isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    for child in children:
        found = _first_unbuildable(child)
        if found is not None:
            return found
    return None


def category_problems(cats, categories=None) -> list[str]:
    """What is wrong with the value of ``categories:`` given the journal's (the plan's parts;
    None: any name passes)."""
    if not isinstance(cats, list) or not cats:
        return ["categories: must be a list of one or more"]
    known = ", ".join(categories or ())
    return [
        f"unknown category {cat!r} (known: {known}; the plan's parts in journal.yml)"
        for cat in cats
        if categories is not None and cat not in categories
    ]


def validate(
    meta: dict, line_of, unreadable=frozenset(), categories=None, stopping: bool = False
) -> list[tuple[int, str]]:
    """Every way ``meta`` breaks the journal's front-matter schema, as (line, message):
    ``line_of(key)`` gives a key's line (``line_of(None)``: the front matter's), and keys in
    ``unreadable`` were already reported by ``load``; ``categories``: the journal's (the plan's
    parts in journal.yml), None when unknown (then any name passes). The one schema ``journal check`` applies
    to Markdown and notebook entries; ``journal new`` writes front matter that passes it.
    ``stopping``: only the problems a build stops on, those that would publish a broken page or
    none (a value of the wrong kind, a missing date; Material would stop on most without a
    line); the others (a missing description, one too long) are ``journal check``'s."""
    found: list[tuple[int, str]] = []

    def report(line: int, message: str, stops: bool = True) -> None:
        if stops or not stopping:
            found.append((line, message))

    for key in meta:
        close = did_you_mean(str(key), KNOWN) if key not in KNOWN else ""
        if close:
            report(line_of(key), f"unknown key {key!r}: {close}", stops=False)
    for key in REQUIRED:
        if key in unreadable:
            continue
        if key not in meta or meta[key] is None:
            report(line_of(None), f"front matter has no {key}:", stops=key == "date")
    value = meta.get("title")
    if value is not None and (not isinstance(value, str) or not value.strip()):
        report(line_of("title"), "title: must be a non-empty text")
    if meta.get("date") is not None:
        date = meta["date"]
        if isinstance(date, dict):
            date = date.get("created")
        if not isinstance(date, dt.date):
            report(line_of("date"), f"date: {date!r} is not a date (write YYYY-MM-DD)")
    if "categories" in meta:
        for message in category_problems(meta["categories"], categories):
            report(line_of("categories"), message)
    if meta.get("description") is not None:
        desc = meta["description"]
        low, high = DESCRIPTION_LENGTH
        if not isinstance(desc, str):
            report(line_of("description"), "description: must be a text")
        elif meta.get("draft") is False and desc.startswith("Draft:"):
            report(
                line_of("description"), "description is still the draft placeholder", stops=False
            )
        elif not low <= len(desc.strip()) <= high:
            report(
                line_of("description"),
                f"description is {len(desc.strip())} characters; write {low} to {high} "
                "(search results and link previews cut longer ones)",
                stops=False,
            )
    if meta.get("slug") is not None and not (
        isinstance(meta["slug"], str) and SLUG.match(meta["slug"])
    ):
        report(line_of("slug"), f"slug {meta['slug']!r} must be lowercase words joined by '-'")
    if meta.get("discussion_id") is not None:
        value = meta["discussion_id"]
        if not isinstance(value, str) or not value.strip():
            report(line_of("discussion_id"), "discussion_id: must be a non-empty text")
    if meta.get("curriculum") is not None:
        value = meta["curriculum"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            report(
                line_of("curriculum"),
                f"curriculum: {value!r} must be the entry's number in the plan",
            )
    if meta.get("draft") is not None and not isinstance(meta["draft"], bool):
        report(line_of("draft"), f"draft: {meta['draft']!r} must be true or false")
    if "tags" in meta and not (
        isinstance(meta["tags"], list) and all(isinstance(t, str) for t in meta["tags"])
    ):
        report(line_of("tags"), "tags: must be a list of words")
    return found


def post_problems(text: str, rel: str, categories=None) -> list[JournalError]:
    """Every problem of an entry's front matter that a build stops on, each at its line, before
    anything runs and before the blog reads it (which would stop on the first with "Expected
    type: <class 'datetime.date'>" and no line): its form (``examine``), then the schema's
    stopping rules (``validate``), with the journal's ``categories``."""
    front, end, problems = examine(text)
    if front is not None and end:  # (none at all, or not closed: said once, above)
        lines = front.lines
        problems += validate(
            front.meta,
            lambda key: lines.get(key, 1) if key else 1,
            front.unreadable,
            categories,
            stopping=True,
        )
    hint = "journal check lists every problem, those a build lets through too"
    return [JournalError(message, Location(rel, line), hint=hint) for line, message in problems]


def first_problem(text: str, rel: str) -> JournalError | None:
    """The first value of a page's front matter that cannot be read (an impossible date, say),
    at its own line and naming its field; None if all can (or there is no front matter). The
    build stops on it before running anything (MkDocs would say only "month must be...")."""
    front = read(text)  # None: no front matter, or what MkDocs reports itself, at its line
    if front is None or not front.problems:
        return None
    line, message = front.problems[0]
    return JournalError(message, Location(rel, line), hint="journal check lists every problem")
