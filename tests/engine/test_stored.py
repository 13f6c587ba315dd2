"""What the cache stores and when it may serve it: output that is not UTF-8 or is huge, data read
outside the project or by a child process, notebooks, and pruning what no run can hit."""

from __future__ import annotations

import json
import subprocess
import sys

from journal.cache import checksum


def entry_dirs(site):
    return sorted(p for p in (site.root / ".cache/journal/entries").glob("*/*") if p.is_dir())


def test_output_that_is_not_utf8_never_poisons_the_cache(site):
    site.counted_snippet(
        "bytes.py",
        "    import sys\n    sys.stdout.buffer.write(b'ok \\xff\\xfe bad\\n')\n    return {'v': 1}",
    )
    site.entry("index.md", "# T\n\n::run b bytes.py\n\n::output b\n")
    site.build()
    warm = site.build()
    assert site.executions() == ["bytes"] and "0 executed, 1 cached" in warm.stderr
    assert "ok \ufffd\ufffd bad" in site.page()

    # An entry an older engine stored with raw bytes, checksums and all: detected and re-run.
    (entry,) = entry_dirs(site)
    raw = b"ok \xff\xfe bad\n"
    (entry / "stdout.txt").write_bytes(raw)
    meta = json.loads((entry / "meta.json").read_text())
    meta["stdout_sha256"] = __import__("hashlib").sha256(raw).hexdigest()
    meta["checksum"] = checksum(meta)
    (entry / "meta.json").write_text(json.dumps(meta))
    site.build()
    assert site.executions() == ["bytes", "bytes"]
    assert "ok \ufffd\ufffd bad" in site.page()


def test_a_huge_print_stores_only_what_the_page_shows(site):
    site.snippet(
        "flood.py",
        "import sys\n\n\ndef main():\n    line = 'x' * 999 + '\\n'\n"
        "    for _ in range(50_000):\n        sys.stdout.write(line)\n",
    )
    site.entry("index.md", "# T\n\n::run f flood.py\n\n::output f\n")
    site.build()
    cold = site.page()
    (entry,) = entry_dirs(site)
    assert (entry / "stdout.txt").stat().st_size <= 20_000  # not 50 MB
    assert "Output cut: 49,979 more lines (49,979,999 characters) not shown" in cold
    site.build()

    def output(page):
        return page[page.index('<div class="journal-output">') :].split("</div>")[0]

    assert output(site.page()) == output(cold)  # served from the cache, shown the same


def test_files_read_outside_the_project_are_tracked(site, tmp_path):
    data = tmp_path / "outside.txt"
    data.write_text("5")
    site.counted_snippet("far.py", f"    return {{'v': int(open({str(data)!r}).read())}}")
    site.entry("index.md", "# T\n\n::run f far.py\n\nv={{ f.v }}\n")
    site.build()
    site.build()
    assert site.executions() == ["far"]
    data.write_text("6")
    site.build()
    assert site.executions() == ["far", "far"] and "v=6" in site.page()


def test_a_child_process_needs_its_inputs_declared(site):
    (site.root / "data").mkdir()
    (site.root / "data" / "n.txt").write_text("7")
    body = (
        "    import subprocess\n"
        "    out = subprocess.run(['cat', 'data/n.txt'], capture_output=True, text=True,\n"
        f"                         cwd={str(site.root)!r}).stdout\n"
        "    return {'v': int(out)}"
    )
    site.counted_snippet("child.py", body)
    site.entry("index.md", "# T\n\n::run c child.py\n\nv={{ c.v }}\n")
    err = site.build(ok=False).stderr
    assert "posts/index.md:3: run 'c' started a child process (cat data/n.txt)" in err
    assert "inputs=" in err

    site.entry("index.md", "# T\n\n::run c child.py inputs=data/n.txt\n\nv={{ c.v }}\n")
    site.build()
    site.build()
    assert site.executions().count("child") == 2  # the failed one, then once
    (site.root / "data" / "n.txt").write_text("8")
    site.build()
    assert "v=8" in site.page()


def test_prune_removes_what_no_run_can_hit(site):
    site.counted_snippet("a.py", "    open('m.txt', 'w').write('1')\n    return {'v': 1}")
    site.counted_snippet("b.py", "    return {'v': int(open('m.txt').read())}")
    site.entry("index.md", "# T\n\n::run a a.py produces=m.txt\n\n::run b b.py needs=a\n")
    site.build()
    site.counted_snippet("a.py", "    open('m.txt', 'w').write('2')\n    return {'v': 2}")
    site.build()  # now two results of each run are stored, and two produced files
    assert len(entry_dirs(site)) == 4
    files = site.root / ".cache/journal/files"
    assert len(list(files.glob("*/*"))) == 2

    def prune(*words):
        out = subprocess.run(
            [sys.executable, "-m", "journal.cli", "prune", *words, "--root", str(site.root)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    record = site.root / ".cache/journal/asserted.json"  # what the tests asserted: kept
    record.write_text('{"format": 1, "asserted": [], "read": {}}\n')
    dry = prune("--dry-run")
    assert "would remove 5 item(s)" in dry  # two entries, two manifests, one produced file
    assert len(entry_dirs(site)) == 4
    done = prune()
    assert "removed 5 item(s)" in done
    assert len(entry_dirs(site)) == 2 and len(list(files.glob("*/*"))) == 1
    assert record.is_file()
    site.log.write_text("")
    site.build()
    assert site.executions() == []  # what is left is what the journal uses


def test_an_altered_cached_notebook_is_run_again_never_published(site):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_raw_cell

    nb = new_notebook(
        cells=[new_raw_cell("---\ntitle: N\n---"), new_code_cell("print(6 * 7)")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )
    nbformat.write(nb, str(site.root / "posts" / "nb.ipynb"))
    site.build()
    assert "42" in site.page("nb")
    (stored,) = (site.root / ".cache/journal/notebooks").glob("*/*/notebook.ipynb")
    stored.write_text(stored.read_text().replace('"42\\n"', '"43\\n"'))
    rebuilt = site.build()
    assert "executed" in rebuilt.stderr  # detected by its checksum and run again
    assert "43" not in site.page("nb") and "42" in site.page("nb")
