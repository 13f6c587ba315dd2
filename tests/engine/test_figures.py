"""Figures are compact SVG, byte-identical from one clean build to the next."""

import re

SNIPPET = """\
import matplotlib.pyplot as plt
import numpy as np


def main():
    rng = np.random.default_rng(1)
    fig, ax = plt.subplots(num="scatter")
    ax.scatter(*rng.normal(size=(2, 50)), c=rng.integers(0, 3, 50), cmap="tab10")
    ax.set_xlabel("x (units)")
    ax.set_title("A scatter")
"""


def build_svgs(site, out):
    site.build(env={"JOURNAL_CACHE": "off"}, out=out)
    page = (out / "index.html").read_text()
    return {src: (out / src).read_bytes() for src in re.findall(r'<img src="([^"]+\.svg)"', page)}


def test_clean_builds_give_identical_svgs(site, tmp_path):
    site.snippet("sc.py", SNIPPET)
    site.entry(
        "index.md",
        '# T\n\n::run s sc.py\n\n::figure s scatter alt="Fifty points in three colours"\n',
    )
    first = build_svgs(site, tmp_path / "one")
    second = build_svgs(site, tmp_path / "two")
    assert len(first) == 1
    assert first == second
    (svg,) = first.values()
    text = svg.decode()
    assert "<dc:date>" not in text  # no build date
    assert "<text" in text and "A scatter" in text  # text kept as text: compact, selectable
    assert len(svg) < 40_000


DENSE = """\
import matplotlib.pyplot as plt
import numpy as np


def main():
    rng = np.random.default_rng(0)
    fig, ax = plt.subplots(num="cloud")
    ax.scatter(*rng.normal(size=(2, 60_000)), s=1{raster})
"""


def test_a_figure_too_heavy_for_a_phone_is_an_error_that_says_how_to_lighten_it(site, tmp_path):
    """60,000 points as SVG paths weigh about 6 MB, which a reader's phone would load whole;
    the same points as pixels inside the SVG (rasterized=True) weigh tens of kB."""
    site.snippet("dense.py", DENSE.format(raster=""))
    site.entry("index.md", '# T\n\n::run d dense.py\n\n::figure d cloud alt="A cloud"\n')
    proc = site.build(ok=False)
    said = re.search(
        r"posts/index.md:5: figure 'cloud' of run 'd' is ([\d.]+) MiB of SVG", proc.stderr
    )
    assert said and float(said[1]) > 4, proc.stderr[-2000:]
    assert "rasterized=True" in proc.stderr
    site.snippet("dense.py", DENSE.format(raster=", rasterized=True"))
    (svg,) = build_svgs(site, tmp_path / "light").values()
    assert b"data:image/png;base64," in svg
    assert len(svg) < 100_000
