"""The demo seeds files the API then serves (through the gate)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coordination.directory.models import User
from coordination.dossier.demo import seed_dossier_demo
from coordination.keys import niss_hash_key
from coordination.storage.filesystem import FilesystemStore
from tests.fixtures.apps import app_for
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


async def test_coordination_demo_seeds_files_on_the_s3_store(
    world, database, settings, s3_store, built_apps
) -> None:
    """The call ``coordination demo`` makes: demo directory, a registry of partners, the configured store."""
    from litestar.testing import AsyncTestClient

    from coordination.access.identity import DevIssuer
    from coordination.demo.directory import seed_directory
    from coordination.directory.models import Organisation, OrganisationKind
    from coordination.dossier.demo import PEOPLE, seed_dossier_demo_from_directory

    async with direct(database)() as s:
        directory = await seed_directory(s)
        partners = [await s.get(Organisation, world.orgs[k].id) for k in ("cisp", "mire")]
        people = await seed_dossier_demo_from_directory(
            s,
            settings,
            directory,
            partners,
            store=s3_store,
        )
        await s.commit()
        sophie = directory.users["sophie"]
    assert len(people) == len(PEOPLE)
    sophie.organisation_kind = OrganisationKind.FOREM
    headers = {"Authorization": f"Bearer {DevIssuer.from_settings(settings).issue(sophie)}"}
    async with AsyncTestClient(
        app=app_for(built_apps, settings, database=database, store=s3_store)
    ) as client:
        listing = await client.get("/api/v1/persons", params={"page_size": 100}, headers=headers)
        assert listing.status_code == 200
        assert {p["last_name"] for p in listing.json()["items"]} == {p[1] for p in PEOPLE}
        for person in people:
            file = await client.get(f"/api/v1/persons/{person.id}/file", headers=headers)
            assert file.status_code == 200, file.text
            assert file.json()["plan"]["objectives"]
        body = (await client.get(f"/api/v1/persons/{people[0].id}/file", headers=headers)).json()
        assert {s["organisation_id"] for s in body["trajectory"]} & {str(p.id) for p in partners}
        doc = body["documents"][0]
        content = await client.get(
            f"/api/v1/persons/{people[0].id}/documents/{doc['id']}/content", headers=headers
        )
        assert content.status_code == 200 and content.content.startswith(b"%PDF-")
