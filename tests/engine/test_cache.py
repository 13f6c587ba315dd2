"""The cache: a warm build executes nothing, a change re-runs exactly what depends on it,
corrupt entries are re-run, failures are never cached, concurrent builds are safe."""

import json
import subprocess
from pathlib import Path

from journal.cache import FORMAT, Cache
from journal.project import Journal

ENTRY = """\
# T

::run a a.py

::run b b.py

::run c c.py

A={{ a.v }} B={{ b.v }} C={{ c.v }}
"""


def three_runs(site):
    """a.py alone; b.py imports helper.py; c.py reads data/numbers.txt."""
    site.counted_snippet("a.py", "    return {'v': 1}")
    site.snippet("helper.py", "SCALE = 10\n")
    site.counted_snippet("b.py", "    from helper import SCALE\n    return {'v': 2 * SCALE}")
    (site.root / "data").mkdir()
    (site.root / "data" / "numbers.txt").write_text("1 2 3\n")
    site.counted_snippet(
        "c.py",
        "    from pathlib import Path\n"
        "    text = (Path(__file__).parent.parent / 'data' / 'numbers.txt').read_text()\n"
        "    return {'v': sum(map(int, text.split()))}",
    )
    site.entry("index.md", ENTRY)


def test_warm_build_executes_nothing(site):
    three_runs(site)
    cold = site.build()
    assert sorted(site.executions()) == ["a", "b", "c"]
    assert "3 executed, 0 cached, 0 failed" in cold.stderr
    warm = site.build()
    assert sorted(site.executions()) == ["a", "b", "c"]  # nothing ran again
    assert "0 executed, 3 cached, 0 failed" in warm.stderr
    assert "A=1 B=20 C=6" in site.page()


def test_warm_lookup_starts_no_process(site, monkeypatch):
    three_runs(site)
    monkeypatch.setenv("RUN_LOG", str(site.log))
    Journal(site.root).results_for(site.root / "posts/index.md")

    def no_process(*args, **kwargs):
        raise AssertionError("a warm lookup started a process")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    results = Journal(site.root).results_for(site.root / "posts/index.md")
    assert {name: r.cached for name, r in results.items()} == {"a": True, "b": True, "c": True}


def test_changing_one_snippet_reruns_exactly_its_dependents(site):
    three_runs(site)
    site.build()
    site.log.write_text("")
    site.snippet("helper.py", "SCALE = 100\n")  # b imports helper
    site.build()
    assert site.executions() == ["b"]
    assert "B=200" in site.page()

    site.log.write_text("")
    (site.root / "data" / "numbers.txt").write_text("4 5 6\n")  # c reads it
    site.build()
    assert site.executions() == ["c"]
    assert "C=15" in site.page()

    site.log.write_text("")
    site.counted_snippet("a.py", "    return {'v': 7}")
    site.build()
    assert site.executions() == ["a"]
    assert "A=7 B=200 C=15" in site.page()


def test_lock_file_change_reruns_everything(site):
    three_runs(site)
    site.build()
    site.log.write_text("")
    (site.root / "requirements.lock").write_text("numpy==9.9.9\n")
    site.build()
    assert sorted(site.executions()) == ["a", "b", "c"]


def entry_dirs(site) -> list[Path]:
    return sorted(p for p in (site.root / ".cache/journal/entries").glob("*/*") if p.is_dir())


def test_corrupt_entries_are_rerun_never_served(site):
    site.snippet(
        "fig.py",
        "import os\nimport matplotlib.pyplot as plt\n\n\ndef main():\n"
        f"    open({str(site.log)!r}, 'a').write('fig\\n')\n"
        "    plt.subplots(num='f')[1].plot([1, 2])\n    print('hello')\n    return {'v': 3}\n",
    )
    site.entry(
        "index.md",
        '# T\n\n::run f fig.py\n\n::output f\n\n::figure f f alt="a line"\n\nv={{ f.v }}\n',
    )
    site.build()
    (entry,) = entry_dirs(site)
    damages = [
        lambda: (entry / "fig-1.svg").write_text("<svg>truncated"),
        lambda: (entry / "stdout.txt").write_text("forged output\n"),
        lambda: (entry / "meta.json").write_text((entry / "meta.json").read_text()[:40]),
        lambda: (entry / "meta.json").write_text(
            (entry / "meta.json").read_text().replace('"v": 3', '"v": 4')
        ),
        lambda: (entry / "stdout.txt").unlink(),
    ]
    for damage in damages:
        site.log.write_text("")
        damage()
        site.build()
        assert site.executions() == ["fig"]
        page = site.page()
        assert "hello" in page and "forged" not in page and "v=3" in page


