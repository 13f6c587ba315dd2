"""Fixtures for the browser tests: Debian's chromium driven by Playwright over the served site.

The browser is JOURNAL_CHROMIUM (default /usr/bin/chromium). Without it the tests skip with a
message saying how to get it, except when CI=true: there a missing browser is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("JOURNAL_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = (
            f"no browser at {CHROMIUM}: install Debian's chromium "
            "(apt-get install chromium) or set JOURNAL_CHROMIUM"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: browser tests never skip in CI)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    """A fresh browser context (own storage, light colour scheme, desktop viewport)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    """A page that records console errors and failed requests in `page.journal_errors`."""
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url} {r.failure}"))
    page.journal_errors = errors
    yield page
    page.close()
