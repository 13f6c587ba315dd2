"""Runs that feed runs: a producer's files reach its consumers, in this entry or another; a change
re-runs exactly the producer and its consumers; every broken link is an error naming both ends."""

from __future__ import annotations

import hashlib

from journal.project import Journal

TRAIN = """\
---
slug: training
---
# Training

::run train train.py produces=model.txt,out/vocab.txt

::run check check.py needs=train

weights={{ train.w }} check={{ check.n }}
"""

USE = """\
---
slug: using
---
# Using

::run sample sample.py needs=training:train

sample={{ sample.y }}
"""


def pipeline(site, weight=3):
    site.counted_snippet(
        "train.py",
        f"    from pathlib import Path\n    w = {weight}\n"
        "    Path('model.txt').write_text(str(w))\n"
        "    Path('out').mkdir()\n    Path('out/vocab.txt').write_text('abc')\n"
        "    return {'w': w}",
    )
    site.counted_snippet(
        "check.py",
        "    from pathlib import Path\n    return {'n': len(Path('out/vocab.txt').read_text())}",
    )
    site.counted_snippet(
        "sample.py",
        "    from pathlib import Path\n    return {'y': 10 * int(Path('model.txt').read_text())}",
    )
    site.entry("train.md", TRAIN)
    site.entry("use.md", USE)


def test_a_consumer_gets_the_producers_files_and_a_change_reruns_exactly_its_consumers(site):
    pipeline(site)
    site.build()
    assert sorted(site.executions()) == ["check", "sample", "train"]
    assert site.executions()[0] == "train"  # producers first
    assert "weights=3 check=3" in site.page("train")
    assert "sample=30" in site.page("use")

    site.log.write_text("")
    warm = site.build()
    assert site.executions() == [] and "0 executed, 3 cached" in warm.stderr

    site.counted_snippet(  # the consumer alone
        "sample.py",
        "    from pathlib import Path\n    return {'y': 100 * int(Path('model.txt').read_text())}",
    )
    site.build()
    assert site.executions() == ["sample"]
    assert "sample=300" in site.page("use")

    site.log.write_text("")
    pipeline(site, weight=4)  # the trainer: it and both its consumers, nothing else
    (site.root / "snippets" / "sample.py").write_text(
        (site.root / "snippets" / "sample.py").read_text().replace("10 *", "100 *")
    )
    site.build()
    assert site.executions()[0] == "train" and sorted(site.executions()) == [
        "check",
        "sample",
        "train",
    ]
    assert "weights=4 check=3" in site.page("train") and "sample=400" in site.page("use")


def test_produced_files_live_in_the_cache_by_content_and_are_checked(site):
    pipeline(site)
    journal = Journal(site.root)
    # the consumer's entry alone: its producer is found by the other entry's slug
    assert journal.results_for(site.root / "posts/use.md")["sample"].values == {"y": 30}
    train = journal.results_for(site.root / "posts/train.md")["train"]
    assert set(train.files) == {"model.txt", "out/vocab.txt"}
    stored = train.files["model.txt"]
    assert stored.read_text() == "3"
    assert stored.is_relative_to(site.root / ".cache/journal/files")
    assert stored.name == hashlib.sha256(b"3").hexdigest()

    stored.chmod(0o644)
    stored.write_text("9")  # altered in the cache: detected, never handed to a consumer
    site.log.write_text("")
    site.build()
    assert site.executions() == ["train"]  # same file again: its consumers' keys still hold
    assert "sample=30" in site.page("use")
    assert train.files["model.txt"].read_text() == "3"


def test_consumers_of_one_producer_run_side_by_side(site, tmp_path):
    """Two consumers of one producer meet (each waits for the other), so they run at once."""
    site.snippet("make.py", "def main():\n    open('seed.txt', 'w').write('1')\n")
    for me, other in (("p1", "p2"), ("p2", "p1")):
        site.snippet(
            f"{me}.py",
            "import os\nimport time\nfrom pathlib import Path\n\n\ndef main():\n"
            "    assert Path('seed.txt').read_text() == '1'\n"
            f"    meet = Path({str(tmp_path)!r})\n"
            f"    (meet / '{me}').touch()\n"
            "    deadline = time.time() + 20\n"
            f"    while not (meet / '{other}').exists() and time.time() < deadline:\n"
            "        time.sleep(0.05)\n"
            f"    return {{'met': (meet / '{other}').exists()}}\n",
        )
    site.entry(
        "index.md",
        "# T\n\n::run make make.py produces=seed.txt\n\n"
        "::run p1 p1.py needs=make\n\n::run p2 p2.py needs=make\n",
    )
    results = Journal(site.root, cache_dir=None, jobs=2).results_for(site.root / "posts/index.md")
    assert results["p1"].values["met"] is True and results["p2"].values["met"] is True


def test_broken_links_are_errors_naming_both_ends(site):
    site.snippet("a.py", "def main():\n    open('a.txt', 'w').write('a')\n")
    site.snippet("lazy.py", "def main():\n    pass\n")
    site.snippet("boom.py", "def main():\n    raise RuntimeError('no')\n")
    site.entry(
        "index.md",
        "# T\n\n"  # lines 1-2
        "::run a a.py produces=a.txt needs=b\n\n"  # 3: a cycle with b
        "::run b a.py produces=b.txt needs=a\n\n"  # 5
        "::run lost a.py needs=nowhere:train\n\n"  # 7: no such entry
        "::run lazy lazy.py produces=never.txt\n\n"  # 9: promises, writes nothing
        "::run wants lazy.py needs=lazy\n\n"  # 11
        "::run boom boom.py produces=x.txt\n\n"  # 13
        "::run after lazy.py needs=boom\n",  # 15
    )
    journal = Journal(site.root, cache_dir=None)
    entry = journal.parse_file(site.root / "posts/index.md")
    errors = {name: str(err) for (_, name), err in journal.run_all([entry]).items()}
    assert errors["a"].startswith("posts/index.md:3: runs need each other in a cycle: ")
    assert "index:a (posts/index.md:3) -> index:b (posts/index.md:5)" in errors["a"]
    assert errors["b"].startswith("posts/index.md:5: runs need each other in a cycle")
    assert errors["lost"].startswith(
        "posts/index.md:7: run 'lost' needs nowhere:train, but no entry has the slug 'nowhere'"
    )
    assert errors["lazy"].startswith("posts/index.md:9: run 'lazy' promised never.txt")
    assert "needed by: index:wants (posts/index.md:11)" in errors["lazy"]
    assert errors["wants"].startswith(
        "posts/index.md:11: run 'wants' needs index:lazy (posts/index.md:9), which failed"
    )
    assert errors["after"].startswith(
        "posts/index.md:15: run 'after' needs index:boom (posts/index.md:13), which failed"
    )
    build = site.build(ok=False)  # the real build stops, naming the place
    assert "posts/index.md:" in build.stderr and "journal:" in build.stderr