def test_a_result_is_read_again_only_when_one_of_its_files_changed(site, monkeypatch):
    """A process (the preview) that looks a run up again gets what it read, without reading
    and hashing its files again; a file changed on disk since is noticed, and the run runs."""
    site.snippet(
        "fig.py",
        "import matplotlib.pyplot as plt\n\n\ndef main():\n"
        f"    open({str(site.log)!r}, 'a').write('fig\\n')\n"
        "    plt.subplots(num='f')[1].plot([1, 2])\n    return {'v': 3}\n",
    )
    site.entry("index.md", '# T\n\n::run f fig.py\n\n::figure f f alt="a line"\n')
    site.build()
    page = site.root / "posts/index.md"
    first = Journal(site.root).results_for(page)["f"]
    reads = []
    meta = Cache._meta
    monkeypatch.setattr(Cache, "_meta", staticmethod(lambda e: reads.append(e) or meta(e)))
    assert Journal(site.root).results_for(page)["f"] is first
    assert reads == [] and site.executions() == ["fig"]
    (entry,) = entry_dirs(site)
    (entry / "fig-1.svg").write_text("<svg>truncated")
    again = Journal(site.root).results_for(page)["f"]
    assert reads == [entry]  # read again, found altered, and run again
    assert site.executions() == ["fig", "fig"]
    assert again.figure_list[0].svg == first.figure_list[0].svg != "<svg>truncated"


def test_failures_are_never_cached(site):
    site.counted_snippet("flaky.py", "    raise RuntimeError('not yet')")
    site.entry("index.md", "# T\n\n::run f flaky.py\n")
    site.build(ok=False)
    site.build(ok=False)
    assert site.executions() == ["flaky", "flaky"]
    assert not entry_dirs(site)


def test_cache_off_executes_every_time(site):
    three_runs(site)
    site.build(env={"JOURNAL_CACHE": "off"})
    site.build(env={"JOURNAL_CACHE": "off"})
    assert len(site.executions()) == 6
    assert not (site.root / ".cache").exists()


def test_runs_execute_in_parallel(site, tmp_path):
    """A rendezvous: each run announces itself, then waits for the other. Run one after the
    other, the first would wait in vain; run side by side, both meet."""
    for me, other in (("p1", "p2"), ("p2", "p1")):
        site.snippet(
            f"{me}.py",
            "import os\nimport time\nfrom pathlib import Path\n\n\ndef main():\n"
            f"    meet = Path({str(tmp_path)!r})\n"
            f"    (meet / '{me}').touch()\n"
            "    deadline = time.time() + 20\n"
            f"    while not (meet / '{other}').exists() and time.time() < deadline:\n"
            "        time.sleep(0.05)\n"
            f"    return {{'met': (meet / '{other}').exists()}}\n",
        )
    site.entry("index.md", "# T\n\n::run p1 p1.py\n\n::run p2 p2.py\n")
    results = Journal(site.root, cache_dir=None, jobs=2).results_for(site.root / "posts/index.md")
    assert results["p1"].values["met"] is True
    assert results["p2"].values["met"] is True


def test_two_builds_at_once_do_not_corrupt_the_cache(site):
    three_runs(site)
    env = {"RUN_LOG": str(site.log), "NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}
    import os
    import sys

    env = {**os.environ, **env}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site.root / f"out{i}")],
            cwd=site.root,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    for i in range(2):
        assert "A=1 B=20 C=6" in (site.root / f"out{i}" / "index.html").read_text()
    site.log.write_text("")
    site.build()
    assert site.executions() == []  # what they stored is whole and served
    for entry in entry_dirs(site):
        meta = json.loads((entry / "meta.json").read_text())
        assert meta["format"] == FORMAT
    assert not list((site.root / ".cache/journal/entries").glob("*/.staging-*"))


def test_execution_off_builds_the_pages_without_running(site):
    three_runs(site)
    site.build(env={"JOURNAL_EXECUTE": "off"})
    assert site.executions() == []
    page = site.page()
    assert "A=… B=… C=…" in page
    # nothing stored for a run: the only files kept are the site's own caches (the pages as
    # shown, a "…" for each value, kept by their text)
    kept = [
        p.relative_to(site.root).as_posix() for p in site.root.rglob(".cache/**/*") if p.is_file()
    ]
    assert kept and all(k.startswith(".cache/journal/site/") for k in kept), kept


def test_a_module_imported_dynamically_is_a_dependency_too(site):
    """The static scan cannot see importlib.import_module(name); what the run opened can."""
    site.snippet("plugin_mod.py", "FACTOR = 3\n")
    site.counted_snippet(
        "dyn.py",
        "    import importlib\n    name = 'plugin' + '_mod'\n"
        "    return {'v': importlib.import_module(name).FACTOR}",
    )
    site.entry("index.md", "# T\n\n::run d dyn.py\n\nv={{ d.v }}\n")
    site.build()
    site.build()
    assert site.executions() == ["dyn"]
    site.snippet("plugin_mod.py", "FACTOR = 4\n")
    site.build()
    assert site.executions() == ["dyn", "dyn"]
    assert "v=4" in site.page()
