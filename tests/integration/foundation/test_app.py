"""The skeleton's promises: probes, OpenAPI, problem details for every error, request ids, body limit."""

from __future__ import annotations

from types import SimpleNamespace
from uuid import uuid4

from coordination.directory.models import Role

PROBLEM = "application/problem+json"


async def test_live_and_ready(client):
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok"}
    dependencies = await client.get("/health/dependencies")
    assert dependencies.status_code == 200
    assert dependencies.json()["checks"] == {"document_store": "ok", "antivirus": "ok"}


async def test_ready_names_the_failed_service(client, app, database):
    await database.engine.dispose()
    original = database.engine.url
    from sqlalchemy.ext.asyncio import create_async_engine

    app.state.db.engine = create_async_engine("postgresql+asyncpg://nobody:x@127.0.0.1:1/none")
    try:
        response = await client.get("/health/ready")
    finally:
        await app.state.db.engine.dispose()
        app.state.db.engine = create_async_engine(original)
    assert response.status_code == 503
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["checks"]["database"] == "injoignable"
    assert "base de données" in response.json()["detail"]


async def test_openapi_is_served(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Coordination"


async def test_unknown_route_is_a_french_problem(client):
    response = await client.get("/nulle-part/ici")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == 404 and body["type"].endswith("/not-found")
    assert body["detail"] == "Ressource introuvable."
    assert body["request_id"] == response.headers["x-request-id"]


async def test_wrong_method_is_a_problem(client):
    response = await client.delete("/health/live")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_oversized_body_is_413_problem(client, settings, auth_headers):
    worker = SimpleNamespace(
        id=uuid4(),
        display_name="Test",
        role=Role.CPAS_SOCIAL_WORKER,
        organisation_id=None,
        team=None,
        person_id=None,
    )
    body = b"x" * (settings.max_request_body_bytes + 1)
    response = await client.post(
        "/api/v1/visa/checklist",
        content=body,
        headers={"content-type": "application/json", **auth_headers(worker)},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "taille" in response.json()["detail"]


async def test_caller_request_id_is_echoed_and_bad_ones_replaced(client):
    response = await client.get("/health/live", headers={"x-request-id": "abc-12345-def"})
    assert response.headers["x-request-id"] == "abc-12345-def"
    response = await client.get("/health/live", headers={"x-request-id": "<script>"})
    assert response.headers["x-request-id"] != "<script>"


def test_production_app_builds_without_the_development_login(tmp_path):
    """The production wiring (JWKS verifier, S3 store) builds, and the dev login is not even routed."""
    from pathlib import Path

    from coordination.app import create_app
    from coordination.keys import load_or_create_ec_key
    from coordination.settings import Settings

    load_or_create_ec_key(tmp_path / "signing.pem")  # production never generates it: it must be there
    settings = Settings(
        env="production",
        var_dir=tmp_path,
        database_url="postgresql+asyncpg://u:p@127.0.0.1:1/none",
        s3_endpoint="127.0.0.1:1",
        s3_access_key="a",
        s3_secret_key="b",
        oidc_issuer="https://idp.example/realms/coordination",
        niss_hash_key="k",
        signing_key_file=Path(tmp_path / "signing.pem"),
        clamd_socket="tcp://127.0.0.1:1",
    ).validate()
    app = create_app(settings)
    paths = {route.path for route in app.routes}
    assert "/health/ready" in paths
    assert not [p for p in paths if p.startswith("/api/v1/dev")]
    assert app.state.identity.dev_issuer is None


async def test_a_gated_read_is_journaled_without_an_explicit_commit(client, database, auth_headers):
    """The request session commits on success, so an allowed read always leaves its journal row."""
    from sqlalchemy import func, select

    from coordination.access.models import AccessJournalEntry as JournalEntry
    from tests.integration.access import seed

    async with database.sessionmaker() as session:
        forem = seed.org(session, seed.OrganisationKind.FOREM)
        person = seed.person(session, forem_registered=True)
        worker = seed.user(session, Role.FOREM_REFERENT, forem)
        await session.commit()
        before = await session.scalar(select(func.count()).select_from(JournalEntry))
    response = await client.get(
        f"/api/v1/persons/{person.id}/consents", headers=auth_headers(worker, org_kind="forem")
    )
    assert response.status_code == 200, response.text
    async with database.sessionmaker() as session:
        after = await session.scalar(select(func.count()).select_from(JournalEntry))
    assert after == before + 1


async def test_openapi_documents_errors_as_problem_details(client):
    schema = (await client.get("/schema/openapi.json")).json()
    assert "ProblemDetails" in schema["components"]["schemas"]
    api_operations = [
        (path, method, op)
        for path, item in schema["paths"].items()
        if path.startswith("/api/")
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert api_operations
    for path, method, op in api_operations:
        for status in ("400", "401", "403", "404"):
            assert "application/problem+json" in op["responses"][status]["content"], (path, method, status)


async def test_a_request_id_that_looks_like_a_niss_is_replaced(client):
    """The request id is logged unmasked, so one that could carry a NISS is never accepted from a caller."""
    response = await client.get("/health/live", headers={"x-request-id": "req-85073003328"})
    assert response.headers["x-request-id"] != "req-85073003328"
    kept = await client.get("/health/live", headers={"x-request-id": "req-1234-abcd"})
    assert kept.headers["x-request-id"] == "req-1234-abcd"
