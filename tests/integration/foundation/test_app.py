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
    assert ready.json()["checks"] == {"database": "ok", "document_store": "ok"}


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
