"""The theme's file list kept between builds (journal/adapters/theme_files.py): the same files as
MkDocs' own walk of the theme's folders, the walk skipped while no folder changed, and a file
added, removed or renamed in a theme folder seen at the next build."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import File, Files

from journal.adapters import site_cache, theme_files


@pytest.fixture
def project(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n")
    (tmp_path / "overrides" / "assets" / "extra").mkdir(parents=True)
    (tmp_path / "overrides" / "assets" / "extra" / "a.css").write_text("a {}\n")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\ntheme:\n  name: material\n  custom_dir: overrides\n"
    )
    yield tmp_path
    theme_files.install(None)


def listing(project: Path, store, own: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
    """The files of a build of ``project`` whose docs hold index.md and ``own``, after the
    theme's are added (with ``store``; None: MkDocs' own walk)."""
    theme_files.install(store)
    config = load_config(config_file=str(project / "mkdocs.yml"))
    files = Files([File(p, config.docs_dir, config.site_dir, True) for p in ("index.md", *own)])
    files.add_files_from_theme(config.theme.get_env(), config)
    return [(f.src_uri, f.src_dir, f.dest_uri) for f in files]


def names(found: list[tuple[str, str, str]]) -> set[str]:
    return {f[0] for f in found}


def test_the_kept_list_is_mkdocs_own_and_follows_every_change(project):
    store = site_cache.Store("theme", None)
    first = listing(project, store)
    assert first == listing(project, None)
    assert len(first) > 40  # Material's scripts (search languages among them), stylesheets, ...
    assert ("assets/extra/a.css", str(project / "overrides"), "assets/extra/a.css") in first
    assert not any(".icons/" in f[0] or f[0].endswith(".html") for f in first)
    assert (store.hits, store.misses) == (0, 1)
    (kept,) = store.values.values()  # every folder walked, Material's icons' among them
    assert sum("/.icons/" in path for path, *_ in kept["folders"]) > 5

    assert listing(project, store) == first  # nothing changed: read from the store
    assert (store.hits, store.misses) == (1, 1)

    extra = project / "overrides" / "assets" / "extra"
    # Python's bytecode folder, made the first time a process imports a theme that is a package
    # (Material's): the folder's time moves, its theme files do not
    (project / "overrides" / "__pycache__").mkdir()
    assert listing(project, store) == first
    assert (store.hits, store.misses) == (2, 1)
    assert next(iter(store.values.values())) is kept  # not walked again, nothing new to save
    (extra / "b.css").write_text("b {}\n")  # in a folder the walk found
    (extra / "deep").mkdir()
    (extra / "deep" / "c.js").write_text("//\n")  # in a new folder under it
    added = listing(project, store)
    assert added == listing(project, None)
    assert names(added) - names(first) == {"assets/extra/b.css", "assets/extra/deep/c.js"}

    (extra / "b.css").unlink()
    os.rename(extra / "deep" / "c.js", extra / "deep" / "d.js")
    changed = listing(project, store)
    assert changed == listing(project, None)
    assert names(changed) - names(first) == {"assets/extra/deep/d.js"}
    assert names(first) - names(changed) == set()


def test_a_file_of_the_entries_wins_over_the_theme_file_of_the_same_path(project):
    store = site_cache.Store("theme", None)
    listing(project, store)
    (project / "docs" / "assets" / "extra").mkdir(parents=True)
    (project / "docs" / "assets" / "extra" / "a.css").write_text("mine {}\n")
    found = listing(project, store, own=("assets/extra/a.css",))
    assert store.hits == 1
    assert found == listing(project, None, own=("assets/extra/a.css",))
    assert [f[1] for f in found if f[0] == "assets/extra/a.css"] == [str(project / "docs")]


def test_bytecode_written_while_the_theme_is_walked_changes_nothing(project):
    """Python writes a module's bytecode into ``__pycache__`` through a temporary file, then
    renames it: a build that walked the theme in between must not make the next one walk it
    again (two CI runs' builds raced with the first import of Material's theme)."""
    cache = project / "overrides" / "__pycache__"
    cache.mkdir()
    (cache / "x.cpython-311.pyc.140").write_text("")  # being written
    store = site_cache.Store("theme", None)
    listing(project, store)
    (kept,) = store.values.values()
    os.rename(cache / "x.cpython-311.pyc.140", cache / "x.cpython-311.pyc")
    (project / "overrides" / "__init__.py").write_text("")  # a package theme's own module
    (project / "overrides" / "__init__.py").unlink()
    found = listing(project, store)
    assert next(iter(store.values.values())) is kept  # not walked again
    assert found == listing(project, None)  # and what it lists is MkDocs' own list


def test_the_kept_list_is_found_whatever_the_hash_seed(project, tmp_path):
    """Every build is a new process with its own hash seed, which orders a set's items: the key
    must not depend on it (MkDocs' static templates are a set, and a key that took them as they
    came made about half of all builds walk Material's 14,500 files again)."""
    build = (
        "import sys\n"
        "from pathlib import Path\n"
        "from mkdocs.config import load_config\n"
        "from mkdocs.structure.files import Files\n"
        "from journal.adapters import site_cache, theme_files\n"
        "store = site_cache.Store('theme', Path(sys.argv[2]))\n"
        "theme_files.install(store)\n"
        "config = load_config(config_file=sys.argv[1])\n"
        "Files([]).add_files_from_theme(config.theme.get_env(), config)\n"
        "store.save()\n"
        "print(store.hits, store.misses)\n"
    )
    caches = tmp_path / "caches"
    caches.mkdir()
    found = []
    for seed in ("1", "2", "3", "4", "5", "6"):
        done = subprocess.run(
            [sys.executable, "-c", build, str(project / "mkdocs.yml"), str(caches)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        found.append(done.stdout.split())
    assert found == [["0", "1"]] + [["1", "0"]] * 5  # walked by the first build only
