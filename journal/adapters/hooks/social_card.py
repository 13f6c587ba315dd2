"""MkDocs hook: the site's social card (assets/social-card.png, 1200 x 630, the image link
previews show) drawn at build time from the journal's identity: its title, its description and
the line about its author, from journal.yml through the journal plugin.

Drawn, not committed, so that a changed title can never leave a stale card behind (the card of
another journal's copy would otherwise carry this one's name). Drawing costs about a second
(matplotlib), so a card is kept under .cache/social-card/, named by the hash of what it shows
and of this file and matplotlib's version: a build draws only when one of those changed.
Matplotlib's own DejaVu Sans and a PNG without metadata make the bytes the same on every build.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import os
import tempfile
import textwrap
from pathlib import Path

from mkdocs.structure.files import File

CARD = "assets/social-card.png"
SIZE = (12.0, 6.3)  # inches at 100 dpi: 1200 x 630 pixels
BACKGROUND, TEXT, ACCENT = "#1f4e79", "#ffffff", "#ffd166"  # the site's primary colour


def card_text(config) -> tuple[str, str, str]:
    """(title, description, byline) as the card shows them."""
    journal = config.extra.get("journal") or {}
    byline = journal.get("author_about") or config.site_author or ""
    return config.site_name, config.site_description or "", byline


def draw(title: str, description: str, byline: str) -> bytes:
    """The card as PNG bytes: the title (up to two lines), the description (up to three) and
    the byline, left-aligned, beside three learning curves rising to a plateau."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    with matplotlib.rc_context({"font.family": "DejaVu Sans", "svg.hashsalt": "journal"}):
        fig = plt.figure(figsize=SIZE, dpi=100, facecolor=BACKGROUND)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 1200)
        ax.set_ylim(630, 0)  # pixels, from the top left
        ax.axis("off")
        heading = textwrap.wrap(title, 26)[:2]
        size = 52 if len(heading) == 1 else 44
        y = 165 if len(heading) == 1 else 120
        for line in heading:
            ax.text(80, y, line, color=TEXT, fontsize=size, fontweight="bold", va="center")
            y += size * 1.45
        y += 20
        for line in textwrap.wrap(description, 46)[:3]:
            ax.text(80, y, line, color=TEXT, alpha=0.92, fontsize=24, va="center")
            y += 50
        ax.text(80, 518, byline[:60], color=ACCENT, fontsize=19, va="center")
        x = np.linspace(0, 360, 200)
        for rate, top, alpha in ((0.03, 208, 0.75), (0.018, 118, 0.55), (0.008, 60, 0.4)):
            ax.plot(780 + x, 570 - top * (1 - np.exp(-rate * x)), color=TEXT, alpha=alpha, lw=3)
        ax.plot(1140, 362, "o", color=ACCENT, ms=24)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=100, facecolor=BACKGROUND, metadata={"Software": None})
        plt.close(fig)
    return out.getvalue()


def cached_card(root: Path, text: tuple[str, str, str]) -> bytes:
    """The card for ``text``, drawn once and kept under ``root``/.cache/social-card/."""
    key = hashlib.sha256(
        "\0".join(
            [
                *text,
                importlib.metadata.version("matplotlib"),
                Path(__file__).read_text(encoding="utf-8"),
            ]
        ).encode()
    ).hexdigest()[:20]
    folder = root / ".cache" / "social-card"
    path = folder / f"{key}.png"
    if path.is_file():
        return path.read_bytes()
    data = draw(*text)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")  # atomic: parallel builds share it
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return data


def on_files(files, config, **kwargs):
    root = Path(config.config_file_path).resolve().parent
    data = cached_card(root, card_text(config))
    old = files.get_file_from_path(CARD)
    if old is not None:
        files.remove(old)
    files.append(File.generated(config, CARD, content=data))
    return files
