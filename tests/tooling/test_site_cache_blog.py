"""The site caches and the once-per-build excerpts change no byte of a blog whose posts exercise
what they touch: code in several languages and an indented block, a post that defines footnotes
(its excerpts take Material's own path), links between posts and to an anchor, an image, math,
admonitions, categories over two archive months, and more posts than a listing page holds (so
the index has a second page). Built with JOURNAL_SITE_CACHE=off (MkDocs and Material alone),
then twice with the caches on (empty, then filled); every file compared, nothing excluded."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

CONFIG = """\
site_name: Blog
site_url: https://example.org/blog/
docs_dir: posts
theme:
  name: material
  font: false
plugins:
  - search
  - blog:
      blog_dir: .
      post_dir: "{blog}/entries"
      post_url_format: "{slug}"
      post_excerpt: required
      post_excerpt_max_categories: 2
      post_readtime: true
      authors: false
      archive_url_format: "archive/{date}"
      categories_allowed: [One, Two]
      pagination_per_page: 4
  - journal:
      execution_mode: "off"
markdown_extensions:
  - abbr
  - admonition
  - attr_list
  - md_in_html
  - def_list
  - footnotes
  - tables
  - toc:
      permalink: true
  - pymdownx.arithmatex:
      generic: true
  - pymdownx.highlight:
      linenums_style: pymdownx-inline
  - pymdownx.inlinehilite
  - pymdownx.superfences
  - pymdownx.details
"""

POST = """\
---
date: 2026-{month:02d}-{day:02d}
categories:
  - {category}
slug: post-{i}
---

# Post {i}

Opening of post {i}, with `#!python x = {i}` inline, $a^{i}$ and a link to
[the first post](post-0.md#section-one){extra}.

```python
def f(x):
    return x * {i}  # a comment
```

<!-- more -->

## Section one

    indented = "code {i}"

```text title="plain.txt"
<b>not bold</b> {i}
```

!!! note "A note"
    With **bold** text and a [link](post-1.md).

![a figure](../assets/dot.svg)

*[HTML]: HyperText Markup Language
"""
FOOTNOTES = """ Footnoted[^1] twice[^1], and another[^two].

[^1]: The first footnote.
[^two]: The second."""


def write_blog(root: Path) -> None:
    (root / "mkdocs.yml").write_text(CONFIG)
    posts = root / "posts"
    (posts / "entries").mkdir(parents=True)
    (posts / "assets").mkdir()
    (posts / "assets" / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><circle r="2"/></svg>'
    )
    (posts / "index.md").write_text("# Blog\n")
    for i in range(10):
        text = POST.format(
            i=i,
            month=10 + i % 2,
            day=1 + i,
            category=("One", "Two")[i % 3 == 0],
            extra=FOOTNOTES if i in (2, 7) else "",
        )
        (posts / "entries" / f"post-{i}.md").write_text(text)


def build(root: Path, dest: str, site_cache: str) -> dict[str, str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "JOURNAL_SITE_CACHE": site_cache}
    env["SOURCE_DATE_EPOCH"] = "1785000000"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", dest],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    out = root / dest
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def test_a_blog_is_byte_identical_with_and_without_the_site_caches(tmp_path):
    write_blog(tmp_path)
    off = build(tmp_path, "off", "off")
    assert {"page/2/index.html", "archive/2026/index.html", "category/two/index.html"} <= set(off)
    assert "search/search_index.json" in off and "sitemap.xml.gz" in off
    caches = tmp_path / "caches"
    for name in ("cold", "warm"):
        other = build(tmp_path, name, str(caches))
        assert other.keys() == off.keys()
        assert sorted(k for k in off if off[k] != other[k]) == [], name
    assert len(list((caches / "pages").glob("*.json"))) >= 10  # every page, converted once
    assert len(list((caches / "excerpts").glob("*.json"))) >= 20  # each on 2+ listing pages
    assert {p.name for p in caches.glob("*.json")} == {
        "highlight.json",
        "readtime.json",
        "search.json",
        "theme.json",  # the theme's file list (theme_files.py)
    }
    listed = "".join(
        (tmp_path / "warm" / page / "index.html").read_text() for page in ("", "page/2", "page/3")
    )
    assert listed.count('class="footnote-ref"') == 6  # both footnoted posts' excerpts, 3 refs each


def test_a_kept_page_is_made_again_when_what_it_reads_changes(tmp_path):
    """The kept conversions (render_cache.py) follow their inputs: a post's own text, and the
    URL of a post it links to (its Markdown unchanged). After the change, the build with filled
    caches equals an uncached build of the changed blog, byte for byte."""
    write_blog(tmp_path)
    caches = tmp_path / "caches"
    build(tmp_path, "first", str(caches))
    kept = {p.name for p in (caches / "pages").glob("*.json")}
    assert len(kept) >= 10  # every post's page at least
    entries = tmp_path / "posts" / "entries"
    one = entries / "post-1.md"
    one.write_text(one.read_text().replace("slug: post-1", "slug: renamed"))
    three = entries / "post-3.md"
    three.write_text(
        three.read_text().replace("Opening of post 3", "The changed opening of post 3")
    )
    off = build(tmp_path, "off", "off")
    warm = build(tmp_path, "warm", str(caches))
    assert warm.keys() == off.keys()
    assert sorted(k for k in off if off[k] != warm[k]) == []
    page = (tmp_path / "warm" / "post-4" / "index.html").read_text()
    assert 'href="../renamed/"' in page and "post-1/" not in page
    assert "The changed opening of post 3" in (tmp_path / "warm/post-3/index.html").read_text()
    now = {p.name for p in (caches / "pages").glob("*.json")}
    # unchanged posts whose links still hold were found; posts 1 (new URL), 3 (new text) and
    # the posts linking to post 1 were made again
    assert 0 < len(now - kept) < len(kept)
