"""Consent provenance (issue #15, points 1 and 2): a consent is the person's act.

A worker records only what the person signed on paper, the signed form uploaded in the same request;
never to their own organisation, never health/social (those: the person, or the DPO from the form);
a withdrawal by a worker needs the signed request and a reason. The person is told at once, and can
withdraw in one click. Bad input writes nothing: no consent, no event, no document row, no object.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

from sqlalchemy import func, select

from coordination import clock
from coordination.access.gate import check_access
from coordination.access.models import Consent, ConsentEvent
from coordination.directory.models import OrganisationKind, Role
from coordination.dossier.models import Document, DocumentVersion
from coordination.inbox.models import Notification
from tests.fixtures.world import make_world
from tests.integration.access import seed

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _until(days: int = 90) -> str:
    return (clock.now() + timedelta(days=days)).isoformat()


async def world(database, settings):
    """The shared world (``tests.fixtures.world``) with this file's subjects."""
    w = await make_world(
        database, settings,
        {"forem": ("Forem Charleroi", OrganisationKind.FOREM),
         "partner": ("CISP Les Ateliers", OrganisationKind.PARTNER),
         "cpas": ("CPAS de Charleroi", OrganisationKind.CPAS)},
        {"marie": ("Forem Referent", Role.FOREM_REFERENT, "forem"), "dpo-forem": ("Dpo", Role.DPO, "forem")},
        subject_prefix="", bassin=None,
    )  # fmt: skip
    person = await w.add_person(registered_at="forem", ris_at="cpas")
    me = await w.add_beneficiary(person.id, key="lea", display_name="Beneficiary", subject="lea")
    return {
        "person": person.id,
        "forem": w.orgs["forem"].id,
        "partner": w.orgs["partner"].id,
        "cpas": w.orgs["cpas"].id,
        "me": me,
        "referent": w.users["marie"],
        "dpo": w.users["dpo-forem"],
    }


def headers(issuer, w, who: str) -> dict[str, str]:
    u = w[who]
    kind = None if who == "me" else OrganisationKind.FOREM.value
    return auth(issuer.issue(u, org_kind=kind))


def fields(recipient, sections=("plan", "progress"), **extra) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {
        "recipient_organisation_id": str(recipient),
        "purpose": "Suivi de la formation",
        "expires_at": _until(),
        "channel": "paper",
        "sections": list(sections),
    }
    out.update({k: str(v) for k, v in extra.items()})
    return out


FORM = {"file": ("formulaire-signe.pdf", PDF, "application/pdf")}


async def counts(database) -> dict[str, int]:
    async with database.sessionmaker() as s:
        return {
            "consents": await s.scalar(select(func.count()).select_from(Consent)),
            "events": await s.scalar(select(func.count()).select_from(ConsentEvent)),
            "documents": await s.scalar(select(func.count()).select_from(Document)),
            "versions": await s.scalar(select(func.count()).select_from(DocumentVersion)),
        }


def objects(settings) -> list[Path]:
    root = Path(settings.documents_dir)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def gate_allows(database, w, section: str) -> bool:
    principal = seed.principal_of(w["referent"], None)
    principal = type(principal)(
        user_id=principal.user_id,
        display_name=principal.display_name,
        role=principal.role,
        organisation_id=w["forem"],
        organisation_kind=OrganisationKind.FOREM,
    )
    async with database.sessionmaker() as s:
        decision = await check_access(
            s,
            principal,
            person_id=w["person"],
            section=section,
            action="read",
            request_id="t",
            raise_on_deny=False,
        )
        await s.commit()
    return decision.allowed


