"""The order runs start in: the longest remaining chain first, so a cold build's wall time
approaches its CPU time over the cores instead of waiting on a model trained last."""

from __future__ import annotations

from journal.project import Journal

LEAVES = """\
---
slug: leaves
---
::run a a.py

::run b b.py

::run c c.py
"""

CHAIN = """\
---
slug: chain
---
::run train train.py produces=model.txt

::run use use.py needs=train
"""


def journal_of(site) -> Journal:
    for name in ("a", "b", "c"):
        site.counted_snippet(f"{name}.py")
    site.counted_snippet(
        "train.py",
        "    from pathlib import Path\n    Path('model.txt').write_text('w')\n    return {}",
    )
    site.counted_snippet("use.py")
    site.entry("leaves.md", LEAVES)  # read first: a plain queue would start these first
    site.entry("chain.md", CHAIN)
    return Journal(site.root, jobs=1)


def run_everything(journal: Journal) -> None:
    entries = [journal.parse_file(journal.root / "posts" / n) for n in ("leaves.md", "chain.md")]
    outcome = journal.run_all(entries)
    assert all(not isinstance(r, Exception) for r in outcome.values()), outcome


def test_a_first_build_starts_the_producer_before_lone_runs(site):
    journal = journal_of(site)
    run_everything(journal)
    assert site.executions() == ["train", "a", "b", "c", "use"]
    assert sorted(journal.cache.durations()) == [
        "chain:train",
        "chain:use",
        "leaves:a",
        "leaves:b",
        "leaves:c",
    ]


def test_remembered_durations_put_the_longest_chain_first(site):
    journal = journal_of(site)
    # as if measured by an earlier build: a is long, the chain train -> use is longer than b, c
    journal.cache.remember_durations(
        {"leaves:a": 5.0, "leaves:b": 0.5, "leaves:c": 0.2, "chain:train": 1.0, "chain:use": 3.0}
    )
    run_everything(journal)
    # a (5 s) first; then train (1 + 3 s of its consumer ahead); use, once ready, before b and c
    assert site.executions() == ["a", "train", "use", "b", "c"]
    assert journal.cache.durations()["leaves:a"] < 1.0  # replaced by what was just measured


def test_a_damaged_record_of_durations_is_ignored_and_prune_forgets_removed_runs(site):
    journal = journal_of(site)
    record = journal.cache.root / "durations.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text("{not json")
    run_everything(journal)  # the order of a first build, and a fresh record
    assert site.executions() == ["train", "a", "b", "c", "use"]
    assert len(journal.cache.durations()) == 5

    site.entry("leaves.md", LEAVES.replace("::run c c.py\n", ""))
    Journal(site.root).prune()
    assert sorted(journal.cache.durations()) == ["chain:train", "chain:use", "leaves:a", "leaves:b"]
