"""The journal as a whole: where its entries, snippets, cache and frozen results live, and the
entry points the adapter, the tests and the command line use. The work is done elsewhere:
``settings`` (how it executes), ``running`` (runs, through ``schedule``, ``keys`` and ``cache``),
``page`` (rendering)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from . import fileversion, frontmatter, keys, outline, page, parsed, running, snippets
from .cache import Cache
from .directives import ParsedEntry
from .errors import JournalError, Location
from .progress import Reporter, Silent
from .results import RunResult
from .schedule import IGNORED
from .settings import EXECUTION_MODES, execution_from_environment

__all__ = ["EXECUTION_MODES", "IGNORED", "Journal", "execution_from_environment"]

_SLUGS: dict = {}  # fileversion.stat_of(entry) -> its slug


class Journal:
    """A journal rooted at ``root``: entries under ``entries_dir``, their directives resolved
    against ``snippets_dir``, results kept in ``cache_dir`` (``None``: kept for this process only)."""

    def __init__(
        self,
        root: Path,
        snippets_dir: str = "snippets",
        cache_dir: str | None = ".cache/journal",
        execution: str = "cache",
        jobs: int | None = None,
        reporter: Reporter | None = None,
        entries_dir: str = "posts",
        show_stale: bool = False,
    ):
        if execution not in EXECUTION_MODES:
            raise ValueError(f"execution must be one of {EXECUTION_MODES}, not {execution!r}")
        self.root = Path(root).resolve()
        self.snippets_dir = self.root / snippets_dir
        self.entries_dir = self.root / entries_dir
        self.execution = execution
        persistent = cache_dir is not None and execution == "cache"
        self.cache = Cache(self.root / cache_dir if persistent else None)
        if persistent:  # the snippets' outlines and the entries' parses, kept by content there
            outline.keep_in(self.cache.root)
            parsed.keep_in(self.cache.root)
        self.jobs = jobs or os.cpu_count() or 1
        self.reporter = reporter or Silent()
        self.show_stale = show_stale  # the preview shows a stale frozen result, marked stale
        self.environment_key = keys.environment_hash(self.root)
        self._rels: dict[str, str] = {}
        self._snippets: dict[str, Path] = {}

    @property
    def executes(self) -> bool:
        return self.execution != "off"

    # -- entries ----------------------------------------------------------------------------------
    def rel(self, path: Path) -> str:
        """``path`` relative to the journal's root (symbolic links resolved), else absolute;
        kept for the journal's life, one build (a build asks it for every run and entry)."""
        known = self._rels.get(str(path))
        if known is None:
            real = Path(path).resolve()
            known = (
                real.relative_to(self.root).as_posix()
                if real.is_relative_to(self.root)
                else str(real)
            )
            self._rels[str(path)] = known
        return known

    def snippet(self, file: str, where: Location) -> Path:
        """The snippet file ``file`` names (``snippets.resolve``: an error at ``where`` if there
        is none); once found, kept for the journal's life, one build (a build asks for each
        snippet once per run and code block, and resolving its links costs a dozen calls)."""
        known = self._snippets.get(file)
        if known is None or not known.is_file():  # gone since: resolve says what is wrong
            known = self._snippets[file] = snippets.resolve(
                self.snippets_dir, self.root, file, where
            )
        return known

    def parse(self, text: str, rel_path: str) -> ParsedEntry:
        return parsed.parse(text, rel_path)

    def parse_file(self, path: Path) -> ParsedEntry:
        return self.parse(Path(path).read_text(encoding="utf-8"), self.rel(path))

    def slug_of(self, rel_path: str) -> str:
        """The entry's front-matter ``slug``, else its file name without the extension (read
        again only when the file changes: a build asks for every entry's, at every save)."""
        path = self.root / rel_path

        def read() -> str:
            front = frontmatter.read(path.read_text(encoding="utf-8", errors="replace"))
            slug = front.meta.get("slug") if front is not None else None
            return slug if isinstance(slug, str) and slug else path.stem

        try:
            return fileversion.per_version(_SLUGS, path, read)
        except OSError:
            return Path(rel_path).stem

    def entry_files(self) -> list[Path]:
        return sorted(self.entries_dir.rglob("*.md")) if self.entries_dir.is_dir() else []

    def find_entry(self, slug: str) -> ParsedEntry | None:
        """The entry whose slug is ``slug``, parsed; None if there is none."""
        for path in self.entry_files():
            if self.slug_of(self.rel(path)) == slug:
                return self.parse_file(path)
        return None

    def all_entries(self) -> list[ParsedEntry]:
        """Every Markdown page under the entries folder that parses (others are skipped here;
        the build and ``journal check`` report them)."""
        entries = []
        for path in self.entry_files():
            try:
                entries.append(self.parse_file(path))
            except (JournalError, UnicodeDecodeError):
                continue
        return entries

    # -- running (running.py) ---------------------------------------------------------------------
    def run_all(
        self, entries: list[ParsedEntry], refreeze: set[tuple[str, str]] = frozenset()
    ) -> dict[tuple[str, str], RunResult | JournalError]:
        """See ``running.run_all``: a result or an error for each (entry path, run name)."""
        return running.run_all(self, entries, refreeze)

    def results_for(self, path: Path) -> dict[str, RunResult]:
        """See ``running.results_for``."""
        return running.results_for(self, path)

    def freeze(self, selectors: list[str]) -> dict[tuple[str, str], RunResult | JournalError]:
        """See ``running.freeze``."""
        return running.freeze(self, selectors)

    def prune(self, dry_run: bool = False) -> tuple[list[Path], int]:
        """See ``running.prune``."""
        return running.prune(self, dry_run)

    # -- rendering --------------------------------------------------------------------------------
    def render(
        self,
        text: str,
        entry: ParsedEntry,
        outcome: dict[tuple[str, str], RunResult | JournalError],
        figure_url: Callable[[str], str],
    ) -> page.Rendered:
        """See ``page.render_entry``: the page's Markdown and the problems it shows."""
        return page.render_entry(self, text, entry, outcome, figure_url)
