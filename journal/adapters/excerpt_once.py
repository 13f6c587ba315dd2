"""Each entry's excerpt parsed once per build, not once per listing page (issue 19).

Material's blog plugin shows an entry's excerpt on the index, its archive month and its
categories (and their later pages). For each of them ``Excerpt.render`` converts the whole entry
(its code, output, figures) with Python-Markdown, then keeps what precedes the separator. Of that
conversion only two tree processors depend on the listing page: MkDocs' relative-link processor
(``relpath``: links and images relative to the listing page's URL) and the blog's own
(``excerpt``: the heading's anchors pointing to the entry); they come last. So the first render
of a build runs the preprocessors, the block parser and every tree processor before those two,
and keeps the tree; each render (the first too) runs the rest on a copy of it (the two
processors, serialising, post-processors) exactly as ``convert`` does.

The excerpt's Markdown instance is never reset between listing pages, so extensions that keep
state from one conversion to the next could differ; of those in use, only footnotes do (a
reference to a defined footnote seen again gets a new id), so an entry that defines footnotes
takes Material's own path. ``JOURNAL_SITE_CACHE=off`` turns this off with the other site caches.

Material makes each entry's excerpt with a Markdown instance of its own, every extension loaded
(about 4 ms each: 0.4 s of a warm hundred-entry build). Here the instance is made by Material's own
constructor only when a conversion needs it; an excerpt found in the store needs none.

Between builds, what a listing page shows of an entry (the excerpt's HTML, what follows the
separator, its table of contents) is kept as render_cache.py keeps a page: by the entry's
Markdown, the listing page's and the entry's URLs, the separator and the excerpt's Markdown
settings, with the files its links point to recorded and checked when it is found again. An
entry that defines footnotes, or whose excerpt logged a warning, is made afresh every time.
"""

from __future__ import annotations

import copy
import re

from material.plugins.blog import structure as blog_structure
from material.plugins.blog.structure import Excerpt
from mkdocs.structure.toc import get_toc

from . import render_cache, site_cache

_RENDER = Excerpt.render
_INIT = Excerpt.__init__
PER_PAGE = ("relpath", "excerpt")  # the tree processors that read the listing page


_store: site_cache.Store | None = None


def install(on: bool, store: site_cache.Store | None = None) -> None:
    """Parse each excerpt once per build (``on``) and keep what each listing page shows of it in
    ``store`` between builds (None: not kept)."""
    global _store
    _store = store if on else None
    Excerpt.render = (_render_kept if store is not None else _render_once) if on else _RENDER
    if store is not None:
        Excerpt.__init__, Excerpt.md = _deferred_init, property(_markdown, _set_markdown)
    else:
        Excerpt.__init__ = _INIT
        if isinstance(Excerpt.__dict__.get("md"), property):
            del Excerpt.md


def _deferred_init(self: Excerpt, post, config, files) -> None:
    # Material's constructor without its Markdown instance (made by ``_markdown`` when needed)
    self.file = copy.copy(post.file)
    self.post = post
    self._set_canonical_url(config.site_url)
    self.config, self.meta = post.config, post.meta
    self.authors, self.categories = [], []
    self.more = None
    self.__dict__["_journal_made_with"] = (post, config, files)


def _markdown(self: Excerpt):
    md = self.__dict__.get("_journal_md")
    if md is None:  # Material's constructor, on a stand-in, for the instance and its processors
        post, config, files = self.__dict__["_journal_made_with"]
        stand_in = Excerpt.__new__(Excerpt)
        _INIT(stand_in, post, config, files)
        md = self.__dict__["_journal_md"] = stand_in.md
        _relpath(md).file = self.file  # links relative to this excerpt's file, as Material's
    return md


def _set_markdown(self: Excerpt, md) -> None:
    self.__dict__["_journal_md"] = md


# What the excerpts' Markdown settings load, by the settings' key: the same for every excerpt.
_extensions: dict[str, frozenset[str]] = {}


def _settings(excerpt: Excerpt) -> tuple[str | None, frozenset[str]]:
    """The key of an excerpt's Markdown settings (None: not plain data) and the modules of the
    extensions they load, without making the excerpt's Markdown instance when another excerpt's
    already told."""
    made_with = excerpt.__dict__.get("_journal_made_with")
    if made_with is None:  # made by Material's own constructor
        md = excerpt.md
        key = render_cache.settings_key(_relpath(md).config)
        return key, frozenset(type(e).__module__ for e in md.registeredExtensions)
    key = render_cache.settings_key(blog_structure._patch(made_with[1]))
    if key is None or key not in _extensions:
        md = excerpt.md
        found = frozenset(type(e).__module__ for e in md.registeredExtensions)
        if key is None:
            return key, found
        _extensions[key] = found
    return key, _extensions[key]


