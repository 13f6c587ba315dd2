"""Turn code excerpts, run results and errors into the Markdown and HTML a page shows.

Everything a snippet printed is HTML-escaped: a snippet that prints ``<script>`` shows text.
It is also made printable (``printable``): terminal escapes (colours, a progress bar's carriage
returns) are applied as a terminal would, and other control characters are shown as symbols
(NUL as ␀), because HTML forbids them and XML (the feeds) cannot carry them at all.

Every block starts and ends on a line of its own (``<div ...>`` alone on its first line): Python-
Markdown then always takes it as raw HTML, even after prose whose ``<`` (as in ``$i<j$``) its
HTML scanner mistook for a tag, which otherwise wraps the block in a ``<p>`` (invalid HTML).
"""

from __future__ import annotations

import cmath
import html
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .directives import ValueRef
from .errors import JournalError
from .snippets import Excerpt

if TYPE_CHECKING:
    from .codelinks import CodeLink

MAX_OUTPUT_LINES = 200
MAX_OUTPUT_CHARS = 20_000


# Terminal escapes: CSI (colours, cursor moves: ESC [ ... final), OSC (titles, links: ESC ] ... BEL
# or ESC backslash), and the two-character ones (ESC 7, ESC c ...). ECMA-48, sections 5.4 and 5.6.
_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -~]?")
# What HTML forbids in text (XML 1.0 all of it but DEL and C1), tab and newline aside: C0
# controls, DEL, C1 controls, and the noncharacters U+FFFE and U+FFFF.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


