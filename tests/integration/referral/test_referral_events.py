"""Side effects of a referral are events: each change records what happened in the outbox, and the
messages to the partner, the sender and the person are written by the subscribers in the same
transaction (a rolled-back change leaves neither). The API and the pages reach the same service."""

from __future__ import annotations

import json
from uuid import UUID

from sqlalchemy import func, select

from coordination.access.principal import Principal
from coordination.directory.models import OrganisationKind, Role
from coordination.events import DomainEvent
from coordination.inbox.models import Notification
from coordination.referral import services
from coordination.referral.context import build_context
from tests.integration.referral.conftest import API, send
from tests.integration.web.conftest import csrf_from, sign_in


async def _events_of(database, referral_id: UUID) -> list[DomainEvent]:
    async with database.sessionmaker() as s:
        stmt = select(DomainEvent).where(DomainEvent.subject_id == referral_id)
        return list((await s.scalars(stmt.order_by(DomainEvent.occurred_at, DomainEvent.id))).all())


async def _notice_kinds(database, referral_id: UUID) -> list[str]:
    async with database.sessionmaker() as s:
        stmt = select(Notification.kind).where(Notification.subject_id == referral_id)
        return sorted((await s.scalars(stmt)).all())


async def _counts(session) -> tuple[int, int]:
    events = await session.scalar(select(func.count()).select_from(DomainEvent))
    notices = await session.scalar(select(func.count()).select_from(Notification))
    return int(events), int(notices)


async def test_each_change_records_its_event_and_the_subscribers_write_the_notices(client, world, database):
    sent = await send(client, world)
    assert sent.status_code == 201, sent.text
    rid = UUID(sent.json()["id"])
    assert [e.kind for e in await _events_of(database, rid)] == [
        "referral_sent",
        "referral_consent_requested",
    ]
    # the partner's two workers, the person (the referral, and her consent asked)
    assert await _notice_kinds(database, rid) == [
        "consent_requested",
        "referral_received",
        "referral_received",
        "referral_sent",
    ]

    given = await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=world.h("person"))
    assert given.status_code == 200, given.text
    refused = await client.post(
        f"{API}/referrals/{rid}/refuse", json={"reason": "no_capacity"}, headers=world.h("cisp")
    )
    assert refused.status_code == 200, refused.text

    found = await _events_of(database, rid)
    assert [e.kind for e in found] == [
        "referral_sent",
        "referral_consent_requested",
        "referral_consent_given",
        "referral_answered",
    ]
    answered = found[-1].payload
    assert answered["answer"] == "refused" and answered["access_ended"] is True
    assert answered["actor_user_id"] == str(world.users["cisp"].id)
    # identifiers and rule labels only: no name, no free text of the file in the outbox
    payloads = json.dumps([e.payload for e in found])
    assert "Julie" not in payloads and "maçonnerie" not in payloads
    assert all(e.person_id == UUID(world.person_id) for e in found)
    kinds = await _notice_kinds(database, rid)
    # the partner's two workers told of the consent; the person and the sender of the refusal
    assert kinds.count("consent_given") == 3 and kinds.count("referral_answered") == 2


async def test_a_rolled_back_change_leaves_neither_its_event_nor_its_notices(
    client, world, database, settings
):
    sent = await send(client, world)
    rid = UUID(sent.json()["id"])
    referent = world.users["referent"]
    principal = Principal(
        user_id=referent.id,
        display_name=referent.display_name,
        role=Role.FOREM_REFERENT,
        organisation_id=world.orgs["forem"].id,
        organisation_kind=OrganisationKind.FOREM,
    )
    async with database.sessionmaker() as s:
        before = await _counts(s)
        referral = await services.get_referral(s, rid)
        await services.withdraw(build_context(s, principal, settings, "test"), referral, reason="Essai")
        events_now, notices_now = await _counts(s)
        assert events_now == before[0] + 1 and notices_now > before[1]  # written in the transaction
        await s.rollback()
    async with database.sessionmaker() as s:
        assert await _counts(s) == before
    assert [e.kind for e in await _events_of(database, rid)] == [
        "referral_sent",
        "referral_consent_requested",
    ]


async def test_the_api_and_the_page_withdraw_through_the_same_service(client, world, monkeypatch):
    calls: list[tuple[UUID, str | None]] = []
    withdraw = services.withdraw

    async def spy(ctx, referral, *, reason):
        calls.append((referral.id, reason))
        return await withdraw(ctx, referral, reason=reason)

    monkeypatch.setattr(services, "withdraw", spy)
    first = UUID((await send(client, world)).json()["id"])
    second = UUID((await send(client, world)).json()["id"])

    by_api = await client.post(
        f"{API}/referrals/{first}/withdraw", json={"reason": "Par l'API."}, headers=world.h("referent")
    )
    assert by_api.status_code == 200 and by_api.json()["status"] == "withdrawn", by_api.text

    await sign_in(client, "test-referent")
    listing = await client.get(f"/dossiers/{world.person_id}/orientations")
    assert listing.status_code == 200, listing.text
    by_page = await client.post(
        f"/orientations/{second}/retrait",
        data={"csrf_token": csrf_from(listing.text), "reason": "Par la page."},
        follow_redirects=False,
    )
    assert by_page.status_code == 303, by_page.text
    assert calls == [(first, "Par l'API."), (second, "Par la page.")]
