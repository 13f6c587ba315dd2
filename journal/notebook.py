"""Notebook entries: a Jupyter notebook in ``posts/entries/`` read, executed (through a cache) and
turned into the same light Markdown a written entry becomes.

A notebook entry keeps its front matter in its first cell, a *raw* cell holding the same YAML
block a Markdown entry starts with (``---`` ... ``---``). Markdown cells are copied as they are;
code cells become highlighted code followed by what they printed and drew. Figures are SVG files
of their own (never base64 inside the page), and every code cell that draws one says what it
shows in a comment line ``# alt: ...`` (one per figure, in order).

Execution uses nbclient with the project's Python kernel in a temporary working directory, the
snippets folder on ``sys.path``, seeds 0, SVG figures on a transparent background (as the worker
saves them, so the dark palette can invert them) with a fixed hash salt and no date (so the same
code gives byte-identical figures). The executed notebook is cached under a key made of the code
cells, the snippet modules they import and the journal's environment key.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import subprocess
import tempfile
import time
from base64 import b64decode
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from . import deps, frontmatter, render
from .cache import Cache, sha256_file
from .errors import JournalError, Location

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*\n?\s*\Z", re.S)
ALT = re.compile(r"^\s*#\s*alt:\s*(.+?)\s*$", re.M)
KERNEL = "python3"
SETUP = """\
import random, sys
sys.path.insert(0, {snippets!r})
import matplotlib
import numpy
matplotlib.rcParams["svg.hashsalt"] = "journal"
matplotlib.rcParams["axes.facecolor"] = "none"
from matplotlib_inline.backend_inline import set_matplotlib_formats
set_matplotlib_formats("svg", metadata={{"Date": None}}, facecolor="none", edgecolor="none")
random.seed(0)
numpy.random.seed(0)
"""


@dataclass
class Notebook:
    """A notebook entry as read from disk: its cells and its front matter."""

    path: Path
    rel: str  # relative to the project's root, for messages
    node: nbformat.NotebookNode
    meta: dict
    front_matter: str  # the YAML text between the --- lines

    def code_sources(self) -> list[str]:
        return [c.source for c in self.node.cells if c.cell_type == "code"]


def read(path: Path, rel: str | None = None, text: str | None = None) -> Notebook:
    """Read the notebook at ``path`` (whose ``text`` may be given, already read) and its front
    matter cell; raise a JournalError if either is missing or broken."""
    rel = rel or str(path)
    try:
        if text is None:
            node = nbformat.read(str(path), as_version=4)
        else:
            node = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several kinds for a broken file
        raise JournalError(f"cannot read the notebook: {exc}", Location(rel, 1)) from None
    cells = node.cells
    first = cells[0] if cells else None
    match = FRONT_MATTER.match(first.source) if first is not None else None
    if first is None or first.cell_type != "raw" or not match:
        raise JournalError(
            "the notebook has no front matter",
            Location(rel, 1),
            hint="make its first cell a raw cell holding the entry's YAML front matter "
            "between two '---' lines (see AUTHORING.md)",
        )
    try:  # the Markdown entries' reader (journal/frontmatter.py), key by key
        front = frontmatter.load(match.group(1) or "")
    except yaml.YAMLError as exc:
        raise JournalError(f"front matter is not valid YAML: {exc}", Location(rel, 1)) from None
    except frontmatter.NotAMapping:
        raise JournalError("front matter is not a YAML mapping", Location(rel, 1)) from None
    if front.problems:  # a date like 2026-13-01, named with its field
        raise JournalError(f"front matter: {front.problems[0][1]}", Location(rel, 1))
    meta = front.meta
    return Notebook(Path(path), rel, node, meta, match.group(1) or "")


def key_line(raw_lines: list[str], key: str | None) -> int:
    """The line of the notebook file that holds the front matter's ``key:`` (1: not found)."""
    if key is not None:
        for i, line in enumerate(raw_lines, 1):
            if f'"{key}:' in line:
                return i
    return 1


