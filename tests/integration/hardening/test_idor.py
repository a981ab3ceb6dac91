"""IDOR sweep: every ID-bearing API operation, called by every caller who may not read file B, with B's ids.

The operations come from the app's own OpenAPI document (so a route added later is swept too); a body
and query that pass validation are generated from the schema (one deterministic example per operation),
then every path id is replaced by the id of an object in B's file. Each call must be refused with 403 or
404 — never 2xx (a leak or a write into someone else's file), never 5xx — and a 403 must have left a
``deny`` row in B's access journal, naming the caller. Write routes also get a plausible ``If-Match``
so a 412/428 cannot hide a missing gate.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from litestar.testing import AsyncTestClient

from tests.integration.hardening.conftest import PDF, journal_rows, seed_world

pytestmark = [
    pytest.mark.filterwarnings("ignore:Middleware .TokenAuthMiddleware. exclude pattern"),
]

CALLERS = ("referent", "cpas", "partner", "partner_manager", "regulator", "beneficiary", "admin")
"""Nobody here may read B: the Forem has no mandate (B left the register), the other CPAS does not pay
B's RIS, the CISP has no consent from B, regulators and administrators never read a named file, and
the beneficiary is A, not B."""

PARAM_TO_ID = {
    "person_id": "person",
    "objective_id": "objective",
    "commitment_id": "commitment",
    "step_id": "step",
    "document_id": "document",
    "consent_id": "consent",
    "visa_id": "visa",
}
NOT_A_FILE = {"organisation_id", "agreement_id", "service_id", "adviser_id", "resource", "section"}
"""Path parameters that do not designate a person's file (the public registry, advisers, enums)."""
UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"
"""For an id-bearing route whose parameter is not in :data:`PARAM_TO_ID` (a notification, a route added
later): an id that designates nothing, which must still be refused (403/404), never a 2xx or a 5xx."""

ASSERTIONS = {
    "/api/v1/persons/{person_id}/mandates",
    "/api/v1/persons/{person_id}/mandates/{mandate_id}/end",
}
"""Mandate assertions are made by the mandated organisation without reading the file (the assertion is what
opens it): their rules and answers are tested in ``tests/integration/dossier/test_trust.py``."""

RAW_UPLOADS = {
    "/api/v1/persons/{person_id}/documents",
    "/api/v1/persons/{person_id}/documents/{document_id}/versions",
}


def _empty(response) -> bool:
    try:
        return response.json() in ([], {})
    except ValueError:
        return False