async def test_point_1_forem_referent_cannot_grant_forem_social_and_health(
    client, database, issuer, settings
):
    """Issue #15 point 1: a Forem referent named Forem as recipient of social and health with a random
    UUID as evidence, and the next read of the social section was allowed. Now refused, nothing written."""
    w = await world(database, settings)
    url = f"/api/v1/persons/{w['person']}/consents"
    forged = {
        "recipient_organisation_id": str(w["forem"]),
        "sections": ["social", "health"],
        "purpose": "Accompagnement",
        "expires_at": _until(),
        "channel": "paper",
        "evidence_document_id": str(uuid4()),
    }
    before = await counts(database)
    r = await client.post(url, json=forged, headers=headers(issuer, w, "referent"))
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("consent-form-required")
    assert "formulaire signé" in r.json()["detail"]
    # the multipart path refuses the same facts, whatever evidence is offered
    for data, code in (
        (fields(w["forem"], ("social", "health")), "consent-own-organisation"),
        (fields(w["forem"], ("plan",)), "consent-own-organisation"),
        (fields(w["partner"], ("social",)), "consent-special-section"),
        (fields(w["partner"], ("health", "plan")), "consent-special-section"),
    ):
        r = await client.post(
            f"{url}/recorded", data=data, files=FORM, headers=headers(issuer, w, "referent")
        )
        assert r.status_code == 403, (data, r.text)
        assert r.json()["type"].endswith(code), r.text
    assert await counts(database) == before
    assert objects(settings) == []
    assert not await gate_allows(database, w, "social")
    assert not await gate_allows(database, w, "health")


