"""What is kept of a run's printed output: valid text, cut like the page cuts it.

A cut output is kept as the page shows it (``render.printable`` applied); a whole one as printed.

A run may print anything: bytes that are not UTF-8 (kept as U+FFFD, so a stored result always
loads), or 50 MB (only what a page shows is kept, with a note saying how much was left out).
"""

from __future__ import annotations

import codecs
from pathlib import Path

from . import render

EXACT_LIMIT = 8 << 20  # beyond this size lines are counted by \n alone (str.splitlines knows more)
HEAD_BYTES = 1 << 20  # what is decoded of a larger output to find what the page shows


def kept_output(path: Path) -> tuple[str, str]:
    """(text to keep, note on what was left out or ''). The text is the whole output when it
    fits the page's limits, else exactly the part the page shows."""
    size = path.stat().st_size
    if size <= EXACT_LIMIT:
        text = path.read_bytes().decode("utf-8", errors="replace")
        shown, note = render.cut(render.printable(text))
        return (text, "") if not note else (shown, note)
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
        shown, _ = render.cut(render.printable(head.decode("utf-8", errors="replace")))
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        chars = newlines = trailing = 0  # trailing: newlines at the very end, as rstrip sees them
        f.seek(0)
        while chunk := f.read(1 << 20):
            part = decoder.decode(chunk)
            chars += len(part)
            newlines += part.count("\n")
            stripped = part.rstrip("\n")
            trailing = trailing + len(part) if not stripped else len(part) - len(stripped)
        chars += len(decoder.decode(b"", final=True))
    lines = newlines + (0 if trailing else 1)  # as str.splitlines counts them
    hidden_lines = lines - shown.count("\n") - 1
    hidden_chars = chars - trailing - len(shown)
    return shown, (
        f"Output cut: {hidden_lines:,} more lines ({hidden_chars:,} characters) not shown; "
        "run the snippet to see all of it."
    )
