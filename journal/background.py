"""The live preview's first build, served before the runs finish (issue 18).

A published build waits for every run. The preview does not have to: its first build renders every
page at once from what ``frozen/`` and the cache already hold, with a placeholder ("running…")
for each run not there yet; then the missing runs execute in the background, with the normal
scheduler, cache and progress line, and the preview rebuilds when they are done (from the cache,
so at once), which reloads the pages in the browser. Errors (a failing run, a stale frozen
result) are reported by that rebuild, as in any build.

The core knows nothing of the server: ``when_done`` takes any callback (the MkDocs adapter writes
a file in a folder the server watches).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import launch
from .directives import ParsedEntry
from .errors import JournalError
from .progress import Silent
from .results import RunResult
from .schedule import Scheduler

if TYPE_CHECKING:
    from .project import Journal

PLACEHOLDER = "running…"


def placeholder() -> str:
    """What stands for an output or a figure whose run is still executing."""
    return (
        f'\n<div class="journal-output journal-pending">\n<pre><code>{PLACEHOLDER}</code></pre>'
        "\n</div>\n"
    )


class Pending(JournalError):
    """A run whose result the preview is computing: pages show a placeholder, not an error."""

    def __init__(self, pair: tuple[str, str]):
        super().__init__(f"run {pair[1]!r} of {pair[0]} is running in the background")


class Background:
    """One round of runs in a thread of its own, after a first build made with ``known``."""

    def __init__(self, journal: Journal):
        self.journal = journal
        self.thread: threading.Thread | None = None
        self.outcome: dict = {}
        self.stopping = threading.Event()
        self._done = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def known(self, entries: list[ParsedEntry]) -> dict[tuple[str, str], RunResult | Pending]:
        """Every run's result as frozen/ and the cache hold it, executing nothing; the others
        (and any problem, which the background round reports) are Pending."""
        reporter, self.journal.reporter = self.journal.reporter, Silent()
        try:
            found = Scheduler(self.journal, dry=True).run(entries)
        finally:
            self.journal.reporter = reporter
        return {
            pair: result if isinstance(result, RunResult) else Pending(pair)
            for pair, result in found.items()
        }

    def start(self, entries: list[ParsedEntry], then: Callable[[], None] | None = None) -> None:
        """Execute what ``entries`` need in the background (``then`` afterwards, in the same
        thread: a notebook's execution, say); callbacks given to ``when_done`` follow."""

        def work() -> None:
            try:
                if not self.stopping.is_set():
                    self.outcome = _Stoppable(self.journal, self.stopping).run(entries)
                if then is not None and not self.stopping.is_set():
                    then()
            finally:
                with self._lock:
                    self._done.set()
                    callbacks, self._callbacks = self._callbacks, []
                for callback in callbacks:
                    callback()

        self.thread = threading.Thread(target=work, name="journal-background", daemon=True)
        self.thread.start()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def when_done(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the round ends (at once if it has)."""
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def stop(self) -> None:
        """Start nothing more and stop the runs executing (the preview is shutting down)."""
        self.stopping.set()
        launch.stop(at_once=True)


class _Stoppable(Scheduler):
    """The normal scheduler, except that once ``stopping`` is set no run starts."""

    def __init__(self, journal: Journal, stopping: threading.Event):
        super().__init__(journal)
        self.stopping = stopping

    def _start(self, node) -> None:
        if self.stopping.is_set():
            self._settle(node, Pending((node.path, node.run.name)))
            return
        super()._start(node)
