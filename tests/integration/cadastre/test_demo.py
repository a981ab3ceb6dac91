"""The demo registry loads on an empty database and is readable through the API."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from coordination.cadastre.demo import seed_cadastre_demo
from coordination.cadastre.policy import load_policy
from tests.integration.cadastre.conftest import direct_session

POLICY = load_policy(Path(__file__).resolve().parents[3] / "policies")


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


@pytest.mark.parametrize("today", [date(2026, 12, 6), date(2027, 1, 2)], ids=["december", "second-day"])
async def test_demo_gives_the_regulator_figures_in_the_current_year(world, database, today):
    from coordination.cadastre.demo import seed_evaluation_demo
    from coordination.cadastre.evaluation import evaluate, latest_year_with_figures

    async with direct_session(database) as session:
        made = await seed_cadastre_demo(session)
        await session.flush()
        count = await seed_evaluation_demo(session, made["organisations"], today, b"test-key")
        await session.commit()  # on PostgreSQL the evaluation reads on its own connections
        assert await latest_year_with_figures(session, POLICY, today) == today.year
        figures = await evaluate(session, today.year, POLICY, as_of=today)
    assert count == 113
    by_name = {row["label"]: row for row in figures["partners"]}
    shown = [row for row in figures["partners"] if row["ratio_interval"] is not None]
    assert len(shown) >= 2, [(r["label"], r["entries"]) for r in figures["partners"]]
    assert all(row["positive_rate_interval"] for row in shown)
    assert by_name["Boulangerie artisanale de la Sambre"]["entries"] is None  # legitimately masked
    assert by_name["CISP L'Envol"]["entries"] == 40
