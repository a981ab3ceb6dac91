"""A handover note is for the new referent and the person only; showing a handover card or an inbox item that
names a person is a read of their file, journaled on their chain (issue 15, point 7)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from coordination.access.models import AccessJournalEntry
from coordination.inbox.services import REDACTED_TITLE

SECRET = "Confidentiel : suivi psychiatrique, ne pas transmettre."
HANDOVERS = "/api/v1/referents/me/handovers"


def url(world, name: str, tail: str = "referent") -> str:
    return f"/api/v1/persons/{world.pid(name)}/{tail}"


async def _rows(world, person: str, who: str) -> list[AccessJournalEntry]:
    async with world.database.sessionmaker() as s:
        rows = await s.scalars(
            select(AccessJournalEntry)
            .where(
                AccessJournalEntry.person_id == world.pid(person),
                AccessJournalEntry.user_id == world.users[who].id,
            )
            .order_by(AccessJournalEntry.seq)
        )
        return list(rows)


async def _handover_items(client, world, who: str) -> list[dict]:
    response = await client.get("/api/v1/inbox", params={"page_size": 200}, headers=world.headers(who))
    assert response.status_code == 200, response.text
    return [n for n in response.json()["items"] if n["kind"] == "referent_handover"]


async def _rita_handed_from_anna_to_nadia(client, world) -> None:
    """Rita is a CPAS RIS beneficiary: Anna (Forem) reads her file only as her referent."""
    from coordination.referent import services
    from coordination.referent.policies import referent_policies

    policies = referent_policies(client.app.state.settings.policies_dir)
    async with world.database.sessionmaker() as s:
        rita = await s.get(type(world.persons["rita"]), world.pid("rita"))
        await services.assign(s, None, policies, services.Opening(rita, world.advisers["anna"], "Test"))
        await s.commit()
    r = await client.post(
        url(world, "rita", "referent/handover"),
        json={"adviser_id": str(world.advisers["nadia"].id), "reason": "Suivi CPAS", "note": SECRET},
        headers=world.headers("nadia"),
    )
    assert r.status_code == 201, r.text
    assert (await client.get(url(world, "rita"), headers=world.headers("anna"))).status_code == 403


async def test_a_former_referent_refused_the_file_no_longer_reads_the_handover_note(client, world):
    await _rita_handed_from_anna_to_nadia(client, world)

    before = len(await _rows(world, "rita", "anna"))
    response = await client.get(HANDOVERS, headers=world.headers("anna"))
    assert response.status_code == 200, response.text
    assert "Confidentiel" not in response.text and "Rita" not in response.text
    [card] = response.json()
    assert (card["role"], card["note"], card["person_name"], card["reason"]) == ("former", None, None, None)
    # the card was asked of the gate: one row on Rita's chain, a refusal
    rows = await _rows(world, "rita", "anna")
    assert len(rows) == before + 1 and rows[-1].decision == "deny"

    # the inbox item says a handover happened, without the note; once refused, without the name either
    [item] = await _handover_items(client, world, "anna")
    assert "Confidentiel" not in item["body"] and "Confidentiel" not in item["title"]
    assert item["title"] == REDACTED_TITLE and "Rita" not in item["body"] and item["link"] is None
    rows = await _rows(world, "rita", "anna")
    assert len(rows) == before + 2 and (rows[-1].section, rows[-1].decision) == ("identity", "deny")
    # the stored item never held the note
    from coordination.inbox.models import Notification

    async with world.database.sessionmaker() as s:
        bodies = (
            await s.scalars(
                select(Notification.body_fr).where(Notification.recipient_user_id == world.users["anna"].id)
            )
        ).all()
    assert bodies and not any("Confidentiel" in b for b in bodies)


async def test_the_new_referent_reads_the_note_and_each_card_shown_is_journaled(client, world):
    await _rita_handed_from_anna_to_nadia(client, world)
    before = len(await _rows(world, "rita", "nadia"))
    response = await client.get(HANDOVERS, headers=world.headers("nadia"))
    [card] = response.json()
    assert (card["role"], card["note"], card["person_name"]) == ("new", SECRET, "Rita Test")
    rows = await _rows(world, "rita", "nadia")
    assert len(rows) == before + 1
    assert (rows[-1].action, rows[-1].decision) == ("read", "allow") and rows[-1].basis in (
        "referent",
        "mandate",
    )

    history = (
        await client.get(url(world, "rita", "referent/history"), headers=world.headers("nadia"))
    ).json()
    assert [h["handover_note"] for h in history] == [None, SECRET]


async def test_inbox_items_naming_a_person_are_journaled_once_per_showing(client, world):
    anna, team = str(world.advisers["anna"].id), str(world.advisers["team"].id)
    assigned = await client.post(
        url(world, "lea"), json={"adviser_id": anna, "reason": "Orientation"}, headers=world.headers("anna")
    )
    assert assigned.status_code == 201, assigned.text
    r = await client.post(
        url(world, "lea", "referent/handover"),
        json={"adviser_id": team, "reason": "Passage à distance", "note": "Préfère la visio."},
        headers=world.headers("bob"),
    )
    assert r.status_code == 201, r.text

    def identity_reads(rows):
        return [e for e in rows if e.section == "identity" and e.action == "read"]

    before = len(identity_reads(await _rows(world, "lea", "eva")))
    [item] = await _handover_items(client, world, "eva")
    assert "Préfère la visio." in item["body"] and "Lea" in item["title"]
    after = identity_reads(await _rows(world, "lea", "eva"))
    assert len(after) == before + 1
    assert after[-1].decision == "allow" and after[-1].basis in ("referent", "mandate")

    # marking it read shows it again: one more row; the unread badge count shows nothing: none
    marked = await client.post(f"/api/v1/inbox/{item['id']}/read", headers=world.headers("eva"))
    assert marked.status_code == 200 and "Préfère la visio." in marked.json()["body"]
    assert len(identity_reads(await _rows(world, "lea", "eva"))) == before + 2
    # an item filtered out is not shown, so not journaled
    hidden = await client.get("/api/v1/inbox", params={"unread": "true"}, headers=world.headers("eva"))
    assert hidden.json()["items"] == []
    assert len(identity_reads(await _rows(world, "lea", "eva"))) == before + 2


async def test_a_colleague_reading_the_file_under_the_mandate_does_not_read_the_note(client, world):
    anna, team = str(world.advisers["anna"].id), str(world.advisers["team"].id)
    await client.post(
        url(world, "lea"), json={"adviser_id": anna, "reason": "Orientation"}, headers=world.headers("anna")
    )
    r = await client.post(
        url(world, "lea", "referent/handover"),
        json={"adviser_id": team, "reason": "Passage à distance", "note": "Préfère la visio."},
        headers=world.headers("anna"),
    )
    assert r.status_code == 201, r.text
    for who, expected in (
        ("bob", None),
        ("anna", None),
        ("eva", "Préfère la visio."),
        ("lea", "Préfère la visio."),
    ):
        response = await client.get(url(world, "lea", "referent/history"), headers=world.headers(who))
        assert response.status_code == 200, (who, response.text)
        assert response.json()[-1]["handover_note"] == expected, who
    assert UUID(r.json()["new"]["id"])
