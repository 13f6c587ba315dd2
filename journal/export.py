"""An entry as a Jupyter notebook a reader takes home: the entry's prose and runs, generated at
build time, that runs top to bottom in a plain Jupyter (or Colab) and prints the page's numbers.

What the notebook holds, in order:

- a title cell: the entry's title, a link to its page and the commit it was generated from;
- a setup cell that pins what the engine pins (``runner.ENVIRONMENT``: one BLAS thread, set
  before numpy is imported; ``worker.py``: seeds 0, its figure settings), says which versions
  the page was computed with (``requirements.lock``), and defines ``run(file, function)``, which
  calls a snippet's function as the engine's worker does: the snippet and its local modules
  imported afresh (each run has a process of its own there), seeds reset, what it returns shown;
- one ``%%writefile`` cell per file the runs need (collapsed): every local module they import,
  transitively (``deps.py``), and every data file of the journal they read (recorded by the
  cache when they ran), at its path from the journal's root, so the folder mirrors the journal;
- the prose as Markdown cells, with ``{{ run.key }}`` replaced by the text the page shows and
  ``::output``/``::figure`` left out (the run cells print and draw them);
- ``::run`` as a code cell; a run that ``needs=`` another runs it first, in this notebook, even
  from another entry. Frozen runs (timings) are there, marked as measured elsewhere.

``::code`` becomes a Markdown code block, not a code cell: the lines it shows live in a module
the run cells import, and executed on their own they would run without the module's imports and
constants (a NameError), shadow the notebook's names, or, for a whole module shown, run its
``if __name__ == "__main__":`` block (``__name__`` is ``"__main__"`` in a notebook).

The output is deterministic: fixed cell ids, sorted keys, nothing from the clock or the machine
but the Python version the page was computed with, so two builds of one commit give the same bytes.
A notebook entry (``.ipynb``) is offered as itself, outputs stripped, with the same setup cell.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import platform
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from . import deps, frontmatter, frozen, keys, notebook, render, runner, snippets
from .cache import sha256_file
from .directives import Code, Invalid, ParsedEntry, Run, ValueRef
from .errors import JournalError
from .results import RunResult

if TYPE_CHECKING:
    from .project import Journal
    from .sourcelinks import Commit

FORMAT = 1  # bump when what a notebook holds changes: part of every cache key
THREAD_VARIABLES = [k for k, v in runner.ENVIRONMENT.items() if k.endswith("_THREADS")]
_RUN_MARK = "\x00journal-run:{}\x00"
_RUN_SPLIT = re.compile("\x00journal-run:([^\x00]+)\x00\n?")
_FRONT = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*\n", re.S)
_MORE = re.compile(r"^[ \t]*<!--\s*more\s*-->[ \t]*\n?", re.M)


def _worker_rc() -> dict[str, str]:
    """The worker's figure settings (worker.py is not importable as part of the package: it
    must import nothing of the engine), read from its source."""
    source = (Path(runner.__file__).parent / "worker.py").read_text(encoding="utf-8")
    block = re.search(r"^RC_PARAMS = \{\n(.*?)^\}", source, re.S | re.M)
    pairs = re.findall(r'^\s*"([\w.]+)":\s*"([^"]*)"', block.group(1) if block else "", re.M)
    return {k: v for k, v in pairs if k != "backend"}  # the notebook draws inline


@dataclass
class Step:
    """One run the notebook calls, with where it comes from."""

    slug: str
    path: str  # the entry's path
    run: Run
    result: RunResult | None
    other_entry: bool = False

    @property
    def ref_name(self) -> str:
        """The run's name in ``results``: ``RUN``, or ``SLUG:RUN`` for another entry's."""
        return f"{self.slug}:{self.run.name}" if self.other_entry else self.run.name


@dataclass
class _Plan:
    """What the notebook needs: its runs in the order they execute, the files to write."""

    done: dict[str, Step] = field(default_factory=dict)  # by SLUG:RUN
    sources: set[Path] = field(default_factory=set)
    data: set[str] = field(default_factory=set)  # relative to the journal's root
    outside: set[str] = field(default_factory=set)  # data read from outside the journal


# -- cells -----------------------------------------------------------------------------------------
def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


class _Cells:
    def __init__(self):
        self.cells: list[dict] = []

    def _id(self) -> str:
        return f"cell-{len(self.cells):03d}"

    def markdown(self, text: str) -> None:
        text = text.strip("\n")
        if text.strip():
            self.cells.append(
                {"cell_type": "markdown", "id": self._id(), "metadata": {}, "source": _lines(text)}
            )

    def code(self, text: str, metadata: dict | None = None) -> None:
        """A code cell; its source loses its final newline unless a blank line ends it: IPython
        adds a missing one back (and keeps the others), so a ``%%writefile`` cell writes its file
        byte for byte."""
        if text.endswith("\n") and not text.endswith("\n\n"):
            text = text[:-1]
        self.cells.append(
            {
                "cell_type": "code",
                "execution_count": None,
                "id": self._id(),
                "metadata": metadata or {},
                "outputs": [],
                "source": _lines(text),
            }
        )


def dumps(cells: list[dict], meta: dict) -> bytes:
    """nbformat 4.5 JSON, keys sorted, one space of indent (as Jupyter writes it)."""
    node = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            **meta,
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return (json.dumps(node, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()


# -- versions --------------------------------------------------------------------------------------
# Import names that are not their distribution's name (packages_distributions() finds any other)
ALIASES = {
    "sklearn": "scikit-learn",
    "yaml": "pyyaml",
    "PIL": "pillow",
    "dateutil": "python-dateutil",
}


@functools.cache
def _owners() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def _pins(root: Path) -> dict[str, str]:
    """``name -> version`` from requirements.lock (the environment the page was computed in)."""
    lock = root / "requirements.lock"
    pins: dict[str, str] = {}
    if lock.is_file():
        for m in re.finditer(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", lock.read_text(), re.M):
            pins.setdefault(m.group(1).lower().replace("_", "-"), m.group(2))
    return pins


def third_party(sources: list[Path], pins: dict[str, str]) -> list[str]:
    """The distributions the sources import (numpy, scikit-learn...), sorted."""
    names: set[str] = set()
    local = {p.stem for p in sources}
    for path in sources:
        for name in deps.imports_of(path):
            if name in local or name in sys.stdlib_module_names:
                continue
            if name.lower() in pins:  # numpy, matplotlib: no need to look further
                names.add(name.lower())
            elif name in ALIASES:
                names.add(ALIASES[name])
            else:  # read from every installed package's records: about a second, once
                names.update(d.lower().replace("_", "-") for d in _owners().get(name, [name]))
    return sorted(names)


# -- the setup cell --------------------------------------------------------------------------------
SETUP = '''\
# Setup: run this cell first. It does what the journal's engine does for every run
# (journal/runner.py and journal/worker.py in the repository).
import os
import sys

# One BLAS thread, set before numpy is imported: sums then add up in the same order as on the page.
for variable in {threads!r}:
    os.environ[variable] = "1"
if "numpy" in sys.modules:  # this kernel imported numpy already: limit its thread pools now
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)

import importlib.util
import math
import pprint
import random
from pathlib import Path

import numpy
from IPython import get_ipython
from IPython.display import display

get_ipython().run_line_magic("matplotlib", "inline")
import matplotlib  # noqa: E402

matplotlib.rcParams.update({rc!r})  # the engine's figure settings

# The page was computed with Python {python} and these versions (requirements.lock):
#   {pins_text}
# Other versions may print other numbers. To install these, uncomment the next line, run it,
# then restart the kernel:
# %pip install {pins_install}
{colab}
for folder in {folders!r}:  # where the cells below write the journal's files
    Path(folder).mkdir(parents=True, exist_ok=True)
SNIPPETS = Path("snippets").resolve()
sys.path.insert(0, str(SNIPPETS))
LOCAL_MODULES = {modules!r}  # the journal's own modules: imported afresh by every run
results = {{}}  # what every run returned, by run name


def _plain(value):
    """A returned value as the page keeps it: numbers, strings, booleans, lists of them."""
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return {{"__float__": repr(value)}}
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        return [_plain(v) for v in (value.tolist() if hasattr(value, "tolist") else value)]
    return value


def run(file, function="main"):
    """Call FUNCTION of snippets/FILE as the engine does: its modules imported afresh (there,
    each run has a process of its own), seeds 0, files it writes landing in this folder."""
    for name in LOCAL_MODULES:
        sys.modules.pop(name, None)
    random.seed(0)
    numpy.random.seed(0)
    path = SNIPPETS / file
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    returned = getattr(module, function)() or {{}}
    values = {{str(key): _plain(value) for key, value in returned.items()}}
    display({{"application/json": values, "text/plain": pprint.pformat(values)}}, raw=True)
    return values
'''

COLAB = """\
# Some runs read files outside the journal (listed in the first cell): on another machine they
# differ or are missing, and so may the numbers computed from them.
"""


def versions(root: Path, sources: list[Path]) -> list[str]:
    """``name==version`` (from requirements.lock) of every library the sources import."""
    pins = _pins(root)
    return [f"{name}=={pins[name]}" for name in third_party(sources, pins) if name in pins]


def setup_cell(root: Path, sources: list[Path], outside: bool, files: list[str]) -> str:
    wanted = versions(root, sources)
    modules = sorted({p.stem if p.name != "__init__.py" else p.parent.name for p in sources})
    return SETUP.format(
        threads=THREAD_VARIABLES,
        rc=_worker_rc(),
        python=platform.python_version(),
        pins_text=", ".join(wanted) or "(no third-party library)",
        pins_install=" ".join(wanted) or "(nothing to install)",
        colab=COLAB if outside else "",
        modules=modules,
        folders=sorted({str(Path(rel).parent) for rel in files} - {"."} | {"snippets"}),
    )


def _write_cell(rel: str, data: bytes) -> tuple[str, dict]:
    """A cell that writes one file at ``rel``: ``%%writefile`` for text that survives it exactly
    (IPython ends a cell with a newline), else the bytes in base64."""
    meta = {"jupyter": {"source_hidden": True}, "journal": {"file": rel}}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.endswith("\n") and "\r" not in text:
        return f"%%writefile {rel}\n{text}", meta
    encoded = base64.b64encode(data).decode()
    return (
        f"# {rel}, written byte for byte\nimport base64\n\n"
        f"Path({rel!r}).parent.mkdir(parents=True, exist_ok=True)\n"
        f"Path({rel!r}).write_bytes(base64.b64decode({encoded!r}))",
        meta,
    )


# -- what the runs need ----------------------------------------------------------------------------
def data_files(journal: Journal, result: RunResult | None) -> list[str]:
    """The data files a run read when it executed, as the cache (or ``frozen/``) recorded them."""
    if result is None:
        return []
    if result.measured is not None:  # frozen: the record says what it read then
        return []
    try:
        meta = json.loads((journal.cache.entry_dir(result.key) / "meta.json").read_text())
        return list(meta.get("data", []))
    except (OSError, ValueError, AttributeError):
        return []


def _frozen_data(journal: Journal, slug: str, run: Run) -> list[str]:
    try:
        record = json.loads(
            (frozen.folder(journal.root, slug, run.name) / "result.json").read_text()
        )
        return sorted(record.get("depends", {}).get("data", {}))
    except (OSError, ValueError):
        return []


class _Planner:
    def __init__(self, journal: Journal, outcome: dict, entry: ParsedEntry, slug: str):
        self.journal, self.outcome = journal, outcome
        self.entry, self.slug = entry, slug
        self.plan = _Plan()
        self.entries: dict[str, ParsedEntry] = {slug: entry}

    def _entry(self, slug: str) -> ParsedEntry:
        if slug not in self.entries:
            found = self.journal.find_entry(slug)
            if found is None:
                raise JournalError(f"no entry has the slug {slug!r}")
            self.entries[slug] = found
        return self.entries[slug]

    def add_sources(self, file: str, where) -> None:
        self.plan.sources.update(deps.local_sources(self.journal.snippet(file, where)))

    def order(self, slug: str, run: Run, emit: Callable[[Step], None]) -> None:
        """Emit ``run``'s producers (depth first), then ``run``, each once."""
        ref = f"{slug}:{run.name}"
        if ref in self.plan.done:
            return
        entry = self._entry(slug)
        for need in run.needs:
            other, _, name = need.rpartition(":")
            other = other or slug
            producer = next((r for r in self._entry(other).runs if r.name == name), None)
            if producer is None:
                raise JournalError(
                    f"run {run.name!r} needs {need}, which does not exist", run.where
                )
            self.order(other, producer, emit)
        result = self.outcome.get((entry.path, run.name))
        if isinstance(result, JournalError):
            raise result
        step = Step(slug, entry.path, run, result, other_entry=slug != self.slug)
        self.plan.done[ref] = step
        self.add_sources(run.file, run.where)
        found = (
            _frozen_data(self.journal, slug, run)
            if run.frozen
            else data_files(self.journal, result)
        )
        for rel in found:
            (self.plan.outside if Path(rel).is_absolute() else self.plan.data).add(rel)
        emit(step)


