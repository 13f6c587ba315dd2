"""Report runs as they execute: a live line in a terminal, plain lines in logs, and GitHub
annotations for failures when running in GitHub Actions."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from dataclasses import dataclass


@dataclass
class Summary:
    """Counts and time of one round of runs."""

    executed: int = 0
    cached: int = 0
    failed: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        total = self.executed + self.cached + self.failed
        return (
            f"journal: {total} runs: {self.executed} executed, {self.cached} cached, "
            f"{self.failed} failed in {self.seconds:.2f} s"
        )


class Reporter:
    """Writes progress to ``stream``; a bar on a terminal, plain lines elsewhere."""

    def __init__(self, stream=None, live: bool | None = None, github: bool | None = None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.github = os.environ.get("GITHUB_ACTIONS") == "true" if github is None else github
        self.total = 0  # runs started (or notebooks executed)
        self.waiting = 0  # runs not started yet that may still execute (the cache may answer)
        self.done = 0
        self.lock = threading.Lock()
        self.cached_labels: list[str] = []

    def start(self, total: int) -> None:
        self.total, self.done, self.waiting = total, 0, 0

    def expected(self) -> int:
        """How many runs this round may execute in all: an upper bound that only falls."""
        return self.total + self.waiting

    def cached(self, label: str) -> None:
        """A run served from the cache: a line of its own in logs; in a terminal, all of them
        on one line before the summary (the preview rebuilds often). Not flushed line by line:
        a hundred entries' runs are answered in a tenth of a second, and the summary flushes."""
        if self.live:
            self.cached_labels.append(label.split(" (")[0])
            return
        self.stream.write(f"journal: cached  {label}\n")

    def running(self, label: str) -> None:
        if self.live:
            with self.lock:
                self._bar(f"running {label}")

    def output(self, label: str, line: str) -> None:
        """The latest line a long run printed (a training loop's progress), on the live line."""
        if self.live:
            with self.lock:
                shown = "".join(ch if ch.isprintable() else " " for ch in line)
                self._bar(f"{label.split(' (')[0]}: {shown}")

    def finished(self, label: str, status: str, seconds: float, error=None) -> None:
        with self.lock:
            self.done += 1
            if self.live:
                self.stream.write("\r\033[K")
            self.stream.write(
                f"journal: [{self.done}/{self.expected()}] {status:8} {seconds:6.2f} s  {label}\n"
            )
            if error is not None and self.github:
                where = error.snippet_where or error.where
                msg = str(error).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
                self.stream.write(f"::error file={where.path},line={where.line}::{msg}\n")
            self.stream.flush()

    def _bar(self, text: str) -> None:
        width = 24
        filled = width * self.done // max(self.expected(), 1)
        bar = "#" * filled + "-" * (width - filled)
        # One line of the terminal at most, or \r cannot redraw it.
        columns = shutil.get_terminal_size((160, 24)).columns - 1
        self.stream.write(
            f"\r\033[Kjournal: [{bar}] {self.done}/{self.expected()} {text}"[:columns]
        )
        self.stream.flush()

    def summary(self, summary: Summary) -> None:
        if self.live and self.cached_labels:
            names = ", ".join(self.cached_labels)
            self.stream.write(f"\r\033[Kjournal: cached: {names}"[:400] + "\n")
        self.cached_labels = []
        self.stream.write(summary.line() + "\n")
        self.stream.flush()


class Silent(Reporter):
    """Reports nothing (for the tests' own use of the engine)."""

    def __init__(self):
        super().__init__(stream=_Discard(), live=False, github=False)


class _Discard:
    """A stream that drops what is written to it."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False
