"""A consent given for a referral ends with the referral's purpose: refused (see test_referral_flow),
withdrawn by the referent, or expired without an answer. The access package records an ``ended`` event
(who and why; the history is kept and says it was not the person's withdrawal), and the partner is refused
on its very next request. Also: the dossier's count of open steps per service, used by the search."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

from coordination import clock
from coordination.clock import today as brussels_today
from coordination.dossier.services.trajectory import open_steps_by_service
from coordination.referral.calendar import load_calendar
from coordination.referral.models import Referral
from coordination.referral.rules import load_rules
from coordination.referral.tasks import run_deadlines
from tests.integration.referral.conftest import API, inbox, send

CONSENTED = ("plan", "trajectory", "sections/project")


async def _status(client, w, path: str, who: str = "cisp") -> int:
    response = await client.get(f"{API}/persons/{w.person_id}/{path}", headers=w.h(who))
    return response.status_code


async def _consented(client, w) -> tuple[str, str]:
    rid = (await send(client, w)).json()["id"]
    given = await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=w.h("person"))
    assert given.status_code == 200, given.text
    for path in CONSENTED:
        assert await _status(client, w, path) == 200, path
    return rid, given.json()["consent_id"]


async def _consent(client, w, consent_id: str) -> dict:
    listed = await client.get(f"{API}/persons/{w.person_id}/consents", headers=w.h("person"))
    assert listed.status_code == 200, listed.text
    return next(c for c in listed.json() if c["id"] == consent_id)


async def test_withdrawal_by_the_referent_ends_the_consent(client, world) -> None:
    w = world
    rid, consent_id = await _consented(client, w)
    out = await client.post(
        f"{API}/referrals/{rid}/withdraw", json={"reason": "Autre piste"}, headers=w.h("referent")
    )
    assert out.status_code == 200, out.text
    assert out.json()["status"] == "withdrawn" and out.json()["consent_state"] == "ended"
    for path in CONSENTED:
        assert await _status(client, w, path) == 403, path

    consent = await _consent(client, w, consent_id)
    assert consent["status"] == "ended"
    ended = [h for h in consent["history"] if h["kind"] == "ended"]
    assert len(ended) == 1
    assert ended[0]["by_user_id"] == str(w.users["referent"].id)
    assert "Sophie Lambert a retiré l'orientation" in ended[0]["note"]
    assert [h["kind"] for h in consent["history"]] == ["given", "ended"]  # given is kept, not rewritten

    [note] = [n for n in await inbox(client, w, "person") if n["kind"] == "referral_withdrawn"]
    assert "n'a plus accès à votre dossier" in note["body"]
    assert note["link"] == f"/mon-espace/orientations#orientation-{rid}"
    partner = [n for n in await inbox(client, w, "cisp") if n["kind"] == "referral_withdrawn"]
    assert partner and "plus accès à son dossier" in partner[0]["body"]
    assert partner[0]["link"] == f"/orientations/recues/{rid}"

    # an ended consent cannot be withdrawn or renewed again
    again = await client.post(
        f"{API}/persons/{w.person_id}/consents/{consent_id}/withdraw", json={}, headers=w.h("person")
    )
    assert again.status_code == 409


async def test_expiry_without_an_answer_ends_the_consent(client, world, database, settings) -> None:
    w = world
    rid, consent_id = await _consented(client, w)
    async with database.sessionmaker() as s:
        referral = await s.get(Referral, UUID(rid))
        referral.deadline = clock.today() - timedelta(days=1)
        await s.commit()
    rules = load_rules(Path(settings.policies_dir))
    cal = load_calendar(Path(settings.policies_dir))
    async with database.sessionmaker() as s:
        swept = await run_deadlines(s, rules, cal)
        await s.commit()
    assert swept.expired == 1
    for path in CONSENTED:
        assert await _status(client, w, path) == 403, path
    consent = await _consent(client, w, consent_id)
    [ended] = [h for h in consent["history"] if h["kind"] == "ended"]
    assert ended["by_user_id"] is None and "dans le délai" in ended["note"]
    full = (await client.get(f"{API}/referrals/{rid}", headers=w.h("referent"))).json()
    assert full["consent_state"] == "ended"
    assert [h["event"] for h in full["history"]][-2:] == ["expired", "consent_ended"]
    [note] = [n for n in await inbox(client, w, "person") if n["kind"] == "referral_expired"]
    assert "n'a plus accès à votre dossier" in note["body"]


async def test_an_accepted_referral_keeps_its_consent_and_counts_as_an_open_step(
    client, world, database
) -> None:
    w = world
    rid, consent_id = await _consented(client, w)
    accepted = await client.post(
        f"{API}/referrals/{rid}/accept",
        json={"agreed_start_date": str(brussels_today() + timedelta(days=3))},
        headers=w.h("cisp"),
    )
    assert accepted.status_code == 200, accepted.text
    assert (await _consent(client, w, consent_id))["status"] == "active"
    assert await _status(client, w, "trajectory") == 200
    service = w.services["cisp"].id
    async with database.sessionmaker() as s:
        counts = await open_steps_by_service(s, [service, w.services["mire_namur"].id])
    assert counts == {service: 1}
    async with database.sessionmaker() as s:
        assert await open_steps_by_service(s, []) == {}
