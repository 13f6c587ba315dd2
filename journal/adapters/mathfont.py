"""The site's math font: STIX Two Math, cut at build time to the characters the site's math uses.

Browsers lay out MathML with the OpenType MATH table of the math font (stretchy delimiters,
radicals, fraction rules, script sizes). STIX Two Math (SIL OFL 1.1, fonts/OFL.txt; the WOFF2 of
the npm package @fontsource/stix-two-math 5.3.0, which is the whole font) ships with the engine
under assets/fonts/ and is never fetched. The whole font is 403 KB; the subset holds the glyphs
for the characters that the built pages' formulas draw, plus whatever the MATH and GSUB tables
reach from them (larger sizes of a bracket, script-size alternates), so a reader downloads a few
tens of KB, once, and only on a page with math (a @font-face is fetched when a glyph needs it).

The subset is named by nothing (``assets/fonts/journal-math.woff2``, which journal.css names) and
kept under ``.cache/math-font/``, keyed by the character set, the font and this file, so a build
whose formulas use no new character costs a hash, not a subsetting (1 to 2 s of CPU).
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .. import fileversion

FONT = Path(__file__).parent / "assets" / "fonts" / "STIXTwoMath-Regular.woff2"
SITE_PATH = "assets/fonts/journal-math.woff2"

MATH = re.compile(r"<math\b.*?</math>", re.S)
ANNOTATION = re.compile(r"<annotation\b.*?</annotation>", re.S)
# A token element (mi, mn, mo, mtext, ms) and its text; none of them nests another element.
TOKEN = re.compile(r"<(mi|mn|mo|mtext|ms)\b([^>]*)>([^<]*)</\1>")
# Glyphs a browser draws with no character in the markup: the radical sign of msqrt and mroot.
IMPLICIT = {"<msqrt": "\u221a", "<mroot": "\u221a"}
# The characters every formula may draw however its text changes: digits, Latin letters and
# their italics (MathML's default for a one-letter <mi>), the common operators and fences. Kept
# so that a new entry's "y" does not miss from a cached font that an old page already loaded.
BASE = (
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "+-=<>()[]{}|/.,;:!'*\u2212\u00d7\u00b7\u2032\u2061\u2062 \u00a0"
)


def italic(char: str) -> str:
    """The character a browser draws for a one-letter <mi>: its mathematical italic form
    (MathML Core's `text-transform: math-auto`), or the character itself.

    >>> italic("x"), italic("h"), italic("\u03b1"), italic("2")
    ('𝑥', 'ℎ', '𝛼', '2')
    """
    return variant(char, "italic")


# Letters whose styled form sits in the Letterlike Symbols block (holes in U+1D400-1D7FF).
HOLES = {
    ("italic", "h"): "\u210e",
    ("script", "B"): "\u212c",
    ("script", "E"): "\u2130",
    ("script", "F"): "\u2131",
    ("script", "H"): "\u210b",
    ("script", "I"): "\u2110",
    ("script", "L"): "\u2112",
    ("script", "M"): "\u2133",
    ("script", "R"): "\u211b",
    ("script", "e"): "\u212f",
    ("script", "g"): "\u210a",
    ("script", "o"): "\u2134",
    ("fraktur", "C"): "\u212d",
    ("fraktur", "H"): "\u210c",
    ("fraktur", "I"): "\u2111",
    ("fraktur", "R"): "\u211c",
    ("fraktur", "Z"): "\u2128",
    ("double-struck", "C"): "\u2102",
    ("double-struck", "H"): "\u210d",
    ("double-struck", "N"): "\u2115",
    ("double-struck", "P"): "\u2119",
    ("double-struck", "Q"): "\u211a",
    ("double-struck", "R"): "\u211d",
    ("double-struck", "Z"): "\u2124",
}
# MathML's mathvariant values and the words Unicode's character names use for them.
VARIANTS = {
    "bold": "BOLD",
    "italic": "ITALIC",
    "bold-italic": "BOLD ITALIC",
    "double-struck": "DOUBLE-STRUCK",
    "script": "SCRIPT",
    "bold-script": "BOLD SCRIPT",
    "fraktur": "FRAKTUR",
    "bold-fraktur": "BOLD FRAKTUR",
    "sans-serif": "SANS-SERIF",
    "bold-sans-serif": "SANS-SERIF BOLD",
    "sans-serif-italic": "SANS-SERIF ITALIC",
    "sans-serif-bold-italic": "SANS-SERIF BOLD ITALIC",
    "monospace": "MONOSPACE",
}
LETTER = re.compile(r"(LATIN|GREEK) (SMALL|CAPITAL) LETTER (\w+)$|DIGIT (\w+)$")


def variant(char: str, name: str) -> str:
    """``char`` in the Mathematical Alphanumeric Symbols style ``name`` (a mathvariant value),
    or ``char`` itself when Unicode has no such character (punctuation, most symbols).

    >>> variant("R", "double-struck"), variant("1", "bold"), variant("b", "monospace")
    ('ℝ', '𝟏', '𝚋')
    """
    if (name, char) in HOLES:
        return HOLES[(name, char)]
    style = VARIANTS.get(name)
    match = LETTER.match(unicodedata.name(char, ""))
    if style is None or match is None:
        return char
    script, case, letter, digit = match.groups()
    if digit:
        wanted = f"MATHEMATICAL {style} DIGIT {digit}"
    else:
        wanted = f"MATHEMATICAL {style} {case} {letter}"
    try:
        return unicodedata.lookup(wanted)
    except KeyError:
        return char


def drawn(page_html: str) -> set[str]:
    """The characters the browser draws for the formulas (<math>) in ``page_html``."""
    chars: set[str] = set()
    for formula in MATH.findall(page_html):
        formula = ANNOTATION.sub("", formula)
        for tag, attrs, text in TOKEN.findall(formula):
            text = html.unescape(text)
            if tag == "mi" and len(text) == 1 and "mathvariant" not in attrs:
                chars.add(italic(text))
            chars.update(text)
        chars.update(char for tag, char in IMPLICIT.items() if tag in formula)
    return chars


def base_set() -> set[str]:
    return set(BASE) | {italic(c) for c in BASE if c.isalpha()}


def subset(chars: set[str], cache: Path) -> bytes:
    """The WOFF2 of STIX Two Math cut to ``chars`` and the base set (and what the MATH and GSUB
    tables reach from them), from ``cache`` when it was made before."""
    import fontTools

    text = "".join(sorted(chars | base_set()))
    key = hashlib.sha256(
        "\0".join(
            [text, fontTools.version, _digest(FONT), Path(__file__).read_text(encoding="utf-8")]
        ).encode()
    ).hexdigest()[:20]
    path = cache / f"{key}.woff2"
    if path.is_file():
        return path.read_bytes()
    data = _cut(text)
    cache.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache, suffix=".tmp")  # atomic: parallel builds share it
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return data


def _cut(text: str) -> bytes:
    from fontTools import subset as fts
    from fontTools.ttLib import TTFont

    options = fts.Options()
    options.flavor = "woff2"  # needs brotli
    options.layout_features = ["*"]  # ssty (script-size glyphs), dtls, flac, ...
    options.hinting = False  # 30 % of the bytes; browsers hint outlines themselves
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # copyright, names, licence
    options.notdef_outline = True
    font = TTFont(FONT, recalcTimestamp=False)
    subsetter = fts.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    return out.getvalue()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Each page's characters by its path, with what its file looked like on disk then: the preview
# rewrites only the pages a save changed, so the others are not read again at every save.
_pages: dict[Path, tuple[tuple, frozenset[str]]] = {}


def site_chars(site_dir: Path) -> set[str]:
    """Every character the built site's pages draw in formulas (none: no formula)."""
    chars: set[str] = set()
    for page in sorted(site_dir.rglob("*.html")):
        version = fileversion.stat_of(page)
        kept = _pages.get(page)
        if kept is None or kept[0] != version:
            text = page.read_text(encoding="utf-8", errors="replace")
            kept = _pages[page] = (version, frozenset(drawn(text) if "<math" in text else ()))
        chars |= kept[1]
    return chars
