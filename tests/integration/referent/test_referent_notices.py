"""Inbox notices of the referent package: a handover tells the person, the former and the new referent
(never the one who made it); an overdue first contact tells the referent once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from coordination.clock import today as brussels_today
from coordination.db.base import utcnow
from coordination.inbox.tasks import run_notices
from coordination.referent.models import ReferentLink


def url(world, name: str, tail: str = "referent") -> str:
    return f"/api/v1/persons/{world.pid(name)}/{tail}"


async def inbox(client, world, who: str) -> list[dict]:
    response = await client.get("/api/v1/inbox", params={"page_size": 200}, headers=world.headers(who))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_handover_tells_the_person_the_former_and_the_new_referent(client, world):
    anna, team = str(world.advisers["anna"].id), str(world.advisers["team"].id)
    assigned = await client.post(
        url(world, "lea"),
        json={"adviser_id": anna, "reason": "Orientation initiale"},
        headers=world.headers("anna"),
    )
    assert assigned.status_code == 201, assigned.text
    # the handover is made by Bob (a colleague), so the former referent (Anna) is told too
    r = await client.post(
        url(world, "lea", "referent/handover"),
        json={"adviser_id": team, "reason": "Passage à distance", "note": "Autonome, préfère la visio."},
        headers=world.headers("bob"),
    )
    assert r.status_code == 201, r.text
    new_link = r.json()["new"]["id"]

    [person] = [n for n in await inbox(client, world, "lea") if n["kind"] == "referent_handover"]
    assert "Équipe e-conseil Liège" in person["body"] and "Anna Conseillère" in person["body"]
    assert "Passage à distance" in person["body"]
    assert person["link"] == "/mon-espace" and person["subject_id"] == new_link
    assert "Autonome" not in person["body"]  # the handover note is for the referents

    [former] = [n for n in await inbox(client, world, "anna") if n["kind"] == "referent_handover"]
    # the former referent is told the handover happened, never the note written for the new one
    assert "Autonome" not in former["body"] and "Bob Conseiller" in former["body"]
    assert "Passage à distance" in former["body"]
    # the e-adviser team shares the portfolio: its members are the new referent
    [new] = [n for n in await inbox(client, world, "eva") if n["kind"] == "referent_handover"]
    assert new["link"] == f"/dossiers/{world.pid('lea')}" and "Autonome, préfère la visio." in new["body"]
    assert not [n for n in await inbox(client, world, "bob") if n["kind"] == "referent_handover"]
    for note in (person, former, new):
        assert world.persons["lea"].niss not in note["body"]


async def test_handover_by_the_former_referent_does_not_tell_them(client, world):
    anna, team = str(world.advisers["anna"].id), str(world.advisers["team"].id)
    h = world.headers("anna")
    await client.post(url(world, "lea"), json={"adviser_id": anna, "reason": "Orientation"}, headers=h)
    r = await client.post(
        url(world, "lea", "referent/handover"),
        json={"adviser_id": team, "reason": "Distance", "note": "Préfère la visio."},
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert not [n for n in await inbox(client, world, "anna") if n["kind"] == "referent_handover"]
    assert [n for n in await inbox(client, world, "lea") if n["kind"] == "referent_handover"]
    assert [n for n in await inbox(client, world, "eva") if n["kind"] == "referent_handover"]


async def test_overdue_first_contact_tells_the_referent_once(client, world):
    h = world.headers("anna")
    anna = str(world.advisers["anna"].id)
    for name in ("lea", "marc"):
        r = await client.post(url(world, name), json={"adviser_id": anna, "reason": "Orientation"}, headers=h)
        assert r.status_code == 201, r.text
    async with world.database.sessionmaker() as s:
        await s.execute(
            update(ReferentLink)
            .where(ReferentLink.person_id == world.pid("lea"))
            .values(first_contact_due=brussels_today() - timedelta(days=3))
        )
        await s.execute(
            update(ReferentLink)
            .where(ReferentLink.person_id == world.pid("marc"))
            .values(first_contact_due=brussels_today() + timedelta(days=30))
        )
        await s.commit()
    async with world.database.sessionmaker() as s:
        first = await run_notices(s, utcnow())
        again = await run_notices(s, utcnow())
        await s.commit()
    assert (first.first_contacts_overdue, again.first_contacts_overdue) == (1, 0)
    [note] = [n for n in await inbox(client, world, "anna") if n["kind"] == "first_contact_overdue"]
    assert "Lea Test" in note["title"] and "3 jour(s) de retard" in note["body"]
    assert note["link"] == f"/dossiers/{world.pid('lea')}"
    assert world.persons["lea"].niss not in note["body"]

    # once a contact is recorded, a later sweep says nothing more about it
    r = await client.post(url(world, "lea", "referent/contacts"), json={}, headers=h)
    assert r.status_code in (200, 201), r.text
    async with world.database.sessionmaker() as s:
        later = await run_notices(s, utcnow() + timedelta(days=60))
        await s.commit()
    assert later.first_contacts_overdue == 1  # Marc, now overdue too; Léa not again
