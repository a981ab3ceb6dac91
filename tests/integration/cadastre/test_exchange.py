"""CSV import (line-by-line report, all or nothing), CSV export round trip, open data without personal data."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import func, select

from coordination.cadastre.models import Agreement, PartnerProfile, Service
from coordination.factories import PersonFactory
from tests.integration.cadastre.conftest import direct_session

API = "/api/v1/cadastre"

GOOD_ORGS = (
    "tax_id;name;partner_kind;bassin;description;website\n"
    "0403.170.701;CISP L'Envol;cisp;Charleroi;Préformations;https://envol.example\n"
    "0202239951;MIRE du Hainaut;mire;Mons;;\n"
)
BAD_ORGS = (
    "tax_id;name;partner_kind;bassin;description;website\n"
    "0403.170.701;CISP L'Envol;cisp;Charleroi;;\n"
    "0403170702;Numéro faux;cisp;Liège;;\n"
    "0200065765;;garage;Namur;;ftp://x\n"
    "0403170701;Doublon;mire;Mons;;\n"
)


async def _count(database, model) -> int:
    async with direct_session(database) as session:
        return await session.scalar(select(func.count()).select_from(model))


async def _post_csv(client, headers, resource: str, text: str):
    return await client.post(
        f"{API}/import/{resource}", content=text.encode(), headers={**headers, "Content-Type": "text/csv"}
    )


async def test_bad_file_is_rejected_with_a_line_by_line_report_and_nothing_written(client, world, database):
    response = await _post_csv(client, world.keeper, "organisations", BAD_ORGS)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"].endswith("import-rejected")
    assert "Rien n'a été enregistré" in body["detail"]
    by_line = {r["line"]: r for r in body["report"]}
    assert by_line[2]["ok"] is True
    assert [e["field"] for e in by_line[3]["errors"]] == ["tax_id"]
    assert {e["field"] for e in by_line[4]["errors"]} >= {"name", "partner_kind", "website"}
    assert "Doublon de la ligne 2" in by_line[5]["errors"][0]["message"]
    assert await _count(database, PartnerProfile) == 0  # the valid line 2 was not imported either


async def test_header_problems_and_permissions(client, world):
    response = await _post_csv(client, world.keeper, "organisations", "nom;type\nX;cisp\n")
    assert response.status_code == 422
    assert response.json()["report"][0]["line"] == 1
    assert (await _post_csv(client, world.regulator, "organisations", GOOD_ORGS)).status_code == 403
    assert (await _post_csv(client, world.keeper, "persons", GOOD_ORGS)).status_code == 404


async def test_good_files_import_then_export_round_trips(client, world, database):
    first = await _post_csv(client, world.keeper, "organisations", GOOD_ORGS)
    assert first.status_code == 200, first.text
    assert first.json()["imported"] is True
    assert [r["action"] for r in first.json()["report"]] == ["created", "created"]

    services = (
        "organization_tax_id,name,publics,service_areas,capacity,languages\n"
        "0403170701,Préformation logistique,NEET|bénéficiaires RIS,Charleroi|Thuin,12,fr\n"
        "0202239951,Jobcoaching,,Mons,8,fr|nl\n"
    )
    assert (await _post_csv(client, world.keeper, "services", services)).status_code == 200
    agreements = (
        "reference;title;organization_tax_id;funder;kind;start_date;end_date;funding_amount;target_entrants;territory\n"
        "AAP-25-01;Préformation;0403170701;Forem;call_for_projects;01/01/2025;31/12/2026;120.000,50;40;Charleroi\n"
        "CPAS-25-02;Art. 61;0202239951;CPAS de Charleroi;partnership;2025-03-01;2026-02-28;15000;10;Mons\n"
    )
    imported = await _post_csv(client, world.keeper, "agreements", agreements)
    assert imported.status_code == 200, imported.text
    async with direct_session(database) as session:
        amounts = dict((await session.execute(select(Agreement.reference, Agreement.funding_cents))).all())
    assert amounts == {"AAP-25-01": 12000050, "CPAS-25-02": 1500000}

    # a bad agreement file (unknown funder, inverted dates) writes nothing
    bad = agreements.replace("CPAS de Charleroi", "CPAS de Nulle-Part").replace("2026-02-28", "2024-02-28")
    bad = bad.replace("AAP-25-01", "AAP-25-09").replace("CPAS-25-02", "CPAS-25-09")
    rejected = await _post_csv(client, world.keeper, "agreements", bad)
    assert rejected.status_code == 422
    assert {e["field"] for e in rejected.json()["report"][1]["errors"]} == {"funder", "end_date"}
    assert await _count(database, Agreement) == 2

    exported = await client.get(f"{API}/export/services", headers=world.regulator)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.text.startswith("\ufeffNuméro BCE de l'organisation;Nom;")  # BOM, French headers
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert {r["Nom"] for r in rows} == {"Préformation logistique", "Jobcoaching"}
    comma = await client.get(f"{API}/export/services", params={"sep": ","}, headers=world.regulator)
    assert comma.text.startswith("\ufeffNuméro BCE de l'organisation,Nom,")
    assert (
        await client.get(f"{API}/export/services", params={"sep": "|"}, headers=world.regulator)
    ).status_code == 400
    # exported files import back unchanged (every line "updated", nothing duplicated)
    for resource in ("organisations", "services", "agreements"):
        text = (await client.get(f"{API}/export/{resource}", headers=world.keeper)).text
        again = await _post_csv(client, world.keeper, resource, text)
        assert again.status_code == 200, again.text
        assert {r["action"] for r in again.json()["report"]} == {"updated"}
    assert await _count(database, Service) == 2


async def test_exports_hold_no_personal_data(client, world, database):
    assert (await _post_csv(client, world.keeper, "organisations", GOOD_ORGS)).status_code == 200
    async with direct_session(database) as session:
        session.add(
            PersonFactory.build(
                niss="85073003328", first_name="Amélie", last_name="Verhaegen", bassin="Charleroi"
            )
        )
        await session.commit()
    org_id = (await client.get(f"{API}/organisations", headers=world.keeper)).json()[0]["id"]
    verified = await client.post(
        f"{API}/organisations/{org_id}/verification", headers={**world.keeper, "If-Match": "*"}
    )
    assert verified.status_code == 200
    verifier = verified.json()["assured_by"]

    data = await client.get(f"{API}/open-data", headers=world.regulator)
    assert data.status_code == 200
    body = data.json()
    assert body["hsds_version"] == "3.0"
    assert {o["name"] for o in body["organizations"]} == {"CISP L'Envol", "MIRE du Hainaut"}
    everything = json.dumps(body)
    for resource in ("organisations", "services", "agreements"):
        everything += (await client.get(f"{API}/export/{resource}", headers=world.regulator)).text
    for personal in ("Amélie", "Verhaegen", "85073003328", verifier, "assured_by"):
        assert personal not in everything
