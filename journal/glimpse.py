"""An entry's glimpse: what the home page shows of it to make a reader want to read it, one of
its figures and one number its runs computed, as its author chooses in front matter::

    glimpse: {figure: "RUN:FIGURE", value: "RUN.KEY:SPEC", label: "held-out loss"}

Every key is optional. ``figure`` names a figure the entry shows (a ``::figure RUN FIGURE``
line, whose alt text the glimpse reuses); ``value`` a value of one of the entry's runs, written
as in the prose (``RUN.KEY``, with an optional format spec after a colon), so the number is the
computed one, never typed; ``label`` says what the number is. Without ``glimpse:`` the glimpse
is the entry's first figure. ``figure: none`` shows no figure.

``check`` finds what can be wrong without running anything (a key the glimpse does not know, a
run or figure the entry does not have), ``resolve`` what only the runs' results tell (a value
the run did not return); both say ``posts/entries/x.md:LINE`` of the offending key.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from . import directives, frontmatter, render
from .directives import Figure, ParsedEntry, ValueRef
from .errors import JournalError, Location, did_you_mean
from .results import RunResult

KEY = "glimpse"
FIELDS = ("figure", "value", "label")
HINT = 'write glimpse: {figure: "RUN:FIGURE", value: "RUN.KEY:.3f", label: "what it is"}'


@dataclass(frozen=True)
class Choice:
    """What an entry's front matter asks its glimpse to show (None: the default)."""

    where: Location  # the ``glimpse:`` line
    figure: tuple[str, str] | None = None  # (run, figure); None with ``no_figure`` or unset
    figure_at: Location | None = None
    no_figure: bool = False
    value: ValueRef | None = None
    label: str = ""


@dataclass(frozen=True)
class Glimpse:
    """What the home page shows of an entry: a published figure and/or a formatted value."""

    figure_uri: str = ""  # the published SVG, under the site's root (figures/HASH.svg)
    alt: str = ""
    width: int = 0
    height: int = 0
    keep_colours: bool = False
    value: str = ""  # formatted as the prose would format it, HTML-escaped
    label: str = ""


def read(text: str, path: str) -> tuple[Choice | None, list[JournalError]]:
    """The glimpse the entry ``text`` (at ``path``) asks for, and what is wrong with it (each at
    its own line). (None, []) when the entry has no ``glimpse:``."""
    front = frontmatter.block(text)
    if front is None:
        return None, []
    source, first = front.source, front.first_line
    try:
        root = frontmatter.compose(source)
    except yaml.YAMLError:
        return None, []  # the front matter's own check reports it
    if not isinstance(root, yaml.MappingNode):
        return None, []
    node = next((v for k, v in root.value if getattr(k, "value", None) == KEY), None)
    if node is None:
        return None, []
    where = Location(path, first + node.start_mark.line)
    if not isinstance(node, yaml.MappingNode):
        return None, [JournalError(f"{KEY}: must be a mapping", where, hint=HINT)]
    found: dict[str, tuple[str, Location]] = {}
    problems = []
    for key_node, value_node in node.value:
        key, at = str(key_node.value), Location(path, first + key_node.start_mark.line)
        if key not in FIELDS:
            close = did_you_mean(key, FIELDS)
            problems.append(
                JournalError(
                    f"{KEY}: unknown key {key!r}",
                    at,
                    hint=(close + " " if close else "") + f"it knows {', '.join(FIELDS)}",
                )
            )
        elif not isinstance(value_node, yaml.ScalarNode) or not str(value_node.value).strip():
            problems.append(JournalError(f"{KEY}.{key}: must be a text", at, hint=HINT))
        else:
            found[key] = (str(value_node.value).strip(), at)
    choice = Choice(where=where, label=found.get("label", ("", where))[0])
    if "figure" in found:
        text_, at = found["figure"]
        run, sep, fig = text_.partition(":")
        if text_.lower() == "none":
            choice = _replace(choice, no_figure=True, figure_at=at)
        elif not sep or not directives._NAME.match(run) or not fig:
            problems.append(
                JournalError(
                    f"{KEY}.figure: {text_!r} is not RUN:FIGURE",
                    at,
                    hint="name a figure the entry shows (::figure RUN FIGURE), or write none",
                )
            )
        else:
            choice = _replace(choice, figure=(run, fig), figure_at=at)
    if "value" in found:
        text_, at = found["value"]
        m = directives.VALUE_REF.fullmatch("{{ " + text_ + " }}")
        if m is None or m["flag"]:
            problems.append(
                JournalError(
                    f"{KEY}.value: {text_!r} is not RUN.KEY or RUN.KEY:SPEC",
                    at,
                    hint="as in the prose without the braces: train.loss:.3f",
                )
            )
        else:
            try:  # the prose's own rules for a reference (a format that fits a sentence)
                ref = directives.value_ref(m, at)
            except JournalError as err:
                problems.append(JournalError(f"{KEY}.value: {err.message}", at, hint=err.hint))
            else:
                choice = _replace(choice, value=ref)
    if choice.label and "value" not in found:
        problems.append(
            JournalError(f"{KEY}.label: labels no value", where, hint="add value: RUN.KEY")
        )
    return choice, problems


