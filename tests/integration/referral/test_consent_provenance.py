"""A referral's "recorded" consent follows the recording rules (docs/decisions/consent-provenance.md):
the signed form is uploaded in the same request, the recipient is the partner and never the recording
worker's own organisation, never health/social; refused requests write nothing (no referral, no consent,
no document, no object); a worker's withdrawal needs the signed request and a reason."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from coordination.access.models import Consent, ConsentEvent
from coordination.clock import today as brussels_today
from coordination.dossier.models import Document
from coordination.factories import AgreementFactory, ServiceFactory
from coordination.inbox.models import Notification
from coordination.referral.models import Referral
from tests.integration.referral.conftest import API, SIGNED_FORM, count_rows, send, send_recorded


def objects(settings) -> list[Path]:
    root = Path(settings.documents_dir)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def snapshot(database) -> tuple[int, ...]:
    return tuple(
        [await count_rows(database, m) for m in (Referral, Consent, ConsentEvent, Document, Notification)]
    )


async def _forem_service(database, w) -> str:
    """A service run by the referent's own organisation (the Forem), with an agreement in force."""
    today = brussels_today()
    service = ServiceFactory.build(
        organisation_id=w.orgs["forem"].id,
        name="Atelier recherche d'emploi",
        publics=["demandeurs d'emploi"],
        description="Atelier",
    )
    await w.add(
        service,
        AgreementFactory.build(
            reference="FOREM-1",
            title="Convention FOREM-1",
            organisation_id=w.orgs["forem"].id,
            funder_id=w.orgs["regulator"].id,
            start_date=today - timedelta(days=10),
            end_date=today + timedelta(days=300),
        ),
    )
    return str(service.id)


async def test_recorded_referral_consent_refusals_write_nothing(client, world, database, settings) -> None:
    w = world
    before = await snapshot(database)
    own = await _forem_service(database, w)
    w.services["forem"] = type("S", (), {"id": own})()
    cases = [
        (dict(), {}, 400, "consent-form-missing"),  # no file
        (dict(sections=["project", "health"]), SIGNED_FORM, 403, "consent-special-section"),
        (dict(sections=["social"]), SIGNED_FORM, 403, "consent-special-section"),
        (dict(service="forem"), SIGNED_FORM, 403, "consent-own-organisation"),
        (
            dict(
                consent={"mode": "record", "channel": "paper", "evidence_document_id": str(w.orgs["cisp"].id)}
            ),
            SIGNED_FORM,
            400,
            "consent-evidence-upload",
        ),
        (dict(consent={"mode": "request"}), SIGNED_FORM, 400, "consent-mode"),
    ]
    for extra, files, status, code in cases:
        r = await send_recorded(client, w, files=files or None, **extra)
        assert r.status_code == status, (extra, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"].endswith(code), (extra, r.text)
    # the JSON send cannot record either, with or without an id of a document
    r = await send(client, w, consent={"mode": "record", "channel": "paper"})
    assert r.status_code == 400 and r.json()["type"].endswith("consent-form-missing"), r.text
    assert await snapshot(database) == before
    assert objects(settings) == []


async def test_worker_records_the_agreement_then_withdraws_it_with_the_signed_request(
    client, world, database, settings
) -> None:
    w = world
    rid = (await send(client, w)).json()["id"]
    before = await snapshot(database)
    # the person may not use the recorded path; the worker needs the form
    r = await client.post(f"{API}/referrals/{rid}/consent/recorded", files=SIGNED_FORM, headers=w.h("person"))
    assert r.status_code == 400 and r.json()["type"].endswith("consent-self"), r.text
    r = await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=w.h("referent"))
    assert r.status_code == 403 and r.json()["type"].endswith("consent-form-required"), r.text
    assert await snapshot(database) == before and objects(settings) == []

    r = await client.post(
        f"{API}/referrals/{rid}/consent/recorded",
        data={"channel": "paper", "title": "Accord signé au guichet"},
        files=SIGNED_FORM,
        headers=w.h("referent"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["consent_state"] == "given"
    cid = r.json()["consent_id"]
    plan = await client.get(f"{API}/persons/{w.person_id}/plan", headers=w.h("cisp"))
    assert plan.status_code == 200, plan.text

    # withdrawal by the worker: JSON refused; the recorded one needs the file and a reason
    r = await client.post(f"{API}/referrals/{rid}/consent/withdraw", json={}, headers=w.h("referent"))
    assert r.status_code == 403 and r.json()["type"].endswith("consent-form-required"), r.text
    r = await client.post(
        f"{API}/referrals/{rid}/consent/withdraw/recorded", files=SIGNED_FORM, headers=w.h("referent")
    )
    assert r.status_code == 400 and r.json()["type"].endswith("withdrawal-reason"), r.text
    r = await client.post(
        f"{API}/referrals/{rid}/consent/withdraw/recorded",
        data={"reason": "Courrier signé de Julie"},
        headers=w.h("referent"),
    )
    assert r.status_code == 400 and r.json()["type"].endswith("consent-form-missing"), r.text
    assert (await client.get(f"{API}/persons/{w.person_id}/plan", headers=w.h("cisp"))).status_code == 200

    r = await client.post(
        f"{API}/referrals/{rid}/consent/withdraw/recorded",
        data={"reason": "Courrier signé de Julie"},
        files=SIGNED_FORM,
        headers=w.h("referent"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["consent_state"] == "withdrawn"
    assert (await client.get(f"{API}/persons/{w.person_id}/plan", headers=w.h("cisp"))).status_code == 403
    listed = (await client.get(f"{API}/persons/{w.person_id}/consents", headers=w.h("person"))).json()
    [consent] = [c for c in listed if c["id"] == cid]
    event = consent["history"][-1]
    assert event["kind"] == "withdrawn" and event["note"] == "Courrier signé de Julie"
    async with database.sessionmaker() as s:
        forms = [
            await s.get(Document, consent["evidence_document_id"]),
            await s.get(Document, event["evidence_document_id"]),
        ]
    assert all(f is not None and f.category == "consent_form" for f in forms)
    assert len(objects(settings)) == 2
