"""Antivirus failing closed (real clamd with EICAR), a full document round trip, and 100 concurrent
updates on one plan objective (each applied or 412, no lost update)."""

from __future__ import annotations

import asyncio
import io
import zipfile

import pytest
from litestar.testing import AsyncTestClient

from coordination.dossier.models import Document, DocumentVersion
from tests.fixtures.apps import app_for
from tests.fixtures.clamav import EICAR
from tests.integration.dossier.conftest import count, create_person

pytestmark = [
    pytest.mark.filterwarnings("ignore:Middleware .TokenAuthMiddleware. exclude pattern"),
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Deprecated 'query' parameter:DeprecationWarning"),
]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _odt_with(payload: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<office:document-content/>")
        zf.writestr("eicar.com", payload)
    return buf.getvalue()


@pytest.fixture
def make_app(built_apps, settings, database):
    """``make_app(**changes)``: the app for this test's settings with ``changes``, built once per settings
    shape in the run and rebound after (``tests/fixtures/apps.py``)."""
    return lambda **changes: app_for(built_apps, settings.replace(**changes), database=database)


@pytest.mark.clamav
async def test_eicar_is_refused_with_422_and_removed(
    world, database, settings, make_app, clamd_socket
) -> None:
    async with AsyncTestClient(app=make_app(clamd_socket=str(clamd_socket))) as client:
        person = await create_person(client, world)
        url = f"/api/v1/persons/{person['id']}/documents"
        # A real OpenDocument text carrying the EICAR test file: it passes the type check, clamd unpacks it.
        infected = await client.post(
            url,
            params={"filename": "lettre.odt"},
            content=_odt_with(EICAR),
            headers=world.headers("referent"),
        )
        assert infected.status_code == 422
        assert infected.json()["type"].endswith("/infected-document")
        assert await count(database, Document) == 0
        assert not [p for p in settings.effective_documents_dir.rglob("*") if p.is_file()]
        clean = await client.post(
            url,
            params={"filename": "cv.pdf", "category": "cv"},
            content=PDF,
            headers=world.headers("referent"),
        )
        assert clean.status_code == 201, clean.text
        assert clean.json()["versions"][0]["scan_status"] == "clean"


async def test_scanner_unreachable_is_a_503_and_nothing_is_stored(
    world, database, settings, make_app, tmp_path_factory
) -> None:
    # a socket nobody listens on, at one path per worker: one settings shape, one app built per run
    nowhere = tmp_path_factory.getbasetemp() / "no-clamd.sock"
    assert not nowhere.exists()
    async with AsyncTestClient(app=make_app(clamd_socket=str(nowhere))) as client:
        person = await create_person(client, world)
        response = await client.post(
            f"/api/v1/persons/{person['id']}/documents",
            params={"filename": "cv.pdf"},
            content=PDF,
            headers=world.headers("referent"),
        )
        assert response.status_code == 503
        assert response.json()["type"].endswith("/antivirus-unavailable")
        assert await count(database, DocumentVersion) == 0
        assert not [p for p in settings.effective_documents_dir.rglob("*") if p.is_file()]


async def test_document_round_trip_versions_and_deletion_event(client, world, database, settings) -> None:
    person = await create_person(client, world)
    base = f"/api/v1/persons/{person['id']}/documents"
    created = await client.post(
        base,
        params={"filename": "cv.pdf", "category": "cv", "title": "CV 2025"},
        content=PDF,
        headers=world.headers("referent"),
    )
    assert created.status_code == 201, created.text
    doc = created.json()
    assert doc["retention_rule"] == "accompagnement"
    download = await client.get(f"{base}/{doc['id']}/content", headers=world.headers("referent"))
    assert download.status_code == 200 and download.content == PDF
    v2 = await client.post(
        f"{base}/{doc['id']}/versions",
        params={"filename": "cv-v2.pdf"},
        content=PDF + b"%v2\n",
        headers=world.headers("referent", **{"If-Match": created.headers["etag"]}),
    )
    assert v2.status_code == 201, v2.text
    assert v2.json()["current_version"] == 2
    presigned = await client.get(f"{base}/{doc['id']}/url", headers=world.headers("referent"))
    assert presigned.status_code == 409  # filesystem store: no direct link
    stale = await client.delete(
        f"{base}/{doc['id']}",
        params={"reason": "Doublon"},
        headers=world.headers("referent", **{"If-Match": created.headers["etag"]}),
    )
    assert stale.status_code == 412
    deleted = await client.delete(
        f"{base}/{doc['id']}",
        params={"reason": "Doublon"},
        headers=world.headers("referent", **{"If-Match": v2.headers["etag"]}),
    )
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["deleted_at"] is not None
    gone = await client.get(f"{base}/{doc['id']}/content", headers=world.headers("referent"))
    assert gone.status_code == 410
    assert not [p for p in settings.effective_documents_dir.rglob("*") if p.is_file()]
    timeline = await client.get(f"/api/v1/persons/{person['id']}/timeline", headers=world.headers("referent"))
    kinds = [e["kind"] for e in timeline.json()["items"]]
    assert "document_deleted" in kinds and "document_added" in kinds


async def test_hundred_concurrent_updates_on_one_objective(client, world) -> None:
    person = await create_person(client, world)
    url = f"/api/v1/persons/{person['id']}/plan/objectives"
    created = await client.post(
        url, json={"title": "Trouver un emploi", "description": ""}, headers=world.headers("referent")
    )
    oid = created.json()["id"]

    async def writer(n: int) -> int:
        current = await client.get(f"{url}/{oid}", headers=world.headers("referent"))
        body = current.json()
        response = await client.patch(
            f"{url}/{oid}",
            json={"description": (body["description"] or "") + f"[{n}]"},
            headers=world.headers("referent", **{"If-Match": current.headers["etag"]}),
        )
        assert response.status_code in (200, 412), response.text
        return n if response.status_code == 200 else -1

    results = await asyncio.gather(*(writer(n) for n in range(100)))
    applied = [n for n in results if n >= 0]
    final = (await client.get(f"{url}/{oid}", headers=world.headers("referent"))).json()
    assert applied, "at least one writer must win"
    assert final["version"] == 1 + len(applied)
    for n in applied:  # every accepted write is in the final text: nothing lost
        assert f"[{n}]" in final["description"]
    assert final["description"].count("[") == len(applied)
