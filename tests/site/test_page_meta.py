"""Front matter read once per text (journal/adapters/page_meta.py): what MkDocs' own reader
gives, kept, and not changeable by one of the hooks that share it."""

from __future__ import annotations

import datetime as dt

import pytest
from mkdocs.utils.meta import get_data

from journal.adapters import page_meta

TEXTS = [
    "---\ntitle: A\ndate: 2026-11-05\ncategories:\n  - Foundations\ndraft: true\n---\n\n# A\n",
    "# no front matter\n",
    "---\ntitle: [unclosed\n---\nbody\n",  # unreadable: MkDocs' reader decides
    "---\n---\nempty\n",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_front_matter_is_mkdocs_own(text):
    assert dict(page_meta.meta(text)) == get_data(text)[1]
    assert page_meta.meta(text) is page_meta.meta(text)  # read once


def test_the_shared_mapping_cannot_be_changed():
    found = page_meta.meta(TEXTS[0])
    assert found["date"] == dt.date(2026, 11, 5) and found["draft"] is True
    with pytest.raises(TypeError):
        found["draft"] = False  # type: ignore[index]
    assert page_meta.meta(TEXTS[0])["draft"] is True


def test_a_new_version_of_a_page_is_read_anew():
    old = page_meta.meta("---\ntitle: Old\n---\n")
    assert page_meta.meta("---\ntitle: New\n---\n")["title"] == "New" and old["title"] == "Old"
