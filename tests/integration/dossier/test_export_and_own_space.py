"""Right of access (JSON and PDF export), the person's own space, and the timeline filtered to the reader."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader

from coordination import clock
from tests.integration.dossier.conftest import beneficiary_token, build_rich_file

pytestmark = [
    pytest.mark.filterwarnings("ignore:Middleware .TokenAuthMiddleware. exclude pattern"),
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Deprecated 'query' parameter:DeprecationWarning"),
]

FILE_SECTIONS = {"identity", "project", "plan", "trajectory", "progress", "social", "health", "documents"}


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


@pytest.fixture
async def rich(client, database, world) -> dict:
    built = await build_rich_file(client, database, world)
    # One worker read, so the journal has someone else's access with a basis to explain.
    pid = built["person"]["id"]
    assert (
        await client.get(f"/api/v1/persons/{pid}/file", headers=world.headers("referent"))
    ).status_code == 200
    assert (
        await client.get(f"/api/v1/persons/{pid}/trajectory", headers=world.headers("cisp"))
    ).status_code == 200
    built["me"] = await beneficiary_token(database, world, pid)
    return built


async def test_export_json_holds_every_section_documents_consents_and_journal(client, rich, world) -> None:
    pid = rich["person"]["id"]
    response = await client.get("/api/v1/me/export", params={"format": "json"}, headers=bearer(rich["me"]))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert "mes-donnees.json" in response.headers["content-disposition"]
    data = response.json()
    assert data["person_id"] == pid
    assert set(data["sections"]) >= FILE_SECTIONS
    assert data["identity"]["niss"] == rich["person"]["niss"]
    assert data["project"]["content"]["metier_vise"] == "Soudeur"
    assert data["social"]["content"]["situation"].startswith("Isolé")
    assert data["health"]["content"]["constat"].startswith("Port de charges")
    assert data["plan"]["objectives"][0]["title"] == "Obtenir un certificat de soudure"
    assert len(data["plan"]["objectives"][0]["commitments"]) == 2
    assert data["trajectory"][0]["title"] == "Formation soudure semi-automatique"
    assert data["progress"]["entries"][0]["milestone"] == "Module 1 validé"
    assert data["progress"]["assessments"][0]["item_code"] == "confiance"
    assert [d["title"] for d in data["documents"]] == ["CV 2025"]
    assert data["documents"][0]["versions"][0]["sha256"]
    [consent] = data["consents"]
    assert consent["purpose"] == "Suivi de la formation"
    assert consent["recipient_organisation_id"] == str(world.orgs["cisp"].id)

    journal = data["access_journal"]
    assert journal, "the access journal is part of the export"
    for entry in journal:
        assert datetime.fromisoformat(entry["at"]) <= clock.now()
        assert entry["purpose"] and entry["sentence"]
    by_whom = {(e["user_id"], e["action"], e["decision"]) for e in journal}
    assert (str(world.users["referent"].id), "read", "allow") in by_whom
    partner_reads = [
        e for e in journal if e["user_id"] == str(world.users["cisp"].id) and e["action"] == "read"
    ]
    assert partner_reads and all(
        e["purpose"] == "Consentement : Suivi de la formation" for e in partner_reads
    )
    # The export itself is journaled, section by section, in the very journal it returns.
    exported = {e["section"] for e in journal if e["action"] == "export" and e["decision"] == "allow"}
    assert FILE_SECTIONS | {"consents", "journal"} <= exported


async def test_export_is_journaled_for_the_next_reader(client, rich, world) -> None:
    pid = rich["person"]["id"]
    export = await client.get(f"/api/v1/persons/{pid}/export", headers=world.headers("referent"))
    assert export.status_code == 200, export.text
    data = export.json()
    # A Forem referent exports what their mandate covers: never the CPAS social part nor health.
    assert "social" not in data and "health" not in data
    assert {"identity", "plan", "documents"} <= set(data["sections"])
    journal = await client.get(
        f"/api/v1/persons/{pid}/journal", params={"page_size": 500}, headers=bearer(rich["me"])
    )
    assert journal.status_code == 200
    referent_exports = [
        e
        for e in journal.json()["items"]
        if e["action"] == "export" and e["user_id"] == str(world.users["referent"].id)
    ]
    assert {e["section"] for e in referent_exports if e["decision"] == "allow"} >= {"identity", "plan"}
    assert {e["section"] for e in referent_exports if e["decision"] == "deny"} >= {"social", "health"}


async def test_partner_cannot_export_and_the_refusal_is_journaled(client, rich, world) -> None:
    pid = rich["person"]["id"]
    response = await client.get(f"/api/v1/persons/{pid}/export", headers=world.headers("cisp"))
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Vous ne pouvez exporter")
    journal = (
        await client.get(
            f"/api/v1/persons/{pid}/journal", params={"page_size": 500}, headers=bearer(rich["me"])
        )
    ).json()
    assert any(
        e["action"] == "export" and e["decision"] == "deny" and e["user_id"] == str(world.users["cisp"].id)
        for e in journal["items"]
    )


async def test_export_pdf_opens_and_is_french(client, rich) -> None:
    response = await client.get("/api/v1/me/export", params={"format": "pdf"}, headers=bearer(rich["me"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 1
    text = " ".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    for expected in (
        "Les données que nous détenons sur vous",
        "droit d'accès",
        "Identité",
        "Julie Martin",
        "Projet professionnel",
        "Situation sociale (CPAS)",
        "Plan d'action",
        "Obtenir un certificat de soudure",
        "Parcours",
        "Progression",
        "Documents",
        "CV 2025",
        "Vos consentements",
        "Suivi de la formation",
        "Journal des accès à votre dossier",
        "Consentement : Suivi de la formation",
    ):
        assert expected in flat, expected


async def test_unknown_export_format_is_a_400(client, rich) -> None:
    response = await client.get("/api/v1/me/export", params={"format": "docx"}, headers=bearer(rich["me"]))
    assert response.status_code == 400
    assert response.json()["detail"] == "Format d'export inconnu : json ou pdf."


async def test_own_space_file_plan_timeline_consents_and_journal(client, rich, world) -> None:
    pid = rich["person"]["id"]
    me = rich["me"]
    file = await client.get("/api/v1/me/file", headers=bearer(me))
    assert file.status_code == 200, file.text
    body = file.json()
    assert set(body["sections"]) >= FILE_SECTIONS
    assert body["social"]["content"] and body["health"]["content"]  # the person sees every part of their file
    plan = await client.get("/api/v1/me/plan", headers=bearer(me))
    assert plan.status_code == 200
    assert plan.json()["objectives"][0]["commitments"][0]["party_label"]
    timeline = (await client.get("/api/v1/me/timeline", headers=bearer(me))).json()
    assert {"identity", "plan", "trajectory", "progress", "social", "health", "documents"} <= {
        e["section"] for e in timeline
    }

    # Their consents: give one to the MIRE, see it, withdraw it; the MIRE's access follows at once.
    mire = world.orgs["mire"].id
    given = await client.post(
        f"/api/v1/persons/{pid}/consents",
        json={
            "recipient_organisation_id": str(mire),
            "sections": ["identity", "plan"],
            "purpose": "Recherche d'emploi accompagnée",
            "expires_at": (clock.now() + timedelta(days=90)).isoformat(),
        },
        headers=bearer(me),
    )
    assert given.status_code == 201, given.text
    consent = given.json()
    assert (await client.get(f"/api/v1/persons/{pid}/plan", headers=world.headers("mire"))).status_code == 200
    listed = (await client.get(f"/api/v1/persons/{pid}/consents", headers=bearer(me))).json()
    assert {c["purpose"] for c in listed} == {"Suivi de la formation", "Recherche d'emploi accompagnée"}
    withdrawn = await client.post(
        f"/api/v1/persons/{pid}/consents/{consent['id']}/withdraw", json={}, headers=bearer(me)
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert (await client.get(f"/api/v1/persons/{pid}/plan", headers=world.headers("mire"))).status_code == 403

    # Their access journal: who looked, when, on which basis, including the refusal just now.
    journal = await client.get(
        f"/api/v1/persons/{pid}/journal", params={"page_size": 500}, headers=bearer(me)
    )
    assert journal.status_code == 200
    items = journal.json()["items"]
    mire_user = str(world.users["mire"].id)
    assert [e["decision"] for e in items if e["user_id"] == mire_user] == ["deny", "allow"]  # newest first


async def test_own_space_is_only_ones_own(client, rich, world, database) -> None:
    no_file = await client.get("/api/v1/me/file", headers=world.headers("referent"))
    assert no_file.status_code == 404
    assert no_file.json()["detail"] == "Aucun dossier personnel n'est associé à votre compte."
    other = await build_rich_file(client, database, world, niss="90021500195", first_name="Paul")
    response = await client.get(f"/api/v1/persons/{other['person']['id']}/file", headers=bearer(rich["me"]))
    assert response.status_code == 403


async def test_timeline_shows_a_partner_only_its_consented_sections(client, rich, world) -> None:
    pid = rich["person"]["id"]
    everything = (await client.get(f"/api/v1/persons/{pid}/timeline", headers=bearer(rich["me"]))).json()[
        "items"
    ]
    assert {e["section"] for e in everything} >= {
        "identity",
        "project",
        "plan",
        "social",
        "health",
        "documents",
    }

    partner = await client.get(f"/api/v1/persons/{pid}/timeline", headers=world.headers("cisp"))
    assert partner.status_code == 200
    seen = {e["section"] for e in partner.json()["items"]}
    assert seen == {"identity", "trajectory", "progress", "health"}  # exactly the consented sections
    assert not any(
        "certificat de soudure" in e["summary"] for e in partner.json()["items"]
    )  # the plan's events

    referent = (
        await client.get(f"/api/v1/persons/{pid}/timeline", headers=world.headers("referent"))
    ).json()["items"]
    assert "social" not in {e["section"] for e in referent} and "health" not in {
        e["section"] for e in referent
    }

    stranger = await client.get(f"/api/v1/persons/{pid}/timeline", headers=world.headers("mire"))
    assert (
        stranger.status_code == 403
    )  # a refusal, journaled: never an empty list that looks like an empty file

    # Paging backwards by cursor: newest first, no overlap, nothing skipped.
    url, me = f"/api/v1/persons/{pid}/timeline", bearer(rich["me"])
    first = (await client.get(url, params={"page_size": 3}, headers=me)).json()
    assert len(first["items"]) == 3 and first["has_more"]
    assert [e["occurred_at"] for e in first["items"]] == sorted(
        (e["occurred_at"] for e in first["items"]), reverse=True
    )
    rest = (
        await client.get(url, params={"cursor": first["next_cursor"], "page_size": 500}, headers=me)
    ).json()
    assert rest["items"] and not {e["id"] for e in rest["items"]} & {e["id"] for e in first["items"]}
    assert len(first["items"]) + len(rest["items"]) == len(everything)
