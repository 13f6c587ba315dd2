"""The site caches' store (journal/adapters/site_cache.py) and the highlighting key: what is kept
survives a restart, a damaged file is ignored rather than served, the store stays bounded, and
the key covers what pymdownx's HTML depends on."""

from __future__ import annotations

import json
import os
import textwrap

import markdown
import pytest
from pymdownx.highlight import Highlight

from journal.adapters import highlight_cache, site_cache


def test_values_survive_a_restart_and_a_damaged_file_is_ignored(tmp_path):
    store = site_cache.Store("kind", tmp_path)
    store.put("k", "<span>1</span>")
    store.save()
    assert site_cache.Store("kind", tmp_path).get("k") == "<span>1</span>"
    path = tmp_path / "kind.json"
    head, _, body = path.read_bytes().partition(b"\n")
    assert json.loads(body) == {"k": "<span>1</span>"}  # a line about it, then the values
    path.write_bytes(head + b"\n" + body.replace(b"1", b"2"))  # behind the checksum's back
    assert site_cache.Store("kind", tmp_path).get("k") is None
    path.write_bytes(head + b"\n" + body[:-3])  # cut short
    assert site_cache.Store("kind", tmp_path).values == {}
    path.write_text('{"versions": ')  # cut in its first line
    assert site_cache.Store("kind", tmp_path).values == {}


def test_a_save_keeps_what_was_used_first_and_stays_bounded(tmp_path, monkeypatch):
    store = site_cache.Store("kind", tmp_path)
    for i in range(10):
        store.put(f"old{i}", "x" * 20)
    store.save()
    monkeypatch.setattr(site_cache, "LIMIT_BYTES", 100)
    store = site_cache.Store("kind", tmp_path)
    store.put("new", "y" * 20)
    store.get("old9")
    store.save()
    kept = site_cache.Store("kind", tmp_path).values
    assert list(kept)[:2] == ["new", "old9"]  # used by the last build: kept first
    assert len(kept) == 3  # about 26 bytes each within 100


def test_the_highlighting_key_covers_code_language_and_settings():
    md = markdown.Markdown()
    plain = Highlight(md, linenums_style="pymdownx-inline")
    args = {"src": "x = 1", "language": "python", "code_block_count": 3, "inline": False}
    one = highlight_cache.key(plain, args)
    assert one == highlight_cache.key(plain, {**args, "code_block_count": 7})  # not shown
    assert one != highlight_cache.key(plain, {**args, "src": "x = 2"})
    assert one != highlight_cache.key(plain, {**args, "language": "text"})
    assert one != highlight_cache.key(Highlight(md, linenums_style="table"), args)
    anchored = Highlight(md, anchor_linenums=True)  # block numbers appear in line anchors' ids
    assert highlight_cache.key(anchored, args) != highlight_cache.key(
        anchored, {**args, "code_block_count": 7}
    )
    assert highlight_cache.key(plain, {**args, "inline": True}) is None  # an element, not text


def test_cached_highlighting_returns_what_pymdownx_returns(tmp_path):
    source = "```python\ndef f(x):\n    return x  # one\n```\n\n```\nplain <text>\n```\n"
    extensions = ["pymdownx.highlight", "pymdownx.superfences"]
    highlight_cache.install(None)
    expected = markdown.markdown(source, extensions=extensions)
    store = site_cache.Store("highlight", tmp_path)
    try:
        highlight_cache.install(store)
        first = markdown.markdown(source, extensions=extensions)
        second = markdown.markdown(source, extensions=extensions)
    finally:
        highlight_cache.install(None)
    assert first == second == expected
    assert (store.misses, store.hits) == (2, 2)


def test_a_snippets_imports_are_read_again_only_when_its_files_change(tmp_path, monkeypatch):
    from journal import deps

    read = []
    closure = deps._closure
    monkeypatch.setattr(deps, "_closure", lambda path: read.append(path) or closure(path))
    (tmp_path / "a.py").write_text("import b\nimport d\n")
    (tmp_path / "b.py").write_text("X = 1\n")
    (tmp_path / "c.py").write_text("Y = 2\n")
    first = deps.local_sources(tmp_path / "a.py")
    assert [p.name for p in first] == ["a.py", "b.py"]
    assert deps.local_sources(tmp_path / "a.py") == first and len(read) == 1  # kept
    b = tmp_path / "b.py"
    b.write_text("import c\n")  # the same size: only the time tells the save
    os.utime(b, ns=(b.stat().st_atime_ns, b.stat().st_mtime_ns + 10**9))  # a later save
    assert [p.name for p in deps.local_sources(tmp_path / "a.py")] == ["a.py", "b.py", "c.py"]
    (tmp_path / "d.py").write_text("Z = 3\n")  # a module a.py names appears in the folder
    os.utime(tmp_path, ns=(0, tmp_path.stat().st_mtime_ns + 10**9))
    found = [p.name for p in deps.local_sources(tmp_path / "a.py")]
    assert found == ["a.py", "b.py", "c.py", "d.py"] and len(read) == 3


