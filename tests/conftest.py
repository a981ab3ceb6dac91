"""Root test configuration: shared fixture plugins and the banner saying which real services ran."""

from __future__ import annotations

import os

pytest_plugins = ["tests.fixtures.s3", "tests.fixtures.clamav"]

POSTGRES_URL_ENV = "COORDINATION_TEST_POSTGRES_URL"


def pytest_report_header(config) -> list[str]:
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        where = url.rsplit("@", 1)[-1]
        return [f"coordination: integration tests on SQLite AND PostgreSQL ({where})"]
    return [
        "coordination: integration tests on SQLite only (set COORDINATION_TEST_POSTGRES_URL for PostgreSQL)"
    ]