def _replace(choice: Choice, **changes) -> Choice:
    return Choice(**{**choice.__dict__, **changes})


def check(choice: Choice | None, entry: ParsedEntry) -> list[JournalError]:
    """What is wrong with ``choice`` that the entry's directives tell, without running it."""
    if choice is None:
        return []
    problems = []
    runs = {run.name for run in entry.runs}
    shown = {(d.name, d.figure) for d in entry.directives if isinstance(d, Figure)}
    if choice.figure is not None and choice.figure not in shown:
        run, fig = choice.figure
        listed = ", ".join(f"{r}:{f}" for r, f in sorted(shown)) or "none"
        problems.append(
            JournalError(
                f"{KEY}.figure: the entry shows no figure {run}:{fig}",
                choice.figure_at,
                hint=f"the glimpse reuses a ::figure line's alt text; its figures: {listed}",
            )
        )
    if choice.value is not None and choice.value.name not in runs:
        close = did_you_mean(choice.value.name, runs)
        problems.append(
            JournalError(
                f"{KEY}.value: the entry has no run {choice.value.name!r}",
                choice.value.where,
                hint=(close + " " if close else "") + "name one of its ::run lines",
            )
        )
    if choice.value is not None and choice.value.spec:
        try:
            format(1.5, choice.value.spec)
        except (ValueError, TypeError):
            try:
                format(1, choice.value.spec)
            except (ValueError, TypeError):
                problems.append(
                    JournalError(
                        f"{KEY}.value: {choice.value.spec!r} is not a number format",
                        choice.value.where,
                        hint="Python format specs: .3f, .2e, .1%, ,d",
                    )
                )
    return problems


def resolve(
    choice: Choice | None,
    entry: ParsedEntry,
    outcome: dict,
    published: dict[str, str],
) -> Glimpse:
    """The glimpse of ``entry`` from its runs' results: ``outcome`` maps (entry path, run name)
    to a RunResult or an error, ``published`` a figure's SVG text to its path in the site.
    Raises JournalError (at the glimpse's line) for what ``check`` finds and for a value the run
    did not return."""
    problems = check(choice, entry)
    if problems:
        raise problems[0]
    alt, uri, width, height, keep = "", "", 0, 0, False
    figures = [d for d in entry.directives if isinstance(d, Figure)]
    if choice is not None and choice.figure is not None:
        figures = [d for d in figures if (d.name, d.figure) == choice.figure]
    if choice is not None and choice.no_figure:
        figures = []
    for d in figures:
        result = outcome.get((entry.path, d.name))
        fig = result.figure(d.figure) if isinstance(result, RunResult) else None
        if fig is not None and fig.svg in published:
            width, height = render.svg_size(fig.svg)
            alt, uri, keep = d.alt, published[fig.svg], d.keep_colours
            break
    value = label = ""
    if choice is not None and choice.value is not None:
        ref = choice.value
        result = outcome.get((entry.path, ref.name))
        if isinstance(result, JournalError):
            raise result
        if result is None:  # not executed (JOURNAL_EXECUTION=off): no number to show
            return Glimpse(uri, alt, width, height, keep)
        if ref.key not in result.values:
            close = did_you_mean(ref.key, result.values)
            known = ", ".join(sorted(result.values)) or "none"
            raise JournalError(
                f"{KEY}.value: run {ref.name!r} returned no value {ref.key!r}",
                ref.where,
                hint=f"{close + ' ' if close else ''}its values: {known}",
            )
        value = render.value_text(result.values[ref.key], ref)
        label = choice.label
    return Glimpse(uri, alt, width, height, keep, value, label)


def collect(
    pages: list[tuple[str, str, str]],
    entries: dict[str, ParsedEntry],
    outcome: dict,
    published: dict[str, str],
) -> tuple[dict[str, Glimpse], list[JournalError]]:
    """The glimpse of every entry among ``pages`` ((src_uri, path for messages, Markdown)) whose
    directives were read (``entries``, by src_uri), and every problem found, at its line."""
    glimpses: dict[str, Glimpse] = {}
    problems: list[JournalError] = []
    for src_uri, rel, text in pages:
        choice, found = read(text, rel)
        entry = entries.get(src_uri)
        if entry is None:
            if choice is not None:  # nothing runs in this page, so nothing can be named
                found = found or check(choice, ParsedEntry(rel, [], []))
            problems += found
            continue
        if found:
            problems += found
            continue
        try:
            glimpses[src_uri] = resolve(choice, entry, outcome, published)
        except JournalError as err:
            problems.append(err)
    return glimpses, problems
