"""An entry's Markdown with its directives replaced: code, output, figures and values, from the
results of its runs (a frozen run's output says where and when it was measured)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import codelinks, directives, frozen, provenance, publish, render, snippets
from .background import Pending, placeholder
from .directives import Code, Figure, Output, ParsedEntry, Run, ValueRef
from .errors import JournalError, did_you_mean
from .results import RunResult

if TYPE_CHECKING:
    from .project import Journal


@dataclass
class Rendered:
    """An entry's page: its Markdown, and the problems it shows (each with file:line, in page
    order). Rendering never raises for a problem of the content: the caller decides whether
    one stops a build (the adapter: a build reports all, then stops; the preview shows all)."""

    markdown: str
    errors: list[JournalError] = field(default_factory=list)


def render_entry(
    journal: Journal,
    text: str,
    entry: ParsedEntry,
    outcome: dict[tuple[str, str], RunResult | JournalError],
    figure_url: Callable[[str], str],
) -> Rendered:
    """The entry's Markdown (``text``: what was parsed, or its end) with every directive
    replaced by what it stands for; a problem is shown where it is and listed.

    ``figure_url(name)``: the URL, relative to the page, of a published file (``publish``).
    """
    entry, start = parsed_as(entry, text)
    errors: list[JournalError] = []
    runs = {run.name: run for run in entry.runs}
    with_output = {d.name for d in entry.directives if isinstance(d, Output)}

    def fail(err: JournalError, inline: bool = False) -> str:
        if err not in errors:
            errors.append(err)
        return render.error_inline(err) if inline else render.error_block(err)

    def result_of(name: str) -> RunResult | JournalError:
        return outcome.get((entry.path, name)) or JournalError(f"run {name!r} has no result")

    def directive(d) -> str:
        if isinstance(d, directives.Invalid):  # a line that cannot be read
            return fail(d.error)
        if not journal.executes and not isinstance(d, Code):
            return render.not_executed_block() if isinstance(d, Output) else ""
        try:
            if isinstance(d, Code):
                path = journal.snippet(d.file, d.where)
                excerpt = snippets.read(
                    journal.snippets_dir, journal.root, d.file, d.section, d.where, path
                )
                return render.code_block(excerpt, codelinks.code_link(journal, excerpt))
            result = result_of(d.name)
            if isinstance(result, Pending):  # the preview's first build: still executing
                return "" if isinstance(d, Run) else placeholder()
            if isinstance(d, Run):
                if isinstance(result, JournalError):
                    return fail(result)
                return "" if d.name in with_output else measured_note(journal, result, entry, d)
            if isinstance(result, JournalError):
                return ""  # its ::run line shows the error
            if isinstance(d, Output):
                block = render.output_block(result.stdout, result.stdout_note)
                return block + measured_note(journal, result, entry, runs.get(d.name))
            if isinstance(d, Figure):
                fig = result.figure(d.figure)
                if fig is None:
                    names = ", ".join(f.name for f in result.figure_list) or "none"
                    raise JournalError(
                        f"run {d.name!r} has no figure {d.figure!r}",
                        d.where,
                        hint=f'its figures: {names}; label one with plt.subplots(num="{d.figure}")',
                    )
                render.check_weight(fig.svg, d)
                width, height = render.svg_size(fig.svg)
                return render.figure_block(
                    figure_url(publish.figure_name(fig)),
                    d.alt,
                    d.caption,
                    width,
                    height,
                    d.keep_colours,
                )
        except JournalError as err:
            return fail(err)
        raise AssertionError(d)

    def value(ref: ValueRef | JournalError) -> str:
        if isinstance(ref, JournalError):  # a reference that cannot be read
            return fail(ref, inline=True)
        if not journal.executes:
            return "…"
        result = result_of(ref.name)
        if isinstance(result, JournalError):
            return "…"  # its ::run line shows the error
        if ref.key not in result.values:
            known = ", ".join(sorted(result.values)) or "none"
            close = did_you_mean(ref.key, result.values)
            return fail(
                JournalError(
                    f"run {ref.name!r} returned no value {ref.key!r}",
                    ref.where,
                    hint=f"{close + ' ' if close else ''}return it from the run's function; "
                    f"its values: {known}",
                ),
                inline=True,
            )
        try:
            shown = render.value_text(result.values[ref.key], ref)
        except JournalError as err:
            return fail(err, inline=True)
        if not provenance.in_formula(prose, ref):  # in a formula it is LaTeX
            shown = render.literal(shown)
        return marked(shown, ref, result.values[ref.key])

    origin = provenance.of(journal)
    marks = itertools.count(1)
    prose = provenance.Prose(entry.text.split("\n"))  # a reference's line is the file's

    def marked(shown: str, ref: ValueRef, raw) -> str:
        """The value marked with where it comes from and which test asserts it (not in a
        heading, whose text the table of contents reads, nor in a formula)."""
        if not origin.active or ref.name not in runs or provenance.plain_at(prose, ref):
            return shown
        note = provenance.note_id(journal.slug_of(entry.path), next(marks))
        return origin.mark(shown, entry.path, runs[ref.name], ref.key, raw, note)

    return Rendered(directives.render(entry, directive, value, start), errors)


REPARSED = {"count": 0}  # texts that were not the parsed one (another plugin changed the page)


def parsed_as(entry: ParsedEntry, text: str) -> tuple[ParsedEntry, int]:
    """``entry`` and where ``text`` starts in the text it was parsed from, when ``text`` is its
    end (MkDocs hands a page its text without the front matter); else ``text`` parsed afresh
    (another plugin changed it), numbered as the end of the file: right while lines were changed
    in place, not added or removed."""
    start = len(entry.text) - len(text)
    if start >= 0 and entry.text.endswith(text):
        return entry, start
    REPARSED["count"] += 1
    first = entry.text.count("\n") - text.count("\n") + entry.first_line
    return directives.parse(text, entry.path, strict=False, first_line=max(first, 1)), 0


def measured_note(journal: Journal, result: RunResult, entry: ParsedEntry, run: Run | None) -> str:
    """Beside a frozen run's output: where and when it was measured, and whether it is stale."""
    if result.measured is None or run is None:
        return ""
    stale = ""
    if result.stale:
        command = frozen.refreeze_command(journal.slug_of(entry.path), run.name)
        stale = f"stale: {result.stale}; refreeze with {command}"
    return render.measured_block(frozen.measured_text(result.measured), stale)
