"""The MkDocs adapter: runs every entry's snippets once per build (through the cache) and
replaces the entries' directives with code, output, figures and values.

Configuration (``mkdocs.yml``)::

    plugins:
      - journal:
          snippets_dir: snippets
          cache_dir: .cache/journal
          execution_mode: cache      # off | cache | force

The journal's identity comes from ``journal.yml`` (``journal.identity``): on_config fills
site_name, site_url, site_description, site_author, repo_url, repo_name, the theme's language,
the blog plugin's categories_allowed (the plan's parts) and extra.giscus (only with real ids), so
mkdocs.yml carries none of it (a site without journal.yml only gets its entries run). The preview
watches journal.yml and rebuilds every page when it changes. ``JOURNAL_SITE_URL`` (set by the
Pages workflow to the address GitHub Pages serves) must agree with journal.yml's site_url, or the
build stops and says so.

Environment: ``JOURNAL_EXECUTION=off|cache|force`` overrides ``execution_mode`` (off: pages
without running anything, a plain build for timing; force: every run afresh, the cache neither
read nor written). The older ``JOURNAL_EXECUTE=off`` (off) and ``JOURNAL_CACHE=off`` (force)
still work. ``JOURNAL_CACHE_DIR=PATH`` puts the cache elsewhere (shared by several checkouts).
"""

from __future__ import annotations

import logging
import math
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

from .. import background, deps, frontmatter, glimpse, identity, publish
from .. import page as page_module
from ..check import unusable_folder
from ..directives import Code, ParsedEntry, Run
from ..errors import JournalError, Location, did_you_mean
from ..progress import Reporter
from ..project import Journal
from ..settings import EXECUTION_MODES, execution_from_environment
from . import (
    excerpt_once,
    highlight_cache,
    material_cache,
    math_cache,
    page_meta,
    render_cache,
    reread,
    site,
    site_cache,
    template_cache,
    theme_files,
)
from .notebook_export import Exporter

log = logging.getLogger("mkdocs.plugins.journal")


def _preview_logger() -> logging.Logger:
    """Where the live preview reports a failing snippet: stderr, outside the ``mkdocs`` loggers,
    so ``mkdocs serve --strict`` does not abort the rebuild (and leave the page stuck) for an
    error the page itself shows."""
    logger = logging.getLogger("journal.preview")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("ERROR   -  %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    return logger


preview_log = _preview_logger()
SITE_CACHE = "site"  # the site's own caches (highlighted code), in the cache folder
PREVIEW_POLL_SECONDS = 0.1  # how often the preview looks for saved files (mkdocs: 0.5)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _stop_cleanly_on_termination() -> None:
    """Let SIGTERM and SIGHUP (a process manager stopping the preview, its terminal closing) end
    ``mkdocs serve`` the way Ctrl-C does. By default they kill Python at once, so mkdocs never
    removes its temporary site folder (about 50 MB per preview at 100 entries) and the engine's
    shutdown (stopping background runs, saving the site caches) never happens. Handlers that
    someone else installed are left alone."""
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _interrupt)


class NotebookPage(File):
    """A notebook entry's page: a documentation page whose source is the Markdown the engine
    made from the notebook (kept under the cache folder)."""

    def is_documentation_page(self) -> bool:
        return True


class JournalConfig(Config):
    snippets_dir = c.Type(str, default="snippets")
    cache_dir = c.Type(str, default=".cache/journal")
    execution_mode = c.Choice(EXECUTION_MODES, default="cache")
    jobs = c.Optional(c.Type(int))


