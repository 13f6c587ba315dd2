"""What a build publishes beside the pages: the figures entries show and the images notebooks
draw, each a file named by its content (``figures/HASH.svg``), so a figure shown twice, or
unchanged since the last build, is one file at one address. A run's figure is named by the
checksum its cache entry (or frozen record) already holds: nothing is hashed again.

Also the notebook entries' pages: each ``*.ipynb`` read, executed through the engine's cache and
turned into Markdown (``notebook.py``), kept under the cache folder. A site generator adds the
returned files to its site; it writes nothing itself."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import notebook
from .directives import Figure, ParsedEntry
from .errors import JournalError
from .results import FigureOut, RunResult

if TYPE_CHECKING:
    from .project import Journal

FOLDER = "figures"
NOTEBOOK_FIGURE = "journal-notebook-figure:"  # stands for a figure's URL until the page is known
_NOTEBOOK_FIGURE = re.compile(re.escape(NOTEBOOK_FIGURE) + r"([\w/.-]+)")


def name_for(digest: str, ext: str) -> str:
    """Where a file whose content has the SHA-256 ``digest`` is published."""
    return f"{FOLDER}/{digest[:20]}.{ext}"


def figure_name(fig: FigureOut) -> str:
    """Where a run's figure is published."""
    return name_for(fig.digest, "svg")


def figures(entries: list[ParsedEntry], outcome: dict) -> tuple[dict[str, bytes], dict[str, str]]:
    """Every figure the entries show: (published name -> content, figure's SVG -> name).
    A figure a run did not draw is left out (the page reports it)."""
    files: dict[str, bytes] = {}
    names: dict[str, str] = {}
    for entry in entries:
        for d in entry.directives:
            if not isinstance(d, Figure):
                continue
            result = outcome.get((entry.path, d.name))
            fig = result.figure(d.figure) if isinstance(result, RunResult) else None
            if fig is None:
                continue
            name = figure_name(fig)
            if name not in files:
                files[name] = fig.svg.encode()
            names[fig.svg] = name
    return files, names


@dataclass
class NotebookPage:
    """A notebook entry made into a page: its Markdown (in ``path``, under the cache folder), the
    images it publishes, how it was obtained and how long that took, or the error."""

    rel: str
    path: Path | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    status: str = ""  # cached | executed | waiting (not executed yet: shown without outputs)
    seconds: float = 0.0
    error: JournalError | None = None


def notebook_problems(text: str, rel: str, categories=None) -> tuple[JournalError, ...]:
    """What a build stops on in the front matter of a notebook entry (the file's ``text``), at
    its line in the file, before it executes (``notebook.front_matter_problems``)."""
    return tuple(notebook.front_matter_problems(text, rel, categories))


def execute_notebook(journal: Journal, path: Path, lookup_only: bool = False):
    """(notebook, executed node or None, cached, seconds), or (error, None, False, seconds):
    through the journal's cache; ``lookup_only``: from the cache or not at all."""
    started = time.perf_counter()
    try:
        nb = notebook.read(path, journal.rel(path))
        if not journal.executes:
            return nb, nb.node, False, 0.0
        store = notebook.NotebookCache(journal.cache)
        if lookup_only:
            key = notebook.cache_key(
                nb, journal.environment_key, journal.snippets_dir, journal.root
            )
            node = store.get(key)
            return nb, node, node is not None, 0.0
        node, cached, _ = notebook.executed(
            nb, store, journal.environment_key, journal.snippets_dir, journal.root
        )
        return nb, node, cached, time.perf_counter() - started
    except JournalError as err:
        return err, None, False, time.perf_counter() - started


def notebook_page(journal: Journal, src_uri: str, rel: str, executed) -> NotebookPage:
    """The page of a notebook entry at ``src_uri`` from ``execute_notebook``'s answer: its
    Markdown written under the cache folder (never into a watched folder), its images to
    publish; reported to the journal's progress line."""
    nb, node, cached, seconds = executed
    page = NotebookPage(rel, seconds=seconds)
    with journal.reporter.lock:
        journal.reporter.total += 1
    try:
        if isinstance(nb, JournalError):
            raise nb

        def publish(data: bytes, ext: str) -> tuple[str, int, int]:
            name = name_for(hashlib.sha256(data).hexdigest(), ext)
            page.files.setdefault(name, data)
            width, height = notebook.image_size(data, ext)
            return f"{NOTEBOOK_FIGURE}{name}", width, height

        markdown = notebook.to_markdown(nb, node if node is not None else nb.node, publish)
    except JournalError as err:
        journal.reporter.finished(rel, "FAILED", seconds, err)
        page.error = err
        return page
    page.status = "waiting" if node is None else "cached" if cached else "executed"
    journal.reporter.finished(rel, page.status, seconds)
    page.path = journal.cache.root / "pages" / (src_uri[: -len(".ipynb")] + ".md")
    page.path.parent.mkdir(parents=True, exist_ok=True)
    if not page.path.is_file() or page.path.read_text(encoding="utf-8") != markdown:
        page.path.write_text(markdown, encoding="utf-8")
    return page


def notebook_figures(markdown: str, url: Callable[[str], str]) -> str:
    """A notebook page's Markdown with each image's URL, ``url(name)``, now the page is known."""
    return _NOTEBOOK_FIGURE.sub(lambda m: url(m.group(1)), markdown)
