"""Documents on the S3 store (the session's loopback SeaweedFS server, a bucket per test): short-lived pre-signed URLs that download the right
bytes, downloads streamed through the app chunk by chunk, and clear problems when the store fails."""

from __future__ import annotations

import hashlib
import os
import time
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.to_thread
import pytest
import urllib3.exceptions
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from coordination import clock
from coordination.dossier.models import DocumentVersion
from coordination.storage.base import READ_CHUNK_SIZE, ObjectStream, StoreUnavailable
from coordination.storage.s3 import S3Store
from tests.fixtures.apps import app_for
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


@pytest.fixture
def make_app(built_apps, settings, database):
    """``make_app(store, **changes)``: the app for this test's settings (``changes`` applied) and
    ``store``, built once per settings shape in the run and rebound after (``tests/fixtures/apps.py``)."""

    def make(store, **changes):
        changed = settings.replace(**changes) if changes else settings
        return app_for(built_apps, changed, database=database, store=store)

    return make


@pytest.fixture
async def s3_client(make_app, s3_store):
    async with AsyncTestClient(app=make_app(s3_store)) as client:
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

    before = clock.now()
    response = await client.get(f"{base}/url", headers=world.headers("referent"))
    assert response.status_code == 200, response.text
    body = response.json()
    query = parse_qs(urlsplit(body["url"]).query)
    assert query["X-Amz-Expires"] == ["300"]  # 5 minutes (settings), never the client's 7 days
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(minutes=4) < expires_at <= clock.now() + timedelta(minutes=5)
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


async def test_presigned_lifetime_follows_settings_and_is_capped(world, database, make_app, s3_store) -> None:
    for minutes, expected in ((2, "120"), (600, "3600")):
        async with AsyncTestClient(app=make_app(s3_store, presigned_url_minutes=minutes)) as client:
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


async def test_download_streams_through_the_app(world, database, make_app, s3_store) -> None:
    store = RecordingStore(s3_store)
    body = PDF[:-6] + os.urandom(12 * 1024 * 1024 + 12345) + b"\n%%EOF\n"  # several S3 parts
    async with AsyncTestClient(app=make_app(store)) as client:
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
        assert len(store.pulled) > len(body) // READ_CHUNK_SIZE and max(store.pulled) <= READ_CHUNK_SIZE


async def test_store_failures_are_clear_problems(world, database, make_app, s3_store) -> None:
    async with AsyncTestClient(app=make_app(s3_store)) as client:
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
    async with AsyncTestClient(app=make_app(gone)) as client:
        down = await client.get(url, headers=world.headers("referent"))
        assert down.status_code == 503, down.text
        assert down.json()["type"].endswith("/store-unavailable")
        assert "stockage" in down.json()["detail"]
        link = await client.get(url.replace("/content", "/url"), headers=world.headers("referent"))
        assert link.status_code == 200  # signing is local: the link is made, the store answers the download


# --- downloads that end early: the S3 response is closed whatever happens -------------------------------


def spy_responses(store: S3Store, before_read=None) -> list:
    """Every S3 response the app opens, in order; ``before_read(response, n)`` runs (in the worker thread)
    before each of its reads, ``n`` counting from 1: to slow a read down or make it fail."""
    opened: list = []
    get_object = store.client.get_object

    def spied(*args, **kwargs):
        response = get_object(*args, **kwargs)
        opened.append(response)
        if before_read is not None:
            read, count = response.read, [0]

            def read_with_hook(*a, **k):
                count[0] += 1
                before_read(response, count[0])
                return read(*a, **k)

            response.read = read_with_hook
        return response

    store.client.get_object = spied
    return opened


async def asgi_get(
    app,
    path: str,
    headers: dict[str, str],
    sent: list[dict],
    *,
    leave_after_first_chunk: bool,
    send_delay=0.0,
) -> None:
    """One GET driven as a server drives the app, the messages it sends appended to ``sent``. ``receive``
    answers ``http.disconnect`` once the response is complete (as uvicorn does) or, with
    ``leave_after_first_chunk``, as soon as the first body chunk is out: the client has gone."""
    gone = anyio.Event()
    asked = False

    async def receive() -> dict:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)
        if message["type"] == "http.response.body":
            if message.get("more_body") is False or (leave_after_first_chunk and message.get("body")):
                gone.set()
            await anyio.sleep(send_delay)  # a slow client: the disconnect arrives while a chunk is sent

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)


