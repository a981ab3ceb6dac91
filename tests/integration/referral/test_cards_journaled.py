"""Referral cards are reads of a person's data: each card shown to the partner writes one journal row on that
person's chain, in the same transaction; cards not shown write none (issue 15, point 7)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import func, select

from coordination.access.models import AccessJournalEntry
from tests.integration.referral.conftest import API, send
from tests.integration.web.conftest import sign_in


def _niss(birth: str, serial: int) -> str:
    body = f"{birth}{serial:03d}"
    return f"{body}{97 - int(body) % 97:02d}"


async def _card_rows(database, person_id: str) -> list[AccessJournalEntry]:
    async with database.sessionmaker() as session:
        rows = await session.scalars(
            select(AccessJournalEntry)
            .where(AccessJournalEntry.person_id == UUID(person_id), AccessJournalEntry.basis == "referral")
            .order_by(AccessJournalEntry.seq)
        )
        return list(rows)


async def _chain_length(database, person_id: str) -> int:
    async with database.sessionmaker() as session:
        stmt = select(func.count()).where(AccessJournalEntry.person_id == UUID(person_id))
        return int(await session.scalar(stmt) or 0)


async def _second_person(client, w) -> str:
    response = await client.post(
        f"{API}/persons",
        json={
            "niss": _niss("900212", 451),
            "first_name": "Karim",
            "last_name": "Haddad",
            "forem_registered": True,
            "bassin": "Charleroi",
        },
        headers=w.h("referent"),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_each_received_card_shown_writes_exactly_one_journal_row(client, world, database) -> None:
    w = world
    first = await send(client, w)
    assert first.status_code == 201, first.text
    other_person = await _second_person(client, w)
    second = await client.post(
        f"{API}/persons/{other_person}/referrals",
        json={
            "service_id": w.sid("cisp"),
            "reason_category": "training",
            "reason": "Karim souhaite reprendre une formation.",
            "sections": ["project"],
        },
        headers=w.h("referent"),
    )
    assert second.status_code == 201, second.text
    assert await _card_rows(database, w.person_id) == []
    before_other = await _chain_length(database, other_person)

    listed = await client.get(f"{API}/referrals/received", headers=w.h("cisp"))
    assert listed.status_code == 200, listed.text
    assert {c["person_first_name"] for c in listed.json()} == {"Julie", "Karim"}
    for person_id in (w.person_id, other_person):
        (row,) = await _card_rows(database, person_id)
        assert (row.action, row.decision, row.section, row.basis) == ("read", "allow", "identity", "referral")
        assert row.user_name == "Nadia Benali" and row.organisation_id == w.orgs["cisp"].id
        assert row.consent_id is None  # nothing of the consent shown yet
    assert await _chain_length(database, other_person) == before_other + 1

    # cards not shown write nothing: a filter that hides them, another partner's empty inbox
    hidden = await client.get(f"{API}/referrals/received", params={"status": "accepted"}, headers=w.h("cisp"))
    assert hidden.status_code == 200 and hidden.json() == []
    assert (await client.get(f"{API}/referrals/received", headers=w.h("mire"))).json() == []
    assert len(await _card_rows(database, w.person_id)) == 1
    assert len(await _card_rows(database, other_person)) == 1

    # one card opened: one more row, on that person's chain only
    one = await client.get(f"{API}/referrals/received/{first.json()['id']}", headers=w.h("cisp"))
    assert one.status_code == 200, one.text
    assert len(await _card_rows(database, w.person_id)) == 2
    assert len(await _card_rows(database, other_person)) == 1
    # a card another partner may not see writes nothing
    assert (
        await client.get(f"{API}/referrals/received/{first.json()['id']}", headers=w.h("mire"))
    ).status_code == 404
    assert len(await _card_rows(database, w.person_id)) == 2


async def test_a_card_showing_the_reason_names_the_consent_and_the_person_reads_it(client, world, database):
    w = world
    sent = await send(client, w)
    rid = sent.json()["id"]
    given = await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=w.h("person"))
    assert given.status_code == 200, given.text
    card = (await client.get(f"{API}/referrals/received/{rid}", headers=w.h("cisp"))).json()
    assert card["reason"] and card["person_id"] == w.person_id
    (row,) = await _card_rows(database, w.person_id)
    assert row.consent_id is not None

    journal = await client.get(f"{API}/persons/{w.person_id}/journal", headers=w.h("person"))
    assert journal.status_code == 200, journal.text
    (entry,) = [e for e in journal.json()["items"] if e["basis"] == "referral"]
    assert entry["basis_label"] == "orientation envoyée à l'organisme (carte d'orientation)"
    assert "Nadia Benali" in entry["sentence"] and "identité" in entry["sentence"]


async def test_the_partner_s_pages_journal_the_cards_they_show(client, world, database) -> None:
    w = world
    sent = await send(client, w)
    rid = sent.json()["id"]
    await sign_in(client, "test-cisp")
    page = await client.get("/orientations/recues")
    assert page.status_code == 200 and "Julie" in page.text
    assert len(await _card_rows(database, w.person_id)) == 1
    opened = await client.get(f"/orientations/recues/{rid}")
    assert opened.status_code == 200
    assert len(await _card_rows(database, w.person_id)) == 2
    empty = await client.get("/orientations/recues", params={"statut": "accepted"})
    assert empty.status_code == 200
    assert len(await _card_rows(database, w.person_id)) == 2


async def _rows_of(database, person_id: str, user_id) -> list[AccessJournalEntry]:
    async with database.sessionmaker() as session:
        rows = await session.scalars(
            select(AccessJournalEntry)
            .where(AccessJournalEntry.person_id == UUID(person_id), AccessJournalEntry.user_id == user_id)
            .order_by(AccessJournalEntry.seq)
        )
        return list(rows)


async def test_inbox_items_naming_the_person_are_journaled_for_partner_and_sender(client, world, database):
    w = world
    sent = await send(client, w)
    rid = sent.json()["id"]
    given = await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=w.h("person"))
    assert given.status_code == 200, given.text

    # the partner's items (first name): one row each on the basis « referral », no gate asked
    before = len(await _rows_of(database, w.person_id, w.users["cisp"].id))
    items = (await client.get(f"{API}/inbox", headers=w.h("cisp"))).json()["items"]
    about_julie = [n for n in items if "Julie" in n["title"] or "Julie" in n["body"]]
    assert {n["kind"] for n in about_julie} == {"referral_received", "consent_given"}
    rows = (await _rows_of(database, w.person_id, w.users["cisp"].id))[before:]
    assert len(rows) == len(about_julie)
    assert {(r.section, r.decision, r.basis) for r in rows} == {("identity", "allow", "referral")}

    # the sender's item goes through the gate: one allowed identity read on the referent's basis
    before = len(await _rows_of(database, w.person_id, w.users["referent"].id))
    items = (await client.get(f"{API}/inbox", headers=w.h("referent"))).json()["items"]
    told = [n for n in items if n["kind"] == "consent_given"]
    assert told
    rows = (await _rows_of(database, w.person_id, w.users["referent"].id))[before:]
    assert len(rows) == len(told)
    assert all(r.section == "identity" and r.decision == "allow" and r.basis == "mandate" for r in rows)

    # the person's own items are hers: no row
    before = len(await _rows_of(database, w.person_id, w.users["person"].id))
    assert (await client.get(f"{API}/inbox", headers=w.h("person"))).status_code == 200
    assert len(await _rows_of(database, w.person_id, w.users["person"].id)) == before