class JournalPlugin(BasePlugin[JournalConfig]):
    """Executable entries for MkDocs."""

    supports_multiple_instances = False

    def __init__(self):
        self.serving = False
        self.journal: Journal | None = None
        self.entries: dict[str, ParsedEntry] = {}
        self.outcome: dict = {}
        self.outcome_marks: dict[str, tuple] = {}  # page -> its runs' outcomes (_mark_changed)
        self.errors: list[JournalError] = []
        self.told: set[str] = set()
        self.notebook_pages: set[str] = set()
        self.glimpses: dict = {}  # src_uri -> glimpse.Glimpse, for the home page
        self.dirty = False
        self.identity: identity.Identity | None = None
        self.identity_changed = False  # since the preview's previous build: rebuild every page
        self.written_identity: identity.Identity | None = None
        # The preview's first build does not wait for the runs (journal/background.py); the build
        # after they finish rebuilds every page (a --dirty preview would keep the placeholders).
        self.background: background.Background | None = None
        self.placeholders = self.refresh_all = False
        self.exporter: Exporter | None = None

    def on_startup(self, *, command, dirty):
        self.serving = command == "serve"
        self.dirty = dirty
        if self.serving:
            _stop_cleanly_on_termination()

    @event_priority(100)  # before the other plugins read the name, language and categories
    def on_config(self, config):
        root = Path(config.config_file_path).resolve().parent
        self.identity = None
        if (root / identity.FILE).is_file():  # without one, the engine runs entries and no more
            try:
                self.identity = identity.load(root)
            except JournalError as err:
                raise PluginError(f"journal: {err}") from None
            apply_identity(config, self.identity, serving=self.serving)
        # against the identity of the last build that was written: a save that broke
        # journal.yml and the save that mended it are one change
        self.identity_changed = self.written_identity not in (None, self.identity)
        try:
            execution = execution_from_environment(self.config.execution_mode)
        except JournalError as err:
            raise PluginError(f"journal: {err}") from None
        cache_dir = os.environ.get("JOURNAL_CACHE_DIR") or self.config.cache_dir
        if execution == "cache":
            problem = unusable_folder(root / cache_dir)
            if problem:
                setting = (
                    "JOURNAL_CACHE_DIR" if os.environ.get("JOURNAL_CACHE_DIR") else "cache_dir"
                )
                raise PluginError(
                    f"journal: {setting}={cache_dir}: {problem}; point it at a folder (created "
                    "if missing), or set JOURNAL_EXECUTION=force to run without a cache"
                )
        self.journal = Journal(
            root,
            snippets_dir=self.config.snippets_dir,
            cache_dir=cache_dir,
            execution=execution,
            jobs=self.config.jobs,
            reporter=Reporter(),
            entries_dir=str(Path(config.docs_dir).resolve()),
            show_stale=self.serving,
        )
        # The site's own caches, kept between builds beside the runs' results (force: for this
        # build only, as the runs are); JOURNAL_SITE_CACHE=off turns them off (site_cache.py).
        folder = site_cache.folder_for(
            root / cache_dir / SITE_CACHE if execution != "force" else None
        )
        on = site_cache.enabled()
        highlight_cache.install(site_cache.store("highlight", folder) if on else None)
        excerpt_once.install(on, site_cache.file_store("excerpts", folder) if on else None)
        render_cache.install(site_cache.file_store("pages", folder) if on else None)
        material_cache.install(
            site_cache.store("readtime", folder) if on else None,
            site_cache.store("search", folder) if on else None,
        )
        math_cache.install(site_cache.store("mathml", folder) if on else None)
        theme_files.install(site_cache.store("theme", folder) if on else None)
        template_cache.install(folder if on else None)  # compiled templates
        if self.identity is not None:  # a whole journal: the site's hooks, theme and assets too
            site.register(config)
        self.exporter = (  # each entry's notebook to take home (notebook_export.py)
            Exporter(self.journal, site_cache.store("notebooks", folder) if on else None)
            if self.identity is not None and self.journal.executes
            else None
        )
        return config

    @event_priority(-100)  # after every hook that fills the site caches (the math font's)
    def on_post_build(self, *, config):
        self.written_identity = self.identity
        if not self.serving:  # the preview writes them when it stops: a save waited 0.4 s on it
            site_cache.save_all()
        if self.placeholders and self.background.thread is None:  # the preview's first build
            notebooks = self.unexecuted_notebooks
            self.background.start(
                list(self.entries.values()),
                then=lambda: [
                    publish.execute_notebook(self.journal, Path(f.abs_src_path)) for f in notebooks
                ],
            )

    def on_shutdown(self):
        if self.background is not None:
            self.background.stop()
        site_cache.save_all()

    def _fail(self, err: JournalError) -> None:
        """The one error policy, for every problem of the content the engine reports (front
        matter, directives, runs, notebooks, rendering, glimpses), each logged once with its
        file:line. A build reports every problem of a stage, then stops (``_stop_if_failed``):
        the entries' problems before anything runs, every failed run, every page's rendering
        problems before a page is written. The preview keeps going (the page shows it)."""
        if str(err) not in self.told:
            self.told.add(str(err))
            (preview_log if self.serving else log).error("journal: %s", err)
        self.errors.append(err)

    def _stop_if_failed(self) -> None:
        """A build stops here if a problem was reported (the preview never does)."""
        if self.errors and not self.serving:
            count = len(self.told)
            told = "1 problem, reported" if count == 1 else f"{count} problems, each reported"
            raise PluginError(f"journal: the build stops: {told} above with its file and line")

    def on_files(self, files: Files, *, config):
        if self.identity is not None:
            site.add_assets(files, config)
        self.entries, self.errors, self.unexecuted_notebooks = {}, [], []
        self.told: set[str] = set()  # what the preview has logged in this build
        notebooks = [f for f in files if f.src_uri.endswith(".ipynb") and f.abs_src_path]
        categories = tuple(self.identity.categories) if self.identity else None
        posts, separator = _blog_posts(config)
        for f in notebooks:  # an entry's, before any executes (the blog would stop naming no line)
            if posts is not None and f.src_uri.startswith(posts):
                for problem in _notebook_errors(f.content_string, self._rel(f), categories):
                    self._fail(problem)
        first = self.serving and self.background is None and self.journal.execution == "cache"
        if first:
            self.background = background.Background(self.journal)
        # A notebook executes in a kernel beside the runs, not before them: on a cold build the
        # runs would otherwise wait for it alone (one more process than cores, for its length).
        with ThreadPoolExecutor(max_workers=1) as pool:
            executing = {
                f.src_uri: pool.submit(
                    publish.execute_notebook, self.journal, Path(f.abs_src_path), first
                )
                for f in notebooks
                if self.serving or not self.errors  # a build that will stop executes none
            }
            for file in files.documentation_pages():
                text = file.content_string
                rel = self._rel(file)
                draft = not self.serving and is_draft(text)  # left out of a published build
                if posts is not None and file.src_uri.startswith(posts) and not draft:
                    rejected = _post_errors(text, rel, categories, separator)
                else:  # any page: MkDocs would say only "month must be..."
                    rejected = tuple(filter(None, [_front_matter_error(text, rel)]))
                for problem in rejected:  # before anything runs, and before the blog reads it
                    self._fail(problem)  # (its directives are still read: their problems too)
                if "::" not in text and "{{" not in text:
                    continue
                if draft:
                    continue  # a published build leaves drafts out: nothing of theirs runs
                entry = reread.parse(text, rel, strict=False)
                for problem in entry.problems:
                    self._fail(problem)
                self.entries[file.src_uri] = entry
            self._stop_if_failed()  # nothing runs for a build whose entries cannot be read
            if first:  # what the cache holds now; the rest executes after this build
                self.outcome = self.background.known(list(self.entries.values()))
            else:
                if self.background is not None:  # a save during the first round: let it end
                    self.background.wait()
                self.outcome = self.journal.run_all(list(self.entries.values()))
            self._notebook_pages(files, config, notebooks, executing)
        self.refresh_all = self.placeholders  # the previous build showed placeholders
        self.placeholders = first and bool(
            self.unexecuted_notebooks
            or any(isinstance(r, background.Pending) for r in self.outcome.values())
        )
        for (path, name), result in self.outcome.items():
            if isinstance(result, background.Pending):
                continue
            if isinstance(result, JournalError):
                self._fail(result)
            elif result.stale:  # only the preview gets here: a build fails on a stale result
                preview_log.error(
                    "journal: %s: frozen run %r is stale: %s", path, name, result.stale
                )
        self._stop_if_failed()  # every failed run (and notebook) reported, none rendered
        self._publish_figures(files, config)
        self._glimpses(files)
        self._stop_if_failed()
        return files

    def _glimpses(self, files: Files) -> None:
        """Each entry's glimpse for the home page (journal/glimpse.py; hooks/home.py shows it)."""
        pages = [
            (f.src_uri, self.journal.rel(Path(f.abs_src_path)), f.content_string)
            for f in files.documentation_pages()
            if f.src_uri.endswith(".md") and f.abs_src_path and f.src_uri not in self.notebook_pages
        ]
        pages = [p for p in pages if self.serving or not is_draft(p[2])]
        self.glimpses, problems = glimpse.collect(
            pages, self.entries, self.outcome, self.figure_paths
        )
        for err in problems:
            self._fail(err)

    def on_nav(self, nav, *, config, files):
        if self.dirty and (self.identity_changed or self.refresh_all):  # every page shows...
            for file in files:  # all of them: the blog keeps its posts out of the nav till now
                if file.is_documentation_page():
                    file.is_modified = lambda: True
        elif self.dirty:  # after every plugin's on_files: the blog moves entries' output paths
            self._mark_changed(files)
            reread.keep_listings(files)
        if self.exporter is not None:  # the entries' final addresses, for notebooks' links
            self.exporter.know(files, config, [*self.entries, *self.notebook_pages])
        self._one_page_per_address(files)
        self._stop_if_failed()
        return nav

    def _rel(self, file: File) -> str:
        """Where a page's source is, as errors name it (a generated page: its address)."""
        return self.journal.rel(Path(file.abs_src_path)) if file.abs_src_path else file.src_uri

    def _one_page_per_address(self, files: Files) -> None:
        """Two pages written to one address: the later would replace the earlier without a
        word (two entries with one slug, or a slug the blog also derives from another's title)."""
        first: dict[str, File] = {}
        for file in files:
            if not file.is_documentation_page():
                continue
            other = first.setdefault(file.dest_uri, file)
            if other is file:
                continue
            rel, mine = self._rel(file), self._rel(other)
            front = frontmatter.read(file.content_string) if file.abs_src_path else None
            line = front.lines.get("slug", 1) if front else 1
            self._fail(
                JournalError(
                    f"its page would be written to {file.dest_uri}, where {mine}'s is: one of "
                    "the two would be lost",
                    Location(rel, line),
                    hint="give each entry a slug of its own (slug: in the front matter)",
                )
            )

    def _mark_changed(self, files: Files) -> None:
        """``mkdocs serve --dirty`` rebuilds only pages whose source file is newer than their
        output; an entry must also be rebuilt when a snippet it shows or runs (or a module that
        one imports) was saved after the page was last written."""
        newest: dict[str, float] = {}  # snippet -> the latest time it or a module it imports
        outcomes, self.outcome_marks = self.outcome_marks, {}
        for src_uri, entry in self.entries.items():  # was saved (one look per snippet)
            # ... or when what its runs gave changed: a module a snippet imports was deleted,
            # a file named by inputs= changed (no snippet was saved)
            marks = tuple(
                _outcome_mark(self.outcome.get((entry.path, run.name))) for run in entry.runs
            )
            self.outcome_marks[src_uri] = marks
            file = files.get_file_from_path(src_uri)
            if file is None or not file.abs_dest_path or not os.path.isfile(file.abs_dest_path):
                continue
            if outcomes.get(src_uri, marks) != marks:
                file.is_modified = lambda: True
                continue
            built = os.path.getmtime(file.abs_dest_path)
            for d in entry.directives:
                if not isinstance(d, Code | Run):
                    continue
                if d.file not in newest:
                    path = self.journal.snippets_dir / d.file
                    sources = deps.local_sources(path) if path.is_file() else []
                    # a snippet deleted since: the page must say so
                    newest[d.file] = max(map(os.path.getmtime, sources), default=math.inf)
                if newest[d.file] > built:
                    file.is_modified = lambda: True
                    break

    def _notebook_pages(self, files: Files, config, found: list, executing: dict) -> None:
        """Each ``*.ipynb`` among the entries becomes the page the engine made of it
        (``publish.notebook_page``), keeping the notebook's ``src_uri``, and its images."""
        self.notebook_pages = set()
        for file in found:
            rel = self.journal.rel(Path(file.abs_src_path))
            made = publish.notebook_page(
                self.journal, file.src_uri, rel, executing[file.src_uri].result()
            )
            if made.error is not None:
                self._fail(made.error)
                continue
            if made.status == "waiting":  # the preview's first build: executed afterwards
                self.unexecuted_notebooks.append(file)
            _add(files, config, made.files)
            files.remove(file)
            files.append(NotebookPage.generated(config, file.src_uri, abs_src_path=str(made.path)))
            self.notebook_pages.add(file.src_uri)

    def _publish_figures(self, files: Files, config) -> None:
        """Add each figure an entry shows to the site (``publish.figures``)."""
        published, self.figure_paths = publish.figures(list(self.entries.values()), self.outcome)
        _add(files, config, published)

    def on_page_markdown(self, markdown, *, page, config, files):
        if page.file.src_uri in self.notebook_pages:
            if self.exporter is not None:
                self.exporter.notebook_entry(page, config)
            return publish.notebook_figures(markdown, lambda name: get_relative_url(name, page.url))
        entry = self.entries.get(page.file.src_uri)
        if entry is None:
            return markdown

        def figure_url(name: str) -> str:
            return get_relative_url(name, page.url)

        reparsed = page_module.REPARSED["count"]
        rendered = self.journal.render(markdown, entry, self.outcome, figure_url)
        for err in rendered.errors:
            self._fail(err)
        if self.exporter is not None and not rendered.errors:
            self.exporter.entry(page, config, entry, self.outcome)
        if page_module.REPARSED["count"] != reparsed:  # another plugin changed the page's text
            log.debug("journal: %s: parsed again (not the text read from the file)", entry.path)
        return rendered.markdown

    def on_env(self, env, *, config, files):
        self._stop_if_failed()  # every page's rendering problems, before any page is written
        return env

    def on_serve(self, server, *, config, builder):
        _poll_every(server, PREVIEW_POLL_SECONDS)
        server.watch(str(self.journal.snippets_dir))
        # every rebuild reloads the configuration, so on_config reads the saved identity
        server.watch(str(self.journal.root / identity.FILE), recursive=False)
        if self.placeholders:  # rebuild (and reload the pages) when the first build's runs end
            self.background.when_done(lambda: _rebuild_soon(server))
        return server


