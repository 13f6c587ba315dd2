"""Where a quoted value comes from and which test asserts it: the record the tests leave, and
the value's mark in the page.

The record (``asserted.json`` in the cache folder) is written by the tests' recorder
(``tests/assert_recorder.py``) when the tests run: for each value a passing test read inside an
assertion, the entry, run and key, a fingerprint of the value read, the test's node id, and the
assertion's lines, text and tolerance (``journal.assertions``). It is plain sorted JSON, so two
sessions that saw the same thing write the same bytes; a session replaces the records of the
tests it ran and keeps the others (a partial run loses nothing).

At build time a record is believed only while it still holds: the statement must stand at the
same lines of the test file as it is now, and the value the build shows must be the value the
test read (same fingerprint). Anything else is dropped, so a stale line is never shown as proof.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import os
import re
import weakref
from dataclasses import asdict, dataclass
from pathlib import Path

from . import identity, outline, sourcelinks, textlines
from .assertions import statement_text

RECORD = "asserted.json"  # journal/cache.py ASSERTED: pruning keeps it
FORMAT = 1
DEFAULT_CACHE = ".cache/journal"
MAX_STATEMENT = 110  # characters of an assertion quoted in a popover


@dataclass(frozen=True, order=True)
class Asserted:
    """One value a passing test asserted."""

    entry: str  # posts/entries/x.md
    run: str
    key: str
    value: str  # fingerprint(value) as the test read it
    test: str  # the test's node id: tests/entries/test_x.py::test_y[param]
    file: str  # the file holding the assertion (the test's, or a helper's under tests/)
    line: int
    end_line: int
    statement: str
    tolerance: str


SIGNIFICANT = 10  # digits of a float a fingerprint keeps


def _rounded(value):
    """Floats to SIGNIFICANT digits: the tests and the published build run on different
    machines, whose SIMD sums may differ in the last bits of a float; no page shows 10 digits."""
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT}g}")
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def fingerprint(value) -> str:
    """A short hash of a value as a run returned it (JSON-like: numbers, text, lists, dicts),
    floats to 10 significant digits."""
    text = json.dumps(_rounded(value), sort_keys=True, default=repr, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def record_path(root: Path) -> Path:
    """Where the record of the journal at ``root`` lives: its own .cache/journal, whatever
    JOURNAL_CACHE_DIR says (a cache shared by checkouts must not share what their tests saw,
    and a cold build with another cache folder must publish the same page)."""
    return Path(root) / DEFAULT_CACHE / RECORD


@dataclass
class Tests:
    """What the tests that ran saw: the values they asserted, and which entries each test read
    (asserting or not), by test id."""

    asserted: list[Asserted]
    read: dict[str, list[str]]

    def entries_read(self) -> set[str]:
        return {entry for entries in self.read.values() for entry in entries}


def load(path: Path) -> Tests | None:
    """The record at ``path``; None when there is none (the tests have not run here), or when it
    cannot be read (it is rewritten by the next test session)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        asserted = [Asserted(**item) for item in data["asserted"]]
        return Tests(asserted, {str(k): list(v) for k, v in data["read"].items()})
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def merge(old: Tests | None, new: Tests, ran: set[str]) -> Tests:
    """``old`` without what the tests this session ran (``ran``) left, plus ``new``."""
    old = old or Tests([], {})
    kept = {a for a in old.asserted if a.test not in ran}
    read = {test: entries for test, entries in old.read.items() if test not in ran}
    read.update(new.read)
    return Tests(sorted(kept | set(new.asserted)), read)


