"""Issue 20 item 2: ``coordination tasks`` erases documents whose retention ended, every version, from the
filesystem store and from a versioned S3 bucket, with an event in the file; a second run does nothing."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import func, select

from coordination.dossier.models import Document, DocumentVersion, FileEvent
from coordination.settings import Settings
from coordination.tasks import run_daily
from tests.integration.dossier.conftest import create_person, direct

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(params=["filesystem", "s3"])
def settings(request, tmp_path, database) -> Settings:
    base = Settings(
        env="test", var_dir=tmp_path / "var", database_url=database.url, documents_dir=tmp_path / "documents"
    )
    if request.param == "filesystem":
        return base
    server = request.getfixturevalue("s3_server")
    return base.replace(**server.settings_overrides(server.new_bucket(versioning=True)))


def stored_versions(settings: Settings, key: str) -> int:
    """How many object versions (delete markers included) the store still holds under ``key``."""
    if not settings.uses_s3:
        return int((settings.effective_documents_dir / key).exists())
    from coordination.storage.factory import build_minio_client

    client = build_minio_client(settings)
    return len(list(client.list_objects(settings.s3_bucket, prefix=key, include_version=True)))


async def upload(client, world, person_id: str, category: str, filename: str) -> dict:
    response = await client.post(
        f"/api/v1/persons/{person_id}/documents",
        params={"filename": filename, "category": category, "title": filename},
        content=PDF,
        headers=world.headers("referent"),
    )
    assert response.status_code == 201, response.text
    return {**response.json(), "etag": response.headers["etag"]}


async def test_retention_erases_every_version_once(client, world, database, settings):
    person = await create_person(client, world)
    identity = await upload(client, world, person["id"], "identity", "carte.pdf")
    second = await client.post(
        f"/api/v1/persons/{person['id']}/documents/{identity['id']}/versions",
        params={"filename": "carte-v2.pdf"},
        content=PDF + b"%v2\n",
        headers=world.headers("referent", **{"If-Match": identity["etag"]}),
    )
    assert second.status_code == 201, second.text
    cv = await upload(client, world, person["id"], "cv", "cv.pdf")
    sessions = direct(database)
    async with sessions() as s:
        doomed = await s.get(Document, UUID(identity["id"]))
        keys = (
            await s.scalars(
                select(DocumentVersion.object_key).where(DocumentVersion.document_id == doomed.id)
            )
        ).all()
        cv_key = (
            await s.scalars(
                select(DocumentVersion.object_key).where(DocumentVersion.document_id == UUID(cv["id"]))
            )
        ).one()
    assert len(keys) == 2 and all(stored_versions(settings, key) for key in keys)
    on_last_day = doomed.retain_until  # identity copies: one year; kept through that day
    assert next(r for r in await run_daily(settings, on_last_day) if r[0] == "conservation")[1].startswith(
        "0 "
    )
    assert all(stored_versions(settings, key) for key in keys)

    results = dict(
        (name, (summary, ok))
        for name, summary, ok in await run_daily(settings, on_last_day + timedelta(days=1))
    )
    assert results["conservation"] == (
        "1 document(s) arrivé(s) en fin de conservation effacé(s), 2 objet(s) supprimé(s)",
        True,
    )
    assert [stored_versions(settings, key) for key in keys] == [0, 0]  # no version, no delete marker
    assert stored_versions(settings, cv_key) >= 1  # five years: untouched
    async with sessions() as s:
        erased = await s.get(Document, doomed.id)
        assert erased.deleted_at is not None and erased.deletion_rule == "identite"
        assert "conservation échue" in erased.deletion_reason
        assert (
            await s.scalar(
                select(func.count())
                .select_from(DocumentVersion)
                .where(DocumentVersion.document_id == doomed.id)
            )
            == 0
        )
        assert (
            await s.scalar(
                select(func.count())
                .select_from(DocumentVersion)
                .where(DocumentVersion.document_id == UUID(cv["id"]))
            )
            == 1
        )
        events = (
            await s.scalars(select(FileEvent).where(FileEvent.kind == "document_retention_ended"))
        ).all()
        assert [e.subject_id for e in events] == [doomed.id]
        assert "Pièce d'identité" in events[0].summary

    again = dict(
        (name, summary) for name, summary, _ in await run_daily(settings, on_last_day + timedelta(days=2))
    )
    assert again["conservation"].startswith("0 document(s)")
    async with sessions() as s:
        assert (
            await s.scalar(
                select(func.count())
                .select_from(FileEvent)
                .where(FileEvent.kind == "document_retention_ended")
            )
            == 1
        )


async def test_a_document_deleted_by_hand_loses_its_rows_when_retention_ends(
    client, world, database, settings
):
    person = await create_person(client, world)
    identity = await upload(client, world, person["id"], "identity", "carte.pdf")
    deleted = await client.request(
        "DELETE",
        f"/api/v1/persons/{person['id']}/documents/{identity['id']}",
        params={"reason": "Erreur de dépôt"},
        headers=world.headers("referent", **{"If-Match": identity["etag"]}),
    )
    assert deleted.status_code in (200, 204), deleted.text
    sessions = direct(database)
    async with sessions() as s:
        doc = await s.get(Document, UUID(identity["id"]))
    await run_daily(settings, doc.retain_until + timedelta(days=1))
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(DocumentVersion)) == 0
        assert (await s.get(Document, doc.id)).deletion_reason.startswith("Erreur de dépôt")