def _add(files: Files, config, published: dict[str, bytes]) -> None:
    """The engine's files to publish (name -> content, named by content) among the site's."""
    for name, data in published.items():
        if files.get_file_from_path(name) is None:
            files.append(File.generated(config, name, content=data))


def apply_identity(config, ident: identity.Identity, serving: bool = False) -> None:
    """Fill MkDocs' configuration from the journal's identity (see the module's docstring)."""
    config.site_name = ident.title
    config.site_description = ident.description
    config.site_author = ident.author_name
    config.repo_url = ident.repo_url + "/"
    config.repo_name = ident.repository
    config.theme["language"] = ident.language
    _translated(config, ident)
    pages = os.environ.get("JOURNAL_SITE_URL", "").strip()
    if pages and pages.rstrip("/") + "/" != ident.site_url and not serving:
        raise PluginError(
            f"journal: GitHub Pages serves this site at {pages} (JOURNAL_SITE_URL) but "
            f"{identity.FILE} says site_url {ident.site_url}; set `site_url: "
            f"{pages.rstrip('/')}/` in {identity.FILE} (a custom domain, say), or fix the Pages "
            "settings"
        )
    if not serving or not config.site_url:  # `mkdocs serve` has set its own address
        config.site_url = ident.site_url
    blog = _blog_plugin(config)
    if blog is not None and "categories_allowed" in blog.config:
        blog.config["categories_allowed"] = list(ident.categories)
    config.extra.pop("giscus", None)
    if ident.comments is not None:
        config.extra["giscus"] = dict(ident.comments)
    config.extra["journal"] = {
        "title": ident.title,
        "author_about": ident.author_about,
        "author_avatar": ident.author_avatar,
        "repository": ident.repository,
        "discussions_url": ident.discussions_url,
        "no_comments": ident.no_comments,
    }


