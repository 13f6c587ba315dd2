"""Find the journal's directives in an entry's Markdown: ``::code``, ``::run``, ``::output``,
``::figure`` lines and inline ``{{ run.value }}`` references, each with its line number.

What Markdown shows literally is left alone, so an entry can show the syntax without triggering
it: fenced code blocks (also indented, as in a list item), indented code blocks, HTML comments,
and inline code spans.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import textlines
from .errors import JournalError, Location, did_you_mean

DEFAULT_TIMEOUT = 60.0

_DIRECTIVE = re.compile(r"^::([A-Za-z_-]+)\b(.*)$")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
# What opens a block whose content is indented by four: a list item, an admonition (!!!), details
# (???), a content tab (===), a footnote ([^1]:), a definition (:   ...).
_CONTAINER = re.compile(
    r"^([ \t]*)(?:[-*+]|\d+[.)]|!!!|\?\?\?\+?|===\+?|\[\^[^\]]+\]:|:)(?:[ \t]|$)"
)
_QUOTE = re.compile(r"^(?: {0,3}> ?)+")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_COMMENT = re.compile(r"<!--.*?-->")
VALUE_REF = re.compile(
    r"\{\{\s*(?P<run>[A-Za-z_][\w-]*)\.(?P<key>[A-Za-z_]\w*)\s*(?::(?P<spec>[^}]*?))?"
    r"(?:\s+\|\s*(?P<flag>[^\s}]+))?\s*\}\}"
)
# ``{{ run.key | nonfinite }}``: the author expects the value may be NaN or infinite.
FLAGS = ("nonfinite",)
TAB = 4  # Python-Markdown's tab_length: a list item's content and an indented code block
_NAME = re.compile(r"^[A-Za-z_][\w-]*$")


@dataclass(frozen=True)
class Code:
    """``::code FILE[#SECTION]``: show a snippet module or one named section of it."""

    where: Location
    file: str
    section: str | None


@dataclass(frozen=True)
class Run:
    """``::run NAME FILE[:FUNCTION] [timeout=S] [produces=F,..] [needs=RUN,..] [inputs=P,..]
    [frozen]``: call a snippet's function in its own process.

    ``produces``: files the function writes into its working directory, kept for other runs;
    ``needs``: runs (``RUN`` or ``SLUG:RUN``) whose produced files are placed in this run's
    working directory first; ``inputs``: files or folders the run reads that the engine cannot
    see (read by a child process, say), whose content joins its key; ``frozen``: never executed
    by a build, its committed result under ``frozen/`` is used."""

    where: Location
    name: str
    file: str
    function: str
    timeout: float
    memory: str = ""  # memory=2G: the run's memory limit (runner.py reads it)
    produces: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    frozen: bool = False


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
    nonfinite: bool = False  # NaN or infinity expected: printed as is, not an error


@dataclass(frozen=True)
class Invalid:
    """A directive line that cannot be read: in the preview it shows as its error."""

    where: Location
    error: JournalError
    run_name: str = ""  # for a ``::run NAME ...`` line: its uses are not errors of their own


Directive = Code | Run | Output | Figure | Invalid

KNOWN = "::code, ::run, ::output, ::figure"


_QUOTING = re.compile(r"[\"'\\]")
_PLAIN_WORDS = re.compile(r"[^ \t\r\n]+")  # shlex.whitespace
# a word of quoted and unquoted parts, without backslashes (shlex's POSIX mode: each quoted part
# stands for its content), and one quoted part
_QUOTED_WORD = re.compile(r"""(?:[^ \t\r\n"']|"[^"]*"|'[^']*')+""")
_QUOTED_PART = re.compile(r""""([^"]*)"|'([^']*)'""")


def _quoted_words(rest: str) -> list[str] | None:
    """shlex.split(rest) for a text without backslashes, or None where shlex must decide (a
    quote left open): the words must cover the text but for its whitespace."""
    words, end = [], 0
    for m in _QUOTED_WORD.finditer(rest):
        if _PLAIN_WORDS.search(rest, end, m.start()):
            return None  # something between two words that is not whitespace: an open quote
        words.append(_QUOTED_PART.sub(lambda q: q.group(1) or q.group(2) or "", m.group(0)))
        end = m.end()
    return None if _PLAIN_WORDS.search(rest, end) else words


def _split(rest: str, where: Location) -> tuple[list[str], dict[str, str]]:
    """Split a directive's arguments into positional words and key=value options."""
    try:
        # shlex only when backslashes ask for it: it costs twenty times as much as a pattern
        if not _QUOTING.search(rest):
            words = _PLAIN_WORDS.findall(rest)
        else:
            words = _quoted_words(rest) if "\\" not in rest else None
            if words is None:
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
            if key in options:  # which one was meant? (the last would win without a word)
                raise JournalError(
                    f"{key}= is given twice ({key}={options[key]} and {word})",
                    where,
                    hint=f"keep one {key}=",
                )
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
        close = did_you_mean(unknown[0], sorted(allowed))
        hint = f"{close} options: {allowed_txt}" if close else f"options: {allowed_txt}"
        raise JournalError(f"unknown option {unknown[0]}=", where, hint=hint)


_LIST_HINTS = {
    "produces": "name the files the run writes, comma-separated: produces=model.npz,vocab.json",
    "needs": "name the runs whose files it reads: needs=RUN or needs=SLUG:RUN, comma-separated",
    "inputs": "name the files or folders it reads, comma-separated, or inputs=none",
}


def _list(value: str | None, option: str = "", where: Location | None = None) -> tuple[str, ...]:
    """The comma-separated items of an option's value; an option given with no item
    (``produces=``) is an error, as it says nothing (which file was meant?)."""
    items = tuple(v.strip() for v in (value or "").split(",") if v.strip())
    if value is not None and not items and option:
        raise JournalError(
            f"{option}= names nothing",
            where,
            hint=_LIST_HINTS.get(option, f"name one or more, comma-separated: {option}=a,b"),
        )
    return items


def _paths(value: str | None, option: str, where: Location) -> tuple[str, ...]:
    """Relative paths inside a run's working directory."""
    paths = _list(value, option, where)
    for path in paths:
        parts = path.split("/")
        if path.startswith("/") or ".." in parts or "" in parts or "." in parts:
            raise JournalError(
                f"{option}={path} is not a plain relative path",
                where,
                hint="name files inside the run's working directory, e.g. produces=model.npz",
            )
    return paths


def _parse_directive(kind: str, rest: str, where: Location) -> Directive:
    positional, options = _split(rest, where)
    if kind == "code":
        _expect(positional, 1, "::code FILE or ::code FILE#SECTION", where)
        _refuse_unknown(options, set(), where)
        file, hash_, section = positional[0].partition("#")
        if hash_ and not section:
            raise JournalError(
                f"{positional[0]} names no section after '#'",
                where,
                hint=f"::code {file} for the whole module, or ::code {file}#SECTION",
            )
        return Code(where, file, section or None)
    if kind == "run":
        frozen = len(positional) == 3 and positional[2] == "frozen"
        if frozen:
            positional = positional[:2]
        _expect(positional, 2, "::run NAME FILE[:FUNCTION] [timeout=SECONDS] [frozen]", where)
        _refuse_unknown(options, {"timeout", "memory", "produces", "needs", "inputs"}, where)
        name, target = positional
        if not _NAME.match(name):
            raise JournalError(
                f"run name {name!r} is not a valid name", where, hint="use letters, digits, _ or -"
            )
        file, colon, function = target.partition(":")
        if colon and not function.isidentifier():
            raise JournalError(
                f"{target}: {function!r} is not a function name"
                if function
                else f"{target} names no function after ':'",
                where,
                hint=f"::run {name} {file} calls main(); ::run {name} {file}:FUNCTION calls another",
            )
        try:
            timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
        except ValueError:
            raise JournalError(
                f"timeout={options['timeout']} is not a number of seconds", where
            ) from None
        if not timeout > 0 or math.isinf(timeout):  # nan is neither > 0 nor <= 0
            raise JournalError(
                f"timeout={options['timeout']}: must be a finite positive number of seconds",
                where,
            )
        produces = _paths(options.get("produces"), "produces", where)
        needs = _list(options.get("needs"), "needs", where)
        for need in needs:
            slug, _, run = need.rpartition(":")
            if run == name and not slug:
                raise JournalError(
                    f"run {name!r} needs itself", where, hint="name the run whose files it reads"
                )
            if not _NAME.match(run) or (slug and not _NAME.match(slug)):
                raise JournalError(
                    f"needs={need} is not a run", where, hint="write needs=RUN or needs=SLUG:RUN"
                )
        inputs = _list(
            options.get("inputs"), "inputs", where
        )  # ("none",): declared to read nothing unseen
        if "memory" in options:
            memory_bytes(options["memory"], where)
        return Run(
            where,
            name,
            file,
            function or "main",
            timeout,
            options.get("memory", ""),
            produces,
            needs,
            inputs,
            frozen,
        )
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
    close = did_you_mean(kind, KINDS, "::")
    raise JournalError(
        f"unknown directive ::{kind}", where, hint=f"{close + ' ' if close else ''}known: {KNOWN}"
    )


def _indent(line: str) -> int:
    head = line[: len(line) - len(line.lstrip(" \t"))]
    return len(head.expandtabs(TAB))


def scan(text: str, first_line: int = 1) -> Iterator[tuple[int, str, list[tuple[int, int]] | None]]:
    """Yield (line number, line, literal spans) for every line of ``text``: the spans of the line
    Markdown shows literally (code spans, HTML comments), or None when all of it is (a line of a
    code block or of a comment).

    Block structure as Python-Markdown sees it: a fence at any indentation (pymdownx.superfences
    nests them in list items) runs to its closing fence; a line indented by four more than the
    enclosing block's content (a list item, an admonition...), after a blank line or another such
    line, is indented code; ``<!--`` runs to ``-->`` across lines. Block quotes are read through
    their ``>`` markers."""
    fence: str | None = None
    in_comment = False
    list_content: int | None = None  # indent of the current container's content
    blank_before = True
    in_code = False
    for number, line in enumerate(textlines.lines(text, keepends=True), start=first_line):
        body = line.rstrip("\r\n")
        content = _QUOTE.sub("", body)  # what is inside a block quote's markers
        blank = not content.strip()
        if fence is not None:
            stripped = content.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = None
            yield number, line, None
            continue
        if in_comment:
            end = body.find("-->")
            if end < 0:
                yield number, line, None
                continue
            spans = [(0, end + 3), *_inline_literals(body, end + 3)]
            in_comment = _comment_start(body, spans) >= 0
            yield number, line, _with_open_comment(body, spans)
            blank_before = False
            continue
        indent = _indent(content)
        item = _CONTAINER.match(content)
        code_indent = (list_content or 0) + TAB
        if not blank and indent >= code_indent and (blank_before or in_code) and not item:
            in_code = True
            yield number, line, None
            continue
        if not blank:
            in_code = False
            if item:
                list_content = _indent(item.group(1)) + TAB
            elif indent == 0 and blank_before:
                list_content = None  # a paragraph at the margin ends the list
        fenced = _FENCE.match(content)
        if fenced and indent < code_indent:
            fence = fenced.group(1)
            yield number, line, None
            blank_before = False
            continue
        spans = _inline_literals(body, 0)
        in_comment = _comment_start(body, spans) >= 0
        yield number, line, _with_open_comment(body, spans)
        blank_before = blank


def _inline_literals(line: str, start: int) -> list[tuple[int, int]]:
    """Code spans and complete HTML comments in ``line`` from ``start``, left to right."""
    spans, pos = [], start
    while pos < len(line):
        code = _CODE_SPAN.search(line, pos)
        comment = _COMMENT.search(line, pos)
        first = min((m for m in (code, comment) if m), key=lambda m: m.start(), default=None)
        if first is None:
            break
        spans.append((first.start(), first.end()))
        pos = first.end()
    return spans


def _comment_start(line: str, spans: list[tuple[int, int]]) -> int:
    """Where ``line`` opens a comment it does not close (outside its literal spans), or -1."""
    pos = 0
    for start, end in [*spans, (len(line), len(line))]:
        found = line.find("<!--", pos, start)
        if found >= 0:
            return found
        pos = end
    return -1


def _with_open_comment(line: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` plus, when the line opens a comment it does not close, the rest of the line."""
    start = _comment_start(line, spans)
    if start < 0:
        return spans
    return [*(span for span in spans if span[1] <= start), (start, len(line))]


def value_ref(m: re.Match, where: Location) -> ValueRef:
    flag = m["flag"]
    if flag is not None and flag not in FLAGS:
        close = did_you_mean(flag, FLAGS)
        raise JournalError(
            f"unknown mark '| {flag}' in {m.group(0)}",
            where,
            hint=close or "write {{ run.key | nonfinite }} for a value that may be NaN or infinite",
        )
    spec = (m["spec"] or "").strip()
    if "{{" in spec:  # the reference's own }} is missing: the match ran on to the next one's
        raise JournalError(
            f"{{{{ {m['run']}.{m['key']} has no closing }}}} before the next {{{{",
            where,
            hint="close each {{ run.key }} with its }} on the same line",
        )
    too_wide = _too_wide(spec)
    if too_wide:
        raise JournalError(
            f"the format {spec!r} of {{{{ {m['run']}.{m['key']} }}}} asks for {too_wide} "
            f"characters; at most {MAX_SPEC_DIGITS} fit a value in a sentence",
            where,
            hint="a width or precision of a few digits: .3f, .2e, >8,",
        )
    return ValueRef(where, m["run"], m["key"], spec, flag == "nonfinite")


# A value's width or precision in its format spec: Python would build the whole string
# (``:>99999999999`` ran the build out of memory), so anything past a sentence's worth is refused.
MAX_SPEC_DIGITS = 100
_SPEC_NUMBERS = re.compile(r"(?<![\d.])(\d+)|\.(\d+)")


def _too_wide(spec: str) -> int:
    """The largest width or precision in ``spec`` above MAX_SPEC_DIGITS, else 0."""
    body = spec[2:] if len(spec) > 1 and spec[1] in "<>=^" else spec  # a fill may be a digit
    numbers = [int(a or b) for a, b in _SPEC_NUMBERS.findall(body)]
    return max((n for n in numbers if n > MAX_SPEC_DIGITS), default=0)


def _directive_line(line: str, spans) -> re.Match | None:
    if spans is None or (spans and spans[0][0] == 0):
        return None
    return _DIRECTIVE.match(line.rstrip("\r\n"))


KINDS = ("code", "run", "output", "figure")


def _nested_directive(line: str, spans, where: Location) -> JournalError | None:
    """A directive indented into a list item, an admonition or a tab, or inside a block quote:
    the engine reads directives only at the start of a line, so Markdown would publish it as
    text (``::output v`` in the middle of a note)."""
    body = line.rstrip("\r\n")
    inner = _QUOTE.sub("", body).lstrip(" \t")
    if inner == body or spans is None:
        return None
    found = _DIRECTIVE.match(inner)
    start = len(body) - len(inner)
    if not found or found.group(1) not in KINDS or any(a <= start < b for a, b in spans):
        return None
    return JournalError(
        f"'{inner.strip()}' is indented or quoted, where Markdown shows it as text: a directive "
        "is read only at the start of a line",
        where,
        hint="move it to the margin, outside the list item, admonition, tab or quote",
    )


@dataclass(frozen=True)
class Span:
    """Where something the page replaces lies in the parsed text: ``text[start:end]`` is a
    directive's line (its line break excluded) or a value reference. ``item`` is what it is: a
    directive, a value reference, or the error a reference that cannot be read stands for."""

    start: int
    end: int
    item: Directive | ValueRef | JournalError


@dataclass(frozen=True)
class LiteralRef:
    """A value reference Markdown shows literally, inside `inline code` (``journal check``
    warns about one that names a run of the entry: the author almost always meant the value)."""

    where: Location
    source: str  # as written: ``{{ run.key }}``
    name: str


@dataclass
class ParsedEntry:
    """All directives and value references of one entry, in the order they appear, and the
    problems found (each bad directive is also an ``Invalid`` in ``directives``).

    ``text`` is the text that was parsed and ``spans`` where each directive and reference lies in
    it, in order, as the page renders them (a use of an undefined run, or a run defined twice,
    is its error): rendering replaces these spans and reads the text no further."""

    path: str
    directives: list[Directive]
    values: list[ValueRef]
    problems: list[JournalError] = field(default_factory=list)
    # (line, run name) -> the problem with that use of the name (undefined, defined twice)
    misnamed: dict[tuple[int, str], JournalError] = field(default_factory=dict)
    text: str = ""
    spans: list[Span] = field(default_factory=list)
    literal_refs: list[LiteralRef] = field(default_factory=list)
    first_line: int = 1  # the number of the text's first line in the file

    @property
    def runs(self) -> list[Run]:
        return [d for d in self.directives if isinstance(d, Run)]


def parse(text: str, path: str, strict: bool = True, first_line: int = 1) -> ParsedEntry:
    """Read every directive and value reference in ``text`` (the entry at ``path``; its first
    line is line ``first_line`` of the file), once. Strict: raise the first problem; else collect
    them all in ``problems`` (the preview shows each in the page, ``journal check`` lists
    them)."""
    entry = ParsedEntry(path, [], [], text=text, first_line=first_line)
    offset = 0  # of the current line in ``text``
    for number, line, spans in scan(text, first_line):
        at, offset = offset, offset + len(line)
        if spans is None:
            continue
        where = Location(path, number)
        match = _directive_line(line, spans)
        nested = None if match else _nested_directive(line, spans, where)
        if nested is not None:  # shown as text by Markdown: an error, not a silent literal
            entry.problems.append(nested)
            entry.directives.append(Invalid(where, nested))
            entry.spans.append(Span(at, at + len(line.rstrip("\r\n")), entry.directives[-1]))
            continue
        if match:
            try:
                directive = _parse_directive(match.group(1), match.group(2), where)
            except JournalError as err:
                entry.problems.append(err)
                words = match.group(2).split()
                name = words[0] if match.group(1) == "run" and words else ""
                directive = Invalid(where, err, name)
            entry.directives.append(directive)
            entry.spans.append(Span(at, at + len(line.rstrip("\r\n")), directive))
            continue
        pos = 0
        for start, end in [*spans, (len(line), len(line))]:
            for m in VALUE_REF.finditer(line, pos, start):
                try:
                    ref = value_ref(m, where)
                except JournalError as err:
                    entry.problems.append(err)
                    entry.spans.append(Span(at + m.start(), at + m.end(), err))
                    continue
                entry.values.append(ref)
                entry.spans.append(Span(at + m.start(), at + m.end(), ref))
            if start < end and line.startswith("`", start):
                for m in VALUE_REF.finditer(line, start, end):
                    entry.literal_refs.append(LiteralRef(where, m.group(0), m["run"]))
            pos = end
    _check_names(entry)
    if entry.misnamed:  # the page shows such a use as its error
        entry.spans = [_as_rendered(span, entry.misnamed) for span in entry.spans]
    entry.problems.sort(key=lambda err: err.where.line if err.where else 0)
    if strict and entry.problems:
        raise entry.problems[0]
    return entry


def _as_rendered(span: Span, misnamed: dict[tuple[int, str], JournalError]) -> Span:
    item = span.item
    err = misnamed.get((item.where.line, getattr(item, "name", None))) if item.where else None
    if err is None:
        return span
    if isinstance(item, ValueRef):
        return Span(span.start, span.end, err)
    return Span(span.start, span.end, Invalid(item.where, err))


def _check_names(entry: ParsedEntry) -> None:
    """Every run name is defined once, and every use names a defined run."""
    defined: dict[str, Run] = {}
    for run in entry.runs:
        if run.name in defined:
            first = defined[run.name].where
            entry.misnamed[(run.where.line, run.name)] = JournalError(
                f"run {run.name!r} is defined twice (first at {first})",
                run.where,
                hint="give each run its own name",
            )
        defined.setdefault(run.name, run)
    unreadable = {d.run_name for d in entry.directives if isinstance(d, Invalid)}
    uses = [d for d in entry.directives if isinstance(d, Output | Figure)] + entry.values
    for use in uses:
        if use.name not in defined and use.name not in unreadable:
            known = ", ".join(sorted(defined)) or "none in this entry"
            close = did_you_mean(use.name, defined)
            entry.misnamed[(use.where.line, use.name)] = JournalError(
                f"no run named {use.name!r}",
                use.where,
                hint=close or f"add '::run {use.name} FILE' to the entry (runs defined: {known})",
            )
    entry.problems.extend(entry.misnamed.values())


def render(entry: ParsedEntry, directive_fn, value_fn, start: int = 0) -> str:
    """The parsed text from ``start`` with each span replaced: a directive's line by
    ``directive_fn(directive)`` (an ``Invalid`` for a line that cannot be read), a value
    reference by ``value_fn(ref)`` (or ``value_fn(error)``). Everything else, what Markdown shows
    literally included, is kept as it is."""
    text, out, pos = entry.text, [], start
    for span in entry.spans:
        if span.start < start:
            continue
        out.append(text[pos : span.start])
        item = span.item
        if isinstance(item, ValueRef | JournalError):
            out.append(value_fn(item))
        else:
            out.append(directive_fn(item))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.I)


def memory_bytes(text: str, where: Location | None = None) -> int:
    """``"2G"`` -> 2 GiB in bytes (K, M, G, T are powers of 1024). Checked when the entry is
    read, so a wrong size is an error even for a run the cache answers."""
    m = _SIZE.match(text)
    if not m or float(m[1]) <= 0:
        raise JournalError(
            f"memory={text} is not a size",
            where,
            hint="write a number with K, M, G or T, e.g. memory=2G",
        )
    return int(float(m[1]) * 1024 ** " KMGT".index((m[2] or " ").upper()))
