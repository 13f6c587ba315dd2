"""Turn code excerpts, run results and errors into the Markdown and HTML a page shows.

Everything a snippet printed is HTML-escaped: a snippet that prints ``<script>`` shows text.
"""

from __future__ import annotations

import html
import re

from .errors import JournalError
from .snippets import Excerpt

MAX_OUTPUT_LINES = 200
MAX_OUTPUT_CHARS = 20_000


def code_block(excerpt: Excerpt) -> str:
    """A fenced Python block titled with the snippet's path, numbered as in the file."""
    longest = max((len(m) for m in re.findall(r"`+", excerpt.text)), default=0)
    fence = "`" * max(3, longest + 1)
    return (
        f'{fence} python title="{excerpt.path}" linenums="{excerpt.first_line}"\n'
        f"{excerpt.text}\n{fence}"
    )


def cut(text: str) -> tuple[str, str]:
    """``text`` cut to the output limits, and a note saying what was left out ('' if nothing)."""
    lines = text.splitlines()
    kept = lines[:MAX_OUTPUT_LINES]
    shown = "\n".join(kept)
    if len(shown) > MAX_OUTPUT_CHARS:
        shown = shown[:MAX_OUTPUT_CHARS]
    if shown == text.rstrip("\n"):
        return shown, ""
    hidden_lines = len(lines) - shown.count("\n") - 1
    hidden_chars = len(text.rstrip("\n")) - len(shown)
    return shown, (
        f"Output cut: {hidden_lines:,} more lines ({hidden_chars:,} characters) not shown; "
        "run the snippet to see all of it."
    )


def output_block(stdout: str) -> str:
    """The printed output of a run, escaped, in a block of its own."""
    shown, note = cut(stdout)
    body = html.escape(shown) if shown else "(the run printed nothing)"
    block = f'<div class="journal-output"><pre><code>{body}</code></pre>'
    if note:
        block += f'<p class="journal-output-cut">{html.escape(note)}</p>'
    return "\n" + block + "</div>\n"


# Figures are drawn small (3.5 x 2.5 in a panel, 8 pt text) and shown half as large again: a
# vector figure stays sharp, and its text then reads at about body size. CSS caps it at the column.
DISPLAY_SCALE = 1.5


def svg_size(svg: str) -> tuple[int, int]:
    """The width and height in CSS pixels to show an SVG at: its own size (matplotlib writes
    points) times DISPLAY_SCALE."""
    size = []
    for attr in ("width", "height"):
        m = re.search(rf'<svg[^>]*\s{attr}="([\d.]+)(pt|px)?"', svg)
        value = float(m.group(1)) if m else 300.0
        css_px = value * 4 / 3 if m and m.group(2) == "pt" else value
        size.append(round(css_px * DISPLAY_SCALE))
    return size[0], size[1]


def figure_block(
    src: str, alt: str, caption: str, width: int, height: int, keep_colours: bool = False
) -> str:
    """A figure that links to its own SVG, so a reader can open it full size. A figure whose
    colours carry meaning gets the class ``journal-figure--keep-colours``."""
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'\n<figure class="journal-figure{" journal-figure--keep-colours" if keep_colours else ""}"><a href="{html.escape(src)}" title="Open the figure full size">'
        f'<img src="{html.escape(src)}" alt="{html.escape(alt)}" width="{width}" height="{height}" '
        f'loading="lazy" decoding="async"></a>{cap}</figure>\n'
    )


def format_value(value, spec: str) -> str:
    """``value`` formatted with the Python format ``spec`` and escaped for HTML."""
    return html.escape(format(value, spec))


def error_block(error: JournalError) -> str:
    """An error shown in the page itself (used by the live preview, which must keep running)."""
    return (
        '\n<div class="admonition failure journal-error"><p class="admonition-title">'
        "This part of the entry could not be built</p>"
        f"<pre><code>{html.escape(str(error))}</code></pre></div>\n"
    )


def error_inline(error: JournalError) -> str:
    return f'<code class="journal-error">{html.escape(error.message)}</code>'


def not_executed_block() -> str:
    """What stands for a run's output when execution is turned off (a plain build)."""
    return (
        '\n<div class="journal-output"><pre><code>(not executed in this build)</code></pre></div>\n'
    )
