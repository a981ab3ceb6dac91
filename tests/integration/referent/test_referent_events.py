"""The referent's side effects are domain events: a handover and an overdue first contact are recorded in
the outbox, and their notices are written by the subscribers in the same transaction (a rolled back
handover leaves neither the event nor a notice); the overdue sweep asks the outbox what it already said."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from coordination.access.principal import Principal
from coordination.clock import now, today
from coordination.events import DomainEvent
from coordination.inbox.models import Notification
from coordination.referent import services
from coordination.referent.models import ReferentLink
from coordination.referent.policies import referent_policies


def url(world, name: str, tail: str = "referent") -> str:
    return f"/api/v1/persons/{world.pid(name)}/{tail}"


def principal_of(world, who: str) -> Principal:
    user = world.users[who]
    return Principal(
        user_id=user.id,
        display_name=user.display_name,
        role=user.role,
        organisation_id=user.organisation_id,
        team=user.team,
    )


async def _assign(client, world, name: str, adviser: str = "anna") -> None:
    r = await client.post(
        url(world, name),
        json={"adviser_id": str(world.advisers[adviser].id), "reason": "Orientation"},
        headers=world.headers("anna"),
    )
    assert r.status_code == 201, r.text


async def _count(session, model, *where) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_handover_records_its_event_with_identifiers_only(client, world):
    await _assign(client, world, "lea")
    r = await client.post(
        url(world, "lea", "referent/handover"),
        json={
            "adviser_id": str(world.advisers["team"].id),
            "reason": "Distance",
            "note": "Préfère la visio.",
        },
        headers=world.headers("bob"),
    )
    assert r.status_code == 201, r.text
    new_id, former_id = r.json()["new"]["id"], r.json()["former"]["id"]
    async with world.database.sessionmaker() as s:
        [event] = (
            await s.scalars(select(DomainEvent).where(DomainEvent.kind == "referent_handed_over"))
        ).all()
        told = await _count(s, Notification, Notification.kind == "referent_handover")
    assert str(event.subject_id) == new_id and event.person_id == world.pid("lea")
    assert event.payload["former_link_id"] == former_id and event.payload["new_link_id"] == new_id
    assert event.payload["actor_user_id"] == str(world.users["bob"].id)
    text = str(event.payload)
    assert "Distance" not in text and "visio" not in text and "Lea" not in text, "identifiers only"
    assert told >= 3  # the person, the former referent, the members of the new team


async def test_a_rolled_back_handover_leaves_neither_event_nor_notice(client, world):
    await _assign(client, world, "lea")
    policies = referent_policies(world.app.state.settings.policies_dir)
    async with world.database.sessionmaker() as s:
        person = await services.get_person(s, world.pid("lea"))
        adviser = await services.get_adviser(s, world.advisers["team"].id)
        _, new = await services.handover(
            s, principal_of(world, "bob"), person, adviser, policies, reason="Distance", note="Visio."
        )
        await s.flush()
        # inside the transaction: the event and its notices are there together
        assert await _count(s, DomainEvent, DomainEvent.subject_id == new.id) == 1
        assert await _count(s, Notification, Notification.subject_id == new.id) >= 3
        await s.rollback()
    async with world.database.sessionmaker() as s:
        assert await _count(s, DomainEvent, DomainEvent.kind == "referent_handed_over") == 0
        assert await _count(s, Notification, Notification.kind == "referent_handover") == 0
        assert await _count(s, ReferentLink, ReferentLink.person_id == world.pid("lea")) == 1


async def _make_overdue(world, name: str, days: int) -> ReferentLink:
    async with world.database.sessionmaker() as s:
        await s.execute(
            update(ReferentLink)
            .where(ReferentLink.person_id == world.pid(name))
            .values(first_contact_due=today() - timedelta(days=days))
        )
        await s.commit()
        return await s.scalar(select(ReferentLink).where(ReferentLink.person_id == world.pid(name)))


async def test_the_overdue_sweep_records_one_event_per_link_and_its_notice(client, world):
    await _assign(client, world, "lea")
    link = await _make_overdue(world, "lea", 2)
    async with world.database.sessionmaker() as s:
        assert await services.notify_overdue_first_contacts(s, now()) == 1
        await s.commit()
    async with world.database.sessionmaker() as s:
        [event] = (
            await s.scalars(select(DomainEvent).where(DomainEvent.kind == "first_contact_overdue"))
        ).all()
        [note] = (
            await s.scalars(select(Notification).where(Notification.kind == "first_contact_overdue"))
        ).all()
    assert event.subject_id == link.id and event.person_id == world.pid("lea")
    assert note.subject_id == link.id and note.recipient_user_id == world.users["anna"].id
    assert "2 jour(s) de retard" in note.body_fr
    assert f"{link.first_contact_due:%d/%m/%Y}" not in note.body_fr, "French date words, not 06/12/2026"


async def test_the_overdue_sweep_trusts_the_outbox_backfilled_by_migration_0022(client, world):
    """A link announced before the outbox existed has a ``first_contact_overdue`` event (migration 0022
    backfilled one per announcement): the sweep does not tell its referent again."""
    await _assign(client, world, "lea")
    await _assign(client, world, "marc")
    lea = await _make_overdue(world, "lea", 4)
    await _make_overdue(world, "marc", 4)
    async with world.database.sessionmaker() as s:
        s.add(
            DomainEvent(
                kind="first_contact_overdue",
                occurred_at=now() - timedelta(days=1),
                person_id=lea.person_id,
                subject_id=lea.id,
                payload={"backfilled_from": "notifications"},
            )
        )
        await s.commit()
    async with world.database.sessionmaker() as s:
        assert await services.notify_overdue_first_contacts(s, now()) == 1  # Marc only
        await s.commit()
    async with world.database.sessionmaker() as s:
        notes = (
            await s.scalars(select(Notification).where(Notification.kind == "first_contact_overdue"))
        ).all()
    assert [n.about_person_id for n in notes] == [world.pid("marc")]
