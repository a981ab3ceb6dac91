"""Bad input: a clear 4xx in French, and nothing written."""

from __future__ import annotations

from uuid import uuid4

from coordination.access.models import Consent
from coordination.inbox.models import Notification
from coordination.referral.models import Referral, ReferralHistory
from tests.integration.referral.conftest import API, count_rows, send


async def _nothing_written(database) -> None:
    assert await count_rows(database, Referral) == 0
    assert await count_rows(database, ReferralHistory) == 0
    # the only notification is the person's, about the Forem registration asserted with her file
    assert await count_rows(database, Notification, kind="mandate_asserted") == await count_rows(
        database, Notification
    )
    assert await count_rows(database, Consent) == 0


async def test_refused_referrals_write_nothing(client, world, database) -> None:
    w = world
    cases = [
        (dict(service="closed"), 409, "agreement-closed"),
        (dict(service="cisp_full"), 409, "service-full"),
        (dict(service="mire_namur"), 400, "outside-bassin"),
        (dict(reason_category="astrologie"), 400, "unknown-reason-category"),
        (dict(sections=["secrets"]), 400, "unknown-section"),
        (dict(consent={"mode": "record", "channel": "paper"}), 400, "consent-form-missing"),
        (
            dict(consent={"mode": "record", "channel": "paper", "evidence_document_id": str(uuid4())}),
            400,
            "consent-evidence-upload",
        ),
        (dict(consent={"mode": "request", "expires_at": "2020-01-01T00:00:00+00:00"}), 400, "consent-expiry"),
        (dict(who="cisp"), 403, "access-denied"),  # the gate refuses first (and journals it)
        (dict(who="person"), 403, "access-denied"),
    ]
    for extra, status, code in cases:
        response = await send(client, w, **extra)
        assert response.status_code == status, (extra, response.text)
        body = response.json()
        assert body["type"].endswith(code), (extra, body)
        assert body["detail"]
    unknown = await client.post(
        f"{API}/persons/{w.person_id}/referrals",
        json={
            "service_id": "0190d6a8-2f1e-7cc2-8f0e-1d2b3c4d5e6f",
            "reason_category": "training",
            "reason": "x",
        },
        headers=w.h("referent"),
    )
    assert unknown.status_code == 404
    malformed = await client.post(
        f"{API}/persons/{w.person_id}/referrals", json={"service_id": "nope"}, headers=w.h("referent")
    )
    assert malformed.status_code == 400
    await _nothing_written(database)


async def test_outside_bassin_with_a_reason_is_accepted(client, world) -> None:
    response = await send(
        client, world, service="mire_namur", outside_bassin_reason="Julie déménage à Namur le mois prochain."
    )
    assert response.status_code == 201, response.text
    assert response.json()["outside_bassin_reason"].startswith("Julie déménage")


async def test_a_cpas_without_mandate_cannot_refer(client, world, database) -> None:
    # the CPAS does not pay Julie's RIS and is not her referent: the gate says no (and journals it)
    response = await send(client, world, who="cpas")
    assert response.status_code == 403
    assert response.json()["type"].endswith("access-denied")
    assert await count_rows(database, Referral) == 0


async def test_answers_out_of_place(client, world, database) -> None:
    w = world
    rid = (await send(client, w)).json()["id"]
    # the person cannot answer in the partner's place; the referent cannot either
    for who in ("person", "referent", "mire"):
        r = await client.post(
            f"{API}/referrals/{rid}/refuse", json={"reason": "no_capacity"}, headers=w.h(who)
        )
        assert r.status_code == 403, who
    # a worker cannot record the person's consent without evidence: the JSON path is hers alone, and the
    # recorded path needs the signed form itself (an id of an existing document is refused)
    r = await client.post(
        f"{API}/referrals/{rid}/consent", json={"channel": "paper"}, headers=w.h("referent")
    )
    assert r.status_code == 403 and r.json()["type"].endswith("consent-form-required"), r.text
    r = await client.post(
        f"{API}/referrals/{rid}/consent/recorded", data={"channel": "paper"}, headers=w.h("referent")
    )
    assert r.status_code == 400 and r.json()["type"].endswith("consent-form-missing"), r.text
    r = await client.post(
        f"{API}/referrals/{rid}/consent/recorded",
        data={"channel": "paper", "evidence_document_id": str(uuid4())},
        files={"file": ("formulaire.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        headers=w.h("referent"),
    )
    assert r.status_code == 400 and r.json()["type"].endswith("consent-evidence-upload"), r.text
    # after withdrawal, no answer is possible
    await client.post(f"{API}/referrals/{rid}/withdraw", json={}, headers=w.h("referent"))
    before = await count_rows(database, ReferralHistory)
    for path, body in (
        ("refuse", {"reason": "no_capacity"}),
        ("waiting-list", {}),
        ("accept", {"agreed_start_date": "2030-01-07"}),
    ):
        r = await client.post(f"{API}/referrals/{rid}/{path}", json=body, headers=w.h("cisp"))
        assert r.status_code == 409, (path, r.text)
    r = await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=w.h("person"))
    assert r.status_code == 409
    assert await count_rows(database, ReferralHistory) == before
    # the partner's inbox and the person's space are closed to the wrong people
    assert (await client.get(f"{API}/referrals/received", headers=w.h("person"))).status_code == 403
    assert (await client.get(f"{API}/referrals/received", headers=w.h("referent"))).status_code == 403
    assert (await client.get(f"{API}/me/referrals", headers=w.h("referent"))).status_code == 403
    # another partner cannot read the referral from the file side either
    assert (await client.get(f"{API}/referrals/{rid}", headers=w.h("mire"))).status_code == 403


async def test_accept_needs_a_sensible_start_date(client, world) -> None:
    w = world
    rid = (await send(client, w)).json()["id"]
    await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=w.h("person"))
    past = await client.post(
        f"{API}/referrals/{rid}/accept", json={"agreed_start_date": "2020-01-06"}, headers=w.h("cisp")
    )
    assert past.status_code == 400
    beyond = await client.post(
        f"{API}/referrals/{rid}/accept", json={"agreed_start_date": "2099-01-05"}, headers=w.h("cisp")
    )
    assert beyond.status_code == 409 and beyond.json()["type"].endswith("agreement-closed")
