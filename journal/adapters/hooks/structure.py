"""MkDocs hook: the journal's structure around the entries (not the engine).

- the blog's default author (id `author`) is the journal's (journal.yml's author: name, about,
  avatar), unless posts/.authors.yml defines one; every entry that names no author gets it;
- every entry gets a stable discussion term (front matter `discussion_id`) for giscus and a
  description (front matter, else the excerpt's first sentences);
- giscus is switched on only when `extra.giscus` is complete (the journal plugin sets it from
  journal.yml's `comments:` when its ids are real); otherwise the build says so once, with the
  reason, at INFO level (so `mkdocs build --strict` still passes);
- `<!-- journal:title -->` in a page (the home page's heading) becomes the journal's title;
- robots.txt pointing at the sitemap is written next to it.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

from material.plugins.blog.structure import Post
from mkdocs.plugins import event_priority

log = logging.getLogger("mkdocs.hooks.journal_site")

GISCUS_KEYS = ("repo", "repo_id", "category", "category_id")
DEFAULT_AUTHOR = "author"  # the id entries fall back to
EXCERPT_SEPARATOR = "<!-- more -->"
TITLE_MARKER = "<!-- journal:title -->"  # replaced by the journal's title (journal.yml)


def giscus_settings(extra: dict) -> dict | None:
    """The giscus settings from `extra.giscus`, or None when any required key is missing."""
    giscus = extra.get("giscus") or {}
    if not isinstance(giscus, dict) or not all(
        str(giscus.get(k) or "").strip() for k in GISCUS_KEYS
    ):
        return None
    return giscus


def plain_excerpt(markdown: str, limit: int = 160) -> str:
    """A plain-text description from the Markdown before the excerpt separator.

    Drops headings, engine directives (`::code ...`), inline values (`{{ run.value }}`), HTML
    and Markdown markup, then cuts at a word boundary within `limit` characters.

    >>> plain_excerpt("# T\\n\\nI set out to *learn* [QR](x.md).\\n<!-- more -->\\nrest")
    'I set out to learn QR.'
    """
    head = markdown.split(EXCERPT_SEPARATOR, 1)[0]
    lines = [
        line
        for line in head.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "::", "!!!", "```", "<"))
    ]
    text = " ".join(lines)
    text = re.sub(r"\{\{.*?\}\}", "", text)  # inline run values
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links and images -> their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = re.sub(r"\\\(|\\\)|\$", "", text)  # inline math delimiters
    text = re.sub(r"[*_`]", "", text)  # emphasis and code marks
    text = html.unescape(re.sub(r"\s+", " ", text)).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


_giscus_reported = False


def add_default_author(config) -> None:
    """Give the blog plugin (its on_config has read posts/.authors.yml, if any) the journal's
    author as DEFAULT_AUTHOR, from the identity the journal plugin put in extra.journal."""
    journal = config.extra.get("journal") or {}
    if not getattr(config, "site_author", None):
        return
    from material.plugins.blog.author import Author

    for name, plugin in getattr(config, "plugins", {}).items():
        authors = getattr(plugin, "authors", None)
        if name.split("/")[-1].split(" ")[0] != "blog" or authors is None:
            continue
        if DEFAULT_AUTHOR not in authors:
            author = Author()
            author.load_dict(
                {
                    "name": config.site_author,
                    "description": journal.get("author_about") or "",
                    "avatar": journal.get("author_avatar") or "assets/avatar.svg",
                }
            )
            author.validate()
            authors[DEFAULT_AUTHOR] = author


def on_config(config, **kwargs):
    global _giscus_reported
    add_default_author(config)
    giscus = giscus_settings(config.extra)
    config.extra["giscus_enabled"] = giscus is not None
    if giscus is None and not _giscus_reported:
        # INFO, not WARNING: a site without comments is a valid choice and --strict must pass.
        why = (config.extra.get("journal") or {}).get("no_comments") or (
            "extra.giscus lacks " + "/".join(GISCUS_KEYS)
        )
        log.info("giscus: %s; building without comments", why)
        _giscus_reported = True
    return config


@event_priority(50)  # before the blog plugin (-50) resolves authors and builds excerpts
def on_page_markdown(markdown, page, config, files, **kwargs):
    if TITLE_MARKER in markdown:  # the home page's heading: the journal's title
        markdown = markdown.replace(TITLE_MARKER, html.escape(config.site_name))
    if not isinstance(page, Post):
        if page.is_homepage and not page.meta.get("description"):
            page.meta["description"] = config.site_description
        return markdown
    if hasattr(page, "config") and not page.config.authors:
        page.config.authors = [DEFAULT_AUTHOR]
    slug = page.meta.get("slug") or Path(page.file.src_uri).stem
    discussion = page.meta.get("discussion_id")
    if not discussion:
        log.info("%s has no discussion_id; giscus maps it by its slug", page.file.src_uri)
    page.meta["journal_discussion"] = str(discussion or slug)
    if not page.meta.get("description"):
        page.meta["description"] = plain_excerpt(markdown)
    return markdown


def on_post_build(config, **kwargs):
    site = Path(config.site_dir)
    sitemap = config.site_url.rstrip("/") + "/sitemap.xml" if config.site_url else "/sitemap.xml"
    (site / "robots.txt").write_text(
        f"User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n", encoding="utf-8"
    )