def front_matter_problems(text: str, rel: str, categories=None) -> list[JournalError]:
    """What a build stops on in the front matter of the notebook entry whose file holds
    ``text`` (the Markdown entries' rules, ``frontmatter.validate(stopping=True)``), at its line
    in the file. A notebook that cannot be read at all is left to its execution, which
    reports it."""
    try:
        nb = read(Path(rel), rel, text)
    except JournalError:
        return []
    lines = text.splitlines()
    found = frontmatter.validate(
        nb.meta, lambda key: key_line(lines, key), categories=categories, stopping=True
    )
    hint = "journal check lists every problem, those a build lets through too"
    return [JournalError(message, Location(rel, line), hint=hint) for line, message in found]


def cache_key(nb: Notebook, environment_key: str, snippets_dir: Path, root: Path) -> str:
    """What the executed notebook depends on: code cells, the snippet modules they import
    (transitively), the kernel and the journal's environment."""
    h = hashlib.sha256(f"{environment_key}\0notebook\0{KERNEL}\0{SETUP}".encode())
    h.update(json.dumps(nb.code_sources()).encode())
    code = [_python_only(source) for source in nb.code_sources()]
    for src in deps.imported_sources(code, snippets_dir):
        h.update(f"\0{src.relative_to(root).as_posix()}\0{sha256_file(src)}".encode())
    return h.hexdigest()


def _python_only(source: str) -> str:
    """A cell's source without IPython magics and shell escapes (so ``ast`` can read it)."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")
    )


def execute(nb: Notebook, snippets_dir: Path, timeout: float = 120) -> nbformat.NotebookNode:
    """Run every code cell of ``nb`` top to bottom in a fresh kernel; return the executed copy.

    A cell that raises stops the run with a JournalError naming the cell and its traceback.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    node = copy.deepcopy(nb.node)
    setup = nbformat.v4.new_code_cell(SETUP.format(snippets=str(snippets_dir.resolve())))
    node.cells.insert(0, setup)
    with tempfile.TemporaryDirectory(prefix="journal-nb-") as tmp:
        client = NotebookClient(
            node,
            timeout=timeout,
            kernel_name=KERNEL,
            resources={"metadata": {"path": tmp}},
        )
        try:
            env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
            env.pop("MPLBACKEND", None)
            # The kernel's own stderr only says it is unencrypted on localhost: keep logs clean.
            client.execute(env=env, stderr=subprocess.DEVNULL)
        except CellExecutionError as exc:
            failed = next(  # the notebook's own numbering: the setup cell is not counted
                (i - 1 for i, c in enumerate(node.cells) if _has_error(c)), len(node.cells) - 2
            )
            raise JournalError(
                f"cell {failed} of the notebook raised {exc.ename}: {exc.evalue}",
                Location(nb.rel, failed),
                hint="run the notebook top to bottom in Jupyter to see the failing cell",
                detail=_strip_ansi(str(exc))[-3000:],
            ) from None
        except TimeoutError as exc:
            raise JournalError(f"the notebook timed out: {exc}", Location(nb.rel, 1)) from None
    node.cells.pop(0)
    return node


def _has_error(cell) -> bool:
    return cell.cell_type == "code" and any(
        o.output_type == "error" for o in cell.get("outputs", [])
    )


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


class NotebookCache:
    """Executed notebooks in the journal's cache, beside run results and checked the same way
    (a notebook altered in the cache is detected, discarded and run again, never published).
    ``store`` is the journal's ``Cache`` or a folder to keep one in; one that is not kept
    between builds (``execution: force``) is never read."""

    def __init__(self, store: Cache | Path | None):
        self.store = store if isinstance(store, Cache) else Cache(store)

    def get(self, key: str) -> nbformat.NotebookNode | None:
        if not self.store.persistent:
            return None
        text = self.store.get_notebook(key)
        if text is None:
            return None
        try:
            return nbformat.reads(text, as_version=4)
        except Exception:  # nbformat raises several kinds for a broken file
            return None

    def put(self, key: str, node: nbformat.NotebookNode) -> None:
        self.store.put_notebook(key, nbformat.writes(node))


