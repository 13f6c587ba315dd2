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
    plan = roadmap.load_plan(sitebuild.ROOT)  # this journal's (journal.yml): its second part's first step
    step, right, wrong = plan[1]["steps"][0], plan[1]["name"], plan[0]["name"]
    page = f"---\ntitle: An entry\ndate: 2026-11-16\ncategories:\n  - {{cat}}\ncurriculum: {step['n']}\n---\n"
    good = roadmap.read_entries([("entries/a.md", page.format(cat=right))])
    bad = roadmap.read_entries([("entries/a.md", page.format(cat=wrong))])
    assert roadmap.disagreements(plan, good) == []
    [message] = roadmap.disagreements(plan, bad)
    assert message.startswith(f"entries/a.md: category {wrong!r} contradicts the plan")
    assert f"curriculum {step['n']} ({step['title']}) is in {right!r}" in message

    class Config:
        config_file_path = str(sitebuild.ROOT / "mkdocs.yml")

    class Page:
        class file:
            src_uri = "roadmap.md"

    class Files:
        @staticmethod
        def documentation_pages():
            class F:
                src_uri = "entries/a.md"
                content_string = page.format(cat=wrong)

            return [F]

    with caplog.at_level(logging.WARNING, logger="mkdocs.hooks.journal_roadmap"):
        roadmap.on_page_markdown(roadmap.MARKER, Page, Config, Files)
    assert any("contradicts the plan" in r.getMessage() for r in caplog.records)
    assert all(r.levelno == logging.WARNING for r in caplog.records)  # --strict stops on it
