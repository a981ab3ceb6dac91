"""Which journal rows each referral request writes: the gate's decisions of one request, in order (section,
action, decision, basis), read by the request id the response echoes.

Why pinned: the referral services ask the gate themselves (a send reads the identity and writes the
trajectory, a consent writes the consents, an acceptance writes the trajectory...) besides what the route
declares. A change of how they reach the gate must neither drop a decision (an unjournaled read) nor add
one (a person's journal full of doubles)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from coordination.access.models import AccessJournalEntry
from coordination.clock import today as brussels_today
from tests.integration.referral.conftest import API, send, send_recorded

# what each request of the scenario journals, in order: (section, action, decision, basis); a refusal
# after an allowed decision (a worker giving the person's consent herself) rolls its rows back
MANDATE, SELF, CARD = "mandate", "self", ("identity", "read", "allow", "referral")
EXPECTED: dict[str, list[tuple]] = {
    "search": [("identity", "read", "allow", MANDATE)],
    "send": [("identity", "read", "allow", MANDATE), ("trajectory", "write", "allow", MANDATE)],
    "send by a partner": [("identity", "read", "deny", None)],
    "file list": [("trajectory", "read", "allow", MANDATE)],
    "file one": [("trajectory", "read", "allow", MANDATE)],
    "card": [CARD],
    "cards": [CARD],
    "consent by a worker without form": [],
    "consent": [("consents", "write", "allow", SELF)],
    "accept": [("trajectory", "write", "allow", "consent"), CARD],
    "mine": [("trajectory", "read", "allow", SELF)],
    "my one": [("trajectory", "read", "allow", SELF)],
    "consent withdrawn": [("consents", "write", "allow", SELF)],
    "send recorded": [
        ("identity", "read", "allow", MANDATE),
        ("trajectory", "write", "allow", MANDATE),
        ("consents", "write", "allow", MANDATE),
    ],
    "refuse": [CARD],
    "waiting list": [CARD],
    "withdraw by the sender": [("trajectory", "write", "allow", MANDATE)],
    "consent declined": [("consents", "write", "allow", SELF)],
    "withdraw by the person": [("trajectory", "read", "allow", SELF)],
}


async def _rows(database, response, status: int) -> list[tuple]:
    assert response.status_code == status, response.text
    request_id = response.headers["x-request-id"]
    async with database.sessionmaker() as s:
        found = await s.scalars(select(AccessJournalEntry).where(AccessJournalEntry.request_id == request_id))
        rows = sorted(found, key=lambda r: (r.at, r.seq))
    return [(r.section, r.action, r.decision, r.basis) for r in rows]


async def test_each_referral_request_journals_the_same_gate_decisions(client, world, database) -> None:
    w = world
    seen: dict[str, list[tuple]] = {}
    search = await client.get(f"{API}/persons/{w.person_id}/referral-services", headers=w.h("referent"))
    seen["search"] = await _rows(database, search, 200)
    sent = await send(client, w)
    seen["send"] = await _rows(database, sent, 201)
    rid = sent.json()["id"]
    seen["send by a partner"] = await _rows(database, await send(client, w, who="cisp"), 403)
    listed = await client.get(f"{API}/persons/{w.person_id}/referrals", headers=w.h("referent"))
    seen["file list"] = await _rows(database, listed, 200)
    one = await client.get(f"{API}/referrals/{rid}", headers=w.h("referent"))
    seen["file one"] = await _rows(database, one, 200)
    card = await client.get(f"{API}/referrals/received/{rid}", headers=w.h("cisp"))
    seen["card"] = await _rows(database, card, 200)
    inbox = await client.get(f"{API}/referrals/received", headers=w.h("cisp"))
    seen["cards"] = await _rows(database, inbox, 200)
    early = await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=w.h("referent"))
    seen["consent by a worker without form"] = await _rows(database, early, 403)
    given = await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=w.h("person"))
    seen["consent"] = await _rows(database, given, 200)
    start = brussels_today() + timedelta(days=14)
    accepted = await client.post(
        f"{API}/referrals/{rid}/accept", json={"agreed_start_date": str(start)}, headers=w.h("cisp")
    )
    seen["accept"] = await _rows(database, accepted, 200)
    mine = await client.get(f"{API}/me/referrals", headers=w.h("person"))
    seen["mine"] = await _rows(database, mine, 200)
    own = await client.get(f"{API}/me/referrals/{rid}", headers=w.h("person"))
    seen["my one"] = await _rows(database, own, 200)
    withdrawn_consent = await client.post(
        f"{API}/referrals/{rid}/consent/withdraw", json={}, headers=w.h("person")
    )
    seen["consent withdrawn"] = await _rows(database, withdrawn_consent, 200)

    second = await send_recorded(client, w)
    seen["send recorded"] = await _rows(database, second, 201)
    sid = second.json()["id"]
    refused = await client.post(
        f"{API}/referrals/{sid}/refuse", json={"reason": "timing"}, headers=w.h("cisp")
    )
    seen["refuse"] = await _rows(database, refused, 200)

    third = await send(client, w)
    tid = third.json()["id"]
    waiting = await client.post(f"{API}/referrals/{tid}/waiting-list", json={}, headers=w.h("cisp"))
    seen["waiting list"] = await _rows(database, waiting, 200)
    withdrawn = await client.post(
        f"{API}/referrals/{tid}/withdraw", json={"reason": "Essai"}, headers=w.h("referent")
    )
    seen["withdraw by the sender"] = await _rows(database, withdrawn, 200)

    fourth = await send(client, w)
    declined = await client.post(
        f"{API}/referrals/{fourth.json()['id']}/consent/decline", json={}, headers=w.h("person")
    )
    seen["consent declined"] = await _rows(database, declined, 200)
    fifth = await send(client, w)
    by_person = await client.post(
        f"{API}/referrals/{fifth.json()['id']}/withdraw", json={}, headers=w.h("person")
    )
    seen["withdraw by the person"] = await _rows(database, by_person, 200)
    assert list(seen) == list(EXPECTED)
    for step, rows in EXPECTED.items():
        assert seen[step] == rows, step
