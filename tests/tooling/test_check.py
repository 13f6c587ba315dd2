"""``journal check``: the real journal passes it, and each rule fails a fixture journal that breaks
it, at the right ``file:line``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from journal import identity, provenance
from journal.check import Checker, Problem, check, find_root

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).with_name("fixture_site")
JOURNAL = Path(sys.executable).with_name("journal")
ENTRY = "posts/entries/first.md"


@pytest.fixture
def journal(tmp_path) -> Path:
    root = tmp_path / "journal"
    shutil.copytree(FIXTURE, root)
    return root


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def known(root: Path) -> str:
    """The categories `journal check` knows: the fixture journal's plan's parts."""
    return ", ".join(identity.load(root).categories)


def lines(root: Path) -> list[str]:
    return [str(p) for p in check(root)]


def test_the_real_journal_passes_through_the_entry_point():
    done = subprocess.run([str(JOURNAL), "check"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no problems" in done.stderr


def test_the_fixture_passes(journal):
    assert check(journal) == []


def test_problems_exit_1_and_print_file_line_message(journal):
    edit(journal, ENTRY, "categories:\n  - Foundations", "categories:\n  - Cooking")
    done = subprocess.run(
        [str(JOURNAL), "check", "--root", str(journal)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"posts/entries/first.md:5: unknown category 'Cooking' (known: {known(journal)}; "
        "the plan's parts in journal.yml)"
    ]
    assert "1 problems" in done.stderr


def test_the_root_is_found_from_a_subfolder(journal):
    assert find_root(journal / "posts" / "entries") == journal.resolve()


# -- front matter --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("title: First entry\n", "", "first.md:1: front matter has no title:"),
        (
            "date: 2026-11-01",
            "date: 1st of November",
            "first.md:3: date: '1st of November' is not a date",
        ),
        (
            "date: 2026-11-01",
            "date: 2026-13-01",
            "first.md:3: date: 2026-13-01 is not a date (month must be in 1..12; write YYYY-MM-DD)",
        ),
        ("slug: first", "slug: First Entry", "first.md:9: slug 'First Entry' must be lowercase"),
        ("discussion_id: first\n", "", "first.md:1: front matter has no discussion_id:"),
        ("curriculum: 0", "curriculum: zero", "first.md:11: curriculum: 'zero' must be"),
        ("curriculum: 0", "curriculum: true", "first.md:11: curriculum: True must be"),
        ("draft: false", "draft: maybe", "first.md:12: draft: 'maybe' must be true or false"),
        (
            "categories:\n  - Foundations",
            "categories: []",
            "first.md:5: categories: must be a list",
        ),
        ("tags:\n  - fixture", "tags: 3", "first.md:7: tags: must be a list of words"),
        ("---\ntitle", "title", "first.md:1: no front matter"),
        ("date: 2026-11-01", "date: [2026", "first.md:4: front matter is not valid YAML"),
        ("draft: false\n---", "draft: false", "first.md:1: front matter is not closed"),
        ("slug: first", "slug: first\nsulg: first", "first.md:10: unknown key 'sulg': did you"),
        ("curriculum: 0", "curriculum: 99", "first.md:11: curriculum: 99 is no step of the plan"),
    ],
)
def test_front_matter_rules(journal, old, new, expected):
    edit(journal, ENTRY, old, new)
    found = lines(journal)
    assert any(line.startswith(f"posts/entries/{expected}") for line in found), found


GOOD_NOTE = "The distances are now exact values, not estimates."


@pytest.mark.parametrize(
    "block, expected",
    [
        (f"corrections:\n  - date: 2026-12-01\n    note: {GOOD_NOTE}\n", None),
        (
            f"corrections:\n  - date: 2026-12-01\n    note: {GOOD_NOTE}\n"
            "  - date: 1 December\n    note: a later note that says what changed\n",
            "first.md:16: corrections: item 2 date '1 December' is not a date",
        ),
        (
            f"corrections:\n  - date: 2026-10-01\n    note: {GOOD_NOTE}\n",
            "first.md:14: corrections: item 1 is dated 2026-10-01, before the entry itself",
        ),
        (
            "corrections:\n  - date: 2026-12-01\n    note: fixed\n",
            "first.md:14: corrections: item 1 note must say what changed",
        ),
        (
            f"corrections:\n- date: 2026-12-01\n  text: {GOOD_NOTE}\n",
            "first.md:14: corrections: item 1 must have exactly a date: and a note:",
        ),
        ("corrections: fixed on 2026-12-01\n", "first.md:13: corrections: must be a list"),
    ],
)
def test_correction_notes_are_checked_at_their_item(journal, block, expected):
    edit(journal, ENTRY, "draft: false\n", "draft: false\n" + block)
    found = lines(journal)
    if expected is None:
        assert found == []
    else:
        assert any(line.startswith(f"posts/entries/{expected}") for line in found), found


@pytest.mark.parametrize("length, ok", [(49, False), (50, True), (160, True), (161, False)])
def test_description_length_bounds(journal, length, ok):
    desc = ("x" * (length - 1)) + "."
    edit(
        journal, ENTRY, "description: A fixture entry", f"description: {desc}\nold: A fixture entry"
    )
    found = lines(journal)
    assert (found == []) is ok, found
    if not ok:
        assert found == [
            f"posts/entries/first.md:4: description is {length} characters; write 50 to 160 "
            "(search results and link previews cut longer ones)"
        ]


def test_a_published_entry_cannot_keep_the_draft_description(journal):
    edit(
        journal,
        ENTRY,
        "description: A fixture entry with two runs from two snippets, so a test can edit one and watch.",
        'description: "Draft: a fixture entry with two runs, so a test can edit one and watch."',
    )
    assert lines(journal) == [
        "posts/entries/first.md:4: description is still the draft placeholder"
    ]


def test_slugs_and_discussion_ids_are_unique(journal):
    edit(journal, "posts/entries/unfinished.md", "slug: unfinished", "slug: first")
    edit(
        journal, "posts/entries/unfinished.md", "discussion_id: unfinished", "discussion_id: first"
    )
    found = lines(journal)
    assert (
        "posts/entries/unfinished.md:1: slug 'first' is already used by posts/entries/first.md"
        in found
    )
    assert (
        "posts/entries/unfinished.md:1: discussion_id 'first' is already used by "
        "posts/entries/first.md" in found
    )


# -- directives ------------------------------------------------------------------------------------
def test_a_missing_snippet_file_and_section(journal):
    edit(journal, ENTRY, "::code alpha.py#square", "::code alpha.py#cube\n::code gamma.py")
    found = lines(journal)
    assert found[0].startswith(
        "posts/entries/first.md:21: section 'cube' not found in snippets/alpha.py"
    )
    assert found[1].startswith("posts/entries/first.md:22: snippet snippets/gamma.py not found")
    assert len(found) == 2


def test_a_run_of_a_missing_function(journal):
    edit(journal, ENTRY, "::run alpha alpha.py", "::run alpha alpha.py:explore")
    assert lines(journal) == [
        "posts/entries/first.md:23: alpha.py has no function explore() for run 'alpha'"
    ]


def test_a_figure_without_alt_text(journal):
    edit(journal, ENTRY, ' alt="Three dots rising from left to right."', "")
    found = lines(journal)
    assert len(found) == 1 and found[0].startswith(
        "posts/entries/first.md:30: figure has no alt text"
    )


def test_a_figure_above_the_excerpt_separator(journal):
    edit(
        journal,
        ENTRY,
        "Two runs, each from its own snippet.",
        '::figure beta dots alt="Dots."\n\nTwo runs.',
    )
    assert lines(journal) == [
        "posts/entries/first.md:17: figure above '<!-- more -->': the excerpt on the home page "
        "cannot show it; move it below"
    ]


def test_no_excerpt_separator(journal):
    edit(journal, ENTRY, "<!-- more -->\n", "")
    assert lines(journal) == [
        "posts/entries/first.md:13: no '<!-- more -->' line: put one after the opening paragraphs"
    ]


def test_every_bad_directive_is_reported_not_only_the_first(journal):
    edit(journal, ENTRY, "::output beta", "::outptu beta\n::run 9 beta.py\n::output nobody")
    found = lines(journal)
    assert [line.split(": ", 1)[0] for line in found] == [
        "posts/entries/first.md:28",
        "posts/entries/first.md:29",
        "posts/entries/first.md:30",
    ]
    assert "unknown directive ::outptu (did you mean `::output`?" in found[0]
    assert "run name '9' is not a valid name" in found[1]
    assert "no run named 'nobody'" in found[2]


def test_an_undefined_run_name(journal):
    edit(journal, ENTRY, "::output beta", "::output gamma")
    found = lines(journal)
    assert len(found) == 1 and found[0].startswith(
        "posts/entries/first.md:28: no run named 'gamma'"
    )


# -- snippets and tests ----------------------------------------------------------------------------
def test_an_orphan_snippet(journal):
    (journal / "snippets" / "gamma.py").write_text('"""Unused."""\n')
    (journal / "tests" / "gamma_check.py").write_text("import gamma\n")
    assert lines(journal) == [
        "snippets/gamma.py:1: orphan snippet: no entry embeds, runs or imports it (use it or delete it)"
    ]


def test_a_snippet_named_like_a_library_module_is_reported(journal):
    """snippets/ comes first on the path of runs, tests and notebooks: snippets/random.py would
    be what numpy and matplotlib get when they import random."""
    (journal / "snippets" / "random.py").write_text('"""Dice."""\n')
    (journal / "tests" / "dice_check.py").write_text("import random\n")
    found = [line for line in lines(journal) if "hides" in line]
    assert found == [
        "snippets/random.py:1: this snippet hides the standard library's random from every "
        "snippet, test and notebook (the snippets folder comes first on their path): rename it"
    ]


def test_a_snippet_imported_by_a_run_snippet_is_not_an_orphan(journal):
    (journal / "snippets" / "gamma.py").write_text('"""Helper."""\nK = 1\n')
    edit(
        journal,
        "snippets/alpha.py",
        '"""Alpha: a square, computed quickly."""\n',
        '"""Alpha."""\n\nimport gamma  # noqa\n',
    )
    assert lines(journal) == []  # alpha's run exercises gamma, and a test reads that entry


def test_an_untested_snippet(journal):
    (journal / "snippets" / "gamma.py").write_text('"""Shown, never tested."""\nK = 1\n')
    edit(journal, ENTRY, "::code alpha.py#square", "::code alpha.py#square\n::code gamma.py")
    assert lines(journal) == [
        "snippets/gamma.py:1: no test exercises this snippet: import it in a test under tests/ "
        "or run it from an entry a test reads"
    ]


VALUES_TEST = "tests/values_check.py"
ASSERTS = {  # the fixture's test asserts each value at this line
    ("alpha", "value"): (10, 'assert alpha.main()["value"] == 49'),
    ("beta", "value"): (11, 'assert beta.main()["value"] == beta.VALUE'),
}


def record(root: Path, *asserted: tuple[str, str], read: bool = True) -> None:
    """The record a test session would leave: ``asserted`` (run, key) pairs asserted."""
    test = f"{VALUES_TEST}::test_values"
    made = [
        provenance.Asserted(
            ENTRY,
            run,
            key,
            "0",
            test,
            VALUES_TEST,
            *[ASSERTS[(run, key)][0]] * 2,
            ASSERTS[(run, key)][1],
            "exact",
        )
        for run, key in asserted
    ]
    tests = provenance.Tests(made, {test: [ENTRY] if read else []})
    provenance.write(provenance.record_path(root), tests)


def test_without_a_record_values_are_not_checked_and_a_note_says_how(journal):
    checker = Checker(journal)
    assert checker.run() == []
    (note,) = checker.notes
    assert note.startswith("the tests have not run here")
    assert ".venv/bin/pytest -n 2 tests/entries" in note


def test_a_quoted_value_no_passing_test_asserts(journal):
    record(journal, ("alpha", "value"))
    assert lines(journal) == [
        "posts/entries/first.md:26: value beta.value is quoted but no test asserts it (read it "
        'inside an assert in a test, against a reference: assert runs["beta"].values["value"] '
        "== pytest.approx(expected, rel=...))"
    ]
    record(journal, ("alpha", "value"), ("beta", "value"))
    assert lines(journal) == []


def test_a_recorded_assert_that_moved_is_no_proof(journal):
    record(journal, ("alpha", "value"), ("beta", "value"))
    edit(journal, VALUES_TEST, "import alpha\n", "import math\nimport alpha\n")
    checker = Checker(journal)  # the test changed after the tests ran: the record cannot tell
    assert checker.run() == []
    assert checker.notes == [
        "posts/entries/first.md or their tests changed since the tests last ran, so whether "
        "their values are asserted is not checked: run the tests (.venv/bin/pytest -n 2 "
        "tests/entries), then journal check"
    ]
    later = (journal / VALUES_TEST).stat().st_mtime + 10  # a later session ran other tests
    os.utime(provenance.record_path(journal), (later, later))
    assert lines(journal) == [
        f"posts/entries/first.md:26: value {run}.value is quoted but no test asserts it (the "
        f"assertion recorded at tests/values_check.py:{line} is no longer there; run the tests "
        "again)"
        for run, line in (("alpha", 10), ("beta", 11))
    ]


def test_an_entry_no_test_that_ran_has_read_gets_a_note_not_a_problem(journal):
    record(journal, read=False)
    checker = Checker(journal)
    assert checker.run() == []
    assert checker.notes == [
        "no test that has run here read the values of posts/entries/first.md, so whether they "
        "are asserted is not checked: run the tests (.venv/bin/pytest -n 2 tests/entries), "
        "then journal check"
    ]
    done = subprocess.run(
        [str(JOURNAL), "check", "--root", str(journal)], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout == ""
    assert "journal check: note: no test that has run here read" in done.stderr


def test_values_quoted_by_an_entry_no_test_names(journal):
    edit(journal, "tests/values_check.py", 'ENTRY = "posts/entries/first.md"', "")
    found = lines(journal)
    assert found[0].startswith(
        "posts/entries/first.md:26: the prose quotes run values but no test in tests/ names first.md"
    )


# -- notebook entries ------------------------------------------------------------------------------
FRONT = """---
title: A notebook
date: 2026-11-26
description: A notebook entry in the fixture journal, for the checks that read notebooks.
categories:
  - Foundations