def _outcome_mark(result) -> str | None:
    """What a page shows of a run's outcome, in short: the key of its result, its error, or
    that it is pending (None: not run in this build)."""
    if result is None:
        return None
    if isinstance(result, JournalError):
        return f"error: {result}"
    return getattr(result, "key", None) or type(result).__name__


def _translated(config, ident: identity.Identity) -> None:
    """The theme must have the journal's language (Material: partials/languages/LANG.html), or
    the first page stops the build with Jinja's TemplateNotFound and a traceback."""
    name = f"partials/languages/{ident.language}.html"
    dirs = [d for d in config.theme.dirs if os.path.isdir(os.path.join(d, "partials", "languages"))]
    if not dirs or any(os.path.isfile(os.path.join(d, name)) for d in dirs):
        return  # a theme without translations takes any language
    known = sorted(
        {
            f[: -len(".html")]
            for d in dirs
            for f in os.listdir(os.path.join(d, "partials", "languages"))
        }
    )
    try:
        text = ident.path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    line = next((i for i, l in enumerate(text.splitlines(), 1) if l.startswith("language:")), 1)
    close = did_you_mean(ident.language, known)
    close = f" ({close})" if close else ""
    raise PluginError(
        f"journal: {identity.FILE}:{line}: language {ident.language!r} is not one the theme "
        f"translates{close}; its languages: {', '.join(known)}"
    )


