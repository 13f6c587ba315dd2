"""An entry's text is read once: the parse records where each directive and value reference lies,
and rendering replaces those spans of the parsed text (MkDocs hands the page its text without
the front matter: the end of what was parsed) with no second scan and no line padding. Line
numbers in errors stay the file's."""

from __future__ import annotations

import textwrap
from dataclasses import astuple

from journal import directives, page
from journal.directives import Code, Invalid, Output, Run, ValueRef
from journal.errors import JournalError, Location
from journal.project import Journal
from journal.results import RunResult

ENTRY = textwrap.dedent(
    """\
    ---
    title: Spans
    date: 2026-01-01
    ---

    # Spans

    ::run sq square.py
    The square is {{ sq.value }} and `{{ sq.value }}` stays literal.

    ```text
    {{ sq.value }}
    ::output sq
    ```

    ::output sq
    ::code square.py
    Undefined: {{ nope.value }} and a bad mark {{ sq.value | shout }}.
    """
)


def counting_scan(monkeypatch) -> list[int]:
    calls = []
    scan = directives.scan

    def counted(*args, **kwargs):
        calls.append(1)
        return scan(*args, **kwargs)

    monkeypatch.setattr(directives, "scan", counted)
    return calls


def test_each_span_is_what_it_stands_for():
    entry = directives.parse(ENTRY, "posts/e.md", strict=False)
    shown = [(ENTRY[s.start : s.end], type(s.item).__name__) for s in entry.spans]
    assert shown == [
        ("::run sq square.py", "Run"),
        ("{{ sq.value }}", "ValueRef"),
        ("::output sq", "Output"),
        ("::code square.py", "Code"),
        ("{{ nope.value }}", "JournalError"),  # no run named nope: its error is rendered
        ("{{ sq.value | shout }}", "JournalError"),  # an unknown mark
    ]
    lines = [s.item.where.line for s in entry.spans]
    assert lines == [8, 9, 16, 17, 18, 18]
    assert [(r.where.line, r.source) for r in entry.literal_refs] == [(9, "{{ sq.value }}")]


def test_rendering_scans_the_text_once_and_keeps_the_rest(tmp_path, monkeypatch):
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "square.py").write_text("def main():\n    return {'value': 49}\n")
    journal = Journal(tmp_path, cache_dir=None)
    calls = counting_scan(monkeypatch)
    entry = directives.parse(ENTRY, "posts/e.md", strict=False)
    body = ENTRY.split("---\n", 2)[2]  # what MkDocs hands on_page_markdown
    result = RunResult(stdout="49\n", values={"value": 49})
    outcome = {("posts/e.md", "sq"): result}
    seen = []

    def directive_fn(d):
        seen.append(d)
        return f"<{type(d).__name__}>"

    rendered = directives.render(entry, directive_fn, lambda ref: "V", len(ENTRY) - len(body))
    assert calls == [1]
    assert rendered == body.replace("::run sq square.py", "<Run>", 1).replace(
        "The square is {{ sq.value }}", "The square is V", 1
    ).replace("```\n\n::output sq\n::code square.py\n", "```\n\n<Output>\n<Code>\n", 1).replace(
        "Undefined: {{ nope.value }} and a bad mark {{ sq.value | shout }}.",
        "Undefined: V and a bad mark V.",
    )
    assert [type(d) for d in seen] == [Run, Output, Code]

    before = page.REPARSED["count"]
    html, errors = astuple(journal.render(body, entry, outcome, lambda svg: "f.svg"))
    assert calls == [1] and page.REPARSED["count"] == before  # no second scan
    assert "The square is 49 and `{{ sq.value }}` stays literal." in html
    assert "{{ sq.value }}\n::output sq\n```" in html  # the fence is untouched
    assert sorted((e.where.line, e.message[:22]) for e in errors) == [
        (18, "no run named 'nope'"),
        (18, "unknown mark '| shout'"),
    ]


def test_a_changed_text_is_parsed_again_with_the_files_line_numbers(tmp_path):
    journal = Journal(tmp_path, cache_dir=None)
    entry = directives.parse(ENTRY, "posts/e.md", strict=False)
    body = ENTRY.split("---\n", 2)[2].replace("# Spans", "# Spans, retitled")
    before = page.REPARSED["count"]
    result = RunResult(stdout="49\n", values={"value": 49})
    outcome = {("posts/e.md", "sq"): result}
    errors = journal.render(body, entry, outcome, lambda svg: "f.svg").errors
    assert page.REPARSED["count"] == before + 1
    assert [e.where.line for e in errors] == [17, 18, 18]  # the file's lines (no square.py: 17)


def test_rendering_returns_a_failed_run_once_at_the_files_line(tmp_path):
    journal = Journal(tmp_path, cache_dir=None)
    text = "---\ntitle: x\n---\n\n::run a missing.py\n\n{{ a.value }}\n::output a\n"
    entry = directives.parse(text, "posts/e.md", strict=False)
    failed = JournalError("boom", entry.runs[0].where)
    page_ = journal.render(text.split("---\n", 2)[2], entry, {("posts/e.md", "a"): failed}, str)
    assert page_.errors == [failed] and failed.where.line == 5  # never raised; listed once
    assert "boom" in page_.markdown and "…" in page_.markdown


def test_span_items_are_the_parsed_objects():
    entry = directives.parse(ENTRY, "posts/e.md", strict=False)
    directive_spans = [s.item for s in entry.spans if not isinstance(s.item, ValueRef)]
    assert directive_spans[:3] == [d for d in entry.directives if not isinstance(d, Invalid)][:3]
    assert isinstance(entry.directives[1], Output)


def test_a_directive_reads_its_arguments_as_the_shell_would_with_or_without_quotes():
    """Arguments without quotes skip shlex (a fast path); the words must be the same either way,
    whitespace of every kind included."""
    lines = {
        "::run a  fit.py\tseed=3": (["a", "fit.py"], {"seed": "3"}),
        '::run a fit.py alt="two words"': (["a", "fit.py"], {"alt": "two words"}),
        "::run a fit.py\x0bx=1": (["a", "fit.py\x0bx=1"], {}),  # \x0b is no shell whitespace
        "::run a\xa0b fit.py": (["a\xa0b", "fit.py"], {}),
        "::run a fit.py x='1 2' y=\\ 3": (["a", "fit.py"], {"x": "1 2", "y": " 3"}),
    }
    where = Location("e.md", 1)
    for line, expected in lines.items():
        assert directives._split(line.removeprefix("::run "), where) == expected, repr(line)


def test_quoted_arguments_without_backslashes_are_read_as_shlex_reads_them():
    """The quoted fast path (no shlex) gives shlex's words on 20,000 random argument texts of
    quotes, whitespace of every kind and words; where a quote is left open it gives way to shlex,
    whose error the author sees."""
    import random
    import shlex

    rng = random.Random(3)
    parts = ["a", "b=", '"', "'", " ", "\t", "x y", "=", '"c d"', "'e'", '""', "\xa0", "\x0b"]
    fast = 0
    for _ in range(20_000):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(0, 10)))
        try:
            want = shlex.split(text)
        except ValueError:
            want = None
        got = directives._quoted_words(text)
        fast += got is not None
        assert got is None or got == want, repr(text)
        assert want is not None or got is None, repr(text)  # an open quote always reaches shlex
    assert fast > 10_000  # most texts take the fast path
