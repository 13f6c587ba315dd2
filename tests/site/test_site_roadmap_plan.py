"""The roadmap page, the plan and the entries tell one story: every entry the built roadmap lists
sits under the part its own category names, and the hook flags a page that disagrees."""

from __future__ import annotations

import logging

import sitebuild
from bs4 import BeautifulSoup

roadmap = sitebuild.load_hook("roadmap")


def test_every_entry_on_the_roadmap_sits_under_its_own_category(site):
    soup = BeautifulSoup((site.root / "roadmap" / "index.html").read_text(), "html.parser")
    by_slug = {meta["slug"]: meta for meta in site.entries().values()}
    seen = 0
    for table in soup.select("article table"):
        part = table.find_previous("h2").get_text(strip=True).rstrip("¶").strip()
        for a in table.select("tbody a"):
            slug = a["href"].rstrip("/").rsplit("/", 1)[-1]
            assert by_slug[slug]["categories"][0] == part, (slug, part)
            seen += 1
    assert seen == sum(1 for m in by_slug.values() if m.get("curriculum") is not None)


def test_the_roadmap_hook_flags_a_page_whose_category_contradicts_the_plan(caplog):
    page = "---\ntitle: Autograd\ndate: 2026-11-16\ncategories:\n  - {cat}\ncurriculum: 4\n---\n"
    plan = roadmap.load_plan()
    good = roadmap.read_entries([("entries/a.md", page.format(cat="Neural networks"))])
    bad = roadmap.read_entries([("entries/a.md", page.format(cat="Foundations"))])
    assert roadmap.disagreements(plan, good) == []
    [message] = roadmap.disagreements(plan, bad)
    assert message.startswith("entries/a.md: category 'Foundations' contradicts the plan")
    assert "curriculum 4 (Autograd from scratch) is in 'Neural networks'" in message

    class Page:
        class file:
            src_uri = "roadmap.md"

    class Files:
        @staticmethod
        def documentation_pages():
            class F:
                src_uri = "entries/a.md"
                content_string = page.format(cat="Foundations")

            return [F]

    with caplog.at_level(logging.WARNING, logger="mkdocs.hooks.journal_roadmap"):
        roadmap.on_page_markdown(roadmap.MARKER, Page, None, Files)
    assert any("contradicts the plan" in r.getMessage() for r in caplog.records)
    assert all(r.levelno == logging.WARNING for r in caplog.records)  # --strict stops on it
