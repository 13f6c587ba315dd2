"""The journal's linter: every problem an entry, a snippet or a test can have that a reader or the
build would trip over, each reported as ``file:line: message``.

What it checks:

- front matter: title, date, a known category, a description of 50 to 160 characters, a slug,
  a discussion id, the curriculum number and the draft flag; slugs and discussion ids unique;
- directives: each one parses; every ``::code`` file and section and every ``::run`` file and
  function exists; a ``<!-- more -->`` separator, with no figure above it (excerpts cannot
  carry the figure's link); every figure has alt text (notebooks: a ``# alt:`` line);
- snippets: each module in ``snippets/`` is embedded, run or imported by an entry's snippet (no
  orphans), and is exercised by a test (imported or named in ``tests/``, or run by an entry a
  test reads through ``entry_runs``); none is named like a module of the standard library or of
  an installed package (it would hide that module from every snippet, test and notebook);
- values: an entry that quotes values is named by a test, and every ``{{ run.key }}`` it quotes
  (and the value of its ``glimpse:``) is asserted by a test that passed, as the tests recorded
  when they last ran (``journal.provenance``); without a record (the tests have not run here)
  this is only a note;
- the glimpse (``glimpse:`` in front matter): known keys, a run and a figure the entry has.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import (
    corrections,
    deps,
    directives,
    frontmatter,
    glimpse,
    identity,
    notebook,
    provenance,
    snippets,
    textlines,
)
from . import plan as journal_plan
from .directives import Code, Figure, Run
from .errors import JournalError, Location, did_you_mean

REQUIRED, SLUG = frontmatter.REQUIRED, frontmatter.SLUG
MORE = "<!-- more -->"
TEST_COMMAND = ".venv/bin/pytest -n 2 tests/entries"
DRAWS = re.compile(r"plt\.show\(|\.subplots\(|plt\.figure\(|plt\.plot\(|\.savefig\(")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing to fix, where it is."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path  # 0: not about a line
        return f"{where}: {self.message}"


@dataclass
class EntryInfo:
    """What the checks learn about one entry."""

    rel: str
    meta: dict
    snippet_files: set[str] = field(default_factory=set)  # named by ::code / ::run / imports
    run_files: set[str] = field(default_factory=set)  # snippets it runs


class Checker:
    """Checks the journal rooted at ``root`` (with ``posts/entries``, ``snippets``, ``tests``)."""

    def __init__(
        self, root: Path, entries_dir="posts/entries", snippets_dir="snippets", tests_dir="tests"
    ):
        self.root = Path(root).resolve()
        self.entries_dir = self.root / entries_dir
        self.snippets_dir = self.root / snippets_dir
        self.tests_dir = self.root / tests_dir
        self.problems: list[Problem] = []
        self.notes: list[str] = []  # said, but not failing the check
        self.record = provenance.Record(self.root, provenance.load(provenance.record_path(root)))
        self.unread: list[str] = []  # entries that quote values no recorded test has read
        self.outdated: list[str] = []  # entries changed (or their tests) since the tests ran
        self.entries: list[EntryInfo] = []
        self.tests = self._read_tests()
        self.steps, self.categories = {}, None
        try:
            self.identity = identity.load(self.root)
        except JournalError as err:  # reported by run(); entries are still checked
            self.identity, self.identity_error = None, err
        else:
            self.steps = journal_plan.steps(self.identity.plan)
            self.categories = self.identity.categories

    def rel(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()

    def report(self, path: str, line: int, message: str) -> None:
        self.problems.append(Problem(path, line, message))

    def error(self, err: JournalError, fallback: str) -> None:
        where = err.where or Location(fallback, 1)
        message = err.message + (f" ({err.hint})" if err.hint else "")
        self.report(where.path, where.line, message)

    # -- the whole journal --------------------------------------------------------------------
    def run(self) -> list[Problem]:
        if self.identity is None:
            err = self.identity_error
            first = [(err.where.line if err.where else 0, err.message, err.hint)]
            for line, message, hint in getattr(err, "problems", None) or first:
                self.report(identity.FILE, line, message + (f" ({hint})" if hint else ""))
        paths = sorted(self.entries_dir.glob("*.md")) + sorted(self.entries_dir.glob("*.ipynb"))
        for path in paths:
            if path.suffix == ".md":
                self.check_markdown(path)
            else:
                self.check_notebook(path)
        cache_dir = os.environ.get("JOURNAL_CACHE_DIR")
        problem = unusable_folder(self.root / cache_dir) if cache_dir else ""
        if problem:  # the build would stop on it
            self.report(f"JOURNAL_CACHE_DIR={cache_dir}", 0, f"{problem}; point it at a folder")
        self.check_unique("slug")
        self.check_unique("discussion_id")
        self.check_snippets()
        self.note_record()
        return sorted(set(self.problems))

    def note_record(self) -> None:
        run_tests = f"run the tests ({TEST_COMMAND}), then journal check"
        if not self.record.present:
            self.notes.append(
                "the tests have not run here, so whether each quoted value is asserted is not "
                f"checked: {run_tests}"
            )
            return
        if self.unread:
            self.notes.append(
                f"no test that has run here read the values of {', '.join(self.unread)}, so "
                f"whether they are asserted is not checked: {run_tests}"
            )
        if self.outdated:
            self.notes.append(
                f"{', '.join(self.outdated)} or their tests changed since the tests last ran, "
                f"so whether their values are asserted is not checked: {run_tests}"
            )

    def record_written(self) -> float:
        try:
            return provenance.record_path(self.root).stat().st_mtime
        except OSError:
            return 0.0

    # -- front matter ---------------------------------------------------------------------------
    def check_front_matter(self, rel: str, meta: dict, line_of, unreadable=frozenset()) -> None:
        """``unreadable``: keys whose value could not be read (already reported at their line)."""
        for line, message in frontmatter.validate(meta, line_of, unreadable, self.categories):
            self.report(rel, line, message)
        wrong = journal_plan.disagreement(meta, self.steps)
        if wrong:
            self.report(rel, line_of("categories"), wrong)
        off = journal_plan.off_plan(meta, self.steps)
        if off:
            self.report(rel, line_of("curriculum"), off)
        try:
            corrections.read(meta)
        except corrections.CorrectionError as err:
            self.report(rel, line_of(corrections.KEY, err.index), str(err))

    def check_unique(self, key: str) -> None:
        seen: dict[str, str] = {}
        for entry in self.entries:
            value = entry.meta.get(key)
            if not isinstance(value, str):
                continue
            if value in seen:
                self.report(entry.rel, 1, f"{key} {value!r} is already used by {seen[value]}")
            else:
                seen[value] = entry.rel

    # -- Markdown entries -------------------------------------------------------------------------
    def check_markdown(self, path: Path) -> None:
        rel = self.rel(path)
        try:
            text = snippets.read_text(path, self.root, None)
        except JournalError as err:
            self.report(rel, 1, err.message + " (an entry is UTF-8 Markdown)")
            return
        lines = textlines.lines(text)
        meta, end = self._front_matter(text, rel)
        unreadable = self._unreadable
        readable = meta is not None
        meta = meta or {}
        info = EntryInfo(rel, meta)
        self.entries.append(info)

        def line_of(key, item=None):
            """The line of `key:` (or of its item-th list item, counted from 0)."""
            if key is None:
                return 1
            for i, line in enumerate(lines[1:end], start=2):
                if re.match(rf"^{re.escape(key)}\s*:", line):
                    items = []
                    for j, sub in enumerate(lines[i : end - 1], start=i + 1):
                        if re.match(r"^[^\s-]", sub):  # the next key: the list has ended
                            break
                        if re.match(r"^\s*-\s", sub):
                            items.append(j)
                    if item is not None and item < len(items):
                        return items[item]
                    return i
            return 1

        if readable and end:
            self.check_front_matter(rel, meta, line_of, unreadable)
        more = next((i for i, line in enumerate(lines, 1) if line.strip() == MORE), None)
        if more is None:
            self.report(rel, max(end, 1), f"no '{MORE}' line: put one after the opening paragraphs")

        entry = directives.parse(text, rel, strict=False)
        for err in entry.problems:
            self.error(err, rel)
        self._check_quoted_in_code(entry, rel)
        for ref in entry.values:
            if ref.spec and not _a_format_spec(ref.spec):
                self.report(
                    rel,
                    ref.where.line,
                    f"{{{{ {ref.name}.{ref.key}:{ref.spec} }}}}: {ref.spec!r} formats no number "
                    "or text (Python format specs: .3f, .2e, .1%, ,d, >8 ...)",
                )
        for d in entry.directives:
            if isinstance(d, Code):
                try:
                    snippets.read(self.snippets_dir, self.root, d.file, d.section, d.where)
                    info.snippet_files.add(d.file)
                except JournalError as err:
                    self.error(err, rel)
            elif isinstance(d, Run):
                self._check_run(d, info)
            elif isinstance(d, Figure) and more is not None and d.where.line < more:
                self.report(
                    rel,
                    d.where.line,
                    f"figure above '{MORE}': the excerpt on the home page cannot show it; move it below",
                )
        choice, wrong = glimpse.read(text, rel)  # the home page's glimpse (journal/glimpse.py)
        for err in wrong or glimpse.check(choice, entry):
            self.error(err, rel)
        self._check_values(path, entry, [choice.value] if choice and choice.value else [])

    def _front_matter(self, text: str, rel: str) -> tuple[dict | None, int]:
        """The YAML front matter (None if unreadable) and the number of the line after it
        (0 if there is none)."""
        front, end, problems = frontmatter.examine(text)  # as the build reads it
        for line, message in problems:
            self.report(rel, line, message)
        self._unreadable = front.unreadable if front is not None else set()
        if not end:
            return {}, 0
        return (front.meta if front is not None else None), end + 1

    def _check_quoted_in_code(self, entry: directives.ParsedEntry, rel: str) -> None:
        """A value of one of the entry's own runs quoted inside `inline code` is shown as the
        literal ``{{ ... }}`` (code is literal), which is almost never what the author meant."""
        runs = {run.name for run in entry.runs}
        for ref in entry.literal_refs:
            if ref.name in runs:
                self.report(
                    rel,
                    ref.where.line,
                    f"{ref.source} is inside `inline code`, which the page shows "
                    f"literally; write <code>{ref.source}</code> for the value in code font",
                )

    def _check_run(self, run: Run, info: EntryInfo) -> None:
        try:
            path = snippets.resolve(self.snippets_dir, self.root, run.file, run.where)
        except JournalError as err:
            self.error(err, info.rel)
            return
        info.snippet_files.add(run.file)
        info.run_files.add(run.file)
        try:
            tree = ast.parse(snippets.read_text(path, self.root, run.where))
        except JournalError as err:
            self.error(err, info.rel)
            return
        except SyntaxError as exc:
            self.report(self.rel(path), exc.lineno or 1, f"syntax error: {exc.msg}")
            return
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        if run.function not in defined:
            close = did_you_mean(run.function, defined)
            self.report(
                run.where.path,
                run.where.line,
                f"{run.file} has no function {run.function}() for run {run.name!r}"
                + (f" ({close})" if close else ""),
            )

    def _check_values(self, path: Path, entry, more=()) -> None:
        """An entry that quotes values is named by a test; each value it quotes (and ``more``:
        the glimpse's) is asserted by a passing test, as recorded when the tests last ran."""
        values = [*entry.values, *more]
        if not values:
            return
        if not self.tests_naming(path):
            first = values[0]
            self.report(
                first.where.path,
                first.where.line,
                f"the prose quotes run values but no test in {self.rel(self.tests_dir)}/ names "
                f"{path.name} (read them with entry_runs and assert them)",
            )
            return
        if not self.record.present:
            return  # said once, by note_record
        rel = self.rel(path)
        if rel not in self.record.read:
            self.unread.append(rel)
            return
        written = self.record_written()
        if any((self.root / f).stat().st_mtime > written for f in [rel, *self.tests_naming(path)]):
            self.outdated.append(rel)  # edited since the tests last ran: the record cannot tell
            return
        for ref in values:
            if self.record.asserted(rel, ref.name, ref.key, any_value=True):
                continue
            stale = self.record.by_value.get((rel, ref.name, ref.key))
            why = (
                f"the assertion recorded at {stale[0].file}:{stale[0].line} is no longer "
                f"there; run the tests again"
                if stale
                else f'read it inside an assert in a test, against a reference: assert runs["'
                f'{ref.name}"].values["{ref.key}"] == pytest.approx(expected, rel=...)'
            )
            self.report(
                ref.where.path,
                ref.where.line,
                f"value {ref.name}.{ref.key} is quoted but no test asserts it ({why})",
            )

    # -- notebook entries -----------------------------------------------------------------------
    def check_notebook(self, path: Path) -> None:
        rel = self.rel(path)
        raw = path.read_text(encoding="utf-8")
        try:
            nb = notebook.read(path, rel)
        except JournalError as err:
            self.error(err, rel)
            return
        info = EntryInfo(rel, nb.meta)
        self.entries.append(info)
        raw_lines = raw.splitlines()

        self.check_front_matter(rel, nb.meta, lambda key: notebook.key_line(raw_lines, key))
        cells = nb.node.cells
        if not any(c.cell_type == "markdown" and MORE in c.source for c in cells):
            self.report(rel, 1, f"no '{MORE}' in a Markdown cell: put one after the opening text")
        for number, cell in enumerate(cells):
            if cell.cell_type != "code":
                continue
            images = sum(
                1
                for o in cell.get("outputs", [])
                if any(m.startswith("image/") for m in o.get("data", {}))
            )
            alts = len(notebook.ALT.findall(cell.source))
            if alts < max(images, 1 if DRAWS.search(cell.source) else 0):
                self.report(
                    rel,
                    self._cell_line(raw_lines, cell.source),
                    f"cell {number} draws a figure with no alt text: add a line '# alt: what it shows'",
                )
            for name in deps.imported_names(notebook._python_only(cell.source)):
                if (self.snippets_dir / f"{name}.py").is_file():
                    info.snippet_files.add(f"{name}.py")
                    info.run_files.add(f"{name}.py")

    @staticmethod
    def _cell_line(raw_lines: list[str], source: str) -> int:
        """The line of the notebook file where a cell's source starts (1 if not found)."""
        first = source.split("\n", 1)[0]
        needle = first.replace("\\", "\\\\").replace('"', '\\"')
        for i, line in enumerate(raw_lines, 1):
            if needle and needle in line:
                return i
        return 1

    # -- snippets and tests ---------------------------------------------------------------------
    def _read_tests(self) -> dict[str, str]:
        if not self.tests_dir.is_dir():
            return {}
        return {
            self.rel(p): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(self.tests_dir.rglob("*.py"))
        }

    def tests_naming(self, entry: Path) -> dict[str, str]:
        """The test files that name the entry (by its file name)."""
        return {rel: text for rel, text in self.tests.items() if entry.name in text}

    def _closure(self, files: set[str]) -> set[str]:
        """The snippet modules ``files`` are, plus every local module they import."""
        out: set[str] = set()
        for file in files:
            path = self.snippets_dir / file
            if path.is_file():
                out |= {self.rel(p) for p in deps.local_sources(path) if p.suffix == ".py"}
        return out

    def check_snippets(self) -> None:
        modules = sorted(p for p in self.snippets_dir.glob("*.py") if not p.name.startswith("_"))
        used: set[str] = set()
        run_by_tested_entry: set[str] = set()
        for entry in self.entries:
            used |= self._closure(entry.snippet_files)
            if self.tests_naming(self.root / entry.rel):
                run_by_tested_entry |= self._closure(entry.run_files)
        imported: set[str] = set()
        for text in self.tests.values():
            imported |= deps.imported_names(text)
        everything = "\n".join(self.tests.values())
        for path in modules:
            rel = self.rel(path)
            hidden = deps.shadowed(path.stem)
            if hidden:
                self.report(
                    rel,
                    1,
                    f"this snippet hides {hidden} from every snippet, test and notebook "
                    "(the snippets folder comes first on their path): rename it",
                )
            if rel not in used:
                self.report(
                    rel,
                    1,
                    "orphan snippet: no entry embeds, runs or imports it (use it or delete it)",
                )
            named = re.search(rf"\b{re.escape(path.name)}\b", everything)
            if path.stem not in imported and not named and rel not in run_by_tested_entry:
                self.report(
                    rel,
                    1,
                    "no test exercises this snippet: import it in a test under "
                    f"{self.rel(self.tests_dir)}/ or run it from an entry a test reads",
                )


def unusable_folder(path: Path) -> str:
    """Why ``path`` cannot be (or become) a folder, or '' if it can."""
    for folder in (path, *path.parents):
        if folder.exists():
            if folder.is_dir():
                return ""
            kind = "is a file" if folder == path else f"is inside {folder}, which is a file"
            return f"{path} {kind}, not a folder"
    return ""


def _a_format_spec(spec: str) -> bool:
    """Whether ``spec`` formats some value a run can return (a float, an int or a text)."""
    for sample in (1.5, 1, "text"):
        try:
            format(sample, spec)
            return True
        except (ValueError, TypeError):
            continue
    return False


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding mkdocs.yml (the journal's root)."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "mkdocs.yml").is_file():
            return folder
    raise FileNotFoundError(f"no mkdocs.yml in {here} or any folder above it")


def check(root: Path) -> list[Problem]:
    """Every problem in the journal at ``root``, sorted by file and line."""
    return Checker(root).run()
