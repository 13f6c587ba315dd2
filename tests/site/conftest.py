"""Fixtures for the site tests: the journal built once per session, and served."""

from __future__ import annotations

import pytest
import sitebuild


@pytest.fixture(scope="session")
def site() -> sitebuild.BuiltSite:
    """The journal as `mkdocs build --strict` makes it (built once per session)."""
    return sitebuild.built_site()


@pytest.fixture(scope="session")
def served(site):
    """The built site on http://127.0.0.1:<port>/<site_url path>/."""
    server = sitebuild.serve(site)
    yield server
    server.close()