async def test_point_2_worker_cannot_withdraw_without_signed_request_and_reason(
    client, database, issuer, settings
):
    """Issue #15 point 2: a worker withdrew the person's consent as "paper" with no evidence and no
    reason. Now the JSON withdrawal is hers alone, and the recorded one needs the file and a reason."""
    w = await world(database, settings)
    me, ref = headers(issuer, w, "me"), headers(issuer, w, "referent")
    url = f"/api/v1/persons/{w['person']}/consents"
    given = await client.post(
        url,
        json={
            "recipient_organisation_id": str(w["partner"]),
            "sections": ["plan"],
            "purpose": "Formation",
            "expires_at": _until(),
        },
        headers=me,
    )
    assert given.status_code == 201, given.text
    cid = given.json()["id"]
    before = await counts(database)
    r = await client.post(f"{url}/{cid}/withdraw", json={"channel": "paper"}, headers=ref)
    assert r.status_code == 403 and r.json()["type"].endswith("consent-form-required"), r.text
    r = await client.post(f"{url}/{cid}/withdraw", headers=ref)
    assert r.status_code == 403, r.text
    # recorded withdrawal: no file, no reason, an evidence id instead of the file
    r = await client.post(f"{url}/{cid}/withdraw/recorded", data={"reason": "Demande écrite"}, headers=ref)
    assert r.status_code == 400 and r.json()["type"].endswith("consent-form-missing"), r.text
    r = await client.post(f"{url}/{cid}/withdraw/recorded", data={"reason": ""}, files=FORM, headers=ref)
    assert r.status_code == 400 and r.json()["type"].endswith("withdrawal-reason"), r.text
    assert "motif" in r.json()["detail"]
    r = await client.post(
        f"{url}/{cid}/withdraw/recorded",
        data={"reason": "Demande écrite", "evidence_document_id": str(uuid4())},
        files=FORM,
        headers=ref,
    )
    assert r.status_code == 400 and r.json()["type"].endswith("consent-evidence-upload"), r.text
    assert await counts(database) == before
    assert objects(settings) == []
    listed = (await client.get(url, headers=me)).json()
    assert listed[0]["status"] == "active"

    # with the signed request and a reason: withdrawn, evidence filed, the person told with the reason
    r = await client.post(
        f"{url}/{cid}/withdraw/recorded",
        data={"reason": "Lettre de la personne du 3 mars"},
        files={"file": ("demande-retrait.pdf", PDF, "application/pdf")},
        headers=ref,
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "withdrawn"
    withdrawn = out["history"][-1]
    assert withdrawn["kind"] == "withdrawn" and withdrawn["note"] == "Lettre de la personne du 3 mars"
    async with database.sessionmaker() as s:
        doc = await s.get(Document, withdrawn["evidence_document_id"])
        assert doc is not None and doc.category == "consent_form" and doc.person_id == w["person"]
        note = (await s.scalars(select(Notification).where(Notification.kind == "consent_withdrawn"))).one()
        assert note.recipient_person_id == w["person"] and "Lettre de la personne" in note.body_fr
    assert len(objects(settings)) == 1


async def test_worker_records_paper_consent_to_a_partner_with_the_form(client, database, issuer, settings):
    w = await world(database, settings)
    url = f"/api/v1/persons/{w['person']}/consents"
    r = await client.post(
        f"{url}/recorded",
        data=fields(w["partner"], ("plan", "progress"), title="Formulaire RGPD signé le 2 mars"),
        files=FORM,
        headers=headers(issuer, w, "referent"),
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["channel"] == "paper" and out["status"] == "active"
    assert out["recipient_organisation_id"] == str(w["partner"])
    async with database.sessionmaker() as s:
        doc = await s.get(Document, out["evidence_document_id"])
        assert doc is not None
        assert (doc.category, doc.person_id, doc.title) == (
            "consent_form",
            w["person"],
            "Formulaire RGPD signé le 2 mars",
        )
        [version] = (
            await s.scalars(select(DocumentVersion).where(DocumentVersion.document_id == doc.id))
        ).all()
        assert version.filename == "formulaire-signe.pdf" and version.size == len(PDF)
        notes = (
            await s.scalars(select(Notification).where(Notification.recipient_person_id == w["person"]))
        ).all()
    # told at once, one notice about the consent (not a second one about the document)
    assert [(n.kind, str(n.subject_id)) for n in notes] == [("consent_given", out["id"])]
    assert "retirez-le en un clic" in notes[0].body_fr
    assert len(objects(settings)) == 1
    # renewal by the worker: the same rules, the signed form in the same step
    r2 = await client.post(
        f"{url}/{out['id']}/renew/recorded",
        data={"expires_at": _until(300), "channel": "paper"},
        files=FORM,
        headers=headers(issuer, w, "referent"),
    )
    assert r2.status_code == 201, r2.text
    assert (
        r2.json()["renews_id"] == out["id"]
        and r2.json()["evidence_document_id"] != out["evidence_document_id"]
    )
    statuses = {
        c["id"]: c["status"] for c in (await client.get(url, headers=headers(issuer, w, "me"))).json()
    }
    assert statuses == {out["id"]: "renewed", r2.json()["id"]: "active"}
    # a JSON renewal by the worker is refused
    r3 = await client.post(
        f"{url}/{r2.json()['id']}/renew",
        json={"expires_at": _until(200)},
        headers=headers(issuer, w, "referent"),
    )
    assert r3.status_code == 403 and r3.json()["type"].endswith("consent-form-required")


async def test_dpo_records_health_consent_but_never_for_own_organisation(client, database, issuer, settings):
    w = await world(database, settings)
    url = f"/api/v1/persons/{w['person']}/consents"
    dpo = headers(issuer, w, "dpo")
    before = await counts(database)
    r = await client.post(f"{url}/recorded", data=fields(w["forem"], ("health",)), files=FORM, headers=dpo)
    assert r.status_code == 403 and r.json()["type"].endswith("consent-own-organisation"), r.text
    assert await counts(database) == before and objects(settings) == []
    r = await client.post(
        f"{url}/recorded", data=fields(w["partner"], ("health", "social")), files=FORM, headers=dpo
    )
    assert r.status_code == 201, r.text
    assert set(r.json()["sections"]) == {"health", "social"}
    async with database.sessionmaker() as s:
        doc = await s.get(Document, r.json()["evidence_document_id"])
        assert doc.category == "consent_form"


async def test_person_gives_health_consent_herself(client, database, issuer, settings):
    w = await world(database, settings)
    url = f"/api/v1/persons/{w['person']}/consents"
    body = {
        "recipient_organisation_id": str(w["partner"]),
        "sections": ["health"],
        "purpose": "Aménagement de ma formation",
        "expires_at": _until(),
    }
    r = await client.post(url, json=body, headers=headers(issuer, w, "me"))
    assert r.status_code == 201, r.text
    assert r.json()["channel"] == "self" and r.json()["sections"] == ["health"]
    # she never attaches an id of a document as evidence either
    r = await client.post(
        url, json={**body, "evidence_document_id": str(uuid4())}, headers=headers(issuer, w, "me")
    )
    assert r.status_code == 400 and r.json()["type"].endswith("consent-evidence-upload")


async def test_recording_bad_input_writes_nothing(client, database, issuer, settings):
    w = await world(database, settings)
    url = f"/api/v1/persons/{w['person']}/consents/recorded"
    ref = headers(issuer, w, "referent")
    # an existing document of the file (a CV) offered as evidence
    async with database.sessionmaker() as s:
        cv = Document(
            person_id=w["person"],
            title="CV",
            category="cv",
            section="documents",
            retention_rule="support",
            retain_until=date(2031, 1, 1),
            created_by=w["referent"].id,
            current_version=1,
        )
        s.add(cv)
        await s.commit()
        cv_id = cv.id
    before = await counts(database)
    cases = [
        ({"data": fields(w["partner"])}, 400, "consent-form-missing"),
        ({"data": fields(w["partner"], evidence_document_id=cv_id)}, 400, "consent-evidence-upload"),
        (
            {"data": fields(w["partner"], evidence_document_id=cv_id), "files": FORM},
            400,
            "consent-evidence-upload",
        ),
        (
            {"data": fields(w["partner"], evidence_document_id=uuid4()), "files": FORM},
            400,
            "consent-evidence-upload",
        ),
        ({"data": fields(uuid4()), "files": FORM}, 400, "unknown-organisation"),
        ({"data": fields(w["forem"]), "files": FORM}, 403, "consent-own-organisation"),
        ({"data": fields(w["partner"], ("health",)), "files": FORM}, 403, "consent-special-section"),
        ({"data": fields(w["partner"], ()), "files": FORM}, 400, "bad-request"),
        ({"data": fields(w["partner"], expires_at="demain"), "files": FORM}, 400, "consent-expiry"),
        ({"data": fields(w["partner"], channel="self"), "files": FORM}, 400, "consent-channel"),
        (
            {
                "data": fields(w["partner"]),
                "files": {"file": ("formulaire.pdf", b"MZ\x90\x00binary", "application/pdf")},
            },
            415,
            "unsupported-document-type",
        ),
    ]
    for kwargs, status, code in cases:
        r = await client.post(url, headers=ref, **kwargs)
        assert r.status_code == status, (kwargs.get("data"), r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"].endswith(code), r.text
        assert r.json()["detail"]
    # JSON instead of the form
    r = await client.post(url, json={"recipient_organisation_id": str(w["partner"])}, headers=ref)
    assert r.status_code == 400 and r.json()["type"].endswith("consent-form-missing")
    assert await counts(database) == before
    assert objects(settings) == []


async def test_recorded_routes_refuse_who_may_not_write_consents(client, database, issuer, settings):
    w = await world(database, settings)
    async with database.sessionmaker() as s:
        partner_org = await s.get(seed.Organisation, w["partner"])
        operator = seed.user(s, Role.PARTNER_OPERATOR, partner_org, subject="karim")
        await s.commit()
    op = auth(issuer.issue(operator, org_kind="partner"))
    r = await client.post(
        f"/api/v1/persons/{w['person']}/consents/recorded", data=fields(w["cpas"]), files=FORM, headers=op
    )
    assert r.status_code == 403 and r.json()["type"].endswith("access-denied"), r.text
    assert objects(settings) == []


async def test_a_form_over_the_document_limit_is_refused_before_it_is_stored(
    client, database, issuer, settings
):
    w = await world(database, settings)
    before = await counts(database)
    big = PDF + b"0" * (settings.max_upload_bytes + 2 * 1024 * 1024)
    r = await client.post(
        f"/api/v1/persons/{w['person']}/consents/recorded",
        data=fields(w["partner"]),
        files={"file": ("formulaire.pdf", big, "application/pdf")},
        headers=headers(issuer, w, "referent"),
    )
    assert r.status_code == 413, r.text[:300]
    assert r.headers["content-type"].startswith("application/problem+json")
    assert await counts(database) == before and objects(settings) == []
