"""The demo registry loads on an empty database and is readable through the API."""

from __future__ import annotations

from coordination.cadastre.demo import seed_cadastre_demo
from tests.integration.cadastre.conftest import direct_session


async def test_demo_registry(client, world, database):
    async with direct_session(database) as session:
        made = await seed_cadastre_demo(session)
        await session.commit()
    assert set(made) == {"organisations", "services", "agreements"}
    assert len(made["organisations"]) == 4 and len(made["agreements"]) == 4
    listed = (await client.get("/api/v1/cadastre/organisations", headers=world.regulator)).json()
    assert {o["partner_kind"] for o in listed} == {"cisp", "mire", "mentoring_association", "employer"}
    assert all(o["tax_id"] and not o["verification_stale"] for o in listed)
    services = (
        await client.get("/api/v1/cadastre/services", params={"bassin": "Charleroi"}, headers=world.regulator)
    ).json()
    assert len(services) == 3
