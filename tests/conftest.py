"""Root test configuration: shared fixture plugins and the banner saying which real services ran."""

from __future__ import annotations

import os
from pathlib import Path

pytest_plugins = ["tests.fixtures.s3", "tests.fixtures.clamav", "tests.fixtures.oidc", "tests.fixtures.world"]

POSTGRES_URL_ENV = "COORDINATION_TEST_POSTGRES_URL"
ROOT = Path(__file__).resolve().parent.parent


def pytest_report_header(config) -> list[str]:
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        where = url.rsplit("@", 1)[-1]
        return [f"coordination: integration tests on SQLite AND PostgreSQL ({where})"]
    return [
        "coordination: integration tests on SQLite only (set COORDINATION_TEST_POSTGRES_URL for PostgreSQL)"
    ]


TIERS = {
    ("tests", "e2e"): "e2e",
    ("tests", "faults"): "faults",
    ("tests", "integration", "hardening"): "hardening",
}
"""The slow tiers, marked by folder: ``make test`` runs them all; ``make test-fast`` leaves them out
(``-m "not e2e and not faults and not hardening"``) for the edit-run loop."""


def _tier(item) -> str | None:
    try:
        parts = Path(str(item.path)).resolve().relative_to(ROOT).parts
    except ValueError:
        return None
    for prefix, tier in TIERS.items():
        if parts[: len(prefix)] == prefix:
            return tier
    return None


def pytest_collection_modifyitems(config, items) -> None:
    """Slow tiers get their marker; browser tests run last: Playwright's sync API keeps an event loop
    running in the main thread for as long as its session-scoped browser lives, and no asyncio test can
    run beside it."""
    for item in items:
        tier = _tier(item)
        if tier is not None and item.get_closest_marker(tier) is None:
            item.add_marker(tier)
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
