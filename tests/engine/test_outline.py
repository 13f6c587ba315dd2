"""A Python file's outline (journal/outline.py): its imports and functions as ast reads them,
kept by content in the journal's cache from one process to the next, never served for other
bytes, and a damaged store is ignored and rewritten."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from journal import outline

ROOT = Path(__file__).resolve().parents[2]

SOURCE = textwrap.dedent(
    """\
    import numpy as np
    from helpers.sub import f


    @decorator
    @other(
        1,
    )
    def shown(x):
        return x


    async def waits():
        import asyncio
        return 1


    def twice():
        pass


    def twice():
        # the later definition is the one Python binds
        return 2
    """
)


def test_an_outline_holds_imports_and_each_function_with_its_decorators():
    imports, functions = outline.read(SOURCE)
    assert imports == {"numpy", "helpers", "asyncio"}
    assert functions == {"shown": (5, 10), "waits": (13, 15), "twice": (22, 24)}
    assert outline.read("def broken(:\n") == (frozenset(), {})
    assert outline.read(b"x = 1\0") == (frozenset(), {})  # a null byte: ast raises ValueError


# A child process: it reads the outline of a.py in a journal whose cache is CACHE, with ast.parse
# replaced so that any parse is recorded; prints how many parses it made and what it found.
CHILD = """
import ast, json, sys
from pathlib import Path
parsed = []
real = ast.parse
ast.parse = lambda *a, **k: parsed.append(1) or real(*a, **k)
from journal import outline
outline.keep_in(Path(sys.argv[1]))
found = outline.of(Path(sys.argv[2]))
print(json.dumps([len(parsed), sorted(found.imports), found.functions]))
"""


def child(cache: Path, path: Path) -> list:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(cache), str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(proc.stdout)


def test_a_later_process_reads_the_outline_from_the_cache_not_the_syntax_tree(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    snippet = tmp_path / "a.py"
    snippet.write_text(SOURCE)
    want = [
        ["asyncio", "helpers", "numpy"],
        {"shown": [5, 10], "waits": [13, 15], "twice": [22, 24]},
    ]
    assert child(cache, snippet) == [1, *want]  # parsed, and kept at exit
    stored = json.loads((cache / outline.STORE).read_text())
    assert list(stored["values"]) == [outline.of(snippet).sha256]
    assert child(cache, snippet) == [0, *want]  # the next process parses nothing

    snippet.write_text(SOURCE.replace("import numpy as np\n", "import scipy\n"))
    assert child(cache, snippet)[:2] == [1, ["asyncio", "helpers", "scipy"]]  # new bytes
    stored = json.loads((cache / outline.STORE).read_text())
    assert len(stored["values"]) == 2  # the one used last first, the older one kept

    (cache / outline.STORE).write_text('{"tag": "' + outline._kept.tag + '", "values": {"x": 3}')
    assert child(cache, snippet)[0] == 1  # damaged: ignored, parsed again and rewritten
    assert child(cache, snippet)[0] == 0