_front_matter_error = reread.front_matter_check(frontmatter.first_problem)  # the preview re-reads


def _blog_posts(config) -> tuple[str | None, str | None]:
    """Where the blog's posts are (the start of their files' src_uri; None: no blog), and the
    excerpt separator each must have (None: not required)."""
    plugin = _blog_plugin(config)
    if plugin is None:
        return None, None
    blog = plugin.config.get("blog_dir", ".")
    folder = str(plugin.config.get("post_dir", "{blog}/posts")).format(blog=blog)
    required = plugin.config.get("post_excerpt") == "required"
    separator = plugin.config.get("post_excerpt_separator", "<!-- more -->")
    folder = os.path.normpath(folder).replace(os.sep, "/").strip("/")
    return ("" if folder == "." else folder + "/"), (separator if required else None)


def _blog_plugin(config):
    """Material's blog plugin as configured ("blog", "material/blog", "blog 2"...), or None."""
    for name, plugin in config.plugins.items():
        if name.split("/")[-1].split(" ")[0] == "blog":
            return plugin
    return None


def _post_problems(text: str, rel: str, categories, separator) -> tuple[JournalError, ...]:
    """What the blog would reject in an entry, or publish broken, said at its line: front matter
    of the wrong form or kind (a date that is a word, tags that are not a list: the blog says
    only "Expected type" and names no line), a category that is not one of the plan's parts
    (the blog: "not in allow list"), no excerpt separator (the blog names neither the line nor
    the fix)."""
    found = frontmatter.post_problems(text, rel, list(categories) if categories else None)
    if separator and separator not in text:
        block = frontmatter.block(text)
        line = block.end + 2 if block else 1
        found.append(
            JournalError(
                f"no '{separator}' line: the blog needs one to end the entry's excerpt",
                Location(rel, line),
                hint="put it after the opening paragraphs (what the home page and the feeds show)",
            )
        )
    return tuple(found)


