"""100 concurrent read-modify-write cycles on one action-plan objective, through the whole app.

Each writer reads the objective (ETag), then PATCHes it with ``If-Match``. Proves, on SQLite and
PostgreSQL: every PATCH is either applied (200) or refused as stale (412) — nothing else, no 5xx; the
final version counts exactly the applied ones and the text holds every applied contribution (no lost
update); the history has one entry per applied change; and the access journal holds exactly one row per
request that touched the file (200 gate decisions for 100 GET + 100 PATCH), its hash chain intact.
"""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient

from coordination.access.journal import verify_chain
from tests.integration.hardening.conftest import journal_rows, seed_world

pytestmark = [pytest.mark.filterwarnings("ignore:Middleware .TokenAuthMiddleware. exclude pattern")]

WRITERS = 100


async def test_hundred_concurrent_updates_one_journal_row_per_access(database, settings, app) -> None:
    world = await seed_world(database, settings, app)
    person = world.person_a
    url = f"/api/v1/persons/{person}/plan/objectives/{world.a_ids['objective']}"
    async with AsyncTestClient(app=app, timeout=120) as client:
        start = (await client.get(url, headers=world.headers("referent"))).json()
        rows_before = await journal_rows(database, person)
        go = asyncio.Event()

        async def writer(n: int) -> tuple[int, int]:
            await go.wait()
            current = await client.get(url, headers=world.headers("referent"))
            assert current.status_code == 200, current.text
            text = current.json()["description"] or ""
            response = await client.patch(
                url,
                json={"description": f"{text}[{n}]"},
                headers=world.headers("referent", **{"If-Match": current.headers["etag"]}),
            )
            return n, response.status_code

        tasks = [asyncio.create_task(writer(n)) for n in range(WRITERS)]
        go.set()
        results = await asyncio.gather(*tasks)
        final = await client.get(url, headers=world.headers("referent"))
        history = await client.get(
            f"/api/v1/persons/{person}/plan/history", headers=world.headers("referent")
        )

    statuses = sorted({status for _, status in results})
    assert set(statuses) <= {200, 412}, statuses
    applied = [n for n, status in results if status == 200]
    assert applied, "at least one writer wins"
    body = final.json()
    assert body["version"] == start["version"] + len(applied)
    for n in applied:
        assert f"[{n}]" in body["description"], f"applied update {n} was lost"
    assert body["description"].count("[") == len(applied)
    changes = [h for h in history.json() if h.get("objective_id") == world.a_ids["objective"]]
    assert len(changes) >= len(applied)
    # One journal row per access: 100 GET + 100 PATCH (applied or refused: the gate allowed them all).
    rows_after = await journal_rows(database, person)
    assert rows_after - rows_before == 2 * WRITERS + 2  # + the final read and the history read
    async with database.sessionmaker() as s:
        report = await verify_chain(s)
    assert report.ok, report.problems
