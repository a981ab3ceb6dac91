"""ClamAV's daemon goes down while the service runs: uploads are refused, nothing is stored as clean.

A clamd of the test's own (EICAR-only database) is up for a first upload (``clean``), then stopped:
the next uploads — a new document and a new version — get **503 problem details**
(``antivirus-unavailable``), no version row is added, no object is left in the store, and every version
row that exists says ``clean``. The daemon is then killed *during* the scan of a large upload: the
answer is a 503 (or a 201 whose scan did finish, recorded ``clean``), never an unscanned document.
"""

from __future__ import annotations

import threading

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from coordination.dossier.models import DocumentVersion
from tests.fixtures.clamav import start_clamd, stop_clamd
from tests.integration.hardening.conftest import PDF, app_for, seed_world

pytestmark = [pytest.mark.filterwarnings("ignore:Middleware .TokenAuthMiddleware. exclude pattern")]


async def _versions(database) -> list[DocumentVersion]:
    await database.engine.dispose()
    async with database.sessionmaker() as s:
        rows = list((await s.scalars(select(DocumentVersion))).all())
    await database.engine.dispose()
    return rows


def _files(settings) -> set:
    root = settings.effective_documents_dir
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


async def test_clamd_down_refuses_uploads_and_stores_nothing(
    database, settings, tmp_path, built_apps
) -> None:
    proc, sock = start_clamd(tmp_path / "clamd")
    settings = settings.replace(clamd_socket=str(sock))
    try:
        app = app_for(database, settings, built_apps)
        world = await seed_world(database, settings, app)
        url = f"/api/v1/persons/{world.person_a}/documents"
        async with AsyncTestClient(app=app, timeout=120) as client:
            first = await client.post(
                url,
                params={"filename": "cv.pdf", "category": "cv"},
                content=PDF,
                headers=world.headers("referent"),
            )
            assert first.status_code == 201, first.text
            assert first.json()["versions"][0]["scan_status"] == "clean"
            versions, files = len(await _versions(database)), _files(settings)

            stop_clamd(proc)
            refused = await client.post(
                url,
                params={"filename": "cv2.pdf", "category": "cv"},
                content=PDF,
                headers=world.headers("referent"),
            )
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["type"].endswith("/antivirus-unavailable")
            new_version = await client.post(
                f"{url}/{first.json()['id']}/versions",
                params={"filename": "cv-v2.pdf"},
                content=PDF,
                headers=world.headers("referent", **{"If-Match": first.headers["etag"]}),
            )
            assert new_version.status_code == 503, new_version.text
            assert len(await _versions(database)) == versions
            assert _files(settings) == files

            # Killed in the middle of scanning a large upload.
            proc, sock = start_clamd(tmp_path / "clamd2")
            # the same app (its scanner is built on first use from the state's settings), given the new socket
            app2 = app_for(database, settings.replace(clamd_socket=str(sock)), built_apps)
            async with AsyncTestClient(app=app2, timeout=120) as client2:
                killer = threading.Timer(0.3, proc.kill)
                killer.start()
                big = PDF + b"%" + b"A" * (15 * 1024 * 1024)
                during = await client2.post(
                    url,
                    params={"filename": "gros.pdf", "category": "cv"},
                    content=big,
                    headers=world.headers("referent"),
                )
                killer.join()
                assert during.status_code in (201, 503), during.text
    finally:
        stop_clamd(proc)
    rows = await _versions(database)
    assert all(v.scan_status == "clean" for v in rows), [(v.filename, v.scan_status) for v in rows]
    assert len(rows) == versions + (1 if during.status_code == 201 else 0)
    stored = {p.relative_to(settings.effective_documents_dir).as_posix() for p in _files(settings)}
    assert stored == {v.object_key for v in rows}