slug: a-notebook
discussion_id: a-notebook
curriculum: 2
draft: false
---"""


def write_notebook(root: Path, *cells) -> Path:
    path = root / "posts" / "entries" / "a-notebook.ipynb"
    nbformat.write(new_notebook(cells=list(cells)), str(path))
    return path


def test_a_good_notebook_passes(journal):
    write_notebook(
        journal,
        new_raw_cell(FRONT),
        new_markdown_cell("Intro.\n\n<!-- more -->"),
        new_code_cell("# alt: a line\nplt.plot([1, 2])\nplt.show()"),
    )
    assert lines(journal) == []


def test_notebook_front_matter_is_checked_at_its_line_in_the_file(journal):
    path = write_notebook(
        journal,
        new_raw_cell(FRONT.replace("Foundations", "Cooking")),
        new_markdown_cell("<!-- more -->"),
    )
    line = next(i for i, s in enumerate(path.read_text().splitlines(), 1) if '"categories:' in s)
    assert lines(journal) == [
        f"posts/entries/a-notebook.ipynb:{line}: unknown category 'Cooking' "
        f"(known: {known(journal)}; the plan's parts in journal.yml)"
    ]


def test_a_notebook_without_front_matter(journal):
    write_notebook(journal, new_markdown_cell("# Hello"))
    found = lines(journal)
    assert len(found) == 1 and found[0].startswith(
        "posts/entries/a-notebook.ipynb:1: the notebook has no front matter"
    )


def test_a_notebook_figure_without_alt_text(journal):
    cell = new_code_cell("fig, ax = plt.subplots()")
    cell.outputs = [new_output("display_data", data={"image/svg+xml": "<svg/>"})]
    path = write_notebook(journal, new_raw_cell(FRONT), new_markdown_cell("<!-- more -->"), cell)
    line = next(i for i, s in enumerate(path.read_text().splitlines(), 1) if "fig, ax" in s)
    assert lines(journal) == [
        f"posts/entries/a-notebook.ipynb:{line}: cell 2 draws a figure with no alt text: "
        "add a line '# alt: what it shows'"
    ]


def test_a_notebook_without_excerpt_separator(journal):
    write_notebook(journal, new_raw_cell(FRONT), new_markdown_cell("Just text."))
    assert lines(journal) == [
        "posts/entries/a-notebook.ipynb:1: no '<!-- more -->' in a Markdown cell: put one after "
        "the opening text"
    ]


def test_snippets_a_notebook_imports_are_used(journal):
    (journal / "snippets" / "gamma.py").write_text('"""Used by the notebook."""\nK = 1\n')
    (journal / "tests" / "gamma_check.py").write_text("import gamma\n")
    write_notebook(
        journal,
        new_raw_cell(FRONT),
        new_markdown_cell("<!-- more -->"),
        new_code_cell("%matplotlib inline\nfrom gamma import K"),
    )
    assert lines(journal) == []


def test_problem_sorts_and_prints_as_file_line_message():
    problems = sorted([Problem("b.md", 2, "y"), Problem("a.md", 10, "x"), Problem("a.md", 9, "z")])
    assert [str(p) for p in problems] == ["a.md:9: z", "a.md:10: x", "b.md:2: y"]
    assert Checker(FIXTURE).run() == []


# -- what check knows without running anything (issue 11) ----------------------------------------
@pytest.mark.parametrize(
    "old, new, expected",
    [
        (
            "date: 2026-11-01",
            "date: 2026-02-30",
            "first.md:3: date: 2026-02-30 is not a date (day is out of range for month; "
            "write YYYY-MM-DD)",
        ),
        (
            "date: 2026-11-01",
            "date:\n  created: 2026-11-01\n  updated: 2026-11-31",
            "first.md:5: date: 2026-11-31 is not a date (day is out of range for month; "
            "write YYYY-MM-DD)",
        ),
    ],
)
def test_an_impossible_date_names_its_field_and_line_and_the_rest_is_still_checked(
    journal, old, new, expected
):
    edit(journal, ENTRY, old, new)
    edit(journal, ENTRY, "slug: first", "slug: First")
    found = lines(journal)
    assert f"posts/entries/{expected}" in found, found
    assert not any("front matter has no date" in line for line in found), found
    assert any("slug 'First' must be lowercase" in line for line in found), found


def test_mistyped_names_get_the_closest_suggestion(journal):
    edit(journal, ENTRY, "::code alpha.py#square", "::code alpha.py#sqare\n::code alhpa.py")
    edit(journal, ENTRY, "::run alpha alpha.py", "::run alpha alpha.py:mian")
    edit(journal, ENTRY, "beta says {{ beta.value }}", "beta says {{ bta.value }}")
    found = "\n".join(lines(journal))
    assert (
        "first.md:21: section 'sqare' not found in snippets/alpha.py: did you mean `square`?"
        in found
    )
    assert "first.md:22: snippet snippets/alhpa.py not found: did you mean `alpha.py`?" in found
    assert "alpha.py has no function mian() for run 'alpha' (did you mean `main`?)" in found
    assert "no run named 'bta' (did you mean `beta`?)" in found


def test_a_section_without_its_end_marker_says_where_it_starts(journal):
    edit(journal, "snippets/alpha.py", "# --8<-- [end:square]\n", "")
    found = lines(journal)
    assert (
        "posts/entries/first.md:21: section 'square' in snippets/alpha.py has no end marker "
        "(its start is snippets/alpha.py:4; end it with '# --8<-- [end:square]')"
    ) in found, found


def test_a_snippet_that_is_not_utf8_is_named_with_its_line(journal):
    path = journal / "snippets" / "alpha.py"
    path.write_bytes(path.read_bytes().replace(b"x squared.", b"x squared, caf\xe9."))
    done = subprocess.run(
        [str(JOURNAL), "check", "--root", str(journal)], capture_output=True, text=True
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "posts/entries/first.md:21: snippets/alpha.py:6 is not utf-8 text (byte 0xe9)" in (
        done.stdout
    )


def test_a_cache_folder_that_is_a_file_is_reported(journal, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    done = subprocess.run(
        [str(JOURNAL), "check", "--root", str(journal)],
        capture_output=True,
        text=True,
        env={**os.environ, "JOURNAL_CACHE_DIR": str(blocker / "cache")},
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        f"JOURNAL_CACHE_DIR={blocker / 'cache'}: {blocker / 'cache'} is inside {blocker}, "
        "which is a file, not a folder; point it at a folder"
    ]


def test_literal_markdown_and_marks_are_checked_statically(journal):
    edit(
        journal,
        ENTRY,
        "::output beta",
        "::output beta\n\n<!--\n::code nowhere.py\n{{ nobody.value }}\n-->\n\n"
        "    {{ nobody.value }}\n\n{{ alpha.value | nonfinit }}",
    )
    assert lines(journal) == [
        "posts/entries/first.md:37: unknown mark '| nonfinit' in {{ alpha.value | nonfinit }} "
        "(did you mean `nonfinite`?)"
    ]


def test_a_value_of_the_entrys_own_run_inside_inline_code_is_reported(journal):
    edit(journal, ENTRY, "beta says {{ beta.value }}", "beta says `{{ beta.value }}`")
    assert lines(journal) == [
        "posts/entries/first.md:26: {{ beta.value }} is inside `inline code`, which the page "
        "shows literally; write <code>{{ beta.value }}</code> for the value in code font"
    ]
    edit(journal, ENTRY, "`{{ beta.value }}`", "<code>{{ beta.value }}</code>")
    assert lines(journal) == []


def test_a_format_spec_that_formats_nothing_is_reported(journal):
    edit(journal, ENTRY, "beta says {{ beta.value }}", "beta says {{ beta.value:.3q }}")
    assert lines(journal) == [
        "posts/entries/first.md:26: {{ beta.value:.3q }}: '.3q' formats no number or text "
        "(Python format specs: .3f, .2e, .1%, ,d, >8 ...)"
    ]


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (
            "beta says {{ beta.value }}",
            "beta says {{ beta.value:>99999999999 }}",  # a string that size ran out of memory
            "26: the format '>99999999999' of {{ beta.value }} asks for 99999999999 characters",
        ),
        (
            "beta says {{ beta.value }}",
            "beta says {{ beta.value:.3f and {{ beta.value }}",
            "26: {{ beta.value has no closing }} before the next {{",
        ),
        (
            "::run alpha alpha.py",
            "::run alpha alpha.py timeout=5 timeout=50",
            "23: timeout= is given twice (timeout=5 and timeout=50)",
        ),
        (
            "::run alpha alpha.py",
            "::run alpha alpha.py timeout=nan",  # a socket's timeout raised on it mid-build
            "23: timeout=nan: must be a finite positive number of seconds",
        ),
        (
            "::run alpha alpha.py",
            "::run alpha alpha.py timeout=inf",
            "23: timeout=inf: must be a finite positive number of seconds",
        ),
        ("::run alpha alpha.py", "::run alpha alpha.py produces=", "23: produces= names nothing"),
        ("::run alpha alpha.py", "::run alpha alpha.py inputs=", "23: inputs= names nothing"),
        (
            "::run alpha alpha.py",
            "::run alpha alpha.py needs=alpha",
            "23: run 'alpha' needs itself",
        ),
        (
            "::run alpha alpha.py",
            "::run alpha alpha.py:",  # main() ran, as if the colon were not there
            "23: alpha.py: names no function after ':'",
        ),
        (
            "::run alpha alpha.py",
            "::run alpha alpha.py:main:x",
            "23: alpha.py:main:x: 'main:x' is not a function name",
        ),
        ("::code alpha.py#square", "::code alpha.py#", "21: alpha.py# names no section after '#'"),
    ],
)
def test_a_directive_or_value_that_cannot_be_honoured(journal, old, new, expected):
    edit(journal, ENTRY, old, new)
    found = lines(journal)
    assert any(line.startswith(f"posts/entries/first.md:{expected}") for line in found), found


def test_a_mistyped_option_suggests_the_closest(journal):
    edit(journal, ENTRY, "::run alpha alpha.py", "::run alpha alpha.py timout=5")
    (found,) = lines(journal)  # and no "no run named 'alpha'" for its uses
    assert found.startswith(
        "posts/entries/first.md:23: unknown option timout= (did you mean `timeout`? options: "
    )
