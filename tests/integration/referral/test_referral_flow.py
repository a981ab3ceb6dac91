"""A referral end to end through the API: sent with the consent asked in the same step, the partner
sees only the card until the person agrees, then exactly the consented sections (403 on the others,
through the access gate), accepts, and a trajectory step exists at the partner. The same with a refusal,
with the withdrawal of the referral and with the withdrawal of the consent. The person sees every step
in their inbox and their access journal."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from uuid import UUID

from coordination.access.models import Consent
from coordination.clock import today as brussels_today
from coordination.dossier.models import Document, TrajectoryStep
from coordination.formatting import day_fr
from coordination.referral.models import Referral
from tests.integration.referral.conftest import API, NISS, count_rows, inbox, send, send_recorded

CONSENTED = ("plan", "trajectory", "sections/project")
NOT_CONSENTED = ("", "sections/social", "sections/health", "progress")


async def _status(client, w, path: str, who: str) -> int:
    response = await client.get(f"{API}/persons/{w.person_id}/{path}".rstrip("/"), headers=w.h(who))
    return response.status_code


async def _card(client, w, referral_id: str, who: str = "cisp") -> dict:
    response = await client.get(f"{API}/referrals/received/{referral_id}", headers=w.h(who))
    assert response.status_code == 200, response.text
    return response.json()


def _no_niss(items: list[dict]) -> None:
    text = json.dumps(items, ensure_ascii=False)
    assert NISS not in text
    assert not re.search(r"\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}", text)


async def test_sent_consented_accepted_step_created(client, world, database) -> None:
    w = world
    # the referent finds the services that fit Julie (Charleroi, French, agreement in force, places left)
    found = await client.get(f"{API}/persons/{w.person_id}/referral-services", headers=w.h("referent"))
    assert found.status_code == 200, found.text
    assert [s["service_name"] for s in found.json()] == ["Formation maçonnerie"]
    everything = await client.get(
        f"{API}/persons/{w.person_id}/referral-services",
        params={"all_services": "true"},
        headers=w.h("referent"),
    )
    why = {s["service_name"]: s["why_not"] for s in everything.json()}
    assert why["Formation carrelage"] == ["complet"]
    assert "pas de convention en cours" in why["Titres-services"]
    assert why["Job coaching Namur"] == ["hors du bassin de la personne"]

    # before anything: the partner sees nothing of the file
    for path in (*CONSENTED, *NOT_CONSENTED):
        assert await _status(client, w, path, "cisp") == 403, path

    sent = await send(client, w)
    assert sent.status_code == 201, sent.text
    referral = sent.json()
    rid = referral["id"]
    assert referral["status"] == "sent"
    assert referral["consent_state"] == "requested"
    assert referral["requested_sections"] == ["project", "plan", "trajectory"]
    assert date.fromisoformat(referral["deadline"]) > brussels_today()

    # the partner's card: service, reason category, first name, bassin; nothing else
    card = await _card(client, w, rid)
    assert card["person_first_name"] == "Julie"
    assert card["person_bassin"] == "Charleroi"
    assert card["reason_category"] == "training"
    assert card["service_name"] == "Formation maçonnerie"
    assert card["person_id"] is None and card["reason"] is None and card["consented_sections"] is None
    assert "Martin" not in json.dumps(card) and NISS not in json.dumps(card)
    listed = await client.get(f"{API}/referrals/received", headers=w.h("cisp"))
    assert [c["id"] for c in listed.json()] == [rid]
    assert "Martin" not in listed.text
    for path in (*CONSENTED, *NOT_CONSENTED):
        assert await _status(client, w, path, "cisp") == 403, path
    # the other partner does not even see the card
    assert (await client.get(f"{API}/referrals/received/{rid}", headers=w.h("mire"))).status_code == 404

    # no acceptance without the person's consent: nothing written in the file
    early = await client.post(
        f"{API}/referrals/{rid}/accept",
        json={"agreed_start_date": str(brussels_today())},
        headers=w.h("cisp"),
    )
    assert early.status_code == 409, early.text
    assert early.json()["type"].endswith("consent-pending")
    assert await count_rows(database, TrajectoryStep) == 0

    # the person is asked in their own space, and agrees
    mine = await client.get(f"{API}/me/referrals", headers=w.h("person"))
    assert mine.status_code == 200 and mine.json()[0]["consent_state"] == "requested"
    kinds = [n["kind"] for n in await inbox(client, w, "person")]
    assert "consent_requested" in kinds and "referral_sent" in kinds
    given = await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=w.h("person"))
    assert given.status_code == 200, given.text
    assert given.json()["consent_state"] == "given"

    # now the card opens, and the partner reads exactly the consented sections through the gate
    card = await _card(client, w, rid)
    assert card["consent_in_force"] is True
    assert card["person_id"] == w.person_id
    assert card["consented_sections"] == ["project", "plan", "trajectory"]
    assert "maçonnerie" in card["reason"]
    for path in CONSENTED:
        assert await _status(client, w, path, "cisp") == 200, path
    for path in NOT_CONSENTED:
        assert await _status(client, w, path, "cisp") == 403, path
    # another partner: still nothing
    for path in CONSENTED:
        assert await _status(client, w, path, "mire") == 403, path

    # only the addressee answers; nothing written by the other one
    other = await client.post(
        f"{API}/referrals/{rid}/accept",
        json={"agreed_start_date": str(brussels_today())},
        headers=w.h("mire"),
    )
    assert other.status_code == 403, other.text

    start = brussels_today() + timedelta(days=14)
    accepted = await client.post(
        f"{API}/referrals/{rid}/accept", json={"agreed_start_date": str(start)}, headers=w.h("cisp")
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    step_id = accepted.json()["trajectory_step_id"]
    again = await client.post(
        f"{API}/referrals/{rid}/refuse", json={"reason": "no_capacity"}, headers=w.h("cisp")
    )
    assert again.status_code == 409

    steps = (await client.get(f"{API}/persons/{w.person_id}/trajectory", headers=w.h("referent"))).json()
    [step] = steps
    assert step["id"] == step_id
    assert step["organisation_id"] == str(w.orgs["cisp"].id)
    assert step["service_id"] == w.sid("cisp")
    assert step["agreement_id"] == str(w.agreements["cisp"].id)
    assert step["start_date"] == str(start)
    assert step["kind"] == "training" and step["status"] == "planned"

    # status and history, for the referent and for the person
    full = (await client.get(f"{API}/referrals/{rid}", headers=w.h("referent"))).json()
    assert [h["event"] for h in full["history"]] == ["sent", "consent_requested", "consent_given", "accepted"]
    assert full["agreed_start_date"] == str(start)
    own = (await client.get(f"{API}/me/referrals/{rid}", headers=w.h("person"))).json()
    assert own["status"] == "accepted" and len(own["history"]) == 4

    # the person's inbox tells every step; the referent's tells the answer
    person_notes = await inbox(client, w, "person")
    assert {"referral_sent", "consent_requested", "referral_answered"} <= {n["kind"] for n in person_notes}
    answered = next(n for n in person_notes if n["kind"] == "referral_answered")
    assert (
        "CISP Les Ateliers du Pays Noir" in answered["title"]
        and f"Début prévu le {day_fr(start)}." in answered["body"]
    )
    referent_kinds = {n["kind"] for n in await inbox(client, w, "referent")}
    assert {"consent_given", "referral_answered"} <= referent_kinds
    partner_kinds = {n["kind"] for n in await inbox(client, w, "cisp")}
    assert {"referral_received", "consent_given"} <= partner_kinds
    for who in ("person", "referent", "cisp", "cisp_manager"):
        _no_niss(await inbox(client, w, who))

    # the person's journal shows the partner's refusals before consent and its reads after
    journal = await client.get(
        f"{API}/persons/{w.person_id}/journal", params={"page_size": 500}, headers=w.h("person")
    )
    assert journal.status_code == 200, journal.text
    partner_rows = [e for e in journal.json()["items"] if e["user_name"] == "Nadia Benali"]
    assert any(e["decision"] == "deny" and e["section"] == "plan" for e in partner_rows)
    assert any(
        e["decision"] == "allow" and e["section"] == "plan" and e["basis"] == "consent" for e in partner_rows
    )
    assert any(
        e["decision"] == "allow" and e["section"] == "trajectory" and e["action"] == "write"
        for e in partner_rows
    )
    assert not any(e["decision"] == "allow" and e["section"] in ("social", "health") for e in partner_rows)
    # and their timeline tells the referral's story in French
    timeline = await client.get(f"{API}/me/timeline", headers=w.h("person"))
    assert timeline.status_code == 200, timeline.text
    assert "Orientation vers « Formation maçonnerie »" in timeline.text


async def test_recorded_consent_then_refusal(client, world, database) -> None:
    """The referral's consent signed on paper: the form uploaded with the referral, in one request."""
    w = world
    sent = await send_recorded(client, w, consent={"mode": "record", "channel": "interview"})
    assert sent.status_code == 201, sent.text
    rid = sent.json()["id"]
    assert sent.json()["consent_state"] == "given"
    async with database.sessionmaker() as s:
        consent = await s.get(Consent, UUID(sent.json()["consent_id"]))
        form = await s.get(Document, consent.evidence_document_id)
        assert form is not None and form.category == "consent_form" and str(form.person_id) == w.person_id
        assert consent.recipient_organisation_id == w.orgs["cisp"].id and consent.channel.value == "interview"
    # the person is told that someone recorded a consent on their behalf, about that very consent
    notes = await inbox(client, w, "person")
    recorded = next(n for n in notes if n["kind"] == "consent_given")
    assert "Sophie Lambert" in recorded["body"]
    assert recorded["subject_id"] == sent.json()["consent_id"]
    assert await _status(client, w, "plan", "cisp") == 200

    bad = await client.post(f"{API}/referrals/{rid}/refuse", json={"reason": "other"}, headers=w.h("cisp"))
    assert bad.status_code == 400 and bad.json()["type"].endswith("refusal-text-required")
    unknown = await client.post(f"{API}/referrals/{rid}/refuse", json={"reason": "bof"}, headers=w.h("cisp"))
    assert unknown.status_code == 400
    wrong_org = await client.post(
        f"{API}/referrals/{rid}/refuse", json={"reason": "no_capacity"}, headers=w.h("mire")
    )
    assert wrong_org.status_code == 403
    refused = await client.post(
        f"{API}/referrals/{rid}/refuse",
        json={"reason": "no_capacity", "text": "Session complète jusqu'en mars."},
        headers=w.h("cisp_manager"),
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "refused" and refused.json()["refusal_reason"] == "no_capacity"
    assert refused.json()["consent_state"] == "ended"
    # the consent's purpose ended with the refusal: the partner is refused on its very next request
    for path in CONSENTED:
        assert await _status(client, w, path, "cisp") == 403, path
    assert await count_rows(database, TrajectoryStep) == 0
    late = await client.post(
        f"{API}/referrals/{rid}/accept",
        json={"agreed_start_date": str(brussels_today())},
        headers=w.h("cisp"),
    )
    assert late.status_code == 409

    full = (await client.get(f"{API}/referrals/{rid}", headers=w.h("referent"))).json()
    assert [h["event"] for h in full["history"]] == ["sent", "consent_given", "refused", "consent_ended"]
    assert full["refusal_reason_label"] == "Plus de place disponible"
    answered = [n for n in await inbox(client, w, "person") if n["kind"] == "referral_answered"]
    assert answered and "ne peut pas vous accueillir" in answered[0]["title"]
    assert "n'a plus accès à votre dossier" in answered[0]["body"]
    assert any(n["kind"] == "referral_answered" for n in await inbox(client, w, "referent"))


async def test_withdrawal_of_the_referral_by_the_person_and_by_the_referent(client, world, database) -> None:
    w = world
    rid = (await send(client, w)).json()["id"]
    assert (
        await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=w.h("person"))
    ).status_code == 200
    assert await _status(client, w, "plan", "cisp") == 200
    # a partner cannot withdraw; the person can, and the access given for it ends at once
    assert (
        await client.post(f"{API}/referrals/{rid}/withdraw", json={}, headers=w.h("cisp"))
    ).status_code == 403
    gone = await client.post(
        f"{API}/referrals/{rid}/withdraw", json={"reason": "J'ai trouvé un emploi."}, headers=w.h("person")
    )
    assert gone.status_code == 200, gone.text
    assert gone.json()["status"] == "withdrawn"
    assert gone.json()["consent_state"] == "withdrawn"
    for path in CONSENTED:
        assert await _status(client, w, path, "cisp") == 403, path
    late = await client.post(
        f"{API}/referrals/{rid}/accept",
        json={"agreed_start_date": str(brussels_today())},
        headers=w.h("cisp"),
    )
    assert late.status_code == 409
    assert (
        await client.post(f"{API}/referrals/{rid}/waiting-list", json={}, headers=w.h("cisp"))
    ).status_code == 409
    assert any(n["kind"] == "referral_withdrawn" for n in await inbox(client, w, "cisp"))
    assert any(n["kind"] == "referral_withdrawn" for n in await inbox(client, w, "referent"))

    # the referent withdraws another one (on the waiting list): the person is told
    rid2 = (await send(client, w)).json()["id"]
    waiting = await client.post(
        f"{API}/referrals/{rid2}/waiting-list", json={"note": "Session en janvier"}, headers=w.h("cisp")
    )
    assert waiting.status_code == 200 and waiting.json()["status"] == "waiting_list"
    out = await client.post(
        f"{API}/referrals/{rid2}/withdraw", json={"reason": "Autre piste"}, headers=w.h("referent")
    )
    assert out.status_code == 200 and out.json()["status"] == "withdrawn"
    person_notes = [n for n in await inbox(client, w, "person") if n["kind"] == "referral_withdrawn"]
    assert person_notes and "Sophie Lambert" in person_notes[0]["body"]
    history = [h["event"] for h in out.json()["history"]]
    assert history == ["sent", "consent_requested", "waiting_list", "withdrawn"]
    assert await count_rows(database, Referral, status="withdrawn") == 2