def test_the_preview_reparses_an_entry_only_when_its_text_changes():
    from journal.adapters import reread

    text = "::run one snippet.py\n\n{{ one.value:.2f }}\n"
    entry = reread.parse(text, "posts/x.md", strict=False)
    assert reread.parse(text, "posts/x.md", strict=False) is entry
    changed = reread.parse(text + "{{ two.value }}\n", "posts/x.md", strict=False)
    assert changed is not entry and [str(p) for p in changed.problems]


def test_mathml_is_kept_by_formula_and_a_failing_formula_is_not(tmp_path):
    from journal.adapters import math_cache
    from journal.adapters.hooks import mathml

    made = mathml.to_mathml("x^2 + \\frac{1}{2}", "block")  # the hook's own
    store = site_cache.Store("mathml", tmp_path)
    math_cache.install(store)
    try:
        assert mathml.to_mathml("x^2 + \\frac{1}{2}", "block") == made  # made and kept
        assert mathml.to_mathml("x^2 + \\frac{1}{2}", "block") == made  # found
        assert (store.hits, store.misses) == (1, 1)
        assert mathml.to_mathml("x^2 + \\frac{1}{2}", "inline") != made  # the mode is keyed
        for _ in range(2):  # an unsupported command fails every time, and is never kept
            with pytest.raises(ValueError, match="unsupported command"):
                mathml.to_mathml("\\notacommand x", "inline")
        assert len(store.values) == 2
        assert "x^2" in mathml.render_math('<span class="arithmatex">\\(x^2\\)</span>')
    finally:
        math_cache.install(None)
    assert mathml.to_mathml is math_cache._original


def test_the_characters_a_pages_formulas_draw_are_kept_by_the_page(tmp_path):
    from journal.adapters import math_cache, mathfont

    page = '<p><math><mi>x</mi><mo>+</mo><mi mathvariant="normal">A</mi></math></p>'
    drawn = mathfont.drawn(page)
    assert {"+", "A", mathfont.italic("x")} <= drawn  # a lone <mi> is drawn italic
    store = site_cache.Store("mathml", tmp_path)
    math_cache.install(store)
    try:
        assert mathfont.drawn(page) == drawn and mathfont.drawn(page) == drawn
        assert (store.hits, store.misses) == (1, 1)
        assert mathfont.drawn(page.replace("x", "y")) != drawn  # another page, another key
        assert (store.hits, store.misses) == (1, 2)
    finally:
        math_cache.install(None)
    assert mathfont.drawn is math_cache._drawn


def test_the_site_s_characters_are_read_again_only_from_pages_that_changed(tmp_path, monkeypatch):
    """The preview rewrites only the pages a save changed: site_chars reads those alone, and
    what it returns is what reading every page gives."""
    from journal.adapters import mathfont

    read = []
    drawn = mathfont.drawn
    monkeypatch.setattr(mathfont, "drawn", lambda text: read.append(text) or drawn(text))
    x, plus, yz = (
        "<math><mi>x</mi></math>",
        "<math><mo>+</mo></math>",
        "<math><mi>y</mi><mi>z</mi></math>",
    )
    assert mathfont.italic("x") in drawn(x) and "+" in drawn(plus)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(x)
    (tmp_path / "index.html").write_text(plus)
    (tmp_path / "plain.html").write_text("<p>no formula</p>")
    assert mathfont.site_chars(tmp_path) == drawn(x) | drawn(plus)
    assert len(read) == 2  # the page without a formula is not parsed
    assert mathfont.site_chars(tmp_path) == drawn(x) | drawn(plus) and len(read) == 2

    page = tmp_path / "a" / "index.html"
    page.write_text(yz)  # a save rewrote one page
    os.utime(page, ns=(1, 1))  # ... even with an old time: its size and ctime differ
    assert mathfont.site_chars(tmp_path) == drawn(yz) | drawn(plus)
    assert read[2:] == [yz] and mathfont.italic("x") not in drawn(yz) | drawn(plus)
    (tmp_path / "index.html").unlink()  # a page gone: its characters go with it
    assert mathfont.site_chars(tmp_path) == drawn(yz)


def test_an_import_is_found_in_every_kind_of_nested_statement():
    """The imports are read from statements only (not every node); none nested is missed."""
    import ast

    from journal import deps

    source = textwrap.dedent(
        """
        try:
            import a
        except ImportError:
            import b
        else:
            import c
        finally:
            import d
        match x:
            case 1:
                import e
        with f:
            import g
        class H:
            def m(self):
                if x:
                    import i
                elif y:
                    import j
                while z:
                    import k
                for q in r:
                    pass
                else:
                    import l
        async def n():
            async with o:
                import p
            async for s in t:
                from u.v import w
        from . import sibling
        x = lambda: __import__("not_a_statement")
        """
    )
    every = {
        alias.name.split(".")[0] if isinstance(node, ast.Import) else node.module.split(".")[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.level == 0)
        for alias in node.names
    }
    assert deps.imported_names(source) == every == set("abcdegijklpu")
