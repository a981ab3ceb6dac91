"""Registry CRUD, ETag/If-Match, verification, role rules, agreement expiry and alerts."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from coordination.cadastre.models import Agreement
from coordination.cadastre.services import agreement_accepts_steps
from coordination.clock import today as today_brussels
from coordination.directory.models import Role
from tests.integration.cadastre.conftest import agreement_payload, direct_session, org_payload

API = "/api/v1/cadastre"


async def _create_org(client, world, **extra):
    response = await client.post(f"{API}/organisations", json=org_payload(**extra), headers=world.keeper)
    assert response.status_code == 201, response.text
    return response


async def test_keeper_creates_and_everyone_professional_reads(client, world):
    created = await _create_org(client, world, bce="BE 0403.170.701")
    body = created.json()
    assert body["tax_id"] == "0403170701"
    assert body["partner_kind_label"].startswith("Centre d'insertion")
    assert created.headers["etag"] == '"1"'
    assert body["assured_date"] is None and body["verification_stale"] is True

    listed = await client.get(f"{API}/organisations", headers=world.regulator)
    assert listed.status_code == 200
    assert [o["name"] for o in listed.json()] == ["CISP L'Envol"]

    beneficiary = world.headers(Role.BENEFICIARY, None, person_id=str(world.forem.id))
    assert (await client.get(f"{API}/organisations", headers=beneficiary)).status_code == 403
    assert (await client.get(f"{API}/organisations")).status_code == 401


async def test_bce_checked_and_unique(client, world):
    bad = await client.post(f"{API}/organisations", json=org_payload(bce="0403170702"), headers=world.keeper)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "tax_id"
    assert "modulo 97" in bad.json()["detail"]
    await _create_org(client, world)
    dup = await client.post(f"{API}/organisations", json=org_payload(name="Autre"), headers=world.keeper)
    assert dup.status_code == 409


async def test_regulator_and_other_partner_cannot_write(client, world):
    org = (await _create_org(client, world)).json()
    other = (await _create_org(client, world, name="MIRE Hainaut", bce="0202239951")).json()
    assert (
        await client.post(
            f"{API}/organisations", json=org_payload("X", "0200065765"), headers=world.regulator
        )
    ).status_code == 403
    patch = {"description": "Nouvelle description"}
    headers = {**world.manager(other["id"]), "If-Match": '"1"'}
    assert (
        await client.patch(f"{API}/organisations/{org['id']}", json=patch, headers=headers)
    ).status_code == 403
    headers = {**world.regulator, "If-Match": '"1"'}
    assert (
        await client.patch(f"{API}/organisations/{org['id']}", json=patch, headers=headers)
    ).status_code == 403


async def test_manager_edits_own_entry_with_if_match_and_verification_is_kept_apart(client, world):
    org = (await _create_org(client, world)).json()
    url = f"{API}/organisations/{org['id']}"
    manager = world.manager(org["id"])

    assert (await client.patch(url, json={"description": "x"}, headers=manager)).status_code == 428
    stale = await client.patch(url, json={"description": "x"}, headers={**manager, "If-Match": '"7"'})
    assert stale.status_code == 412

    verified = await client.post(f"{url}/verification", headers={**world.keeper, "If-Match": '"1"'})
    assert verified.status_code == 200, verified.text
    assert verified.json()["assured_date"] == today_brussels().isoformat()
    assert verified.json()["verification_stale"] is False
    etag = verified.headers["etag"]

    # verifying changes only the verification: not the entry's last update
    assert verified.json()["updated_at"] == org["updated_at"]
    assert verified.json()["verified_at"] > org["updated_at"]
    changed = await client.patch(
        url, json={"description": "Ateliers du lundi au jeudi"}, headers={**manager, "If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["description"] == "Ateliers du lundi au jeudi"
    assert changed.json()["assured_date"] == today_brussels().isoformat()  # not touched by an edit
    assert changed.headers["etag"] != etag
    # an edit on the very day of the verification is « modifié depuis la vérification » at once
    assert changed.json()["verification_stale"] is True
    assert changed.json()["updated_at"] > changed.json()["verified_at"]

    # the manager cannot verify their own entry
    assert (await client.post(f"{url}/verification", headers={**manager, "If-Match": "*"})).status_code == 403


async def test_services_crud_and_filters(client, world):
    org = (await _create_org(client, world)).json()
    manager = world.manager(org["id"])
    payload = {
        "name": "Préformation logistique",
        "description": "Cariste, magasinier",
        "publics": ["NEET", "bénéficiaires RIS"],
        "service_areas": ["Charleroi", "Mons"],
        "capacity": 12,
        "eligibility_description": "Demandeur d'emploi inscrit, 18 ans ou plus",
        "languages": ["fr"],
    }
    created = await client.post(f"{API}/organisations/{org['id']}/services", json=payload, headers=manager)
    assert created.status_code == 201, created.text
    service = created.json()
    assert service["organization_id"] == org["id"] and service["status"] == "active"
    dup = await client.post(f"{API}/organisations/{org['id']}/services", json=payload, headers=manager)
    assert dup.status_code == 409
    bad = await client.post(
        f"{API}/organisations/{org['id']}/services",
        json={**payload, "name": "B", "languages": ["français"]},
        headers=manager,
    )
    assert bad.status_code == 422
    not_a_count = await client.post(
        f"{API}/organisations/{org['id']}/services",
        json={**payload, "name": "C", "capacity": 12.5},
        headers=manager,
    )
    assert not_a_count.status_code in (400, 422), not_a_count.text  # was a 500 (found by the fuzz test)
    assert not_a_count.headers["content-type"].startswith("application/problem+json")

    found = await client.get(f"{API}/services", params={"bassin": "Mons"}, headers=world.regulator)
    assert [s["name"] for s in found.json()] == ["Préformation logistique"]
    assert (
        await client.get(f"{API}/services", params={"bassin": "Liège"}, headers=world.regulator)
    ).json() == []

    url = f"{API}/services/{service['id']}"
    updated = await client.patch(
        url, json={"capacity": 15}, headers={**manager, "If-Match": created.headers["etag"]}
    )
    assert updated.status_code == 200 and updated.json()["capacity"] == 15


async def test_agreements_alerts_expiry_and_steps(client, world, database):
    org = (await _create_org(client, world)).json()
    today = today_brussels()
    keeper = world.keeper
    running = await client.post(
        f"{API}/agreements",
        json=agreement_payload(
            org["id"],
            world.forem.id,
            start_date=str(today - timedelta(days=300)),
            end_date=str(today + timedelta(days=20)),
        ),
        headers=keeper,
    )
    assert running.status_code == 201, running.text
    assert running.json()["funding_amount"] == "120000.00"
    expired = await client.post(
        f"{API}/agreements",
        json=agreement_payload(
            org["id"],
            world.cpas.id,
            "PART-2024-7",
            kind="partnership",
            start_date="2024-01-01",
            end_date=str(today - timedelta(days=1)),
        ),
        headers=keeper,
    )
    assert expired.status_code == 201
    wrong_funder = await client.post(
        f"{API}/agreements", json=agreement_payload(org["id"], world.region.id, "X-1"), headers=keeper
    )
    assert wrong_funder.status_code == 422
    manager = world.manager(org["id"])
    assert (
        await client.post(
            f"{API}/agreements", json=agreement_payload(org["id"], world.forem.id, "X-2"), headers=manager
        )
    ).status_code == 403

    alerts = (await client.get(f"{API}/alerts", headers=world.regulator)).json()
    assert [a["reference"] for a in alerts] == ["AAP-2025-001"]
    assert alerts[0]["level"] == "urgent" and alerts[0]["days_left"] == 20

    listed = {
        a["reference"]: a for a in (await client.get(f"{API}/agreements", headers=world.regulator)).json()
    }
    # expiry is computed on read; no GET writes it (the daily task closes it)
    async with direct_session(database) as session:
        stored = await session.get(Agreement, UUID(expired.json()["id"]))
        assert (stored.status, stored.version) == ("active", 1)
    active = await client.get(f"{API}/agreements", params={"status": "active"}, headers=world.regulator)
    assert [a["reference"] for a in active.json()] == ["AAP-2025-001"]
    closed = await client.get(f"{API}/agreements", params={"status": "closed"}, headers=world.regulator)
    assert [a["reference"] for a in closed.json()] == ["PART-2024-7"]
    assert listed["PART-2024-7"]["status"] == "closed"
    assert listed["PART-2024-7"]["closed_reason"] == "expired"
    assert listed["PART-2024-7"]["accepts_new_steps"] is False
    assert listed["AAP-2025-001"]["accepts_new_steps"] is True

    async with direct_session(database) as session:
        running_id, expired_id = running.json()["id"], expired.json()["id"]
        assert await agreement_accepts_steps(session, UUID(running_id), today) is True
        assert await agreement_accepts_steps(session, UUID(running_id), today + timedelta(days=60)) is False
        assert await agreement_accepts_steps(session, UUID(expired_id), date(2024, 6, 1)) is False

    # an early termination closes it too
    current = await client.get(f"{API}/agreements/{running_id}", headers=keeper)
    terminated = await client.patch(
        f"{API}/agreements/{running_id}",
        json={"terminate": True},
        headers={**keeper, "If-Match": current.headers["etag"]},
    )
    assert terminated.status_code == 200
    assert terminated.json()["status"] == "closed" and terminated.json()["closed_reason"] == "terminated"
