"""Schemathesis over the whole OpenAPI document, in-process (ASGI), as every role, on SQLite and PostgreSQL.

For every operation, Hypothesis generates valid requests (``positive``) and schema-violating ones
(``negative``); path ids point at real objects so requests reach the domain code instead of stopping at a
404. Each generated request is sent once per role: CPAS worker, Forem referent, partner operator,
regulator, the person herself, administrator. **Every** Schemathesis check runs on every response (no 5xx,
status code / media type / headers / body as documented, negative data refused, missing required headers
refused, authentication not ignored, ...), plus our own: every error is RFC 9457 problem details.

Two choices, both narrow and reviewed here:

* ``positive_data_acceptance`` is replaced by :func:`positive_data_accepted`: a schema-valid request may
  still be refused by a rule the schema cannot express: a state precondition (404/409/412), a domain
  rule (422), a file whose bytes are not of an accepted type (415), a resource deleted by an earlier
  generated request (410), or one of the named 400 rules of
  :data:`DOMAIN_RULES`. A decoder error (``validation-error``) on schema-valid data is a lie of the
  document and fails the test.
* ``missing_required_header`` also accepts 428: a write without ``If-Match`` is "precondition required";
  ``negative_data_rejection`` also accepts 410 (a document deleted by an earlier request is Gone first) and
  no longer counts a 5xx as a rejection.

Budget: ``FUZZ_MAX_EXAMPLES`` (default 2) examples per operation and mode, derandomised so CI is
reproducible; raise it for a deeper run, e.g. ``FUZZ_MAX_EXAMPLES=50 pytest -k fuzz -s`` (it prints the
figures: operations, requests, failures).
"""

from __future__ import annotations

import asyncio
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from litestar.testing import AsyncTestClient
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi

from tests.integration.hardening.conftest import seed_world

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "2"))
ROLES = ("cpas_owner", "referent", "partner", "regulator", "beneficiary", "admin")
"""CPAS worker (the CPAS paying B's RIS), Forem referent, partner operator, regulator, person A, admin."""
SLOW = {"/api/v1/persons/{person_id}/export", "/api/v1/me/export", "/api/v1/visas/{visa_id}/certificate.pdf"}
"""PDF renderers (WeasyPrint, ~0.5 s a page): one example each is enough to prove they do not fail."""
POSITIVE_REFUSALS = {401, 403, 404, 409, 410, 412, 415, 422, 429}
DOMAIN_RULES = {
    "consent-expiry": "the end of a consent is in the future (depends on the clock)",
    "mandate-date": "a mandate does not start in the future (depends on the clock)",
    "consent-channel": "the channel depends on who acts (the person herself: self)",
    "consent-evidence-upload": "the person acting herself joins no evidence",
    "consent-self": "the person does not record her own signed form",
    "invalid-niss": "the NISS check digits (modulo 97)",
    "csv-header": "the columns of an uploaded CSV",
    "bad-cursor": "a cursor is opaque: only one the server answered (next_cursor) is valid",
    "nul-character": "U+0000 in any string (PostgreSQL text cannot hold it; OpenAPI has no global rule for it)",
}
"""400 answers to schema-valid requests that are rules, not schema lies: each says why."""


class RejectedValidData(Failure):
    kind_title = "Schema-valid request refused by the decoder or an undeclared rule"


