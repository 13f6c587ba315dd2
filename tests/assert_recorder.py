"""pytest plugin: which run values each passing test asserts, recorded as the tests run, for the
page's provenance popovers and `journal check` (journal/provenance.py keeps the record).

``entry_runs`` (tests/conftest.py) hands out each run's values through ``watch``: a mapping that
notes every key a test reads, with where the test read it (the innermost frames in a file under
tests/, with line and column). When the test has passed, each read is looked up in the test's own
source (journal/assertions.py): read inside an ``assert`` (or an ``assert_*`` call, or assigned to
a name a later assert uses, or returned by a helper whose caller asserts it) it is recorded with
that statement and its tolerance; read anywhere else it is not. A failing test records nothing.

Under pytest-xdist each worker sends its records to the controller (``workeroutput``, as
pytest-cov does), which merges them into the record at the end of the session: the tests that
ran replace their own records, the others are kept.
"""

from __future__ import annotations

import ast
import dataclasses
import itertools
import json
import sys
from pathlib import Path

import pytest

from journal import assertions, provenance

KEY = "journal_asserted"  # in workeroutput
FRAMES = 4  # how far out a read is followed through helpers (return value -> caller's assert)
_recorder: Recorder | None = None


class Watched(dict):
    """A run's values that tell the recorder which key a test reads."""

    def __init__(self, values: dict, entry: str, run: str):
        super().__init__(values)
        self.origin = (entry, run)

    def __getitem__(self, key):
        value = super().__getitem__(key)
        if _recorder is not None:
            _recorder.read(self.origin, key, value)
        return value

    def get(self, key, default=None):
        return self[key] if key in self else default


def watch(entry: str, run: str, result):
    """``result`` (a RunResult) whose values record what the current test reads."""
    if _recorder is None or isinstance(result.values, Watched):
        return result
    return dataclasses.replace(result, values=Watched(result.values, entry, run))


def register(config: pytest.Config, root: Path) -> None:
    global _recorder
    _recorder = Recorder(Path(root).resolve())
    config.pluginmanager.register(_recorder, "journal-assert-recorder")


def _position(frame) -> tuple[int, int | None]:
    """The line and column of the expression a frame is evaluating (Python 3.11: co_positions)."""
    try:
        start = frame.f_lasti // 2
        line, _, col, _ = next(itertools.islice(frame.f_code.co_positions(), start, None))
        if line is not None:
            return line, col
    except (AttributeError, StopIteration, ValueError):
        pass
    return frame.f_lineno, None


class Recorder:
    def __init__(self, root: Path):
        self.root = root
        self.tests_dir = str(root / "tests") + "/"
        self.current: str | None = None  # the running test's id, while its body runs
        self.reads: list[tuple] = []
        self.passed: dict[str, list[provenance.Asserted]] = {}
        self.failed: set[str] = set()
        self.ran: set[str] = set()
        self.asserted: list[provenance.Asserted] = []
        self.read_by: dict[str, set[str]] = {}  # test -> the entries whose values it read

    # -- while a test runs ----------------------------------------------------------------------
    def read(self, origin: tuple[str, str], key: str, value) -> None:
        if self.current is None:
            return  # a fixture's read: no test to credit
        frames = []
        frame = sys._getframe(2)
        while frame is not None and len(frames) < FRAMES:
            name = frame.f_code.co_filename
            if name.startswith(self.tests_dir) and name != __file__:
                frames.append((name, *_position(frame)))
            frame = frame.f_back
        self.read_by.setdefault(self.current, set()).add(origin[0])
        if frames:
            self.reads.append((origin, key, provenance.fingerprint(value), tuple(frames)))

    def test_id(self, item: pytest.Item) -> str:
        """The node id with the file relative to the journal's root (pytest's rootdir may differ)."""
        try:
            rel = Path(item.path).resolve().relative_to(self.root).as_posix()
        except ValueError:
            rel = item.nodeid.split("::", 1)[0]
        return rel + "::" + item.nodeid.split("::", 1)[1] if "::" in item.nodeid else rel

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        self.current, self.reads = self.test_id(item), []
        try:
            return (yield)
        finally:
            self.current = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        test = self.test_id(item)
        self.ran.add(test)
        if report.failed or report.skipped:
            self.failed.add(test)
            self.passed.pop(test, None)
        elif call.when == "call" and test not in self.failed:
            self.passed[test] = self.proofs(test, self.reads)
            self.reads = []
        elif call.when == "teardown" and test in self.passed:
            self.asserted += self.passed.pop(test)
        return report

    # -- when it has passed ---------------------------------------------------------------------
    def proofs(self, test: str, reads: list[tuple]) -> list[provenance.Asserted]:
        found = []
        for (entry, run), key, value, frames in reads:
            for file, line, col in frames:
                try:
                    module = assertions.parse(Path(file).read_text(encoding="utf-8"))
                except (OSError, SyntaxError, UnicodeDecodeError):
                    break
                proofs = module.proofs(line, col, key)
                rel = Path(file).resolve().relative_to(self.root).as_posix()
                found += [
                    provenance.Asserted(
                        entry,
                        run,
                        key,
                        value,
                        test,
                        rel,
                        p.line,
                        p.end_line,
                        p.statement,
                        p.tolerance,
                    )
                    for p in proofs
                ]
                stmt = module.statement_at(line, col)
                if proofs or not isinstance(stmt, ast.Return):
                    break  # only a returned value goes on to the caller's statement
        return found

    # -- at the end of the session --------------------------------------------------------------
    def pytest_sessionfinish(self, session):
        config = session.config
        mine = {
            "ran": sorted(self.ran),
            "asserted": [dataclasses.asdict(a) for a in self.asserted],
            "read": {test: sorted(entries) for test, entries in self.read_by.items()},
        }
        if hasattr(config, "workerinput"):  # an xdist worker: the controller writes the record
            config.workeroutput[KEY] = json.dumps(mine)
            return
        self.save()

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        data = getattr(node, "workeroutput", {}).get(KEY)
        if data:
            part = json.loads(data)
            self.ran |= set(part["ran"])
            self.asserted += [provenance.Asserted(**a) for a in part["asserted"]]
            for test, entries in part["read"].items():
                self.read_by.setdefault(test, set()).update(entries)

    def save(self) -> None:
        path = provenance.record_path(self.root)
        old = provenance.load(path)
        if not self.read_by and (old is None or not self.ran & set(old.read)):
            return  # no test of this session read a run's values, now or before
        new = provenance.Tests(self.asserted, {t: sorted(e) for t, e in self.read_by.items()})
        provenance.write(path, provenance.merge(old, new, self.ran))
