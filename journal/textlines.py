"""Lines as Python, Python-Markdown and editors count them: ended by ``\\n``, ``\\r\\n`` or ``\\r``.

``str.splitlines`` also ends a line at a form feed, a vertical tab, ``\\x1c``-``\\x1e``, NEL and
U+2028/U+2029. One of those in a snippet (PEP 8's form feed between sections) or in an entry's
prose (a line separator pasted from a web page) moved every later line by one: errors named the
wrong line and code links the wrong lines of the file on GitHub."""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def lines(text: str, keepends: bool = False) -> list[str]:
    """``text``'s lines, as ``str.splitlines`` returns them but broken at line ends only."""
    found = _LINE.findall(text)
    return found if keepends else [line.rstrip("\r\n") for line in found]
