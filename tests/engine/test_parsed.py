"""An entry's parse kept across builds (journal/parsed.py): read back, it equals a fresh parse for
every entry of the journal; an entry with a problem is never kept; a changed text, or a changed
parser, is a new key."""

from __future__ import annotations

from pathlib import Path

import pytest

from journal import directives, keptstore, parsed
from journal.errors import JournalError

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = sorted((ROOT / "posts").rglob("*.md"))


@pytest.fixture
def store(monkeypatch):
    """A fresh, empty store for the test (the module's own is left as it was)."""
    fresh = keptstore.KeptStore(parsed.STORE, "test", parsed.LIMIT)
    keptstore._STORES.remove(fresh)  # nothing written at exit
    monkeypatch.setattr(parsed, "_kept", fresh)
    return fresh


@pytest.mark.parametrize("path", ENTRIES, ids=lambda p: p.name)
def test_a_parse_read_back_is_the_parse(store, path):
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(ROOT).as_posix()
    fresh = directives.parse(text, rel, strict=False)
    first = parsed.parse(text, rel)  # parsed and kept
    assert store.values and first == fresh
    again = parsed.parse(text, rel)  # read back
    assert again == fresh and again is not first
    # the spans point at the entry's own directives and references, as a fresh parse's do
    items = {id(item) for item in [*again.directives, *again.values]}
    assert all(id(span.item) in items for span in again.spans)
    assert [text[s.start : s.end] for s in again.spans] == [
        text[s.start : s.end] for s in fresh.spans
    ]


def test_a_problem_is_never_kept_and_a_new_text_is_a_new_key(store, monkeypatch):
    bad = "::run a fit.py\n\n{{ b.x }}\n"
    with pytest.raises(JournalError):
        parsed.parse(bad, "posts/e.md")
    assert parsed.parse(bad, "posts/e.md", strict=False).problems and not store.values
    good = "::run a fit.py\n\n{{ a.x }}\n"
    parsed.parse(good, "posts/e.md")
    parsed.parse(good + "\n", "posts/e.md")
    parsed.parse(good, "posts/f.md")
    assert len(store.values) == 3  # text and path are both in the key
    monkeypatch.setattr(parsed, "_parser_source", lambda: "another parser")
    parsed.parse(good, "posts/e.md")
    assert len(store.values) == 4