def _visible(m: re.Match) -> str:
    code = ord(m.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␀ ␇ ␛ ␌
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0x9F:
        return f"\\x{code:02x}"
    return "\ufffd"


def _overstrike(line: str) -> str:
    """A line as a terminal leaves it: each carriage return goes back to the line's start and
    what follows overwrites what was there (a progress bar ends as its last state)."""
    shown = ""
    for part in line.split("\r"):
        shown = part + shown[len(part) :]
    return shown


def printable(text: str) -> str:
    """``text`` as a terminal would show it, with no character HTML or XML forbids: escapes
    (ANSI colours, cursor moves) removed, carriage returns applied, other control characters
    shown as symbols."""
    text = _ESCAPE.sub("", text.replace("\r\n", "\n"))
    if "\r" in text:
        text = "\n".join(_overstrike(line) for line in text.split("\n"))
    return _CONTROL.sub(_visible, text)


# Pygments' names for what a snippet folder may hold besides Python (a shell script that drives
# a run, the data a run reads); anything else is shown as plain text.
LANGUAGES = {
    ".py": "python",
    ".sh": "bash",
    ".json": "json",
    ".yml": "yaml",
    ".yaml": "yaml",
    ".toml": "toml",
    ".md": "markdown",
    ".csv": "text",
    ".txt": "text",
}


def language(path: str) -> str:
    """The highlighting of a ``::code`` file, from its extension."""
    return LANGUAGES.get(Path(path).suffix.lower(), "text")


def code_block(excerpt: Excerpt, link: CodeLink | None = None) -> str:
    """A fenced Python block titled with the snippet's path, numbered as in the file; with a
    ``link`` (its lines at the published commit, codelinks.py), a line below it that links them."""
    text = _CONTROL.sub(_visible, excerpt.text)  # a form feed, say: shown, not left in the HTML
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    # blank lines around it: fences on consecutive lines (two ::code lines in a row) would
    # otherwise land in one paragraph, a <div> inside a <p>
    block = (
        f'\n{fence} {language(excerpt.path)} title="{excerpt.path}" '
        f'linenums="{excerpt.first_line}"\n'
        f"{text}\n{fence}"
    )
    if link is None:
        return block + "\n"
    # A Markdown paragraph with a class (attr_list), not raw HTML: after a formula such as
    # $i<j$ Python-Markdown's HTML scanner would wrap a raw block in a <p> (invalid HTML).
    lines = (
        f"Lines {link.first}\u2013{link.last}" if link.last > link.first else f"Line {link.first}"
    )
    return (
        f"{block}\n\n[{lines} of `{excerpt.path}`]({link.url}) at commit `{link.sha[:7]}` on "
        "GitHub\n{: .journal-source }\n"
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


def output_block(stdout: str, note: str = "") -> str:
    """The printed output of a run, escaped, in a block of its own. A ``note`` says the output
    was cut already (as the cache keeps it) and what was left out."""
    shown, note = (stdout, note) if note else cut(printable(stdout))
    body = html.escape(shown) if shown else "(the run printed nothing)"
    block = f'<div class="journal-output">\n<pre><code>{body}</code></pre>'
    if note:
        block += f'\n<p class="journal-output-cut">{html.escape(note)}</p>'
    return "\n" + block + "\n</div>\n"


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


FIGURE_LIMIT = 2**20  # bytes of SVG one figure may weigh: a reader's phone loads all of it


def check_weight(svg: str, figure) -> None:
    """A figure heavier than FIGURE_LIMIT is an error at its ``::figure`` line (a scatter of
    60,000 points is a 6 MB SVG; the journal's own figures weigh up to about 230 kB)."""
    size = len(svg.encode("utf-8"))
    if size > FIGURE_LIMIT:
        raise JournalError(
            f"figure {figure.figure!r} of run {figure.name!r} is {size / 2**20:.1f} MiB of SVG, "
            f"over the {FIGURE_LIMIT / 2**20:.0f} MiB a figure may weigh",
            figure.where,
            hint="draw the dense artist as pixels inside the SVG (ax.scatter(..., "
            "rasterized=True)), or plot fewer points",
        )


def figure_block(
    src: str, alt: str, caption: str, width: int, height: int, keep_colours: bool = False
) -> str:
    """A figure that links to its own SVG, so a reader can open it full size. A figure whose
    colours carry meaning gets the class ``journal-figure--keep-colours``."""
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'\n<figure class="journal-figure{" journal-figure--keep-colours" if keep_colours else ""}">\n'
        f'<a href="{html.escape(src)}" title="Open the figure full size">'
        f'<img src="{html.escape(src)}" alt="{html.escape(alt)}" width="{width}" height="{height}" '
        f'loading="lazy" decoding="async"></a>{cap}\n</figure>\n'
    )


def format_value(value, spec: str) -> str:
    """``value`` formatted with the Python format ``spec`` and escaped for HTML."""
    return html.escape(printable(format(value, spec)))


# What Markdown and the journal's extensions read in the middle of a line (emphasis, code, links,
# footnotes, attribute lists, formulas, table cells, emoji, escapes), as HTML's numeric references:
# a value is text the run computed, never markup (a returned "[x](javascript:...)" was a link).
_MARKUP = re.compile(r"[\\`*_\[\]{}$|:\n]")


def literal(shown: str) -> str:
    """A value's HTML-escaped text with every character Markdown would read written as its
    numeric reference, so the page shows it as it was computed."""
    return _MARKUP.sub(lambda m: f"&#{ord(m.group(0))};", shown)


def value_text(value, ref: ValueRef) -> str:
    """What the prose shows for ``{{ run.key[:spec] }}``: ``value`` formatted. A NaN or an
    infinity is an error unless the reference says ``| nonfinite``: a number the prose quotes
    that went NaN is almost always a bug, and printing ``nan`` would publish it silently."""
    if isinstance(value, float | complex) and not cmath.isfinite(value) and not ref.nonfinite:
        raise JournalError(
            f"{{{{ {ref.name}.{ref.key} }}}} is {value!r}, not a finite number",
            ref.where,
            hint=f"fix the run, or write {{{{ {ref.name}.{ref.key} | nonfinite }}}} if the "
            "prose expects it",
        )
    try:
        return format_value(value, ref.spec)
    except (ValueError, TypeError) as exc:
        raise JournalError(
            f"cannot format {ref.key!r} with {ref.spec!r}: {exc}", ref.where
        ) from None


def error_block(error: JournalError) -> str:
    """An error shown in the page itself (used by the live preview, which must keep running)."""
    return (
        '\n<div class="admonition failure journal-error">\n<p class="admonition-title">'
        "This part of the entry could not be built</p>"
        f"<pre><code>{html.escape(printable(str(error)))}</code></pre>\n</div>\n"
    )


def error_inline(error: JournalError) -> str:
    where = f"{error.where}: " if error.where else ""
    return f'<code class="journal-error">{html.escape(printable(where + error.message))}</code>'


def measured_block(measured: str, stale: str = "") -> str:
    """Beside a frozen run's output: where it was measured; in the preview, that it is stale."""
    text = f'<p class="journal-measured">{html.escape(measured[:1].upper() + measured[1:])}.</p>'
    if stale:
        text += (
            f'<p class="journal-measured journal-stale"><strong>{html.escape(stale)}</strong></p>'
        )
    return "\n" + text + "\n"


def not_executed_block() -> str:
    """What stands for a run's output when execution is turned off (a plain build)."""
    return (
        '\n<div class="journal-output">\n<pre><code>(not executed in this build)</code></pre>'
        "\n</div>\n"
    )
