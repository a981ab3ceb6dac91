"""Root test configuration: shared fixture plugins and the banner saying which real services ran."""

from __future__ import annotations

import os

pytest_plugins = ["tests.fixtures.s3", "tests.fixtures.clamav", "tests.fixtures.oidc"]

POSTGRES_URL_ENV = "COORDINATION_TEST_POSTGRES_URL"


def pytest_report_header(config) -> list[str]:
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        where = url.rsplit("@", 1)[-1]
        return [f"coordination: integration tests on SQLite AND PostgreSQL ({where})"]
    return [
        "coordination: integration tests on SQLite only (set COORDINATION_TEST_POSTGRES_URL for PostgreSQL)"
    ]


def pytest_collection_modifyitems(config, items) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running in the main thread for
    as long as its session-scoped browser lives, and no asyncio test can run beside it."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