# -- an entry --------------------------------------------------------------------------------------
def _run_cell(step: Step) -> tuple[str, dict]:
    run = step.run
    call = (
        f"run({run.file!r})" if run.function == "main" else f"run({run.file!r}, {run.function!r})"
    )
    head = f"# ::run {run.name} {run.file}:{run.function}, {step.path}:{run.where.line}"
    meta = {"journal": {"entry": step.path, "run": run.name, "frozen": run.frozen}}
    return f"{head}\nresults[{step.ref_name!r}] = {call}", meta


def _code_markdown(excerpt: snippets.Excerpt, link) -> str:
    longest = max((len(m) for m in re.findall(r"`+", excerpt.text)), default=0)
    fence = "`" * max(3, longest + 1)
    last = excerpt.first_line + excerpt.text.count("\n")
    where = f"`{excerpt.path}`, lines {excerpt.first_line}\u2013{last}"
    if link is not None:
        where = f"[{where}]({link.url})"
    return f"{where}:\n\n{fence}python\n{excerpt.text}\n{fence}"


def entry_notebook(
    journal: Journal,
    entry: ParsedEntry,
    outcome: dict,
    page_url: str,
    commit: Commit | None = None,
    entry_url: Callable[[str], str | None] = lambda slug: None,
    code_link: Callable[[snippets.Excerpt], object] = lambda excerpt: None,
) -> bytes:
    """The notebook of the written entry ``entry`` (parsed from its whole file, front matter
    included), from the results of its runs (``outcome``, as the build has them: (entry path, run name) -> result or error).

    ``page_url`` is the entry's published address; ``commit`` the commit it is published from;
    ``entry_url(slug)`` another entry's address; ``code_link(excerpt)`` a code block's link.
    Raises the first JournalError of a run it needs."""
    slug = journal.slug_of(entry.path)
    title, description = _title(entry.text, slug)
    planner = _Planner(journal, outcome, entry, slug)
    body = _Cells()

    def emit(step: Step) -> None:
        if step.other_entry:
            there = entry_url(step.slug)
            name = f"[{step.slug}]({there})" if there else f"`{step.slug}`"
            body.markdown(
                f"This entry needs the files run `{step.run.name}` of the entry {name} writes "
                f"({', '.join(f'`{p}`' for p in step.run.produces)}): it runs here first."
            )
        if step.run.frozen:
            measured = step.result.measured if step.result is not None else None
            where = frozen.measured_text(measured) if measured else "measured on another machine"
            body.markdown(
                f"*Run `{step.run.name}` measures the machine it runs on: the page shows the "
                f"result {where}. Your numbers will differ.*"
            )
        source, meta = _run_cell(step)
        body.code(source, meta)

    def replace(item) -> str:
        """What a directive or a value reference of the page becomes in the prose."""
        if isinstance(item, Run):
            return _RUN_MARK.format(item.name)
        if isinstance(item, Code):
            path = journal.snippet(item.file, item.where)
            excerpt = snippets.read(
                journal.snippets_dir, journal.root, item.file, item.section, item.where, path
            )
            planner.add_sources(item.file, item.where)
            return "\n" + _code_markdown(excerpt, code_link(excerpt)) + "\n"
        if isinstance(item, Invalid):
            raise item.error
        if isinstance(item, JournalError):  # a value reference that cannot be read
            raise item
        if isinstance(item, ValueRef):
            result = outcome.get((entry.path, item.name))
            if not isinstance(result, RunResult) or item.key not in result.values:
                raise JournalError(f"no value {item.name}.{item.key}", item.where)
            return html.unescape(render.value_text(result.values[item.key], item))
        return ""  # ::output, ::figure: the run cell prints and draws them

    pieces, pos = [], 0
    for span in entry.spans:  # where the page replaces something, in order (directives.py)
        pieces += [entry.text[pos : span.start], replace(span.item)]
        pos = span.end
    substituted = "".join([*pieces, entry.text[pos:]])
    substituted = _MORE.sub("", _FRONT.sub("", substituted, count=1))
    substituted = re.sub(r"\A\s*# [^\n]*\n", "", substituted)  # the title: the first cell has it
    runs = {r.name: r for r in entry.runs}
    parts = _RUN_SPLIT.split(substituted)
    for i, part in enumerate(parts):
        if i % 2 == 0:
            body.markdown(_tidy(part))
        else:
            planner.order(slug, runs[part], emit)
    head = _Cells()
    link = f"[{title}]({page_url})"
    at = ""
    if commit is not None and commit.sha:
        at = f" at commit [`{commit.sha[:7]}`](https://github.com/{commit.repository}/tree/{commit.sha})"
    outside = sorted(planner.plan.outside)
    sources = sorted(planner.plan.sources)
    pinned = ", ".join(versions(journal.root, sources)) or "no other library"
    lines = [
        f"# {title}",
        "",
        f"*{description}*" if description else "",
        "",
        f"This notebook is the entry {link}, generated from the journal{at}. Run it top to "
        "bottom (*Run All*): each run cell calls the snippet's function as the journal's engine "
        "does (one BLAS thread, seeds 0, the snippet imported afresh) and prints and draws what "
        "the page shows; the numbers in the text are the page's. The first cells write the "
        "journal's files the runs need into this folder. The code the page shows is in Markdown "
        "blocks, not cells: the run cells import it from those files (run on its own, a section "
        "of a module would miss the module's imports and constants).",
        "",
        f"The page was computed with Python {platform.python_version()} and {pinned}: with "
        "these the numbers agree to the last digit (the setup cell's `%pip` line installs them). "
        "Another Python (Colab's, say) or other versions can change some, above all those "
        "computed from the installation's own files (the source of a standard library module, a "
        "data set shipped with a library).",
    ]
    if outside:
        lines += [
            "",
            "Some runs read files from outside the journal: "
            + ", ".join(f"`{_short(p)}`" for p in outside)
            + ". On another machine those differ or are missing, and so may the numbers "
            "computed from them.",
        ]
    head.markdown("\n".join(lines))
    files = {journal.rel(path): path for path in sources}
    for rel in sorted(planner.plan.data):
        files.setdefault(rel, journal.root / rel)
    head.code(
        setup_cell(journal.root, sources, bool(outside), list(files)), {"journal": {"setup": True}}
    )
    for rel, path in files.items():
        head.code(*_write_cell(rel, path.read_bytes()))
    cells = head.cells + body.cells
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number:03d}"
    meta = {
        "journal": {
            "entry": entry.path,
            "page": page_url,
            "commit": commit.sha if commit is not None else None,
            "format": FORMAT,
        }
    }
    return dumps(cells, meta)


