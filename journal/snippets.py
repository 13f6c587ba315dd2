"""Read what an entry shows of a snippet: the whole module or a named section of it.

Sections are marked in the snippet with comment lines, as in pymdownx.snippets::

    # --8<-- [start:gram_schmidt]
    def gram_schmidt(A): ...
    # --8<-- [end:gram_schmidt]

Marker lines are never shown to the reader.
"""

from __future__ import annotations

import io
import re
import textwrap
import tokenize
from dataclasses import dataclass
from pathlib import Path

from . import fileversion, textlines
from .errors import JournalError, Location, did_you_mean

MARKER = re.compile(r"^\s*#\s*--8<--\s*\[(start|end):([\w-]+)\]\s*$")


@dataclass(frozen=True)
class Excerpt:
    """Lines of a snippet to show, with the file's line number of the first one."""

    path: str  # relative to the project's root, e.g. "snippets/qr.py"
    text: str
    first_line: int


def resolve(snippets_dir: Path, root: Path, file: str, where: Location) -> Path:
    """The snippet file ``file`` names, or an error at ``where`` if there is none."""
    path = (snippets_dir / file).resolve()
    if not path.is_relative_to(snippets_dir.resolve()):
        raise JournalError(f"{file} is outside {snippets_dir.relative_to(root)}/", where)
    if not path.is_file():
        names = sorted(p.name for p in snippets_dir.glob("*.py"))
        close = did_you_mean(file, names)
        raise JournalError(
            f"snippet {_rel(path, root)} not found" + (f": {close}" if close else ""),
            where,
            hint=f"paths are relative to {_rel(snippets_dir, root)}/; "
            f"there: {', '.join(names[:12]) or 'nothing'}",
        )
    return path


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _rel_resolved(path: Path, root: Path) -> str:
    """``_rel`` of a path ``resolve`` returned: a resolved path holds no link nor "..", so when
    it starts with ``root`` as written, ``root`` needs no resolving either (the usual case)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return _rel(path, root)


def sections(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Map each section name to (index of its first line, index after its last line)."""
    return _markers(lines)[0]


def _markers(lines: list[str]) -> tuple[dict, dict[str, int], dict[str, list[int]]]:
    """The complete sections, the start line (1-based) of each section never ended, and the
    start lines of each name marked more than once."""
    starts: dict[str, int] = {}
    found: dict[str, tuple[int, int]] = {}
    marked: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        m = MARKER.match(line)
        if not m:
            continue
        kind, name = m.groups()
        if kind == "start":
            starts[name] = i + 1
            marked.setdefault(name, []).append(i + 1)
        elif name in starts:
            found[name] = (starts.pop(name), i)
    return found, starts, {name: at for name, at in marked.items() if len(at) > 1}


def read_text(path: Path, root: Path, where: Location | None) -> str:
    """A snippet's text, decoded as Python decodes it (UTF-8 unless a coding line says else);
    bytes that do not decode are an error naming the file, its line, and ``where``."""
    data = path.read_bytes()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except SyntaxError as exc:  # a coding line naming no known encoding
        raise JournalError(f"{_rel(path, root)}: {exc}", where) from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise JournalError(
            f"{_rel(path, root)}:{line} is not {exc.encoding} text (byte {data[exc.start]:#04x})",
            where,
            hint="save the snippet as UTF-8, as Python expects of source files",
        ) from None


_kept: dict[tuple, tuple[list[str], dict[str, tuple[int, int]], dict[str, int]]] = {}


def _lines_and_markers(path: Path, root: Path, where: Location) -> tuple:
    """A snippet's lines and sections, read once while the file is unchanged on disk (an entry
    shows a snippet in several sections; the preview renders again at every save)."""

    def make() -> tuple:
        lines = textlines.lines(read_text(path, root, where))
        return (lines, *_markers(lines))

    return fileversion.per_version(_kept, path, make)


def read(
    snippets_dir: Path,
    root: Path,
    file: str,
    section: str | None,
    where: Location,
    path: Path | None = None,
) -> Excerpt:
    """The text of ``file`` (or of its ``section``) with marker lines removed; ``path``: the
    file ``resolve`` found for it, when the caller already knows it."""
    path = path or resolve(snippets_dir, root, file, where)
    lines, found, unended, repeated = _lines_and_markers(path, root, where)
    rel = _rel_resolved(path, root)
    if section is None:
        start, end = 0, len(lines)
    else:
        if section in repeated:  # which one the page showed would depend on the order
            lines_at = " and ".join(f"{rel}:{n}" for n in repeated[section])
            raise JournalError(
                f"section {section!r} is marked more than once in {rel} ({lines_at})",
                where,
                hint="give each section a name of its own",
            )
        if section in unended:
            raise JournalError(
                f"section {section!r} in {rel} has no end marker",
                where,
                hint=f"its start is {rel}:{unended[section]}; end it with "
                f"'# --8<-- [end:{section}]'",
            )
        if section not in found:
            names = ", ".join(sorted(found)) or "none"
            close = did_you_mean(section, [*found, *unended])
            raise JournalError(
                f"section {section!r} not found in {rel}" + (f": {close}" if close else ""),
                where,
                hint=f"mark it with '# --8<-- [start:{section}]' and '# --8<-- [end:{section}]'; "
                f"sections there: {names}",
            )
        start, end = found[section]
    shown = [line for line in lines[start:end] if not MARKER.match(line)]
    while shown and not shown[0].strip():
        shown.pop(0)
        start += 1
    while shown and not shown[-1].strip():
        shown.pop()
    return Excerpt(rel, textwrap.dedent("\n".join(shown)), start + 1)
