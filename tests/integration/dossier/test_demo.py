"""The demo seeds files the API then serves (through the gate)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coordination.directory.models import User
from coordination.dossier.demo import seed_dossier_demo
from coordination.keys import niss_hash_key
from coordination.storage.filesystem import FilesystemStore
from tests.integration.dossier.conftest import direct

pytestmark = [
    pytest.mark.filterwarnings("ignore:Middleware .TokenAuthMiddleware. exclude pattern"),
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Deprecated 'query' parameter:DeprecationWarning"),
]


async def test_demo_people_are_readable_through_the_api(client, world, database, settings) -> None:
    async with direct(database)() as s:
        users = {k: await s.get(User, u.id) for k, u in world.users.items()}
        orgs = {k: await s.merge(o) for k, o in world.orgs.items()}
        people = await seed_dossier_demo(
            s,
            orgs,
            users,
            niss_key=niss_hash_key(settings),
            store=FilesystemStore(settings.effective_documents_dir),
        )
        await s.commit()
        assert len(people) >= 5
        assert (await s.scalars(select(User))).all()
    full = await client.get(f"/api/v1/persons/{people[0].id}/file", headers=world.headers("referent"))
    assert full.status_code == 200, full.text
    body = full.json()
    assert body["identity"]["last_name"] == "Martin"
    assert body["plan"]["objectives"][0]["commitments"]
    assert len(body["documents"]) == 2
    assert "social" not in body  # a Forem referent never sees the CPAS social part without consent
    doc = body["documents"][0]
    content = await client.get(
        f"/api/v1/persons/{people[0].id}/documents/{doc['id']}/content", headers=world.headers("referent")
    )
    assert content.status_code == 200 and content.content.startswith(b"%PDF-")
    listing = await client.get("/api/v1/persons", params={"name": "mar"}, headers=world.headers("referent"))
    assert listing.status_code == 200
    assert [p["last_name"] for p in listing.json()["items"]] == ["Martin"]
