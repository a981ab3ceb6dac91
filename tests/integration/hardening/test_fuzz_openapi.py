"""Schemathesis over the whole OpenAPI document, in-process (ASGI), as several roles, on SQLite and PostgreSQL.

For every operation, Hypothesis generates valid requests (``positive``) and schema-violating ones
(``negative``); path ids point at file A's real objects so requests reach the domain code instead of
stopping at a 404. Each generated request is sent once per role. Checks on every response:

* ``not_a_server_error`` — no 5xx, whoever calls with whatever input;
* ``response_schema_conformance`` and ``content_type_conformance`` — a documented answer matches its
  schema and media type;
* our own: every error is RFC 9457 problem details (``application/problem+json`` with ``type``, ``status``
  equal to the HTTP status, and a ``detail``).

Budget: ``FUZZ_MAX_EXAMPLES`` (default 2) examples per operation and mode, derandomised so CI is
reproducible; raise it for a deeper run, e.g. ``FUZZ_MAX_EXAMPLES=50 pytest -k fuzz``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from coordination.db.engine import Database
from coordination.settings import Settings
from tests.integration.hardening.conftest import seed_world

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "2"))
ROLES = ("referent", "partner", "regulator", "beneficiary", "cpas")
SLOW = {"/api/v1/persons/{person_id}/export", "/api/v1/me/export", "/api/v1/visas/{visa_id}/certificate.pdf"}
"""PDF renderers (WeasyPrint, ~0.5 s a page): one example each is enough to prove they do not fail."""
DOWNLOADS = {"/api/v1/persons/{person_id}/documents/{document_id}/content"}
"""Serves each document with its own media type, while the OpenAPI document says ``application/json``
(reported: the route should document a binary response)."""


def success_conforms(ctx, response, case) -> bool | None:
    """Schema and media type of documented successes. Errors are checked by :func:`problem_details`:
    Litestar documents its generated 400 as ``application/json`` ``{status_code, detail, extra}`` while the
    app answers RFC 9457 problem details (see the report: the OpenAPI document should say so)."""
    if response.status_code >= 400:
        return None
    response_schema_conformance(ctx, response, case)
    if case.operation.path not in DOWNLOADS:
        content_type_conformance(ctx, response, case)
    return True


def problem_details(ctx, response, case) -> bool | None:
    """Every 4xx/5xx answer of the API is problem details with a consistent status."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/problem+json"), (
        f"{response.status_code} answered as {content_type!r}, not problem details"
    )
    body = response.json()
    assert body.get("status") == response.status_code, body
    assert body.get("type") and body.get("detail"), body
    return True


@pytest.fixture
def fuzz_target(migrated_backend, tmp_path: Path):
    """A fresh database seeded with the hardening world, and an app whose engine lives in the ASGI loop."""
    kind, where = migrated_backend
    if kind == "sqlite":
        copy = tmp_path / "fuzz.sqlite3"
        shutil.copyfile(where, copy)
        url = f"sqlite+aiosqlite:///{copy}"
    else:
        url = where
    settings = Settings(
        env="test", var_dir=tmp_path / "var", database_url=url, documents_dir=tmp_path / "documents"
    )

    async def prepare():
        db = Database(url)
        try:
            if kind != "sqlite":
                from sqlalchemy import text

                from coordination.db.models import load_all_models

                tables = [t.name for t in reversed(load_all_models().metadata.sorted_tables)]
                async with db.engine.begin() as conn:
                    await conn.execute(text(f"TRUNCATE TABLE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            return await seed_world(db, settings)
        finally:
            await db.dispose()

    world = asyncio.run(prepare())
    from coordination.app import create_app

    app = create_app(settings)  # owns its engine: created and disposed in the ASGI portal's loop
    try:
        yield app, world
    finally:
        asgi.shutdown_lifespans()


def test_fuzz_every_operation_as_every_role(fuzz_target) -> None:
    app, world = fuzz_target
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    ids = {
        "person_id": world.person_a,
        "objective_id": world.a_ids["objective"],
        "commitment_id": world.a_ids["commitment"],
        "step_id": world.a_ids["step"],
        "document_id": world.a_ids["document"],
        "consent_id": world.a_ids["consent"],
        "visa_id": world.b_ids["visa"],
    }
    checks = [success_conforms, problem_details]
    failures: list[str] = []
    operations = 0
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        fixed = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
        budget = 1 if operation.path in SLOW else MAX_EXAMPLES
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed or None))
            @settings(
                max_examples=budget,
                phases=[Phase.explicit, Phase.generate],
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case) -> None:
                nonlocal calls
                for role in ROLES:
                    calls += 1
                    case.call_and_validate(
                        headers={"Authorization": f"Bearer {world.tokens[role]}"},
                        checks=checks,
                    )

            try:
                run()
            except (
                Exception,
                BaseExceptionGroup,
            ) as exc:  # one report for the whole API, not a stop at the first failure
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:1500]}")
    assert operations >= 80
    assert calls >= operations * len(ROLES)
    assert not failures, f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(failures)
