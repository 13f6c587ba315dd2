"""What a run produced: its returned values, its printed output and its figures."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class FigureOut:
    """One figure of a run: its position, its label (``plt.figure(num="label")``) and its SVG."""

    index: int
    label: str
    svg: str
    sha256: str = field(default="", compare=False, repr=False)  # as the cache recorded it

    @property
    def name(self) -> str:
        return self.label or str(self.index)

    @property
    def digest(self) -> str:
        """The SHA-256 of the SVG's bytes: the stored checksum, else computed."""
        return self.sha256 or hashlib.sha256(self.svg.encode()).hexdigest()


@dataclass
class RunResult:
    """The outcome of one successful run; ``cached`` says whether it came from the cache.

    ``files`` maps each file the run produced (``produces=``) to where it is stored; ``key`` is
    the key it was stored under; ``stdout_note`` says what of a long output was not kept.
    A frozen run's result has ``measured`` (where, when and how long it was measured) and, when
    what it depends on changed since, ``stale`` (what changed)."""

    values: dict
    stdout: str
    figure_list: list[FigureOut] = field(default_factory=list)
    seconds: float = 0.0
    cached: bool = False
    files: dict[str, Path] = field(default_factory=dict)
    key: str = ""
    stdout_note: str = ""
    measured: dict | None = None
    stale: str = ""

    @property
    def figures(self) -> dict[str, str]:
        """Each figure's SVG text by its label, or by its 1-based position when it has none."""
        return {fig.name: fig.svg for fig in self.figure_list}

    def figure(self, ref: str) -> FigureOut | None:
        """The figure with label ``ref``, else the ``ref``-th figure."""
        for fig in self.figure_list:
            if fig.label and fig.label == ref:
                return fig
        if ref.isdigit():
            for fig in self.figure_list:
                if fig.index == int(ref):
                    return fig
        return None


def decode_value(value):
    """Undo the worker's JSON encoding of non-finite floats."""
    if isinstance(value, dict) and "__float__" in value:
        return float(value["__float__"])
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    return value