_notebook_errors = reread.front_matter_check(publish.notebook_problems)  # kept by text too
_post_errors = reread.front_matter_check(_post_problems)  # kept by text, as the check above


def is_draft(text: str) -> bool:
    """Whether a page's front matter says ``draft: true`` (read as MkDocs reads it)."""
    try:
        meta = page_meta.meta(text)
    except Exception:  # unreadable front matter: MkDocs reports it when it reads the page
        return False
    return meta.get("draft") is True


def _rebuild_soon(server) -> None:
    """Ask the preview for a rebuild, as a saved file does (mkdocs 1.6's LiveReloadServer: the
    flag and condition its file watcher sets; MkDocs 1.x is final, so they stay)."""
    with server._rebuild_cond:
        server._want_rebuild = True
        server._rebuild_cond.notify_all()


def _poll_every(server, seconds: float) -> None:
    """Make the preview notice a save sooner: mkdocs polls the watched folders every 0.5 s (half
    a second of waiting on average, per save). Uses watchdog's private ``_timeout``; if that ever
    changes, the preview just keeps mkdocs' interval."""
    observer = getattr(server, "observer", None)
    if observer is None or not hasattr(observer, "_timeout"):
        return
    observer._timeout = seconds
    for emitter in list(getattr(observer, "emitters", ())):
        if hasattr(emitter, "_timeout"):
            emitter._timeout = seconds