def dumps(tests: Tests) -> str:
    data = {
        "format": FORMAT,
        "asserted": [asdict(a) for a in sorted(set(tests.asserted))],
        "read": {test: sorted(set(entries)) for test, entries in sorted(tests.read.items())},
    }
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def write(path: Path, tests: Tests) -> None:
    """Write the record atomically (a build reading it never sees half of it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = dumps(tests)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


_DEF = re.compile(r"\s*(?:async\s+)?def (\w+)\(")


class Record:
    """The record as a build believes it: lookups by (entry, run, key, value), each answer
    checked against the test files as they are now."""

    def __init__(self, root: Path, tests: Tests | None):
        self.root = Path(root)
        self.present = tests is not None
        self.read = tests.entries_read() if tests else set()
        self.by_value: dict[tuple[str, str, str], list[Asserted]] = {}
        for a in tests.asserted if tests else []:
            self.by_value.setdefault((a.entry, a.run, a.key), []).append(a)
        self._lines: dict[str, list[str] | None] = {}
        self._defined: dict[str, set[str]] = {}

    def _file_lines(self, rel: str) -> list[str] | None:
        if rel not in self._lines:
            try:
                text = (self.root / rel).read_text(encoding="utf-8")
                self._lines[rel] = textlines.lines(text)
            except (OSError, UnicodeDecodeError):
                self._lines[rel] = None
        return self._lines[rel]

    def holds(self, a: Asserted) -> bool:
        """Whether the assertion still stands where the record says, and the test still exists."""
        lines = self._file_lines(a.file)
        if lines is None or statement_text(lines, a.line, a.end_line) != a.statement:
            return False
        test_file, _, name = a.test.partition("::")
        function = re.split(r"[\[:]", name.rsplit("::", 1)[-1])[0]
        return function in self._defined_in(test_file)

    def _defined_in(self, rel: str) -> set[str]:
        """The names the file ``rel`` defines with ``def`` (read once per build: a pattern for
        each assertion over every line of its test file was most of a warm build)."""
        if rel not in self._defined:
            lines = self._file_lines(rel) or []
            self._defined[rel] = {m[1] for line in lines if (m := _DEF.match(line))}
        return self._defined[rel]

    def asserted(self, entry: str, run: str, key: str, value=None, any_value=False):
        """The assertions of ``entry``'s ``run.key`` that hold for ``value`` (for any value
        with ``any_value``: ``journal check`` runs nothing), best first: a tolerance over a
        bound over anything else, then by file and line."""
        print_ = fingerprint(value)
        found = [
            a
            for a in self.by_value.get((entry, run, key), [])
            if (any_value or a.value == print_) and self.holds(a)
        ]
        return sorted(found, key=lambda a: (_rank(a.tolerance), a.file, a.line, a.test))


def _rank(tolerance: str) -> int:
    if tolerance == "exact" or tolerance.startswith("within"):
        return 0
    if tolerance.split(" ")[0] in {"at", "below", "above", "between"}:
        return 1
    return 2


# -- the page ---------------------------------------------------------------------------------


class Provenance:
    """What a build knows to mark values with: the published commit, the record, and the lines
    of each snippet function. Made once per build (``of(journal)``)."""

    def __init__(self, root: Path, snippets_dir: Path):
        self.root = Path(root)
        self.snippets_dir = Path(snippets_dir)
        try:
            repository = identity.load(self.root).repository
        except Exception:  # noqa: BLE001 - no journal.yml, or a bad one (the build reports it)
            repository = None
        self.commit = sourcelinks.published_commit(self.root, repository) if repository else None
        self.record = Record(self.root, load(record_path(self.root)))
        self._rels: dict[str, str] = {}  # a run's file -> its path in the project

    @property
    def active(self) -> bool:
        """Whether values are marked: there is something to show a reader (links to the
        published commit, or a record). A journal copied outside git with no record is not."""
        return self.record.present or (self.commit is not None and self.commit.sha is not None)

    def function_lines(self, file: str, function: str) -> tuple[int, int] | None:
        """The lines of ``function`` in the snippet ``file`` (its decorators included), from the
        file's outline (read once per version of the file)."""
        return _functions(self.snippets_dir / file).get(function)

    def blob(self, rel: str, start: int | None = None, end: int | None = None) -> str | None:
        return self.commit.blob(rel, start, end) if self.commit is not None else None

    def mark(self, text: str, entry: str, run, key: str, value, note_id: str) -> str:
        """``text`` (the value as the prose shows it, already escaped) marked, with a popover
        saying which snippet function computed it and which test asserts it."""
        rel = self._rels.get(run.file)
        if rel is None:
            snippet = (self.snippets_dir / run.file).resolve()
            rel = self._rels[run.file] = (
                snippet.relative_to(self.root).as_posix()
                if snippet.is_relative_to(self.root)
                else run.file
            )
        lines = self.function_lines(run.file, run.function)
        href = self.blob(rel, *lines) if lines else self.blob(rel)
        made = _link(href, f"<code>{_text(rel)} · {_text(run.function)}</code>")
        note = f"Computed by {made} in run {_text(run.name)}."
        if self.record.present:
            found = self.record.asserted(entry, run.name, key, value)
            if found:
                a = found[0]
                where = f"<code>{_text(_short_test(a.test))}</code>"
                statement = " ".join(a.statement.split())
                if len(statement) > MAX_STATEMENT:
                    statement = statement[: MAX_STATEMENT - 1] + "…"
                more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
                note += (
                    f" Asserted by {_link(self.blob(a.file, a.line, a.end_line), where)} line "
                    f"{a.line}{more}, {_text(a.tolerance)}: <code>{_text(statement)}</code>"
                )
            elif self.record.asserted(entry, run.name, key, any_value=True):
                note += " Not asserted on this value: the tests last saw another one."
            else:
                note += " Not asserted by any test."
        return (
            f'<span class="jv" tabindex="0" aria-describedby="{note_id}">{text}'
            f'<span class="jv-p" role="tooltip" id="{note_id}" data-search-exclude>'
            f"{note}</span></span>"
        )