def executed(
    nb: Notebook,
    cache: NotebookCache,
    environment_key: str,
    snippets_dir: Path,
    root: Path,
) -> tuple[nbformat.NotebookNode, bool, float]:
    """The executed notebook, from the cache when its key is there: (notebook, cached, seconds)."""
    key = cache_key(nb, environment_key, snippets_dir, root)
    started = time.perf_counter()
    node = cache.get(key)
    if node is not None:
        return node, True, time.perf_counter() - started
    node = execute(nb, snippets_dir)
    cache.put(key, node)
    return node, False, time.perf_counter() - started


# -- Markdown --------------------------------------------------------------------------------------
def to_markdown(
    nb: Notebook,
    node: nbformat.NotebookNode,
    publish: Callable[[bytes, str], tuple[str, int, int]],
) -> str:
    """The entry as Markdown: front matter, Markdown cells, code and its outputs.

    ``publish(data, extension)`` stores a figure and returns (its URL, width, height).
    """
    # The prose comes from the notebook as it is now, the outputs from its execution: the
    # cache key covers only the code cells, so a cached execution may hold older Markdown.
    outputs = iter([c for c in node.cells if c.cell_type == "code"])
    parts = [f"---\n{nb.front_matter}---\n"]
    for number, cell in enumerate(nb.node.cells):
        ran = next(outputs) if cell.cell_type == "code" else None
        if number == 0 or "remove-cell" in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "markdown":
            parts.append(cell.source.strip() + "\n")
        elif ran is not None and cell.source.strip():
            parts.append(_code_cell(nb, number, ran, publish))
    return "\n".join(parts)


def _code_cell(nb: Notebook, number: int, cell, publish) -> str:
    alts = ALT.findall(cell.source)
    shown = ALT.sub("", cell.source).strip("\n")
    shown = re.sub(r"\n{3,}", "\n\n", shown)
    out = []
    if "hide-input" not in cell.metadata.get("tags", []) and shown.strip():
        fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", shown)), default=0))
        out.append(f"{fence} python\n{shown}\n{fence}\n")
    text: list[str] = []
    figures = 0

    def flush():
        if text:
            out.append(render.output_block("".join(text)))
            text.clear()

    for output in cell.get("outputs", []):
        kind = output.output_type
        if kind == "stream":
            text.append(output.text)
        elif kind == "error":
            flush()
            err = JournalError(
                f"cell {number} raised {output.ename}: {output.evalue}", Location(nb.rel, number)
            )
            out.append(render.error_block(err))
        elif kind in {"execute_result", "display_data"}:
            data = output.get("data", {})
            image = _image(data)
            if image is not None:
                flush()
                if figures >= len(alts):
                    raise JournalError(
                        f"cell {number} draws a figure with no alt text",
                        Location(nb.rel, number),
                        hint="add a comment line '# alt: what the figure shows' to the cell, "
                        "one per figure",
                    )
                src, width, height = publish(*image)
                out.append(render.figure_block(src, alts[figures], "", width, height))
                figures += 1
            elif "text/markdown" in data:
                flush()
                out.append(data["text/markdown"] + "\n")
            elif "text/plain" in data:
                text.append(data["text/plain"].rstrip("\n") + "\n")
    flush()
    return "\n".join(out)


def _image(data: dict) -> tuple[bytes, str] | None:
    """A display's figure as (bytes, extension), SVG preferred; None if it has none."""
    if "image/svg+xml" in data:
        svg = data["image/svg+xml"]
        svg = "".join(svg) if isinstance(svg, list) else svg
        return svg.encode(), "svg"
    for mime, ext in (("image/png", "png"), ("image/jpeg", "jpg")):
        if mime in data:
            return b64decode(data[mime]), ext
    return None


def image_size(data: bytes, ext: str) -> tuple[int, int]:
    """Width and height in CSS pixels of a published figure."""
    if ext == "svg":
        return render.svg_size(data.decode("utf-8", errors="replace"))
    if ext == "png" and data[:8] == b"\x89PNG\r\n\x1a\n":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 640, 480