async def test_withdrawal_of_the_consent_takes_effect_at_once(client, world) -> None:
    w = world
    rid = (await send(client, w)).json()["id"]
    await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=w.h("person"))
    start = brussels_today() + timedelta(days=3)
    accepted = await client.post(
        f"{API}/referrals/{rid}/accept", json={"agreed_start_date": str(start)}, headers=w.h("cisp")
    )
    assert accepted.status_code == 200, accepted.text
    assert await _status(client, w, "trajectory", "cisp") == 200

    withdrawn = await client.post(f"{API}/referrals/{rid}/consent/withdraw", json={}, headers=w.h("person"))
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["consent_state"] == "withdrawn"
    assert withdrawn.json()["status"] == "accepted"  # the step stays; the access does not
    for path in CONSENTED:
        assert await _status(client, w, path, "cisp") == 403, path
    card = await _card(client, w, rid)
    assert card["consent_in_force"] is False and card["person_id"] is None
    assert any(n["kind"] == "consent_withdrawn" for n in await inbox(client, w, "cisp"))
    assert any(n["kind"] == "consent_withdrawn" for n in await inbox(client, w, "referent"))
    again = await client.post(f"{API}/referrals/{rid}/consent/withdraw", json={}, headers=w.h("person"))
    assert again.status_code == 409