def _short(path: str) -> str:
    """A path outside the journal, from its site-packages or lib folder on."""
    parts = Path(path).parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            return "/".join(parts[parts.index(marker) + 1 :])
    return "/".join(parts[-2:])


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _title(text: str, slug: str) -> tuple[str, str]:
    front = frontmatter.read(text)  # None: the build reports what is wrong with it
    meta = front.meta if front is not None else {}
    return str(meta.get("title") or slug), str(meta.get("description") or "")


@functools.cache
def _own_source() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def cache_key(
    journal: Journal, entry: ParsedEntry, outcome: dict, page_url: str, commit=None
) -> str:
    """What an entry's notebook is made of, hashed: this module, the journal's environment,
    the entry's text and address, the commit, and the key of every run's result (a run's key
    covers its snippet, the modules it imports, the data it read and the runs it needs, so the
    files the notebook writes are covered too) and the files its code blocks show."""
    h = hashlib.sha256(f"{FORMAT}\0{_own_source()}\0{journal.environment_key}".encode())
    sha = (commit.repository, commit.sha) if commit is not None else None
    h.update(json.dumps([entry.text, page_url, sha]).encode())
    for run in entry.runs:
        result = outcome.get((entry.path, run.name))
        if isinstance(result, RunResult):
            h.update(f"\0{run.name}\0{result.key}\0{json.dumps(result.measured)}".encode())
        else:
            h.update(f"\0{run.name}\0{result!s}".encode())
    for file, where in {d.file: d.where for d in entry.directives if isinstance(d, Code)}.items():
        try:  # each file shown once (an entry shows a snippet in several sections)
            snippet = journal.snippet(file, where)
        except JournalError:
            continue  # reported by the page itself
        h.update(json.dumps(keys.sources(journal.root, snippet), sort_keys=True).encode())
    return h.hexdigest()


