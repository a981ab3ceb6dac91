"""Issue 20 item 4 (readiness was backwards): with the antivirus down the service stays ready (it serves
files, consents and pages) while ``/health/dependencies`` and ``coordination_dependency_up`` say what is
degraded, without its address, and uploads are refused cleanly (503, nothing stored); with the database
down the service is not ready (it can serve nothing) and answers 503 with a neutral French message."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from coordination.db.engine import Database
from coordination.directory.models import OrganisationKind, Role
from coordination.dossier.models import Document
from coordination.settings import Settings
from tests.faults.conftest import migrated_sqlite
from tests.fixtures.world import World, make_world
from tests.integration.hardening.conftest import PDF

TOKEN = "jeton-de-collecte-readiness"


def dependency_up(text: str) -> dict[str, float]:
    return {
        s.labels["dependency"]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "coordination_dependency_up"
    }


async def _world(url: str, settings: Settings) -> World:
    """The shared world's Forem office with one referent (``rita``), on this database."""
    db = Database(url, pooled=False)
    try:
        return await make_world(
            db, settings, {"forem": ("Le Forem", OrganisationKind.FOREM)},
            {"rita": ("Rita", Role.FOREM_REFERENT, "forem")},
        )  # fmt: skip
    finally:
        await db.dispose()


async def test_antivirus_down_degrades_without_unreadying_and_database_down_unreadies(
    tmp_path: Path, sqlite_template: Path
):
    from coordination.app import create_app

    url = migrated_sqlite(sqlite_template, tmp_path / "db.sqlite3")
    missing_socket = tmp_path / "clamd-is-down.sock"
    settings = Settings(
        env="test", var_dir=tmp_path / "var", database_url=url, documents_dir=tmp_path / "docs",
        clamd_socket=str(missing_socket), metrics_token=TOKEN, metrics_dir=tmp_path / "metrics",
    )  # fmt: skip
    world = await _world(url, settings)
    app = create_app(settings)
    headers = world.headers("rita")
    async with AsyncTestClient(app=app) as client:
        ready = await client.get("/health/ready")
        assert ready.status_code == 200, ready.text
        degraded = await client.get("/health/dependencies")
        assert degraded.status_code == 503
        assert degraded.json()["checks"] == {"document_store": "ok", "antivirus": "injoignable"}
        assert (
            degraded.json()["detail"]
            == "Service dégradé (dépôt de documents refusé) : antivirus injoignable."
        )
        assert str(missing_socket) not in degraded.text and "clamd" not in degraded.text
        metrics = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert dependency_up(metrics.text)["antivirus"] == 0.0
        assert dependency_up(metrics.text)["document_store"] == 1.0

        person = await client.post(
            "/api/v1/persons",
            json={
                "niss": "85070100157",
                "first_name": "Julie",
                "last_name": "Martin",
                "forem_registered": True,
            },
            headers=headers,
        )
        assert person.status_code == 201, person.text
        upload = await client.post(
            f"/api/v1/persons/{person.json()['id']}/documents",
            params={"filename": "cv.pdf", "category": "cv"},
            content=PDF,
            headers=headers,
        )
        assert upload.status_code == 503, upload.text
        assert upload.json()["type"].endswith("/antivirus-unavailable")
        assert str(missing_socket) not in upload.text
        read = await client.get(f"/api/v1/persons/{person.json()['id']}", headers=headers)
        assert read.status_code == 200  # the file is still served
    db = Database(url, pooled=False)
    async with db.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Document)) == 0
    await db.dispose()

    gone = settings.replace(database_url=f"postgresql+asyncpg://nobody:x@127.0.0.1:{_closed_port()}/nothing")
    down = create_app(gone)
    async with AsyncTestClient(app=down) as client:
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"database": "injoignable"}
        assert "127.0.0.1" not in ready.text
        answer = await client.get("/api/v1/persons", headers=headers)
        assert answer.status_code == 503, answer.text
        assert answer.headers.get("retry-after")
        assert "127.0.0.1" not in answer.text and "nobody" not in answer.text
        metrics = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert dependency_up(metrics.text)["database"] == 0.0


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