async def test_consent_withdrawn_elsewhere_shows_on_the_referral(client, world) -> None:
    w = world
    referral = (await send(client, w)).json()
    rid = referral["id"]
    consent = (await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=w.h("person"))).json()
    consent_id = consent["consent_id"]
    # withdrawn through the access package's own route
    response = await client.post(
        f"{API}/persons/{w.person_id}/consents/{consent_id}/withdraw", json={}, headers=w.h("person")
    )
    assert response.status_code == 200, response.text
    full = (await client.get(f"{API}/referrals/{rid}", headers=w.h("referent"))).json()
    assert full["consent_state"] == "withdrawn"
    early = await client.post(
        f"{API}/referrals/{rid}/accept",
        json={"agreed_start_date": str(brussels_today())},
        headers=w.h("cisp"),
    )
    assert early.status_code == 409


async def test_the_person_declines(client, world) -> None:
    w = world
    rid = (await send(client, w)).json()["id"]
    assert (
        await client.post(f"{API}/referrals/{rid}/consent/decline", json={}, headers=w.h("referent"))
    ).status_code == 403
    declined = await client.post(
        f"{API}/referrals/{rid}/consent/decline",
        json={"note": "Je préfère en parler d'abord."},
        headers=w.h("person"),
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "withdrawn" and declined.json()["consent_state"] == "declined"
    assert await _status(client, w, "plan", "cisp") == 403
    assert any(n["kind"] == "referral_withdrawn" for n in await inbox(client, w, "cisp"))
