"""PostgreSQL restarted under concurrent writes, behind a two-worker uvicorn.

Writers create plan objectives (each with two commitments, one transaction) and upload small documents
in a loop while the test stops the database for two seconds and starts it again. Proves:

* while it is down, requests fail with **503 problem details** (``Retry-After``), never a 500 or a hang;
* the service recovers by itself (stale pooled connections are replaced) and writes succeed again;
* everything acknowledged (201) is there afterwards; no half-written objective (each has both of its
  commitments, or does not exist); every document row points to a stored object and no object is left
  without a row; the access journal's hash chains verify.
"""

from __future__ import annotations

import asyncio
import time
from uuid import UUID

import httpx
from sqlalchemy import func, select

from coordination.access.journal import verify_chain
from coordination.db.engine import Database
from coordination.db.migrate import upgrade
from coordination.dossier.models import DocumentVersion, PlanCommitment, PlanObjective
from coordination.settings import Settings
from tests.faults.conftest import LiveServer, service_env
from tests.integration.hardening.conftest import PDF, seed_world

WRITERS = 8
RUN_SECONDS = 9.0
OUTAGE_AT, OUTAGE_SECONDS = 2.5, 2.0


async def test_postgres_restart_under_concurrent_writes(pg_cluster, tmp_path) -> None:
    var = tmp_path / "var"
    await asyncio.to_thread(upgrade, pg_cluster.url)
    settings = Settings(env="test", var_dir=var, database_url=pg_cluster.url, documents_dir=var / "documents")
    db = Database(pg_cluster.url)
    world = await seed_world(db, settings)
    await db.dispose()
    server = LiveServer(service_env(var, pg_cluster.url), workers=2).start()
    acknowledged: list[str] = []
    uploaded: list[str] = []
    statuses: dict[int, int] = {}
    bad: list[str] = []
    during_outage_503 = 0
    outage = {"from": 0.0, "to": 0.0}
    try:
        started = time.monotonic()

        async def writer(n: int, client: httpx.AsyncClient) -> None:
            nonlocal during_outage_503
            i = 0
            base = f"/api/v1/persons/{world.person_a}"
            while time.monotonic() - started < RUN_SECONDS:
                i += 1
                try:
                    if i % 4 == 0:
                        response = await client.post(
                            f"{base}/documents",
                            params={"filename": f"w{n}-{i}.pdf", "category": "cv"},
                            content=PDF,
                            headers=world.headers("referent"),
                        )
                    else:
                        response = await client.post(
                            f"{base}/plan/objectives",
                            json={
                                "title": f"w{n}-{i}",
                                "commitments": [
                                    {"party": "person", "description": "Se présenter"},
                                    {
                                        "party": "forem",
                                        "organisation_id": str(world.orgs["forem"].id),
                                        "description": "Accompagner",
                                    },
                                ],
                            },
                            headers=world.headers("referent"),
                        )
                except httpx.TransportError as exc:  # the server itself must stay up
                    bad.append(f"transport error {type(exc).__name__}")
                    continue
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code == 201:
                    (uploaded if i % 4 == 0 else acknowledged).append(response.json()["id"])
                elif response.status_code == 503:
                    body = response.json()
                    assert response.headers["content-type"].startswith("application/problem+json")
                    assert body["status"] == 503 and body["detail"]
                    if outage["from"] and not outage["to"]:
                        during_outage_503 += 1
                    await asyncio.sleep(0.2)
                else:
                    bad.append(f"{response.status_code}: {response.text[:300]}")

        async def chaos() -> None:
            await asyncio.sleep(OUTAGE_AT)
            outage["from"] = time.monotonic()
            await asyncio.to_thread(pg_cluster.stop, "fast")
            await asyncio.sleep(OUTAGE_SECONDS)
            await asyncio.to_thread(pg_cluster.start)
            outage["to"] = time.monotonic()

        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            await asyncio.gather(chaos(), *(writer(n, client) for n in range(WRITERS)))
            # Recovered: a write after the restart succeeds.
            after = await client.post(
                f"/api/v1/persons/{world.person_a}/plan/objectives",
                json={"title": "après redémarrage"},
                headers=world.headers("referent"),
            )
            assert after.status_code == 201, after.text
            acknowledged.append(after.json()["id"])
    finally:
        server.stop()
    assert not bad, f"{statuses}: {bad[:10]}\n{server.log()[-3000:]}"
    assert statuses.get(503, 0) >= 1 and during_outage_503 >= 1, statuses
    assert statuses.get(201, 0) > 10, statuses

    db = Database(pg_cluster.url)
    try:
        async with db.sessionmaker() as s:
            ids = set((await s.scalars(select(PlanObjective.id))).all())
            missing = [a for a in acknowledged if UUID(a) not in ids]
            assert not missing, f"acknowledged objectives lost: {missing}"
            per_objective = dict(
                (
                    await s.execute(
                        select(PlanCommitment.objective_id, func.count()).group_by(
                            PlanCommitment.objective_id
                        )
                    )
                ).all()
            )
            titled = dict((await s.execute(select(PlanObjective.id, PlanObjective.title))).all())
            half = [t for oid, t in titled.items() if t.startswith("w") and per_objective.get(oid, 0) != 2]
            assert not half, f"half-written objectives: {half}"
            versions = (
                await s.execute(select(DocumentVersion.document_id, DocumentVersion.object_key))
            ).all()
            assert {UUID(u) for u in uploaded} <= {v.document_id for v in versions}
            report = await verify_chain(s)
            assert report.ok, report.problems
        stored = {
            p.relative_to(var / "documents").as_posix()
            for p in (var / "documents").rglob("*")
            if p.is_file() and not p.name.startswith(".")
        }
        keys = {v.object_key for v in versions}
        assert keys <= stored, f"rows pointing to missing objects: {keys - stored}"
        assert stored <= keys, f"objects without a row: {stored - keys}"
    finally:
        await db.dispose()
