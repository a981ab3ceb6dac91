"""Evaluation on the hand-built population of dataset.py, through the API, with hand-computed figures."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import delete

from coordination.directory.models import Role
from coordination.referent.models import Orientation
from tests.integration.cadastre import dataset
from tests.integration.cadastre.conftest import direct_session

URL = "/api/v1/cadastre/evaluation"


@pytest.fixture
async def planted(world, database):
    async with direct_session(database) as session:
        return await dataset.build(session)


def _row(table, key):
    return next(r for r in table if r["key"] == str(key))


async def test_figures_match_the_hand_computation(client, world, planted):
    response = await client.get(URL, params={"year": 2025}, headers=world.regulator)
    assert response.status_code == 200, response.text
    body = response.json()
    definition = body["positive_exit_definition"]
    assert definition["version"] == "2025-01/1" and "3 mois" in definition["label"]
    assert body["method"]["reference_rates"] == {"1": 0.7, "8": 0.25}

    overall = body["overall"]
    assert (overall["entries"], overall["ended"], overall["positive_exits"]) == (125, 120, 57)
    assert (overall["completed"], overall["dropped_out"]) == (114, 6)
    assert overall["funding_eur"] == "40000.00"

    a, b = _row(body["partners"], planted["a"]), _row(body["partners"], planted["b"])
    assert a["label"] == "CISP Tremplin" and a["positive_exit_definition"] == "2025-01/1"
    assert (a["entries"], a["completed"], a["positive_exits"], a["positive_rate"]) == (30, 30, 18, 0.6)
    # against the others only (leave-one-out): at score 1 that is C, 24/30 = 0.8 → E = 30 × 0.8 = 24
    assert a["expected_positive_exits"] == 24.0 and a["observed_expected_ratio"] == 0.75
    assert a["positive_rate_interval"] == [0.4232, 0.7541]  # Wilson 95 % for 18/30
    # log(0.75) ± 1.96 × √(Var O / O² + Var E / E²), Var O = 30 × 0.6 × 0.4 = 7.2,
    # Var E = 30² × r(1 − r) / 30 with r = (24 + ½) / (30 + 1) → [0.532, 1.058]
    assert a["ratio_interval"] == [0.532, 1.058]
    assert a["mean_days_to_exit"] == 30.0
    assert a["entrant_mix"] == {"0-3": 30, "4-6": 0, "7-9": 0, "unknown": 0}
    assert a["mean_proximity_score"] == 1.0
    assert a["progression"]["assessed_steps"] == 0  # no assessment at A (a zero identifies nobody)
    assert a["progression"]["mean_gain"] is None

    assert (b["completed"], b["dropped_out"], b["positive_exits"], b["positive_rate"]) == (24, 6, 12, 0.4)
    # at score 8 the others are C alone: 3/30 → E = 3, ratio 4 (1.6 when B was part of its own reference)
    assert b["expected_positive_exits"] == 3.0 and b["observed_expected_ratio"] == 4.0
    assert b["ratio_interval"] == [1.188, 13.472]  # Var O = 30 × 0.4 × 0.6, r = 3.5 / 31
    assert b["verdict"].startswith("Au-dessus")
    assert b["small_numbers"] is False
    assert b["progression"] == {
        "assessed_steps": 5,
        "improved_steps": 5,
        "mean_gain": 1.0,
        "improved_share": 1.0,
    }
    assert b["funding_eur"] == "40000.00" and b["cost_per_positive_exit_eur"] == "3333.33"
    assert b["mean_proximity_score"] == 8.0

    # planted: raw rates rank A first, the adjusted ratio ranks B first
    assert a["positive_rate"] > b["positive_rate"]
    assert b["observed_expected_ratio"] > a["observed_expected_ratio"]

    agreement = _row(body["agreements"], planted["agreement"])
    assert agreement["label"].startswith("AG-B") and agreement["cost_per_positive_exit_eur"] == "3333.33"
    periods = {r["key"]: r["entries"] for r in body["periods"]}
    assert periods == {"2025-T1": 120, "2025-T2": 5}
    bassins = {r["label"]: r["entries"] for r in body["bassins"]}
    assert bassins == {"Charleroi": 60, "Liège": 30, "Mons": 35}
    assert all(not r["suppressed"] for r in body["partners"])


async def test_small_partner_is_suppressed_with_its_complement(client, world, database):
    async with direct_session(database) as session:
        ids = await dataset.build(session, small_partner=True)
    body = (await client.get(URL, params={"year": 2025}, headers=world.regulator)).json()
    d = _row(body["partners"], ids["d"])
    assert d["entries"] is None and d["positive_exits"] is None and d["observed_expected_ratio"] is None
    hidden = [r for r in body["partners"] if r["entries"] is None]
    assert len(hidden) >= 2  # the total is published, so one more partner is hidden with it
    total = body["overall"]["entries"]
    shown = sum(r["entries"] for r in body["partners"] if r["entries"] is not None)
    assert total - shown > 3  # what is left cannot be pinned on the small partner alone
    # the small partner's quarter cell is hidden too, and the quarter row cannot give it away
    d_cells = [r for r in body["partner_periods"] if r["key"]["partner_id"] == str(ids["d"])]
    assert all(r["entries"] is None for r in d_cells)
    q1 = [r for r in body["partner_periods"] if r["key"]["period"] == "2025-T1"]
    assert sum(1 for r in q1 if r["entries"] is None) >= 2


async def test_only_regulators_and_keepers_and_no_person_in_the_answer(client, world, planted, database):
    manager = world.manager(planted["b"])
    assert (await client.get(URL, params={"year": 2025}, headers=manager)).status_code == 403
    referent = world.headers(Role.FOREM_REFERENT, world.forem)
    assert (await client.get(URL, params={"year": 2025}, headers=referent)).status_code == 403
    keeper = await client.get(URL, params={"year": 2025}, headers=world.keeper)
    assert keeper.status_code == 200
    text = json.dumps(keeper.json())
    for marker in ("Prénom", "Nom1", "niss", "person_id", "00000000001"):
        assert marker not in text
    assert (await client.get(f"{URL}/definition", headers=world.regulator)).json()["min_cell"] == 5


async def test_each_step_is_judged_with_the_score_at_its_start_not_todays(client, world, database):
    async with direct_session(database) as session:
        ids = await dataset.build(session)
    before = (await client.get(URL, params={"year": 2025}, headers=world.regulator)).json()
    # a later re-profiling: everyone B took in (far from work, score 8) is re-scored 0 after their step began
    async with direct_session(database) as session:
        later = [dataset.orientation(pid, 0, date(2025, 6, 1)) for pid in ids["people"][ids["b"]]]
        session.add_all(later)
        await session.commit()
    after = (await client.get(URL, params={"year": 2025}, headers=world.regulator)).json()
    b_before, b_after = _row(before["partners"], ids["b"]), _row(after["partners"], ids["b"])
    assert b_after["observed_expected_ratio"] == b_before["observed_expected_ratio"] == 4.0
    assert b_after["ratio_interval"] == b_before["ratio_interval"]
    assert b_after["entrant_mix"] == {"0-3": 0, "4-6": 0, "7-9": 30, "unknown": 0}

    # six of C's people have no orientation dated before their step: counted apart, out of the comparison
    async with direct_session(database) as session:
        gone = ids["people"][ids["c"]][:6]
        await session.execute(delete(Orientation).where(Orientation.person_id.in_(gone)))
        await session.commit()
    body = (await client.get(URL, params={"year": 2025}, headers=world.regulator)).json()
    c = _row(body["partners"], ids["c"])
    assert c["steps_without_score"] == 6 and body["overall"]["steps_without_score"] == 6
    assert c["entrant_mix"]["unknown"] == 6
    # C's first six people are score 1 (all six found work): its expected exits no longer count them
    assert c["expected_positive_exits"] < _row(before["partners"], ids["c"])["expected_positive_exits"]