NOTEBOOK_SETUP = """\
# Setup: what the journal's engine runs before this notebook's first cell (journal/notebook.py):
# seeds 0, figures inline.{path}
import random

import numpy
from IPython import get_ipython

get_ipython().run_line_magic("matplotlib", "inline")
random.seed(0)
numpy.random.seed(0)
"""


def notebook_entry(journal: Journal, nb, page_url: str, commit: Commit | None = None) -> bytes:
    """A notebook entry (``notebook.Notebook``) as a reader gets it: its cells without outputs,
    its front matter cell replaced by a title cell, the engine's setup first and the journal's
    modules it imports written beside it."""

    title = str(nb.meta.get("title") or Path(nb.rel).stem)
    at = ""
    if commit is not None and commit.sha:
        at = f" at commit [`{commit.sha[:7]}`]({_tree(commit)})"
    head = _Cells()
    head.markdown(
        f"# {title}\n\n{nb.meta.get('description') or ''}\n\nThis is the notebook entry "
        f"[{title}]({page_url}) of the journal{at}, with its outputs stripped: run it top to "
        "bottom (*Run All*) to see them."
    )
    sources = _notebook_sources(journal, nb)
    path = ""
    if sources:
        path = '\nimport sys\n\nsys.path.insert(0, "snippets")  # the modules written below'
    head.code(NOTEBOOK_SETUP.format(path=path), {"journal": {"setup": True}})
    if sources:
        head.code('from pathlib import Path\n\nPath("snippets").mkdir(exist_ok=True)')
    for source in sorted(sources):
        head.code(*_write_cell(journal.rel(source), source.read_bytes()))
    cells = head.cells
    for number, cell in enumerate(nb.node.cells[1:], start=1):  # 0: the front matter
        kept = {
            "cell_type": cell.cell_type,
            "metadata": dict(cell.get("metadata", {})),
            "source": _lines(cell.source),
        }
        if cell.cell_type == "code":
            kept.update(execution_count=None, outputs=[])
            kept["metadata"]["journal"] = {"entry": nb.rel, "cell": number}
        cells.append(kept)
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number:03d}"
    meta = {
        "journal": {"entry": nb.rel, "page": page_url, "commit": _sha(commit), "format": FORMAT}
    }
    return dumps(cells, meta)


def _sha(commit) -> str | None:
    return commit.sha if commit is not None else None


def _tree(commit) -> str:
    return f"https://github.com/{commit.repository}/tree/{commit.sha}"


def _notebook_sources(journal: Journal, nb) -> list[Path]:
    """The journal's modules a notebook entry imports, transitively."""
    code = [notebook._python_only(source) for source in nb.code_sources()]
    return deps.imported_sources(code, journal.snippets_dir)


def notebook_cache_key(journal: Journal, nb, page_url: str, commit=None) -> str:
    """What a notebook entry's take-home copy is made of, hashed."""
    h = hashlib.sha256(f"{FORMAT}\0{_own_source()}\0notebook".encode())
    sha = (commit.repository, commit.sha) if commit is not None else None
    h.update(json.dumps([nb.path.read_text(encoding="utf-8"), page_url, sha]).encode())
    for path in _notebook_sources(journal, nb):
        h.update(f"\0{journal.rel(path)}\0{sha256_file(path)}".encode())
    return h.hexdigest()
