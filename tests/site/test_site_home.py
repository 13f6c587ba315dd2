"""The way in (issue 17, item 2): the home page's path in the plan's order, the journey's
progress and each entry's glimpse; every entry's place in the plan (part N of M) and its
previous and next in the plan's order. Every expectation is derived from journal.yml's plan and
the entries' front matter, never from a list written here."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from urllib.parse import urljoin

import pytest
import sitebuild
from bs4 import BeautifulSoup

from journal import glimpse

home = sitebuild.load_hook("home")
roadmap = sitebuild.load_hook("roadmap")


def soup_of(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def plan_steps(site) -> list[tuple[int, dict, str]]:
    """(position from 1, step, part name) of every step of the plan, in order."""
    parts = site.identity.plan
    steps = [(s, p["name"]) for p in parts for s in p["steps"]]
    return [(i, s, part) for i, (s, part) in enumerate(steps, start=1)]


def date_of(fm) -> str:
    date = fm["date"].get("created") if isinstance(fm["date"], dict) else fm["date"]
    return str(date)


def covering(site) -> dict[int, list[tuple[str, dict]]]:
    """Each step's entries (file name, front matter), oldest first (the first is the step's own)."""
    out: dict[int, list[tuple[str, dict]]] = {}
    for name, fm in site.entries().items():
        out.setdefault(fm.get("curriculum"), []).append((name, fm))
    for entries in out.values():
        entries.sort(key=lambda item: (date_of(item[1])[:10], f"entries/{item[0]}"))
    return out


def resolve(site, page_path, href: str):
    """The built file a link of ``page_path`` leads to (a folder's index.html)."""
    base = "/" + page_path.relative_to(site.root).as_posix()
    target = urljoin(base, href.split("#")[0]).lstrip("/")
    path = site.root / target
    return path / "index.html" if target == "" or target.endswith("/") else path


# ---------------------------------------------------------------- the home page


def test_the_path_lists_the_plans_steps_in_order_linking_their_entries(site):
    page = site.root / "index.html"
    soup = soup_of(page)
    items = soup.select(".journal-way-in ol.journal-path > li.journal-step")
    steps = plan_steps(site)
    assert len(items) == len(steps)
    by_step = covering(site)
    for item, (position, step, _part) in zip(items, steps, strict=True):
        text = item.get_text(" ", strip=True)
        assert text.startswith(f"Part {position} "), text
        written = by_step.get(step["n"], [])
        link = item.select_one(".journal-step__title a")
        if not written:
            assert link is None and "journal-step--planned" in item["class"], text
            assert step["title"] in text and "Planned" in text
            continue
        name, fm = written[0]
        assert link.get_text(strip=True) == fm["title"], step
        target = resolve(site, page, link["href"])
        assert target == site.root / fm["slug"] / "index.html" and target.is_file(), link
        for name, fm in written[1:]:  # an exploration of the same step sits beside it
            beside = item.select_one(".journal-step__beside a")
            assert beside and beside.get_text(strip=True) == fm["title"], name
            assert resolve(site, page, beside["href"]) == site.root / fm["slug"] / "index.html"
    # each part of the plan heads its own steps, in order, with its count
    headings = [h.get_text(" ", strip=True) for h in soup.select(".journal-way-in h3")]
    for part, heading in zip(site.identity.plan, headings, strict=False):
        done = sum(1 for s in part["steps"] if s["n"] in by_step)
        assert heading == f"{part['name']} {done} of {len(part['steps'])} written"


def test_progress_counts_the_steps_that_have_a_published_entry(site):
    soup = soup_of(site.root / "index.html")
    steps = [s["n"] for _, s, _ in plan_steps(site)]
    written = {fm.get("curriculum") for fm in site.entries().values()} & set(steps)
    progress = soup.select_one(".journal-progress").get_text(strip=True)
    assert progress == f"{len(written)} of {len(steps)} steps written"
    first = soup.select_one(".journal-start a.md-button")
    first_step = next(n for n in steps if n in written)
    fm = covering(site)[first_step][0][1]
    assert first.get_text(strip=True).endswith(fm["title"])
    assert resolve(site, site.root / "index.html", first["href"]).parent.name == fm["slug"]


def test_the_newest_first_list_follows_the_path_under_its_own_heading(site):
    soup = soup_of(site.root / "index.html")
    newest = soup.find(id=home.NEWEST_ID)
    path = soup.find(id=home.PATH_ID)
    excerpts = soup.select("article.md-post--excerpt")
    assert newest and path and excerpts
    assert path.sourceline < newest.sourceline < excerpts[0].sourceline
    latest = soup.select_one(".journal-latest a")
    by_date = sorted(site.entries().values(), key=date_of, reverse=True)
    assert latest.get_text(strip=True) == by_date[0]["title"]  # the newest, to the minute
    first_excerpt = excerpts[0].select_one("h2").get_text(strip=True)
    assert first_excerpt == by_date[0]["title"]


def test_each_glimpse_is_the_entrys_own_published_figure_and_its_computed_value(site, entry_runs):
    page = site.root / "index.html"
    soup = soup_of(page)
    shown = {}
    for item in soup.select(".journal-way-in li.journal-step"):
        link = item.select_one(".journal-step__title a")
        if link is not None:
            shown[resolve(site, page, link["href"]).parent.name] = item
    checked_values = 0
    for name, fm in site.entries().items():
        if fm["slug"] not in shown or not name.endswith(".md"):
            continue  # explorations beside a step show no glimpse of their own
        item = shown[fm["slug"]]
        rel = f"posts/entries/{name}"
        text = (site.docs_dir / "entries" / name).read_text(encoding="utf-8")
        choice, problems = glimpse.read(text, rel)
        assert not problems, problems
        entry_page = site.root / fm["slug"] / "index.html"
        figures = [
            (img["src"], img["alt"])
            for img in soup_of(entry_page).select("figure.journal-figure img")
        ]
        img = item.select_one("img.journal-glimpse__figure")
        if choice is not None and choice.no_figure or not figures:
            assert img is None, name
        else:
            assert img is not None, f"{name}: no glimpse figure"
            src = resolve(site, page, img["src"])
            own = {resolve(site, entry_page, s): alt for s, alt in figures}
            assert src in own and src.is_file(), name  # one of the entry's own published SVGs
            assert img["alt"] == own[src] and img["alt"], name
            if choice is None or choice.figure is None:  # the default: the entry's first one
                assert src == resolve(site, entry_page, figures[0][0]), name
            assert img["loading"] == "lazy" and int(img["width"]) > 0 and int(img["height"]) > 0
        value = item.select_one(".journal-glimpse__value strong")
        if choice is None or choice.value is None:
            assert value is None, name
            continue
        ref = choice.value
        computed = entry_runs(rel)[ref.name].values[ref.key]
        assert value.get_text() == format(computed, ref.spec), name
        shown_text = item.select_one(".journal-glimpse__value").get_text(" ", strip=True)
        assert shown_text == f"{value.get_text()} {choice.label}".strip(), name
        checked_values += 1
    chosen = [n for n in site.entries() if _chosen_value(site, n)]
    assert checked_values == len(chosen), chosen


def _chosen_value(site, name: str) -> bool:
    path = site.docs_dir / "entries" / name
    if path.suffix != ".md":
        return False
    choice, _ = glimpse.read(path.read_text(encoding="utf-8"), name)
    return choice is not None and choice.value is not None


# ---------------------------------------------------------------- every entry's place


def test_every_entry_says_its_part_and_links_previous_and_next_in_plan_order(site):
    steps = plan_steps(site)
    position = {s["n"]: (i, part) for i, s, part in steps}
    by_step = covering(site)
    chain = [item for _, s, _ in steps for item in by_step.get(s["n"], [])]
    off = [(n, fm) for n, fm in site.entries().items() if fm.get("curriculum") not in position]
    assert len(chain) + len(off) == len(site.entries())
    for i, (name, fm) in enumerate(chain):
        page = site.root / fm["slug"] / "index.html"
        soup = soup_of(page)
        n, part = position[fm["curriculum"]]
        own = by_step[fm["curriculum"]][0][0] == name
        label = soup.select_one("article .journal-place").get_text(" ", strip=True)
        where = f"Part {n} of {len(steps)}" if own else f"Beside part {n} of {len(steps)}"
        assert label.startswith(f"{where} · {part}"), (name, label)
        place = soup.select_one("article .journal-place")
        h1 = soup.select_one("article h1")
        assert place.sourceline <= h1.sourceline, name  # above the title
        nav = soup.select_one("article nav.journal-plan-nav")
        prev_link = nav.select_one("a.journal-plan-nav__prev")
        next_link = nav.select_one("a.journal-plan-nav__next")
        for link, j in ((prev_link, i - 1), (next_link, i + 1)):
            if 0 <= j < len(chain):
                other = chain[j][1]
                assert other["title"] in link.get_text(" ", strip=True), (name, j)
                assert resolve(site, page, link["href"]) == site.root / other["slug"] / "index.html"
                k, _ = position[other["curriculum"]]
                assert f"part {k} of {len(steps)}" in link.get_text(" ", strip=True)
            else:  # the ends of the path lead to the path
                assert resolve(site, page, link["href"]) == site.root / "index.html", name
                assert link["href"].endswith("#" + home.PATH_ID)
        # Material's date-ordered footer links agree with the plan, and are hidden
        footer = soup.select_one("nav.md-footer__inner")
        if footer is not None:
            assert footer.has_attr("hidden"), name
        rel_prev = soup.select_one('head link[rel="prev"]')
        if i > 0:
            assert rel_prev and rel_prev["href"].rstrip("/").endswith(chain[i - 1][1]["slug"])
    for name, fm in off:
        label = soup_of(site.root / fm["slug"] / "index.html").select_one(".journal-place")
        assert label.get_text(strip=True).startswith("Outside the plan"), name


# ---------------------------------------------------------------- the pieces, on made-up data


def made_up_plan():
    return [
        {
            "name": "A",
            "summary": "s",
            "steps": [{"n": 0, "title": "zero"}, {"n": 1, "title": "one"}],
        },
        {"name": "B c", "summary": "t", "steps": [{"n": 5, "title": "five"}]},
    ]


def test_places_order_steps_then_explorations_beside_them_then_entries_off_the_plan():
    e = roadmap.Entry
    entries = [
        e("entries/late.md", "Late", dt.date(2026, 11, 9), 0),
        e("entries/first.md", "First", dt.date(2026, 11, 1), 0),
        e("entries/five.md", "Five", dt.date(2026, 11, 3), 5),
        e("entries/stray.md", "Stray", dt.date(2026, 11, 1), None),
        e("entries/nine.md", "Nine", dt.date(2026, 11, 2), 9),
    ]
    order = home.places(made_up_plan(), entries)
    assert [(p.entry.title, p.position, p.kind) for p in order] == [
        ("First", 1, "step"),
        ("Late", 1, "beside"),
        ("Five", 3, "step"),
        ("Stray", 0, "off"),
        ("Nine", 0, "off"),
    ]
    assert all(p.total == 3 for p in order)
    links = home.neighbours(order)
    assert links["entries/first.md"][0] is None
    assert links["entries/late.md"][0].entry.title == "First"
    assert links["entries/late.md"][1].entry.title == "Five"
    assert links["entries/five.md"][1] is None
    assert links["entries/stray.md"] == (None, None)
    assert home.where_label(order[1]) == "Beside part 1 of 3"
    assert home.part_id("B c") == "part-b-c"


@pytest.mark.parametrize("count", [0, 1])
def test_the_way_in_reads_well_with_no_entry_and_with_one(count):
    e = roadmap.Entry
    entries = [e("entries/first.md", "First", dt.date(2026, 11, 1), 1)][:count]
    home._state = home._State(
        home.places(made_up_plan(), entries),
        {x.src_uri: "first/" for x in entries},
        {},
        made_up_plan(),
    )
    try:
        out = home.start_here("", {})
    finally:
        home._state = None
    soup = BeautifulSoup(out, "html.parser")
    assert soup.select_one(".journal-progress").get_text(strip=True) == (
        f"{count} of 3 steps written"
    )
    steps = soup.select("li.journal-step")
    assert [li.select_one(".journal-step__n").get_text() for li in steps] == [
        "Part 1",
        "Part 2",
        "Part 3",
    ]
    planned = soup.select("li.journal-step--planned")
    assert len(planned) == 3 - count
    if count:
        assert soup.select_one(".journal-start a.md-button")["href"] == "first/"
        assert soup.find(id=home.NEWEST_ID)
    else:
        assert soup.select_one(".journal-start a") is None
        assert "No entry yet" in soup.get_text()
        assert soup.find(id=home.NEWEST_ID) is None  # no empty list to announce


# ---------------------------------------------------------------- a new journal (journal init)


def _cli(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "JOURNAL_EXECUTION")}
    return subprocess.run(
        [sys.executable, "-m", "journal.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def _build(root, dest):
    env = {k: v for k, v in os.environ.items() if k not in ("JOURNAL_EXECUTION",)}
    env["JOURNAL_CACHE_DIR"] = str(
        root.parent / "cache"
    )  # the new journal's own, shared by its builds
    return subprocess.run(
        [str(sitebuild.MKDOCS), "build", "--strict", "-d", str(dest)],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.fixture(scope="module")
def new_journal(tmp_path_factory):
    """A journal as `journal init` writes it: one entry (whose glimpse is a computed value)."""
    root = tmp_path_factory.mktemp("new") / "journal"
    done = _cli(
        "init", root, "--title", "Learning Rust in public", "--author", "Ada",
        "--about", "Backend engineer, learning Rust", "--repository", "ada/rust-journal",
        "--yes", cwd=tmp_path_factory.getbasetemp(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return root


def _steps_of(root) -> int:
    from journal import identity

    return sum(len(part["steps"]) for part in identity.load(root).plan)


@pytest.mark.slow
def test_a_new_journals_home_with_one_entry_and_with_none(new_journal, tmp_path):
    root = tmp_path / "journal"
    shutil.copytree(new_journal, root)
    total = _steps_of(root)
    (entry,) = (root / "posts" / "entries").glob("*.md")
    built = _build(root, tmp_path / "one")
    assert built.returncode == 0, built.stderr[-3000:]
    soup = soup_of(tmp_path / "one" / "index.html")
    assert soup.select_one(".journal-progress").get_text(strip=True) == (
        f"1 of {total} steps written"
    )
    start = soup.select_one(".journal-start a.md-button")
    slug = yaml_meta(entry)["slug"]
    assert resolve_in(tmp_path / "one", "index.html", start["href"]).parent.name == slug
    assert soup.select_one(".journal-latest") is None  # the newest is the first: said once
    assert len(soup.select("li.journal-step--planned")) == total - 1
    value = soup.select_one(".journal-glimpse__value strong").get_text()
    page = (tmp_path / "one" / slug / "index.html").read_text(encoding="utf-8")
    assert f"mean came out at {value}" in page  # the number the entry's prose shows
    entry_soup = soup_of(tmp_path / "one" / slug / "index.html")
    assert (
        entry_soup.select_one(".journal-place")
        .get_text(" ", strip=True)
        .startswith(f"Part 1 of {total} · ")
    )
    ends = entry_soup.select("nav.journal-plan-nav a")
    assert [a["href"] for a in ends] == [f"../#{home.PATH_ID}"] * 2  # alone on the path

    entry.unlink()
    built = _build(root, tmp_path / "none")
    assert built.returncode == 0, built.stderr[-3000:]
    soup = soup_of(tmp_path / "none" / "index.html")
    assert soup.select_one(".journal-progress").get_text(strip=True) == (
        f"0 of {total} steps written"
    )
    assert "No entry yet" in soup.select_one(".journal-start").get_text()
    assert len(soup.select("li.journal-step--planned")) == total
    assert soup.find(id=home.NEWEST_ID) is None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("glimpse_line", "message", "in_check"),
    [
        ('glimpse: {figure: "dice:rolls"}', "glimpse.figure: the entry shows no figure dice:rolls", True),
        ('glimpse: {value: "dices.mean"}', "glimpse.value: the entry has no run 'dices'", True),
        ('glimpse: {value: "dice.median"}', "glimpse.value: run 'dice' returned no value 'median'", False),
        ('glimpse: {valeu: "dice.mean"}', "glimpse: unknown key 'valeu'", True),
    ],
)  # fmt: skip
def test_a_bad_glimpse_stops_the_build_and_journal_check_at_its_line(
    new_journal, tmp_path, glimpse_line, message, in_check
):
    root = tmp_path / "journal"
    shutil.copytree(new_journal, root)
    (entry,) = (root / "posts" / "entries").glob("*.md")
    lines = entry.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("glimpse:"))
    lines[number - 1] = glimpse_line
    entry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    where = f"posts/entries/{entry.name}:{number}"
    built = _build(root, tmp_path / "site")
    assert built.returncode != 0
    assert f"{where}: {message}" in built.stderr, built.stderr[-2000:]
    checked = _cli("check", cwd=root)
    if in_check:  # found without running anything
        assert checked.returncode != 0
        assert f"{where}: {message}" in checked.stdout + checked.stderr
    else:  # only the run's result can tell; check stays quiet about it
        assert message not in checked.stdout + checked.stderr


def yaml_meta(path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])


def resolve_in(root, page: str, href: str):
    base = "/" + page
    target = urljoin(base, href.split("#")[0]).lstrip("/")
    path = root / target
    return path / "index.html" if target == "" or target.endswith("/") else path
