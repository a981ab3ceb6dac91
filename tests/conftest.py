"""Root test configuration: shared fixture plugins and the banner saying which real services ran."""

from __future__ import annotations

import os
from pathlib import Path

pytest_plugins = ["tests.fixtures.s3", "tests.fixtures.clamav", "tests.fixtures.oidc", "tests.fixtures.world"]

POSTGRES_URL_ENV = "COORDINATION_TEST_POSTGRES_URL"
ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config) -> None:
    """Domain events need their subscribers before any service runs (the app and the CLI wire them too)."""
    from coordination.wiring import wire

    wire()


def pytest_report_header(config) -> list[str]:
    from coordination import clock

    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        where = url.rsplit("@", 1)[-1]
        lines = [f"coordination: integration tests on SQLite AND PostgreSQL ({where})"]
    else:
        lines = [
            "coordination: integration tests on SQLite only (set COORDINATION_TEST_POSTGRES_URL for PostgreSQL)"
        ]
    if clock.moved():
        lines.append(f"coordination: clock moved to {clock.now():%Y-%m-%d %H:%M} UTC ({clock.CLOCK_ENV})")
    return lines


TIERS = {
    ("tests", "e2e"): "e2e",
    ("tests", "faults"): "faults",
    ("tests", "integration", "hardening"): "hardening",
}
"""The slow tiers, marked by folder: ``make test`` runs them all; ``make test-fast`` leaves them out
(``-m "not e2e and not faults and not hardening"``) for the edit-run loop."""


CLOCK_SENSITIVE = (
    ("tests", "unit", "foundation", "test_clock.py"),
    ("tests", "integration", "referent"),
    ("tests", "unit", "referent"),
    ("tests", "integration", "referral"),
    ("tests", "unit", "referral"),
    ("tests", "integration", "access"),
    ("tests", "integration", "visa"),
    ("tests", "unit", "visa"),
    ("tests", "integration", "inbox"),
    ("tests", "integration", "events"),
    ("tests", "integration", "foundation", "test_tasks.py"),
    ("tests", "integration", "foundation", "test_demo.py"),
    ("tests", "integration", "cadastre", "test_registry.py"),
    ("tests", "integration", "cadastre", "test_step_claims.py"),
)
"""Where days and deadlines are counted (first contacts, referral deadlines, consent ends, contract dates,
agreements in force, the demo's "today"): marked ``clock``; ``make test-clock`` runs them again with the
clock moved to the evening hour where a UTC day and a Brussels day differ."""


def _parts(item) -> tuple[str, ...]:
    try:
        return Path(str(item.path)).resolve().relative_to(ROOT).parts
    except ValueError:
        return ()


def _tier(parts: tuple[str, ...]) -> str | None:
    for prefix, tier in TIERS.items():
        if parts[: len(prefix)] == prefix:
            return tier
    return None


HEAVY = (
    "tests/integration/hardening/test_idor.py",
    "tests/integration/hardening/test_fuzz_openapi.py",
    "tests/integration/hardening/test_concurrency.py",
    "tests/integration/directory/test_directory_cli.py::test_organisation_user_and_role_changes",
    "tests/unit/cadastre/test_audit.py::test_every_masked_count",
    "tests/faults/test_storage_faults.py",
    "tests/integration/foundation/test_metrics_workers.py",
    "tests/integration/access/test_gate_matrix.py::test_generated_matrix",
    "tests/integration/hardening/test_abuse.py",
    "tests/faults/test_postgres_restart.py",
    "tests/integration/cadastre/test_disclosure.py",
    "tests/integration/dossier/test_documents_and_concurrency.py::test_hundred_concurrent",
    "tests/integration/referent/test_bulk_many_ids.py",
    "tests/e2e/test_phone_pages.py",
    "tests/e2e/test_cpas_journey.py",
    "tests/e2e/test_partner_journey.py",
    "tests/e2e/test_referent_journey.py",
)
"""Tests measured at 10 s or more each on a loaded 2-core machine (``--durations`` of ``make test``), the
longest first: run first in that order (browser tests: first among the browser tests), so that no worker
ends the run alone on one of them while the others are idle. ``make test`` hands tests to workers one at
a time in this order (``--maxschedchunk 1``): the longest are spread over all workers, the short ones fill
the gaps."""


def _run_order(item) -> tuple[bool, int]:
    """Browser tests last; before them, the known heavy tests (longest first), then the other slow tiers,
    then the rest (pytest's own order kept within each group: the sort is stable)."""
    heavy = [i for i, prefix in enumerate(HEAVY) if item.nodeid.startswith(prefix)]
    if heavy:
        rank = heavy[0]
    elif any(item.get_closest_marker(tier) is not None for tier in ("faults", "hardening")):
        rank = len(HEAVY)
    else:
        rank = len(HEAVY) + 1
    return item.get_closest_marker("e2e") is not None, rank


def pytest_collection_modifyitems(config, items) -> None:
    """Slow tiers get their marker; browser tests run last: Playwright's sync API keeps an event loop
    running in the main thread for as long as its session-scoped browser lives, and no asyncio test can
    run beside it. Within that, heavy tests first (:data:`HEAVY`)."""
    for item in items:
        parts = _parts(item)
        tier = _tier(parts)
        if tier is not None and item.get_closest_marker(tier) is None:
            item.add_marker(tier)
        if any(parts[: len(prefix)] == prefix for prefix in CLOCK_SENSITIVE):
            item.add_marker("clock")
    items.sort(key=_run_order)
