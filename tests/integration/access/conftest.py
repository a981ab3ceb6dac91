"""Fixtures of the access tests: seeding helpers and an app limited to the access routes.

The app here wires only ``coordination.access.controllers`` (other packages' routes are tested by their
own suites); the route-guard test uses the full ``create_app``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from coordination.access.identity import DevIssuer
from tests.fixtures.apps import settings_shape


@pytest.fixture
def app(settings, database, built_apps, monkeypatch):
    """Built once per run (see ``tests/integration/conftest.py``), then rebound per test."""
    import coordination.app as app_module

    shape = "access routes only: " + settings_shape(settings)
    if shape in built_apps:
        return app_module.rebind_app(built_apps[shape], settings, database=database)
    monkeypatch.setattr(app_module, "API_MODULES", ("coordination.access.controllers",))
    monkeypatch.setattr(app_module, "WEB_MODULES", ())
    built_apps[shape] = app_module.create_app(settings, database=database)
    return built_apps[shape]


@pytest.fixture
async def client(app) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
def issuer(app) -> DevIssuer:
    return app.state.identity.dev_issuer
