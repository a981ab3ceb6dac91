"""The S3 server stops in the middle of an upload or a download; a worker is killed between object and row;
the sweep.

Both against the real service (uvicorn, two workers) whose S3 traffic goes through a :class:`Proxy` to the
session's SeaweedFS server (a bucket of the test's own), so "S3 stops" is exact and the bucket can be
inspected afterwards.

Proves: the upload that loses S3 half-way fails cleanly with **503 problem details** and leaves no row; a
download that loses S3 half-way is cut short (never passed off as complete) and works again afterwards;
no row ever points to a missing object; a worker killed after the object is stored but before its row
is committed leaves an orphan object, and ``sweep_orphans`` removes it (and nothing else); the service
serves again once S3 is back / the supervisor has replaced the worker.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from coordination import clock
from coordination.db.engine import Database
from coordination.dossier.models import DocumentVersion
from coordination.dossier.services.documents import sweep_orphans
from coordination.settings import Settings
from coordination.storage.s3 import S3Store
from tests.faults.conftest import LiveServer, Proxy, migrated_sqlite, service_env
from tests.fixtures.s3 import S3Server
from tests.integration.hardening.conftest import PDF, seed_world

MiB = 1024 * 1024


@pytest.fixture
def s3_behind_proxy(s3_server):
    proxy = Proxy(s3_server.port)
    try:
        yield s3_server, proxy
    finally:
        proxy.close()


async def _prepare(tmp_path, template: Path, server: S3Server, proxy: Proxy, **extra):
    var = tmp_path / "var"
    url = migrated_sqlite(template, var / "faults.sqlite3")
    bucket = server.new_bucket()
    s3 = {
        "s3_endpoint": f"127.0.0.1:{proxy.port}",
        "s3_access_key": server.access_key,
        "s3_secret_key": server.secret_key,
        "s3_bucket": bucket,
        "s3_secure": False,
        "s3_region": server.region,
    }
    settings = Settings(env="test", var_dir=var, database_url=url, **s3, **extra)
    db = Database(url)
    world = await seed_world(db, settings)
    await db.dispose()
    env = service_env(var, url, **{k: ("false" if v is False else v) for k, v in {**s3, **extra}.items()})
    direct = S3Store(server.client(), bucket, endpoint=server.endpoint)
    return world, env, url, direct


async def _rows(url: str) -> dict[str, str]:
    db = Database(url)
    try:
        async with db.sessionmaker() as s:
            rows = (await s.execute(select(DocumentVersion.object_key, DocumentVersion.purged_at))).all()
        return {r.object_key: r.purged_at for r in rows}
    finally:
        await db.dispose()


async def _objects(store: S3Store) -> set[str]:
    return {key async for key in store.list_keys("persons/")}


async def _sweep(url: str, store: S3Store) -> list[str]:
    db = Database(url)
    try:
        async with db.sessionmaker() as s:
            return await sweep_orphans(s, store, now=clock.now() + timedelta(hours=2))
    finally:
        await db.dispose()


def _pdf_body(size: int) -> bytes:
    return PDF + b"%" + b"0" * (size - len(PDF) - 1)


class HeldVerdicts:
    """A unix-socket relay to the real clamd that holds each INSTREAM verdict ``seconds`` before passing
    it on, as a clamd with a full signature database takes seconds to scan a large document (the tests'
    EICAR-only one answers at once). The document is scanned while it is stored, so this is the window
    between "object stored" and "row committed" that a killed worker leaves an orphan in."""

    def __init__(self, clamd: Path, path: Path, seconds: float) -> None:
        self.clamd, self.path, self.seconds = str(clamd), str(path), seconds
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass

    def _relay(self, client: socket.socket) -> None:
        with client, socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as upstream:
            try:
                upstream.connect(self.clamd)
                head = client.recv(65536)
                upstream.sendall(head)
                threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
                reply = b""
                while not reply.endswith(b"\0") and (data := upstream.recv(4096)):
                    reply += data
                if head.startswith(b"zINSTREAM"):
                    time.sleep(self.seconds)
                client.sendall(reply)
            except OSError:
                pass

    def close(self) -> None:
        self.listener.close()
        Path(self.path).unlink(missing_ok=True)


async def test_s3_stops_in_the_middle_of_an_upload(s3_behind_proxy, tmp_path, sqlite_template) -> None:
    server, proxy = s3_behind_proxy
    world, env, url, direct = await _prepare(tmp_path, sqlite_template, server, proxy)
    rows_before = await _rows(url)
    live = LiveServer(env, workers=1).start()
    try:
        body = _pdf_body(12 * MiB)

        async def slow_body():
            sent = 0
            while sent < len(body):
                yield body[sent : sent + MiB]
                sent += MiB
                if sent == 7 * MiB:  # the first 5 MiB part is on its way to S3: now S3 "stops"
                    await asyncio.sleep(1.0)
                    proxy.cut()

        async with httpx.AsyncClient(base_url=live.url, timeout=60) as client:
            # Over the limit without a Content-Length (chunked): refused while streaming, nothing kept.
            async def endless():
                yield PDF
                for _ in range(22):
                    yield b"0" * MiB

            over = await client.post(
                f"/api/v1/persons/{world.person_a}/documents",
                params={"filename": "trop.pdf"},
                content=endless(),
                headers=world.headers("referent"),
            )
            assert over.status_code == 413, over.text
            assert over.headers["content-type"].startswith("application/problem+json")
            try:
                response = await client.post(
                    f"/api/v1/persons/{world.person_a}/documents",
                    params={"filename": "gros.pdf", "category": "cv"},
                    content=slow_body(),
                    headers=world.headers("referent"),
                )
            except httpx.TransportError as exc:  # pragma: no cover - the answer is expected, not a reset
                pytest.fail(
                    f"the service dropped the connection instead of answering: {exc!r}\n{live.log()[-3000:]}"
                )
            assert response.status_code == 503, response.text + live.log()[-3000:]
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["type"].endswith("/store-unavailable")
            # While S3 is away the service still serves (readiness needs the database only), and the
            # separate dependency check says what is degraded, without the store's address.
            ready = await client.get("/health/ready")
            assert ready.status_code == 200, ready.text
            degraded = await client.get("/health/dependencies")
            assert degraded.status_code == 503
            assert degraded.json()["checks"]["document_store"] == "injoignable"
            assert str(proxy.port) not in degraded.text and str(proxy.port) not in response.text
            assert direct.bucket not in degraded.text and direct.bucket not in response.text  # item 9
            proxy.restore()
            # Back: a new upload works.
            again = await client.post(
                f"/api/v1/persons/{world.person_a}/documents",
                params={"filename": "petit.pdf", "category": "cv"},
                content=PDF,
                headers=world.headers("referent"),
            )
            assert again.status_code == 201, again.text
    finally:
        proxy.restore()
        live.stop()
    rows = await _rows(url)
    assert len(rows) == len(rows_before) + 1  # only the upload made after S3 came back
    objects = await _objects(direct)
    assert {k for k, purged in rows.items() if purged is None} <= objects, "a row points to a missing object"
    await _sweep(url, direct)
    assert await _objects(direct) == {k for k, purged in rows.items() if purged is None}


async def test_s3_stops_in_the_middle_of_a_download(s3_behind_proxy, tmp_path, sqlite_template) -> None:
    """The headers (200, Content-Length) are out when S3 goes away: the service cannot turn that into a
    problem, so it drops the connection and the client sees a short body, never one that looks complete.
    Once S3 is back the same document downloads whole (no broken S3 connection is reused)."""
    server, proxy = s3_behind_proxy
    size = 64 * MiB  # more than every buffer between S3 and the client can hold when the cut comes
    world, env, _url, _direct = await _prepare(
        tmp_path, sqlite_template, server, proxy, max_upload_bytes=size + MiB
    )
    live = LiveServer(env, workers=1).start()
    try:
        body = _pdf_body(size)
        async with httpx.AsyncClient(base_url=live.url, timeout=60) as client:
            upload = await client.post(
                f"/api/v1/persons/{world.person_a}/documents",
                params={"filename": "gros.pdf", "category": "cv"},
                content=body,
                headers=world.headers("referent"),
            )
            assert upload.status_code == 201, upload.text + live.log()[-3000:]
            content = f"/api/v1/persons/{world.person_a}/documents/{upload.json()['id']}/content"
            received = 0
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                async with client.stream("GET", content, headers=world.headers("referent")) as response:
                    assert response.status_code == 200
                    assert response.headers["content-length"] == str(size)
                    async for piece in response.aiter_raw():
                        received += len(piece)
                        if proxy.open.is_set():
                            proxy.cut()  # S3 "stops" after the first bytes reached the client
            assert 0 < received < size
            proxy.restore()
            again = await client.get(content, headers=world.headers("referent"))
            assert again.status_code == 200, again.text + live.log()[-3000:]
            assert again.content == body
    finally:
        proxy.restore()
        live.stop()


async def test_worker_killed_between_object_and_row_leaves_an_orphan_the_sweep_removes(
    s3_behind_proxy, tmp_path, sqlite_template, clamd_socket
) -> None:
    server, proxy = s3_behind_proxy
    slow_clamd = HeldVerdicts(clamd_socket, clamd_socket.with_name("held.sock"), seconds=3)
    world, env, url, direct = await _prepare(
        tmp_path, sqlite_template, server, proxy, clamd_socket=slow_clamd.path
    )
    rows_before = await _rows(url)
    objects_before = await _objects(direct)
    live = LiveServer(env, workers=2).start()
    try:
        body = _pdf_body(18 * MiB)  # stored, its verdict held back: the window we aim at
        async with httpx.AsyncClient(base_url=live.url, timeout=60) as client:
            upload = asyncio.create_task(
                client.post(
                    f"/api/v1/persons/{world.person_a}/documents",
                    params={"filename": "scan.pdf", "category": "cv"},
                    content=body,
                    headers=world.headers("referent"),
                )
            )
            deadline = time.monotonic() + 60
            while not (await _objects(direct)) - objects_before:
                assert not upload.done(), f"upload ended before the object appeared: {upload.result().text}"
                assert time.monotonic() < deadline
                await asyncio.sleep(0.01)
            killed = live.kill_workers()  # the object is stored; its row is not committed yet
            assert killed
            with pytest.raises(httpx.TransportError):
                await upload
            # The supervisor replaces the dead workers; the service answers again.
            deadline = time.monotonic() + 30
            while True:
                try:
                    if (await client.get("/health/live")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, live.log()[-2000:]
                await asyncio.sleep(0.2)
            listing = await client.get(
                f"/api/v1/persons/{world.person_a}/documents", headers=world.headers("referent")
            )
            assert listing.status_code == 200
    finally:
        live.stop()
        slow_clamd.close()
    rows = await _rows(url)
    assert rows == rows_before, "no row for the interrupted upload"
    orphans = (await _objects(direct)) - objects_before
    assert len(orphans) == 1, orphans
    removed = await _sweep(url, direct)
    assert set(removed) == orphans
    assert await _objects(direct) == objects_before
    # The sweep spares a young object (its upload may still be committing): the grace period holds.
    db = Database(url)
    try:
        async with db.sessionmaker() as s:
            assert int(await s.scalar(select(func.count()).select_from(DocumentVersion))) == len(rows_before)
    finally:
        await db.dispose()


async def test_worker_killed_mid_stream_leaves_nothing_after_the_sweep(tmp_path, sqlite_template) -> None:
    """Filesystem store: a worker killed while the body is still streaming leaves no row, and after the
    sweep no byte of the interrupted upload remains on disk (temporary files included). The server runs
    one process (``workers=1``, the worker itself): what is left behind is the killed process's, and
    nothing here waits for a supervisor to replace it (the test above does), so no second worker nor
    replacements are started for nothing."""
    var = tmp_path / "var"
    url = migrated_sqlite(sqlite_template, var / "faults.sqlite3")
    settings = Settings(env="test", var_dir=var, database_url=url, documents_dir=var / "documents")
    db = Database(url)
    world = await seed_world(db, settings)
    await db.dispose()
    rows_before = await _rows(url)
    live = LiveServer(service_env(var, url), workers=1).start()
    streaming = asyncio.Event()
    try:

        async def slow_body():
            yield PDF
            for _ in range(40):
                yield b"0" * (256 * 1024)
                streaming.set()
                await asyncio.sleep(0.1)

        async with httpx.AsyncClient(base_url=live.url, timeout=60) as client:
            upload = asyncio.create_task(
                client.post(
                    f"/api/v1/persons/{world.person_a}/documents",
                    params={"filename": "coupé.pdf", "category": "cv"},
                    content=slow_body(),
                    headers=world.headers("referent"),
                )
            )
            await streaming.wait()
            await asyncio.sleep(0.5)
            assert live.kill_workers()
            with pytest.raises(httpx.TransportError):
                await upload
    finally:
        live.stop()
    assert await _rows(url) == rows_before
    from coordination.storage.filesystem import FilesystemStore

    db = Database(url)
    try:
        async with db.sessionmaker() as s:
            await sweep_orphans(s, FilesystemStore(var / "documents"), now=clock.now() + timedelta(hours=2))
    finally:
        await db.dispose()
    on_disk = {
        p.relative_to(var / "documents").as_posix() for p in (var / "documents").rglob("*") if p.is_file()
    }
    live_keys = {k for k, purged in rows_before.items() if purged is None}
    assert on_disk == live_keys, f"left on disk after the sweep: {on_disk - live_keys}"
