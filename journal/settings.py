"""How a journal executes: one setting, ``execution`` (like MyST-NB's ``execution_mode``), from the
plugin's ``execution_mode`` or the environment."""

from __future__ import annotations

import os

from .errors import JournalError

# off: pages without results (a plain build); cache: the cache serves what it holds and keeps
# what runs; force: every run executes afresh, the cache is neither read nor written. Frozen runs
# are never executed by any of them (``journal freeze`` does that).
EXECUTION_MODES = ("off", "cache", "force")


def execution_from_environment(default: str = "cache") -> str:
    """``JOURNAL_EXECUTION=off|cache|force``; the older switches still work:
    ``JOURNAL_EXECUTE=off`` means off, ``JOURNAL_CACHE=off`` means force."""
    off = {"0", "off", "false", "no"}
    mode = os.environ.get("JOURNAL_EXECUTION", "").strip().lower()
    if mode:
        if mode not in EXECUTION_MODES:
            raise JournalError(
                f"JOURNAL_EXECUTION={mode} is not known", hint=f"use one of {EXECUTION_MODES}"
            )
        return mode
    if os.environ.get("JOURNAL_EXECUTE", "").lower() in off:
        return "off"
    if os.environ.get("JOURNAL_CACHE", "").lower() in off:
        return "force"
    return default