_DOLLAR = re.compile(r"(?<!\\)\$")


def _functions(path: Path) -> dict[str, tuple[int, int]]:
    """Each top-level function of the module at ``path``: its first line (decorators included)
    and last; {} when the file cannot be read."""
    try:
        return outline.of(path).functions
    except OSError:
        return {}


class Prose:
    """An entry's lines (``text.split("\\n")``) with what ``plain_at`` asks of every value counted
    once: the ``$$`` before each line and where each line's paragraph begins (asked afresh for
    each value, both read the whole entry: a long entry's values cost its length squared)."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.displays = [0, *itertools.accumulate(line.count("$$") for line in lines)]
        self.paragraph: list[int] = []  # index of the first line of each line's paragraph
        for i in range(len(lines)):
            joined = i > 0 and lines[i - 1].strip()
            self.paragraph.append(self.paragraph[i - 1] if joined else i)


# a value reference's opening, up to its key (the references ``plain_at`` asks about are read)
_OPENING = re.compile(r"\{\{\s*([A-Za-z_][\w-]*)\.([A-Za-z_]\w*)\b")


def _first(line: str, name: str, key: str) -> re.Match | None:
    """The first ``{{ name.key`` in ``line`` (one pattern for all: compiling one per value cost
    more than the rest of the page's marks)."""
    return next((m for m in _OPENING.finditer(line) if m.groups() == (name, key)), None)


def plain_at(lines: list[str] | Prose, ref) -> bool:
    """Whether the value ``ref`` stands where a mark cannot: in a heading (the table of
    contents reads its text) or in a formula (``$...$`` and ``\\(...\\)``, which may span
    the lines of a paragraph, and ``$$`` blocks). ``lines``: the entry's, or their ``Prose``
    (for many values of one entry)."""
    prose = lines if isinstance(lines, Prose) else Prose(lines)
    number = ref.where.line
    if not 0 < number <= len(prose.lines):
        return True
    return prose.lines[number - 1].lstrip().startswith("#") or in_formula(prose, ref)


def in_formula(prose: Prose, ref) -> bool:
    """Whether the value ``ref`` stands in a formula (``$...$``, ``\\(...\\)``, ``$$`` blocks),
    where it is LaTeX, not prose."""
    lines = prose.lines
    number = ref.where.line
    if not 0 < number <= len(lines):
        return False
    line = lines[number - 1]
    if prose.displays[number - 1] % 2 == 1:
        return True  # inside a display block
    start = prose.paragraph[number - 1]  # the paragraph's first line
    found = _first(line, ref.name, ref.key)
    head = "\n".join([*lines[start : number - 1], line[: found.start()] if found else line])
    head = head.replace("$$", "")
    return len(_DOLLAR.findall(head)) % 2 == 1 or head.count("\\(") > head.count("\\)")


_BUILDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def of(journal) -> Provenance:
    """The build's provenance, made on first use and kept as long as ``journal`` lives (a new
    build, or the preview's next rebuild, makes a new Journal and reads the record again)."""
    found = _BUILDS.get(journal)
    if found is None:
        found = _BUILDS[journal] = Provenance(journal.root, journal.snippets_dir)
    return found


def note_id(slug: str, number: int) -> str:
    """A popover's id, unique in any page: listings show several entries' excerpts."""
    return f"jv-{re.sub(r'[^A-Za-z0-9_-]', '-', slug)}-{number}"


# Markdown and the site's extensions (emphasis, code, links, attr_list's {: }, tables' |,
# arithmatex's $ and \(, emoji's :name:) must leave a popover's text alone: the characters they
# read are written as character references (HTML's own < > & too).
_PUNCTUATION = re.compile(r"[\\`*_\[\]<>&{}|$:]")


def _text(text: str) -> str:
    return _PUNCTUATION.sub(lambda m: f"&#{ord(m.group(0))};", text)


def _link(href: str | None, inner: str) -> str:
    return f'<a href="{html.escape(href)}">{inner}</a>' if href else inner


def _short_test(node_id: str) -> str:
    """``tests/entries/test_x.py::test_y[a]`` -> ``test_x.py::test_y[a]``."""
    file, sep, rest = node_id.partition("::")
    return file.rsplit("/", 1)[-1] + sep + rest


_MARKED = re.compile(
    r'<span class="jv" [^>]*>(.*?)<span class="jv-p" [^>]*>.*?</span></span>', re.S
)


def without_notes(page_html: str) -> str:
    """A page's HTML with each marked value back to its plain text: what the feeds carry (a
    feed reader has no style sheet to hide a popover) and what the reading time counts."""
    return _MARKED.sub(r"\1", page_html)
