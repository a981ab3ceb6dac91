"""Visa side effects are domain events: a decision (or a request for one) writes its outbox row and its
notices in the decision's own transaction, and a rolled-back decision leaves neither (issue 21).

Like test_visa_workflow.py: the tables from the models on a SQLite file without foreign keys, so visas
need no person or user rows."""

from __future__ import annotations

import sys
from pathlib import Path
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "visa"))
from visa_builders import PARAMS, base

from coordination import events
from coordination.access.principal import Principal
from coordination.db.models import load_all_models
from coordination.directory.models import Role
from coordination.events import DomainEvent
from coordination.inbox.models import Notification
from coordination.visa import notices, services
from coordination.visa.events import HoursOverContract, VisaDecided, VisaDecisionAsked
from coordination.visa.models import Decision

PARTNER = Principal(user_id=uuid4(), display_name="Employeur Partenaire", role=Role.PARTNER_OPERATOR)
CPAS = Principal(user_id=uuid4(), display_name="Assistante Décideuse", role=Role.CPAS_SOCIAL_WORKER)
KEY = ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
async def session(tmp_path):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'visa-events.sqlite3'}")
    async with engine.begin() as conn:
        await conn.run_sync(load_all_models().metadata.create_all)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as s:
        yield s
    await engine.dispose()


async def _count(session, model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return await session.scalar(stmt) or 0


def test_the_visa_notices_are_wired_to_the_visa_events():
    assert notices.tell_visa_decided in events.subscribers_of(VisaDecided)
    assert notices.tell_decision_asked in events.subscribers_of(VisaDecisionAsked)
    assert notices.tell_hours_over_contract in events.subscribers_of(HoursOverContract)


async def test_a_decision_writes_its_event_and_its_notices_in_its_own_transaction(session):
    visa = await services.submit(session, uuid4(), base(), PARTNER, PARAMS)
    await session.commit()

    await services.decide(session, visa, Decision.REFUSED, "Salaire sous le minimum.", CPAS, KEY)
    # before any commit: the outbox row and both notices are in the decision's transaction
    [event] = (await session.scalars(select(DomainEvent).where(DomainEvent.kind == "visa_decided"))).all()
    assert event.subject_id == visa.id and event.person_id == visa.person_id
    assert event.payload["actor_user_id"] == str(CPAS.user_id)
    assert "Salaire" not in str(event.payload)  # identifiers only: the reason stays on the visa
    to_person = await session.scalar(
        select(Notification).where(Notification.recipient_person_id == visa.person_id)
    )
    assert to_person is not None and to_person.kind == "visa_decided" and to_person.link == "/mon-espace"
    assert "Assistante Décideuse" in to_person.body_fr and "visa refusé" in to_person.body_fr
    to_submitter = await session.scalar(
        select(Notification).where(Notification.recipient_user_id == PARTNER.user_id)
    )
    assert to_submitter is not None and to_submitter.link == f"/visa/{visa.id}"
    assert "Commentaire : Salaire sous le minimum." in to_submitter.body_fr

    await session.rollback()  # the decision fails to commit: nothing of it remains
    assert await _count(session, DomainEvent) == 0
    assert await _count(session, Notification) == 0


async def test_a_return_for_correction_is_not_a_decision_and_tells_nobody(session):
    visa = await services.submit(session, uuid4(), base(), PARTNER, PARAMS)
    await services.decide(session, visa, Decision.RETURNED, "Corriger le salaire.", CPAS, KEY)
    await session.commit()
    assert await _count(session, DomainEvent) == 0
    assert await _count(session, Notification) == 0


async def test_the_decider_who_submitted_nothing_is_not_told_of_her_own_decision(session):
    visa = await services.submit(session, uuid4(), base(), PARTNER, PARAMS)
    await services.decide(session, visa, Decision.APPROVED, None, CPAS, KEY)
    await session.commit()
    assert await _count(session, Notification, recipient_user_id=CPAS.user_id) == 0
    assert await _count(session, Notification, recipient_user_id=PARTNER.user_id) == 1
    assert await _count(session, DomainEvent, kind="visa_decided") == 1
