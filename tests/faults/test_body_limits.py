"""Issue 20, "Bad input": web form bodies are capped early and multipart bodies stream under an early cap,
including a body sent with chunked transfer encoding (no Content-Length). Proved by counting the bytes the
application pulls from the connection: a 200 MiB body is refused after at most the ceiling plus one chunk,
never read whole (into memory or a temporary file)."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import httpx
import pytest

from coordination.db.engine import Database
from coordination.directory.models import Role
from coordination.settings import Settings
from tests.faults.conftest import migrated_sqlite

CHUNK = 256 * 1024
TOTAL = 200 * 1024 * 1024


class CountingBody:
    """A chunked request body (an async iterator, so httpx announces no length) that counts what was
    pulled from it."""

    def __init__(self, head: bytes, total: int, filler: bytes = b"x") -> None:
        self.head, self.total, self.pulled = head, total, 0
        self.chunk = filler * CHUNK

    async def __aiter__(self):
        self.pulled += len(self.head)
        yield self.head
        while self.pulled < self.total:
            self.pulled += len(self.chunk)
            yield self.chunk


@pytest.fixture(scope="module")
def app_and_token(tmp_path_factory, sqlite_template):
    """One app for the module: every test sends a body it refuses, none changes anything, and building
    an app and its database per case cost a second or more each."""
    from types import SimpleNamespace

    from coordination.app import create_app

    folder = tmp_path_factory.mktemp("body-limits")
    url = migrated_sqlite(sqlite_template, folder / "db.sqlite3")
    settings = Settings(env="test", var_dir=folder / "var", database_url=url, documents_dir=folder / "docs")
    database = Database(url, pooled="per-loop")  # each test runs its own event loop
    app = create_app(settings, database=database)
    worker = SimpleNamespace(
        id=uuid4(), display_name="Rita", role=Role.FOREM_REFERENT, organisation_id=uuid4(), team=None,
        person_id=None, organisation_kind="forem",
    )  # fmt: skip
    yield app, settings, app.state.identity.dev_issuer.issue(worker)
    asyncio.run(database.dispose())


async def _post(app, path: str, body: CountingBody, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post(path, content=body, headers=headers)


@pytest.mark.parametrize(
    "path", ["/connexion", "/dossiers/{person}/documents", "/dossiers/{person}/documents/{person}/versions"]
)
async def test_a_chunked_multipart_body_is_refused_at_the_ceiling_not_read_whole(app_and_token, path):
    app, settings, token = app_and_token
    ceiling = settings.max_upload_bytes + settings.max_request_body_bytes
    head = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    )
    body = CountingBody(head, TOTAL)
    headers = {"content-type": "multipart/form-data; boundary=b"}
    if "dossiers" in path:  # signed in: the upload handlers parse the form
        headers["cookie"] = f"coordination_token={token}; coordination_csrf={'c' * 43}"
    answer = await _post(app, path.format(person=uuid4()), body, headers)
    assert "content-length" not in {k.lower() for k in headers}
    assert answer.status_code == 413, answer.text[:500]
    assert "dépasse la taille autorisée" in answer.text
    assert body.pulled <= ceiling + CHUNK + len(head), body.pulled
    assert body.pulled < TOTAL // 4


@pytest.mark.parametrize("path", ["/connexion", "/dossiers/{person}/documents/{person}/versions"])
async def test_a_chunked_url_encoded_form_is_refused_at_one_mebibyte(app_and_token, path):
    """Item 9: the web version-upload route (own ceiling: the document limit) read url-encoded bodies of
    any size into memory before any check."""
    app, settings, token = app_and_token
    body = CountingBody(b"title=", TOTAL, filler=b"a")
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if "dossiers" in path:
        headers["cookie"] = f"coordination_token={token}; coordination_csrf={'c' * 43}"
    answer = await _post(app, path.format(person=uuid4()), body, headers)
    assert answer.status_code == 413, answer.text[:500]
    assert body.pulled <= settings.max_request_body_bytes + CHUNK + 16, body.pulled
