"""Documents on the S3 store (loopback moto server): short-lived pre-signed URLs that download the right
bytes, downloads streamed through the app chunk by chunk, and clear problems when the store fails."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import anyio.to_thread
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from coordination.dossier.models import DocumentVersion
from coordination.storage.base import CHUNK_SIZE, ObjectStream
from coordination.storage.s3 import S3Store
from tests.integration.dossier.conftest import PDF, create_person, direct

pytestmark = [
    pytest.mark.filterwarnings("ignore:Middleware .TokenAuthMiddleware. exclude pattern"),
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Deprecated 'query' parameter:DeprecationWarning"),
]


class RecordingStore(S3Store):
    """The S3 store, noting the size of every chunk the app pulls out of an opened object."""

    def __init__(self, inner: S3Store) -> None:
        super().__init__(inner.client, inner.bucket, endpoint=inner.endpoint)
        self.pulled: list[int] = []

    async def open(self, key: str) -> ObjectStream:
        stream = await super().open(key)
        inner, pulled = stream._chunks, self.pulled

        async def counted():
            async for chunk in inner:
                pulled.append(len(chunk))
                yield chunk

        return ObjectStream(counted(), stream.size, aclose_hook=stream.aclose)


def _app(settings, database, store, **changes):
    from coordination.app import create_app

    return create_app(settings.replace(**changes) if changes else settings, database=database, store=store)


@pytest.fixture
async def s3_client(settings, database, s3_store):
    async with AsyncTestClient(app=_app(settings, database, s3_store)) as client:
        yield client


def _fetch(url: str) -> tuple[int, bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback test server
        return response.status, response.read(), dict(response.headers)


async def _upload(client, world, person_id: str, body: bytes, filename: str = "cv.pdf") -> dict:
    response = await client.post(
        f"/api/v1/persons/{person_id}/documents",
        params={"filename": filename, "category": "cv"},
        content=body,
        headers=world.headers("referent"),
    )
    assert response.status_code == 201, response.text
    return {**response.json(), "etag": response.headers["etag"]}


async def test_presigned_url_is_short_lived_and_downloads_the_right_bytes(s3_client, world, database) -> None:
    client = s3_client
    person = await create_person(client, world)
    v1 = PDF + b"%version-1\n"
    doc = await _upload(client, world, person["id"], v1, "curriculum vitæ.pdf")
    base = f"/api/v1/persons/{person['id']}/documents/{doc['id']}"

    before = datetime.now(UTC)
    response = await client.get(f"{base}/url", headers=world.headers("referent"))
    assert response.status_code == 200, response.text
    body = response.json()
    query = parse_qs(urlsplit(body["url"]).query)
    assert query["X-Amz-Expires"] == ["300"]  # 5 minutes (settings), never the client's 7 days
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(minutes=4) < expires_at <= datetime.now(UTC) + timedelta(minutes=5)
    assert "curriculum%20vit%C3%A6.pdf" in query["response-content-disposition"][0]
    status, content, headers = await anyio.to_thread.run_sync(_fetch, body["url"])
    assert status == 200 and content == v1
    assert "attachment" in headers.get("Content-Disposition", headers.get("content-disposition", ""))

    # A later version: the link follows the current one; ``version=1`` still gives the first bytes.
    v2 = PDF + b"%version-2\n"
    added = await client.post(
        f"{base}/versions",
        params={"filename": "cv-2.pdf"},
        content=v2,
        headers=world.headers("referent", **{"If-Match": doc["etag"]}),
    )
    assert added.status_code == 201, added.text
    current = (await client.get(f"{base}/url", headers=world.headers("referent"))).json()["url"]
    first = (
        await client.get(f"{base}/url", params={"version": 1}, headers=world.headers("referent"))
    ).json()["url"]
    assert (await anyio.to_thread.run_sync(_fetch, current))[1] == v2
    assert (await anyio.to_thread.run_sync(_fetch, first))[1] == v1

    # No link for a reader without access (the refusal is the gate's 403), nor for a version not clean.
    assert (await client.get(f"{base}/url", headers=world.headers("cisp"))).status_code == 403
    async with direct(database)() as s:
        await s.execute(
            update(DocumentVersion).where(DocumentVersion.number == 2).values(scan_status="pending")
        )
        await s.commit()
    pending = await client.get(f"{base}/url", headers=world.headers("referent"))
    assert pending.status_code == 409 and pending.json()["type"].endswith("/not-clean")


async def test_presigned_lifetime_follows_settings_and_is_capped(world, database, settings, s3_store) -> None:
    for minutes, expected in ((2, "120"), (600, "3600")):
        async with AsyncTestClient(
            app=_app(settings, database, s3_store, presigned_url_minutes=minutes)
        ) as client:
            if minutes == 2:
                person = await create_person(client, world)
                doc = await _upload(client, world, person["id"], PDF)
            response = await client.get(
                f"/api/v1/persons/{person['id']}/documents/{doc['id']}/url", headers=world.headers("referent")
            )
            assert response.status_code == 200, response.text
            assert parse_qs(urlsplit(response.json()["url"]).query)["X-Amz-Expires"] == [expected]


async def test_filesystem_store_answers_a_clear_problem(client, world) -> None:
    person = await create_person(client, world)
    doc = await _upload(client, world, person["id"], PDF)
    response = await client.get(
        f"/api/v1/persons/{person['id']}/documents/{doc['id']}/url", headers=world.headers("referent")
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/no-presigned-url")
    assert problem["detail"] == (
        "Ce stockage ne délivre pas de lien direct : téléchargez le document par l'application."
    )


async def test_download_streams_through_the_app(world, database, settings, s3_store) -> None:
    store = RecordingStore(s3_store)
    body = PDF[:-6] + os.urandom(12 * 1024 * 1024 + 12345) + b"\n%%EOF\n"  # several S3 parts
    async with AsyncTestClient(app=_app(settings, database, store)) as client:
        person = await create_person(client, world)
        doc = await _upload(client, world, person["id"], body, "attestation.pdf")
        assert doc["versions"][0]["size"] == len(body)
        assert doc["versions"][0]["sha256"] == hashlib.sha256(body).hexdigest()
        store.pulled.clear()
        response = await client.get(
            f"/api/v1/persons/{person['id']}/documents/{doc['id']}/content", headers=world.headers("referent")
        )
        assert response.status_code == 200
        assert response.content == body
        assert response.headers["content-length"] == str(len(body))
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == "attachment; filename*=UTF-8''attestation.pdf"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "private, no-store"
        # Pulled from the store chunk by chunk, never as one piece.
        assert sum(store.pulled) == len(body)
        assert len(store.pulled) >= 12 and max(store.pulled) <= CHUNK_SIZE


async def test_store_failures_are_clear_problems(world, database, settings, s3_store) -> None:
    async with AsyncTestClient(app=_app(settings, database, s3_store)) as client:
        person = await create_person(client, world)
        doc = await _upload(client, world, person["id"], PDF)
        url = f"/api/v1/persons/{person['id']}/documents/{doc['id']}/content"
        # Bytes removed behind the app's back (not through a deletion): a 404 that says so, not a 500.
        async for stored in s3_store.list_keys("persons/"):
            await s3_store.delete(stored)
        missing = await client.get(url, headers=world.headers("referent"))
        assert missing.status_code == 404, missing.text
        assert missing.json()["type"].endswith("/document-content-missing")
    gone = S3Store(s3_store.client, "no-such-bucket-here", endpoint=s3_store.endpoint)
    async with AsyncTestClient(app=_app(settings, database, gone)) as client:
        down = await client.get(url, headers=world.headers("referent"))
        assert down.status_code == 503, down.text
        assert down.json()["type"].endswith("/store-unavailable")
        assert "stockage" in down.json()["detail"]
        link = await client.get(url.replace("/content", "/url"), headers=world.headers("referent"))
        assert link.status_code == 200  # signing is local: the link is made, the store answers the download