def _files(excerpt: Excerpt):
    """The site's files an excerpt's links are resolved against."""
    made_with = excerpt.__dict__.get("_journal_made_with")
    md = excerpt.__dict__.get("_journal_md")
    return _relpath(md).files if made_with is None or md is not None else made_with[2]


def _source(excerpt: Excerpt) -> str:
    # as Excerpt.render: the excerpt includes the title, linked to the entry (see Material)
    if not excerpt.post._title_from_render:
        return "\n\n".join([f"# {excerpt.post.title}", excerpt.post.markdown])
    return excerpt.post.markdown


# A footnote definition, wherever it stands (code that looks like one only costs time).
FOOTNOTE_DEFINITION = re.compile(r"\[\^[^\]\n]+\]:")


def _stateful(excerpt: Excerpt, source: str) -> bool:
    """Whether converting ``source`` leaves state that changes the next conversion: footnote
    references count on only for footnotes that are defined."""
    names = _settings(excerpt)[1]
    return "markdown.extensions.footnotes" in names and bool(FOOTNOTE_DEFINITION.search(source))


def _render_once(self: Excerpt, page, separator: str):
    source = _source(self)
    md = self.md
    kept = self.__dict__.get("_journal_tree")
    if kept is None or kept[0] != source:
        if not source.strip() or _stateful(self, source):
            return _RENDER(self, page, separator)
        kept = self.__dict__["_journal_tree"] = (source, _first_stage(md, source))

    self.file.url = page.url
    processor = md.treeprocessors[md.treeprocessors.get_index_for_name("excerpt")]
    processor.base = page
    self.markdown = source
    self.content = _second_stage(md, copy.deepcopy(kept[1]))
    self.content, *more = self.content.split(separator, 1)
    if more:
        self.more = more[0]
    self.toc = get_toc(getattr(md, "toc_tokens", []))
    self.file.url = self.post.url


def _per_page_start(md) -> int:
    return min(md.treeprocessors.get_index_for_name(name) for name in PER_PAGE)


def _first_stage(md, source: str):
    """Python-Markdown's ``convert`` up to the first tree processor that reads the page."""
    md.lines = source.split("\n")
    for prep in md.preprocessors:
        md.lines = prep.run(md.lines)
    root = md.parser.parseDocument(md.lines).getroot()
    for treeprocessor in list(md.treeprocessors)[: _per_page_start(md)]:
        new_root = treeprocessor.run(root)
        if new_root is not None:
            root = new_root
    return root


def _second_stage(md, root) -> str:
    """The rest of ``convert`` (Python-Markdown 3.x, markdown/core.py), from that processor on."""
    for treeprocessor in list(md.treeprocessors)[_per_page_start(md) :]:
        new_root = treeprocessor.run(root)
        if new_root is not None:
            root = new_root
    output = md.serializer(root)
    if md.stripTopLevelTags:
        try:
            start = output.index(f"<{md.doc_tag}>") + len(md.doc_tag) + 2
            end = output.rindex(f"</{md.doc_tag}>")
            output = output[start:end].strip()
        except ValueError:
            if output.strip().endswith(f"<{md.doc_tag} />"):
                output = ""
            else:
                raise
    for pp in md.postprocessors:
        output = pp.run(output)
    return output.strip()


def _relpath(md):
    return md.treeprocessors[md.treeprocessors.get_index_for_name("relpath")]


def _key(excerpt: Excerpt, page, separator: str, source: str) -> str | None:
    settings = _settings(excerpt)[0]
    if settings is None:
        return None
    file = excerpt.post.file
    return site_cache.digest(
        "excerpt",
        settings,
        site_cache.sha(source),
        page.url,
        excerpt.post.url,
        file.src_uri,
        bool(file.inclusion.is_excluded()),
        separator,
    )


def _render_kept(self: Excerpt, page, separator: str):
    source = _source(self)
    store = _store
    if store is None or _stateful(self, source):
        return _render_once(self, page, separator)
    key = _key(self, page, separator, source)
    if key is None:
        return _render_once(self, page, separator)
    kept = store.get(key)
    if kept is not None and render_cache.links_hold(kept["looked"], _files(self)):
        self.markdown = source
        self.content, self.toc = kept["content"], get_toc(kept["toc"])
        if kept["more"] is not None:
            self.more = kept["more"]
        return None
    relpath = _relpath(self.md)
    recording = relpath.files = render_cache.RecordingFiles(relpath.files)
    try:
        with render_cache.LogCounter() as logged:
            _render_once(self, page, separator)
    finally:
        relpath.files = recording.files
    if not logged.count:
        store.put(
            key,
            {
                "content": self.content,
                "more": self.more,
                "toc": render_cache.tokens(self.toc),
                "looked": recording.looked,
            },
        )
    return None