def _one_valid_case(operation):
    cases = []

    @given(operation.as_strategy())
    @settings(
        max_examples=1,
        phases=[Phase.generate],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def draw(case) -> None:
        cases.append(case)

    draw()
    return cases[0]


def _file_operations(raw_schema: dict) -> list:
    schema = schemathesis.openapi.from_dict(raw_schema)
    operations = []
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        if names - NOT_A_FILE:
            operations.append(operation)
    return operations


@functools.cache
def _sweep_plan(raw_schema_json: str) -> list[tuple[Any, Any]]:
    """Each id-bearing operation of this OpenAPI document with its one valid case. Reading the document and
    drawing the cases is a third of the sweep, and both are deterministic (``derandomize``): drawn once per
    process and document, so the SQLite and PostgreSQL runs share them (read only)."""
    return [
        (operation, _one_valid_case(operation)) for operation in _file_operations(json.loads(raw_schema_json))
    ]


@dataclass
class Sweep:
    calls: int = 0
    leaks: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    unjournaled: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    not_refused: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    deny_users: set = field(default_factory=set)


async def sweep(database, settings, app) -> tuple[Sweep, object]:
    world = await seed_world(database, settings, app)
    ids = {"person": world.person_b, **world.b_ids}
    out = Sweep()
    async with AsyncTestClient(app=app) as client:
        plan = _sweep_plan((await client.get("/schema/openapi.json")).text)
        assert len(plan) >= 30, [op.label for op, _ in plan]
        before = await journal_rows(database, world.person_b, decision="deny")
        for operation, case in plan:
            path = operation.path
            on_file = False
            for param in operation.path_parameters:
                if param.name in PARAM_TO_ID:
                    value, on_file = ids[PARAM_TO_ID[param.name]], True
                elif param.name in NOT_A_FILE:
                    value = case.path_parameters[param.name]
                else:
                    value = UNKNOWN_ID
                path = path.replace("{" + param.name + "}", str(value))
            kwargs: dict = {"params": {k: v for k, v in (case.query or {}).items() if v is not None}}
            if operation.path in RAW_UPLOADS:
                kwargs["content"] = PDF
                kwargs["params"]["filename"] = "cv.pdf"
            elif case.body is not None and not isinstance(case.body, schemathesis.core.NotSet):
                kwargs["content"] = json.dumps(case.body).encode()
            for caller in CALLERS:
                headers = world.headers(caller, **{"If-Match": '"1"', "Content-Type": "application/json"})
                response = await client.request(operation.method.upper(), path, headers=headers, **kwargs)
                out.calls += 1
                where = f"{caller} {operation.method.upper()} {operation.path} → {response.status_code}"
                status = response.status_code
                # B's deny rows counted after each call: the count after the previous call is the count
                # before this one (the calls run one after the other), one query per call instead of two
                denies = await journal_rows(database, world.person_b, decision="deny")
                journaled = on_file and denies > before
                before = denies
                if operation.path in ASSERTIONS and operation.method.upper() == "POST":
                    # a mandate assertion is made without reading the file: its rules are checked apart
                    continue
                if status < 400 and _empty(response) and operation.method.upper() == "GET":
                    # an empty list would look like an empty file: nothing allowed must be a 403
                    out.empty.append(where)
                elif status < 400:
                    out.leaks.append(f"{where}: {response.text[:200]}")
                elif status >= 500:
                    out.server_errors.append(f"{where}: {response.text[:200]}")
                elif status == 403:
                    assert response.headers["content-type"].startswith("application/problem+json"), where
                    if on_file and not journaled:
                        out.unjournaled.append(where)
                elif (
                    status == 404
                    and on_file
                    and all(p.name in PARAM_TO_ID for p in operation.path_parameters)
                ):
                    # the file and the object exist: a 404 would say less than the truth and skip the journal
                    out.not_refused.append(f"{where}: {response.text[:160]}")
                elif status != 404:
                    out.other.append(f"{where}: {response.text[:160]}")
    from sqlalchemy import select

    from coordination.access.models import AccessJournalEntry

    async with database.sessionmaker() as s:
        out.deny_users = set(
            (
                await s.scalars(
                    select(AccessJournalEntry.user_id).where(
                        AccessJournalEntry.person_id == UUID(world.person_b),
                        AccessJournalEntry.decision == "deny",
                    )
                )
            ).all()
        )
    return out, world


async def test_every_id_route_refuses_other_peoples_files(database, settings, app) -> None:
    """403/404 (or an empty view), never 2xx data, never 5xx, for every caller on every id route; and each
    403 (or empty view) on B's file left a ``deny`` row in B's journal. All problems reported at once."""
    out, world = await sweep(database, settings, app)
    assert out.calls >= 30 * len(CALLERS)
    problems = []
    for title, items in (
        ("data returned to a caller who may not read the file", out.leaks),
        ("server errors", out.server_errors),
        ("refused with something other than 403/404 (validated before the gate?)", out.other),
        ("403 without a journal row", out.unjournaled),
        ("an empty answer instead of a 403", out.empty),
        ("404 on an existing file and object instead of a journaled 403", out.not_refused),
    ):
        if items:
            problems.append(f"{title}:\n  " + "\n  ".join(items))
    assert not problems, "\n\n".join(problems)
    assert {world.users[c].id for c in CALLERS} <= out.deny_users
