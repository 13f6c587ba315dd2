"""The record of which values the passing tests assert (tests/assert_recorder.py writes it,
journal/provenance.py reads it): made by real pytest sessions over a small journal whose
tests read run values through the recorder, as tests/conftest.py's entry_runs hands them out."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from journal import provenance

TESTS = Path(__file__).resolve().parents[1]
ENTRY = "posts/entries/x.md"

CONFTEST = f"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, {str(TESTS)!r})
import assert_recorder
from journal.results import RunResult

ROOT = Path(__file__).resolve().parents[1]
VALUES = {{"a": 1.5, "b": 2, "c": 3.0, "d": "text"}}


def pytest_configure(config):
    assert_recorder.register(config, ROOT)


@pytest.fixture(scope="session")
def entry_runs():
    def get(path):
        result = RunResult(values=dict(VALUES), stdout="")
        return {{"r": assert_recorder.watch(path, "r", result)}}

    return get
"""

TEST_ONE = f'''
import pytest

ENTRY = "{ENTRY}"


def test_asserts(entry_runs):
    v = entry_runs(ENTRY)["r"].values
    assert v["a"] == pytest.approx(1.5, rel=1e-9)
    print(v["b"])  # read, not asserted


def test_fails(entry_runs):
    v = entry_runs(ENTRY)["r"].values
    assert v["c"] == 3.0
    assert v["d"] == "another text"
'''

TEST_TWO = f'''
ENTRY = "{ENTRY}"


def test_b(entry_runs):
    assert entry_runs(ENTRY)["r"].values["b"] == 2


def test_b_again(entry_runs):
    b = entry_runs(ENTRY)["r"].values.get("b")
    assert 1 < b <= 2
'''


def make_journal(root: Path) -> Path:
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (root / "tests" / "test_one.py").write_text(TEST_ONE, encoding="utf-8")
    (root / "tests" / "test_two.py").write_text(TEST_TWO, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def tested(tmp_path_factory) -> Path:
    """The journal after one session of all its tests, in one process."""
    root = make_journal(tmp_path_factory.mktemp("tested") / "j")
    done = pytest_in(root, "-p", "no:xdist", "tests")
    assert done.returncode == 1, done.stdout  # test_fails fails, as written
    return root


@pytest.fixture
def journal(tested, tmp_path) -> Path:
    """A copy of ``tested`` (record included) for a test to change."""
    return Path(shutil.copytree(tested, tmp_path / "j"))


def pytest_in(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "JOURNAL_"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def recorded(root: Path) -> set[tuple[str, str, str]]:
    """(key, test function, tolerance) of every record."""
    tests = provenance.load(provenance.record_path(root))
    assert tests is not None, "no record written"
    return {(a.key, a.test.rsplit("::", 1)[1], a.tolerance) for a in tests.asserted}


def test_a_passing_test_records_what_it_asserts_and_nothing_else(tested):
    journal = tested
    assert recorded(journal) == {
        ("a", "test_asserts", "within 1e-9 relative"),
        ("b", "test_b", "exact"),
        ("b", "test_b_again", "between 1 and 2"),
    }  # not b from test_asserts (printed), not c or d (their test failed)
    tests = provenance.load(provenance.record_path(journal))
    (a,) = [a for a in tests.asserted if a.key == "a"]
    assert (a.entry, a.run, a.file, a.line) == (ENTRY, "r", "tests/test_one.py", 9)
    assert a.statement == 'assert v["a"] == pytest.approx(1.5, rel=1e-9)'
    assert a.test == "tests/test_one.py::test_asserts"
    assert a.value == provenance.fingerprint(1.5)
    # which tests read the entry, asserting or not (journal check tells them apart)
    assert sorted(tests.read) == [
        "tests/test_one.py::test_asserts",
        "tests/test_one.py::test_fails",
        "tests/test_two.py::test_b",
        "tests/test_two.py::test_b_again",
    ]


def test_xdist_workers_records_merge_into_the_same_record(tested, tmp_path):
    journal = make_journal(tmp_path / "j")
    done = pytest_in(journal, "-n", "2", "--dist", "loadfile", "tests")
    assert "[gw1]" in done.stdout or "[gw0]" in done.stdout, done.stdout  # ran in workers
    alone = provenance.record_path(tested).read_bytes()
    assert provenance.record_path(journal).read_bytes() == alone


def test_a_partial_run_replaces_only_the_records_of_the_tests_it_ran(journal):
    two = journal / "tests" / "test_two.py"
    two.write_text(TEST_TWO.replace("== 2\n", "== 3\n"), encoding="utf-8")
    pytest_in(journal, "tests/test_two.py::test_b")
    assert recorded(journal) == {
        ("a", "test_asserts", "within 1e-9 relative"),  # test_one did not run: kept
        ("b", "test_b_again", "between 1 and 2"),  # did not run either
    }  # test_b ran and failed: its record is gone


def test_the_build_drops_a_record_whose_statement_or_value_changed(journal):
    record = provenance.Record(journal, provenance.load(provenance.record_path(journal)))
    assert [a.line for a in record.asserted(ENTRY, "r", "a", 1.5)] == [9]
    assert record.asserted(ENTRY, "r", "a", 1.6) == []  # the build shows another value
    one = journal / "tests" / "test_one.py"
    one.write_text(TEST_ONE.replace("rel=1e-9", "rel=1e-3"), encoding="utf-8")
    record = provenance.Record(journal, provenance.load(provenance.record_path(journal)))
    assert record.asserted(ENTRY, "r", "a", 1.5) == []  # the line is no longer that assert
    one.write_text("\n\n" + TEST_ONE, encoding="utf-8")  # moved down: not at line 9 any more
    record = provenance.Record(journal, provenance.load(provenance.record_path(journal)))
    assert record.asserted(ENTRY, "r", "a", 1.5) == []
    one.write_text(TEST_ONE.replace("def test_asserts", "def test_renamed"), encoding="utf-8")
    record = provenance.Record(journal, provenance.load(provenance.record_path(journal)))
    assert record.asserted(ENTRY, "r", "a", 1.5) == []  # the test it names is gone


def test_a_session_that_reads_no_values_writes_no_record(tmp_path):
    journal = make_journal(tmp_path / "j")
    (journal / "tests" / "test_other.py").write_text("def test_x():\n    assert 1\n")
    pytest_in(journal, "tests/test_other.py")
    assert not provenance.record_path(journal).exists()


def test_the_record_is_sorted_json_that_says_so(tested):
    journal = tested
    text = provenance.record_path(journal).read_text(encoding="utf-8")
    assert text == provenance.dumps(provenance.load(provenance.record_path(journal)))
    assert provenance.load(journal / "missing.json") is None
    bad = journal / "bad.json"
    bad.write_text(textwrap.dedent('{"format": 1}'), encoding="utf-8")
    assert provenance.load(bad) is None  # unreadable: the next session rewrites it
