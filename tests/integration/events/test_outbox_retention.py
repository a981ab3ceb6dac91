"""The outbox is a transport, not an archive: the daily task deletes events past their retention, keeps
the marks a sweep still needs, and never stores the words a worker typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import select

from coordination import events as domain_events
from coordination.access.events import ConsentChanged
from coordination.events import DomainEvent
from coordination.events.retention import OUTBOX_RETENTION, purge_outbox
from coordination.factories import ReferentLinkFactory
from coordination.referent.events import FirstContactOverdue
from coordination.referent.services import links_awaiting_first_contact
from coordination.visa.events import VisaDecisionAsked

NOW = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
OLD = NOW - OUTBOX_RETENTION - timedelta(minutes=1)
RECENT = NOW - OUTBOX_RETENTION + timedelta(minutes=1)


def _event(kind: str, at: datetime, subject=None) -> DomainEvent:
    return DomainEvent(kind=kind, occurred_at=at, person_id=None, subject_id=subject, payload={})


async def test_old_events_go_recent_ones_and_needed_marks_stay(world):
    person = await world.add_person()
    async with world.session() as session:
        common = {
            "person_id": person.id,
            "organisation_id": world.orgs["forem"].id,
            "started_at": NOW - timedelta(days=200),  # the test's instant, not the process clock
        }
        waiting = await ReferentLinkFactory.add(
            session, **common, referent_user_id=world.users["referent"].id
        )
        contacted = await ReferentLinkFactory.add(
            session, **common, referent_user_id=world.users["referent"].id, ended_at=NOW
        )
        rows = {
            "old": _event(ConsentChanged.kind, OLD, uuid4()),
            "recent": _event(ConsentChanged.kind, RECENT, uuid4()),
            "mark_needed": _event(FirstContactOverdue.kind, OLD, waiting.id),
            "mark_done": _event(FirstContactOverdue.kind, OLD, contacted.id),
        }
        session.add_all(rows.values())
        await session.flush()
        ids = {name: row.id for name, row in rows.items()}

        purged = await purge_outbox(
            session, NOW, still_needed={FirstContactOverdue.kind: links_awaiting_first_contact()}
        )
        await session.commit()
        left = set((await session.scalars(select(DomainEvent.id))).all())

    assert purged == 2
    assert left == {ids["recent"], ids["mark_needed"]}


async def test_without_needed_marks_every_old_event_goes(world):
    async with world.session() as session:
        session.add_all([_event(FirstContactOverdue.kind, OLD, uuid4()), _event("x", RECENT)])
        await session.flush()
        assert await purge_outbox(session, NOW) == 1


async def test_words_typed_by_a_worker_reach_subscribers_but_not_the_outbox(world):
    async with world.session() as session:
        visa_id, consent_id = uuid4(), uuid4()
        await domain_events.record(
            session,
            VisaDecisionAsked(
                visa_id=visa_id,
                colleague_user_id=world.users["cpas"].id,
                actor_user_id=world.users["cpas"].id,
                note="Peux-tu regarder, la personne est en difficulté",
            ),
        )
        await domain_events.record(
            session,
            ConsentChanged(consent_id=consent_id, change="withdrawn", reason="Elle déménage à Namur"),
        )
        await session.flush()
        payloads = {row.subject_id: row.payload for row in (await session.scalars(select(DomainEvent))).all()}
        await session.rollback()

    assert "note" not in payloads[visa_id] and payloads[visa_id]["visa_id"] == str(visa_id)
    assert "reason" not in payloads[consent_id] and payloads[consent_id]["change"] == "withdrawn"