@schemathesis.check
def positive_data_accepted(ctx, response, case) -> bool | None:
    """A valid request is accepted, or refused by a state precondition or a named domain rule."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code < 400:
        return None
    if response.status_code in POSITIVE_REFUSALS or response.status_code >= 500:
        return None  # 5xx: reported by not_a_server_error
    if response.status_code == 400:
        body = response.json()
        code = str(body.get("type", "")).rsplit("/", 1)[-1]
        if code in DOMAIN_RULES or _integral_float_for_int(body):
            return None
    body = response.content[:500].decode("utf-8", "replace")
    raise RejectedValidData(operation=case.operation.label, message=f"{response.status_code}: {body}")


def _integral_float_for_int(body: dict) -> bool:
    """The fuzzer may write the integer 28547 as ``28547.0`` (the same JSON Schema integer); msgspec, strict
    by design, refuses a float for an ``int``. Only that refusal is tolerated, nothing else in the body."""
    detail = str(body.get("detail", ""))
    return (
        body.get("type", "").endswith("/validation-error")
        and "doit être un nombre entier, sans partie décimale" in detail
    )


@schemathesis.check
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


CONFIG = {
    # A request still unanswered after a minute fails as "Read timed out" (a hang). Schemathesis's default,
    # 10 s, is shorter than a certificate's first PDF render (WeasyPrint loads its fonts) on a 2-core machine
    # shared by several test runs (seen at a load average of 14).
    "request-timeout": 60,
    # Unknown query parameters are ignored, as by most HTTP APIs (OpenAPI cannot forbid them); unknown
    # body fields are refused and documented so (additionalProperties: false).
    "generation": {"allow-extra-parameters": False},
    "checks": {
        "positive_data_acceptance": {"enabled": False},
        "missing_required_header": {"expected-statuses": ["400", "401", "403", "406", "415", "422", "428"]},
        # a request to a deleted document is refused as Gone before its headers are read
        "negative_data_rejection": {
            "expected-statuses": [
                "400",
                "401",
                "403",
                "404",
                "405",
                "406",
                "409",
                "410",
                "415",
                "422",
                "428",
                "429",
            ]
        },
    },
}


@pytest.fixture
def fuzz_target(database, settings, app):
    """A fresh database (the ``database`` fixture's) seeded with the hardening world (plus an adviser), and
    the app of this run for these settings (``app``: built once, rebound to this test's database)."""

    async def prepare():
        world = await seed_world(database, settings, app)
        async with AsyncTestClient(app=app) as client:
            adviser = await client.post(
                "/api/v1/advisers",
                json={
                    "kind": "forem_adviser",
                    "organisation_id": str(world.orgs["forem"].id),
                    "user_id": str(world.users["referent"].id),
                    "display_name": "Utilisateur referent",
                    "capacity": 40,
                },
                headers=world.headers("admin"),
            )
            assert adviser.status_code == 201, adviser.text
            world.a_ids["adviser"] = adviser.json()["id"]
        return world

    # The set-up runs in a loop of its own; Schemathesis calls the app in its one event-loop thread. The
    # database keeps connections per loop (``PerLoopPool``): those of that thread are closed at the end.
    world = asyncio.run(prepare())
    try:
        yield app, world
    finally:
        asgi.shutdown_lifespans()
        asgi._get_portal().call(database.dispose)


def test_fuzz_every_operation_as_every_role(fuzz_target) -> None:
    app, world = fuzz_target
    schema = schemathesis.openapi.from_asgi(
        "/schema/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG)
    )
    ids = {
        "person_id": world.person_a,
        "objective_id": world.a_ids["objective"],
        "commitment_id": world.a_ids["commitment"],
        "step_id": world.a_ids["step"],
        "document_id": world.a_ids["document"],
        "consent_id": world.a_ids["consent"],
        "visa_id": world.b_ids["visa"],
        "organisation_id": str(world.orgs["cisp"].id),
        "adviser_id": world.a_ids["adviser"],
    }
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
                    try:
                        case.call_and_validate(
                            headers={"Authorization": f"Bearer {world.tokens[role]}"},
                            additional_checks=[positive_data_accepted, problem_details],
                        )
                    except (Exception, BaseExceptionGroup) as exc:  # collected: one report for the whole API
                        failures.append(f"{case.operation.label} [{role}]: {str(exc)[:1500]}")

            try:
                run()
            except Unsatisfiable:
                # nothing in the request can be made invalid (no parameter, no body, no token needed)
                assert mode is GenerationMode.NEGATIVE and operation.path.startswith("/health/")
    print(f"schemathesis: {operations} operations, {calls} requests, {len(failures)} failures")
    assert operations >= 120
    assert calls >= operations * len(ROLES)
    assert not failures, f"{len(failures)} failure(s):\n\n" + "\n\n".join(failures)