def _body_messages(sent: list[dict]) -> list[dict]:
    return [m for m in sent if m["type"] == "http.response.body"]


async def _large_document(client, world) -> tuple[str, bytes]:
    body = PDF[:-6] + os.urandom(3 * READ_CHUNK_SIZE) + b"\n%%EOF\n"  # four reads from S3
    person = await create_person(client, world)
    doc = await _upload(client, world, person["id"], body, "gros.pdf")
    return f"/api/v1/persons/{person['id']}/documents/{doc['id']}/content", body


@pytest.mark.parametrize("where", ["sending", "reading"])
async def test_a_client_leaving_mid_download_closes_the_s3_response(
    world, database, make_app, s3_store, where
) -> None:
    """The client disconnects after the first chunk, while the app sends it (a slow client) or while it
    waits for the next read from S3 (a slow store): either way the S3 response is closed when the request
    ends, and the rest of the object is never read."""
    slow_reads = where == "reading"
    opened = spy_responses(s3_store, lambda _r, n: time.sleep(0.3) if slow_reads and n > 1 else None)
    app = make_app(s3_store)
    async with AsyncTestClient(app=app) as client:
        url, body = await _large_document(client, world)
        sent: list[dict] = []
        delay = 0 if slow_reads else 0.3
        await asgi_get(
            app, url, world.headers("referent"), sent, leave_after_first_chunk=True, send_delay=delay
        )
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    assert (b"content-length", str(len(body)).encode()) in sent[0]["headers"]
    chunks = _body_messages(sent)
    assert sum(len(m["body"]) for m in chunks) < len(body)
    assert not any(m.get("more_body") is False for m in chunks), "an incomplete body was ended as complete"
    assert len(opened) == 1 and opened[0].closed


async def test_a_complete_download_closes_the_s3_response(world, database, make_app, s3_store) -> None:
    opened = spy_responses(s3_store)
    app = make_app(s3_store)
    async with AsyncTestClient(app=app) as client:
        url, body = await _large_document(client, world)
        sent: list[dict] = []
        await asgi_get(app, url, world.headers("referent"), sent, leave_after_first_chunk=False)
    chunks = _body_messages(sent)
    assert b"".join(m["body"] for m in chunks) == body
    assert chunks[-1]["more_body"] is False
    assert len(opened) == 1 and opened[0].closed


def _causes(exc: BaseException):
    """``exc``, its causes and contexts, and the members of exception groups among them."""
    seen, todo = [], [exc]
    while todo:
        current = todo.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [current.__cause__, current.__context__, *getattr(current, "exceptions", ())]
    return seen


async def test_s3_failing_mid_download_aborts_the_response_and_closes_it(
    world, database, make_app, s3_store
) -> None:
    """As before: an S3 failure after the headers are sent cannot become a problem response, so the
    response is aborted (the server drops the connection; with its Content-Length the client sees a
    short body, never a complete one). And the S3 response is closed at once."""

    def fail_third_read(_response, n: int) -> None:
        if n == 3:
            raise urllib3.exceptions.ProtocolError("Connection broken: connection reset by peer")

    opened = spy_responses(s3_store, fail_third_read)
    app = make_app(s3_store)
    async with AsyncTestClient(app=app) as client:
        url, body = await _large_document(client, world)
        sent: list[dict] = []
        with pytest.raises(Exception) as raised:
            await asgi_get(app, url, world.headers("referent"), sent, leave_after_first_chunk=False)
    assert any(isinstance(e, StoreUnavailable) for e in _causes(raised.value)), raised.value
    assert sent[0]["status"] == 200  # the headers were out: only an aborted connection can tell the client
    chunks = _body_messages(sent)
    assert 0 < sum(len(m["body"]) for m in chunks) < len(body)
    assert not any(m.get("more_body") is False for m in chunks), "a short body was ended as complete"
    assert len(opened) == 1 and opened[0].closed
