"""Domain events: recorded in the outbox in the change's transaction, subscribers run in it too, so a
change, its event and the person's notice commit or roll back together."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from coordination import events as domain_events
from coordination.access import services as consents
from coordination.access.events import ConsentChanged, ConsentExpiring
from coordination.access.models import ConsentChannel
from coordination.db.base import utcnow
from coordination.events import DomainEvent
from coordination.inbox.models import Notification
from tests.integration.access import seed


async def _world(world):
    """From the shared world: a person registered at its Forem, the CISP, and the Forem referent."""
    person = await world.add_person(registered_at="forem")
    return person, world.orgs["cisp"], world.principal("referent")


def _terms(partner):
    return consents.check_terms(
        recipient_organisation_id=partner.id,
        sections=["plan"],
        purpose="Accompagnement",
        expires_at=utcnow() + timedelta(days=90),
    )


async def _counts(session, person_id):
    told = await session.scalar(
        select(func.count()).select_from(Notification).where(Notification.recipient_person_id == person_id)
    )
    recorded = await session.scalar(
        select(func.count()).select_from(DomainEvent).where(DomainEvent.person_id == person_id)
    )
    return told, recorded


async def test_a_recorded_consent_writes_its_event_and_the_persons_notice_in_one_transaction(database, world):
    person, partner, worker = await _world(world)
    async with database.sessionmaker() as session:
        consent = await consents.write_consent(
            session, worker, person.id, _terms(partner), ConsentChannel.PAPER, None
        )
        await session.commit()
        event = await session.scalar(select(DomainEvent).where(DomainEvent.subject_id == consent.id))
        assert event is not None and event.kind == ConsentChanged.kind
        assert event.payload["change"] == "given" and event.payload["actor_user_id"] == str(worker.user_id)
        assert await _counts(session, person.id) == (1, 1)


async def test_a_rolled_back_change_leaves_neither_event_nor_notice(database, world):
    person, partner, worker = await _world(world)
    async with database.sessionmaker() as session:
        person_id = person.id
        await consents.write_consent(session, worker, person_id, _terms(partner), ConsentChannel.PAPER, None)
        await session.rollback()
        assert await _counts(session, person_id) == (0, 0)


async def test_the_person_acting_herself_is_recorded_but_not_told(database, world):
    person, partner, _ = await _world(world)
    await world.add_beneficiary(person.id)
    async with database.sessionmaker() as session:
        await consents.write_consent(
            session, world.principal("beneficiary"), person.id, _terms(partner), ConsentChannel.SELF, None
        )
        await session.commit()
        assert await _counts(session, person.id) == (0, 1)


async def test_the_expiry_sweep_announces_each_consent_once(database, world):
    person, partner, worker = await _world(world)
    async with database.sessionmaker() as session:
        seed.consent(session, person.id, partner.id, ["plan"], worker.user_id, days=5)
        await session.commit()
        assert await consents.notify_expiring(session) == 1
        await session.commit()
        assert await consents.notify_expiring(session) == 0
        kinds = (
            await session.scalars(select(DomainEvent.kind).where(DomainEvent.person_id == person.id))
        ).all()
        assert kinds == [ConsentExpiring.kind]


async def test_an_event_recorded_before_wiring_is_refused(database, monkeypatch):
    monkeypatch.setattr(domain_events.bus, "_wired", False)
    async with database.sessionmaker() as session:
        with pytest.raises(RuntimeError, match="wire"):
            await domain_events.record(session, ConsentExpiring(consent_id=uuid4()))
