"""Find the journal's directives in an entry's Markdown: ``::code``, ``::run``, ``::output``,
``::figure`` lines and inline ``{{ run.value }}`` references, each with its line number.

Lines inside fenced code blocks and text inside inline code spans are left alone, so an entry can
show the syntax without triggering it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .errors import JournalError, Location

DEFAULT_TIMEOUT = 60.0

_DIRECTIVE = re.compile(r"^::([A-Za-z_-]+)\b(.*)$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
VALUE_REF = re.compile(
    r"\{\{\s*(?P<run>[A-Za-z_][\w-]*)\.(?P<key>[A-Za-z_]\w*)\s*(?::(?P<spec>[^}]*?))?\s*\}\}"
)
_NAME = re.compile(r"^[A-Za-z_][\w-]*$")


@dataclass(frozen=True)
class Code:
    """``::code FILE[#SECTION]``: show a snippet module or one named section of it."""

    where: Location
    file: str
    section: str | None


@dataclass(frozen=True)
class Run:
    """``::run NAME FILE[:FUNCTION] [timeout=S]``: call a snippet's function in its own process."""

    where: Location
    name: str
    file: str
    function: str
    timeout: float
    memory: str = ""  # memory=2G: the run's memory limit (runner.py reads it)


@dataclass(frozen=True)
class Output:
    """``::output NAME``: what the run printed."""

    where: Location
    name: str


@dataclass(frozen=True)
class Figure:
    """``::figure NAME FIGURE alt="..." [caption="..."] [colours=keep]``: one figure the run drew.

    ``colours=keep`` marks a figure whose colours carry meaning (an image, a heat map): the site
    must not invert it for the dark palette."""

    where: Location
    name: str
    figure: str
    alt: str
    caption: str
    keep_colours: bool = False


@dataclass(frozen=True)
class ValueRef:
    """``{{ NAME.KEY[:SPEC] }}``: a value the run returned, formatted inline."""

    where: Location
    name: str
    key: str
    spec: str


Directive = Code | Run | Output | Figure

KNOWN = "::code, ::run, ::output, ::figure"


def _split(rest: str, where: Location) -> tuple[list[str], dict[str, str]]:
    """Split a directive's arguments into positional words and key=value options."""
    try:
        words = shlex.split(rest)
    except ValueError as exc:
        raise JournalError(
            f"cannot read the directive's arguments ({exc})",
            where,
            hint='close every quote: alt="..."',
        ) from None
    positional, options = [], {}
    for word in words:
        key, eq, value = word.partition("=")
        if eq and _NAME.match(key):
            options[key] = value
        else:
            positional.append(word)
    return positional, options


def _expect(positional, count, usage, where):
    if len(positional) != count:
        raise JournalError(f"expected {usage}", where)


def _refuse_unknown(options: dict[str, str], allowed: set[str], where: Location) -> None:
    unknown = sorted(set(options) - allowed)
    if unknown:
        allowed_txt = ", ".join(sorted(allowed)) or "none"
        raise JournalError(f"unknown option {unknown[0]}=", where, hint=f"options: {allowed_txt}")


def _parse_directive(kind: str, rest: str, where: Location) -> Directive:
    positional, options = _split(rest, where)
    if kind == "code":
        _expect(positional, 1, "::code FILE or ::code FILE#SECTION", where)
        _refuse_unknown(options, set(), where)
        file, _, section = positional[0].partition("#")
        return Code(where, file, section or None)
    if kind == "run":
        _expect(positional, 2, "::run NAME FILE[:FUNCTION] [timeout=SECONDS]", where)
        _refuse_unknown(options, {"timeout", "memory"}, where)
        name, target = positional
        if not _NAME.match(name):
            raise JournalError(
                f"run name {name!r} is not a valid name", where, hint="use letters, digits, _ or -"
            )
        file, _, function = target.partition(":")
        try:
            timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
        except ValueError:
            raise JournalError(
                f"timeout={options['timeout']} is not a number of seconds", where
            ) from None
        if timeout <= 0:
            raise JournalError("timeout must be a positive number of seconds", where)
        return Run(where, name, file, function or "main", timeout, options.get("memory", ""))
    if kind == "output":
        _expect(positional, 1, "::output NAME", where)
        _refuse_unknown(options, set(), where)
        return Output(where, positional[0])
    if kind == "figure":
        _expect(positional, 2, '::figure NAME FIGURE alt="what the figure shows"', where)
        _refuse_unknown(options, {"alt", "caption", "colours"}, where)
        if options.get("colours", "keep") != "keep":
            raise JournalError(
                f"colours={options['colours']} is not known", where, hint="use colours=keep"
            )
        alt = options.get("alt", "").strip()
        if not alt:
            raise JournalError(
                "figure has no alt text",
                where,
                hint='add alt="..." that says what the figure shows, for readers who cannot see it',
            )
        caption = options.get("caption", "").strip()
        return Figure(where, positional[0], positional[1], alt, caption, "colours" in options)
    raise JournalError(f"unknown directive ::{kind}", where, hint=f"known directives: {KNOWN}")


def _lines_outside_fences(text: str) -> Iterator[tuple[int, str, bool]]:
    """Yield (line number, line, inside a fence) for every line of ``text``."""
    fence: str | None = None
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            yield number, line, True
        elif fence is not None:
            stripped = line.strip()
            if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
                fence = None
            yield number, line, True
        else:
            yield number, line, False


def _outside_code_spans(line: str, fn: Callable[[re.Match], str]) -> str:
    """Apply ``fn`` to value references in ``line`` except inside `code spans`."""
    out, pos = [], 0
    for span in _CODE_SPAN.finditer(line):
        out.append(VALUE_REF.sub(fn, line[pos : span.start()]))
        out.append(span.group(0))
        pos = span.end()
    out.append(VALUE_REF.sub(fn, line[pos:]))
    return "".join(out)


@dataclass
class ParsedEntry:
    """All directives and value references of one entry, in the order they appear."""

    path: str
    directives: list[Directive]
    values: list[ValueRef]

    @property
    def runs(self) -> list[Run]:
        return [d for d in self.directives if isinstance(d, Run)]


def parse(text: str, path: str) -> ParsedEntry:
    """Read every directive in ``text`` (the entry at ``path``); raise on the first bad one."""
    directives: list[Directive] = []
    values: list[ValueRef] = []
    for number, line, fenced in _lines_outside_fences(text):
        if fenced:
            continue
        where = Location(path, number)
        match = _DIRECTIVE.match(line.rstrip("\n"))
        if match:
            directives.append(_parse_directive(match.group(1), match.group(2), where))
            continue

        def collect(m: re.Match, where=where) -> str:
            values.append(ValueRef(where, m["run"], m["key"], (m["spec"] or "").strip()))
            return m.group(0)

        _outside_code_spans(line, collect)
    entry = ParsedEntry(path, directives, values)
    _check_names(entry)
    return entry


def _check_names(entry: ParsedEntry) -> None:
    """Every run name is defined once, and every use names a defined run."""
    defined: dict[str, Run] = {}
    for run in entry.runs:
        if run.name in defined:
            first = defined[run.name].where
            raise JournalError(
                f"run {run.name!r} is defined twice (first at {first})",
                run.where,
                hint="give each run its own name",
            )
        defined[run.name] = run
    uses = [d for d in entry.directives if isinstance(d, Output | Figure)] + entry.values
    for use in uses:
        if use.name not in defined:
            known = ", ".join(sorted(defined)) or "none in this entry"
            raise JournalError(
                f"no run named {use.name!r}",
                use.where,
                hint=f"add '::run {use.name} FILE' to the entry (runs defined: {known})",
            )


def substitute(text: str, path: str, directive_fn, value_fn) -> str:
    """Rewrite ``text``: each directive line becomes ``directive_fn(directive)``, each value
    reference ``value_fn(ref)``. Fenced code and code spans are kept as they are."""
    out = []
    for number, line, fenced in _lines_outside_fences(text):
        if fenced:
            out.append(line)
            continue
        where = Location(path, number)
        match = _DIRECTIVE.match(line.rstrip("\n"))
        if match:
            directive = _parse_directive(match.group(1), match.group(2), where)
            out.append(directive_fn(directive) + "\n")
            continue

        def replace(m: re.Match, where=where) -> str:
            return value_fn(ValueRef(where, m["run"], m["key"], (m["spec"] or "").strip()))

        out.append(_outside_code_spans(line, replace))
    return "".join(out)
