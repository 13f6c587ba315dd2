"""MathML kept by the formula (issue 19).

The MathML hook (hooks/mathml.py) converts every formula of every page with latex2mathml at
every build: thousands of formulas, each parsed and serialised afresh. Its ``to_mathml(tex,
display)`` is a function of the formula, the display mode, latex2mathml's version and the hook's
own code, so it is looked up first in a store of ``site_cache`` keyed by exactly those (the hook's
source text, not its name: a change to the hook makes everything again). A formula that fails
is not kept: its warning is given at every build.

The math font is cut to the characters the built pages' formulas draw, read from every page
after the build (``mathfont.drawn``): those are kept the same way, by the page's HTML.
"""

from __future__ import annotations

import hashlib
import inspect
from importlib.metadata import version

from . import mathfont, site_cache
from .hooks import mathml as module

_original = getattr(module, "to_mathml", None)  # the hook's own
_drawn = mathfont.drawn


def install(store: site_cache.Store | None) -> None:
    """Make the MathML hook's ``to_mathml`` look in ``store`` first (None: as it is)."""
    _keep_drawn(store)
    original = _original
    if original is None:
        return  # the hook no longer converts through to_mathml: nothing to keep
    if store is None:
        module.to_mathml = original
        return
    # the hook's source and that of the module it styles letters with (mathfont.variant)
    sources = inspect.getsource(module) + inspect.getsource(module.mathfont)
    code = hashlib.sha256(sources.encode()).hexdigest()
    made_by = ["mathml", code, version("latex2mathml")]

    def to_mathml(tex: str, display: str) -> str:
        key = site_cache.digest(*made_by, tex, display)
        mathml = store.get(key)
        if mathml is None:
            mathml = original(tex, display)
            store.put(key, mathml)
        return mathml

    to_mathml.__doc__ = original.__doc__
    module.to_mathml = to_mathml


def _keep_drawn(store: site_cache.Store | None) -> None:
    """Make ``mathfont.drawn(page_html)`` look in ``store`` first, by the page and the code that
    reads it."""
    if store is None:
        mathfont.drawn = _drawn
        return
    code = hashlib.sha256(inspect.getsource(mathfont).encode()).hexdigest()

    def drawn(page_html: str) -> set[str]:
        key = site_cache.digest("drawn", code, site_cache.sha(page_html))
        chars = store.get(key)
        if chars is None:
            chars = _drawn(page_html)
            store.put(key, "".join(sorted(chars)))
            return chars
        return set(chars)

    drawn.__doc__ = _drawn.__doc__
    mathfont.drawn = drawn
