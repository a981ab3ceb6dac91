"""A document added to a file is a domain event (``DocumentAdded``): the document service records it and
the dossier's notice subscriber tells the person, in the transaction of the document's rows (both commit
or vanish together), with identifiers only in the outbox."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import func, select
from uuid_utils.compat import uuid7

from coordination.access.principal import Principal
from coordination.dossier.context import retention
from coordination.dossier.services import documents
from coordination.events import DomainEvent
from coordination.inbox.models import Notification
from tests.integration.dossier.conftest import create_person, direct

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STORED = ("application/pdf", len(PDF), "0" * 64, "clean", None)


def _principal(world, who: str) -> Principal:
    user = world.users[who]
    return Principal(
        user_id=user.id,
        display_name=user.display_name,
        role=user.role,
        organisation_id=user.organisation_id,
        organisation_kind=user.organisation_kind,
    )


async def _create(session, world, settings, person_id: UUID, *, notify_person: bool = True):
    document_id = uuid7()
    return await documents.create_document(
        session,
        _principal(world, "referent"),
        person_id=person_id,
        title="Attestation de formation",
        category="certificate",
        filename="attestation.pdf",
        stored=STORED,
        key=documents.object_key(person_id, document_id, 1),
        document_id=document_id,
        retention=retention(settings),
        today=date(2026, 12, 6),
        notify_person=notify_person,
    )


async def _events_and_notices(database, document_id: UUID) -> tuple[list[DomainEvent], list[Notification]]:
    async with direct(database)() as s:
        events = list(await s.scalars(select(DomainEvent).where(DomainEvent.subject_id == document_id)))
        notices = list(await s.scalars(select(Notification).where(Notification.subject_id == document_id)))
        return events, notices


async def test_the_event_and_its_notice_are_written_with_the_document(client, world, database, settings):
    person_id = UUID((await create_person(client, world))["id"])
    async with direct(database)() as s:
        document = await _create(s, world, settings, person_id)
        await s.commit()
    events, notices = await _events_and_notices(database, document.id)
    [event] = events
    assert event.kind == "document_added" and event.person_id == person_id
    assert "Attestation" not in str(event.payload)  # identifiers only in the outbox
    assert event.payload["actor_user_id"] == str(world.users["referent"].id)
    [notice] = notices
    assert notice.kind == "document_added" and notice.recipient_person_id == person_id
    assert "Sophie Lambert (Le Forem – Charleroi)" in notice.body_fr
    assert "« Attestation de formation »" in notice.body_fr


async def test_a_rolled_back_document_leaves_neither_event_nor_notice(client, world, database, settings):
    person_id = UUID((await create_person(client, world))["id"])
    async with direct(database)() as s:
        document = await _create(s, world, settings, person_id)
        await s.flush()
        await s.rollback()
    assert await _events_and_notices(database, document.id) == ([], [])
    async with direct(database)() as s:
        left = await s.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.recipient_person_id == person_id, Notification.kind == "document_added")
        )
    assert left == 0


async def test_a_document_the_caller_announces_itself_is_recorded_but_not_told_twice(
    client, world, database, settings
):
    person_id = UUID((await create_person(client, world))["id"])
    async with direct(database)() as s:
        document = await _create(s, world, settings, person_id, notify_person=False)
        await s.commit()
    events, notices = await _events_and_notices(database, document.id)
    [event] = events
    assert event.payload["told_by_caller"] is True
    assert notices == []
