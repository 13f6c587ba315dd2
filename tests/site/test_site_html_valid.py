"""Every page of the built journal is valid HTML by the Nu Html Checker (one vnu run, all pages)."""

from __future__ import annotations

import os

import nuchecker
import pytest


def test_every_page_validates_with_the_nu_html_checker(site):
    missing = nuchecker.available()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the Nu Html Checker cannot run: {missing}")
        pytest.skip(f"the Nu Html Checker cannot run: {missing}")
    assert nuchecker.pages_checked(site.root) >= len(site.entries())
    errors = nuchecker.check(site.root)
    assert not errors, "\n".join(map(str, errors))
