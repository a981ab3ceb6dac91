"""Issue 15, point 6: a referral's consent ends with the referral at that very moment, not when the
daily task runs. Past its deadline without an answer, the referral has ended: the partner is refused on
its next request although nothing has been swept yet (the consent row still has no ``ended`` event)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from sqlalchemy import select

from coordination import clock
from coordination.access.models import ConsentEvent
from coordination.referral.models import Referral
from tests.integration.referral.conftest import API, send

CONSENTED = ("plan", "trajectory", "sections/project")


async def _status(client, w, path: str) -> int:
    return (await client.get(f"{API}/persons/{w.person_id}/{path}", headers=w.h("cisp"))).status_code


async def test_an_overdue_referral_closes_the_file_before_any_sweep(client, world, database) -> None:
    w = world
    rid = (await send(client, w)).json()["id"]
    given = await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=w.h("person"))
    assert given.status_code == 200, given.text
    for path in CONSENTED:
        assert await _status(client, w, path) == 200, path
    async with database.sessionmaker() as s:
        referral = await s.get(Referral, UUID(rid))
        referral.deadline = clock.today() - timedelta(days=1)  # overdue, still "sent"
        await s.commit()
    for path in CONSENTED:
        assert await _status(client, w, path) == 403, path
    async with database.sessionmaker() as s:
        referral = await s.get(Referral, UUID(rid))
        assert referral.status == "sent"  # nothing swept: the gate itself saw that the referral ended
        events = await s.scalars(select(ConsentEvent).where(ConsentEvent.consent_id == referral.consent_id))
        assert [e.kind for e in events] == ["given"]


async def test_the_deadline_day_itself_still_counts(client, world, database) -> None:
    """Boundary: the referral expires the day AFTER its deadline (Brussels days), not on it."""
    w = world
    rid = (await send(client, w)).json()["id"]
    assert (
        await client.post(f"{API}/referrals/{rid}/consent", json={}, headers=w.h("person"))
    ).status_code == 200
    async with database.sessionmaker() as s:
        referral = await s.get(Referral, UUID(rid))
        referral.deadline = clock.today()
        await s.commit()
    assert await _status(client, w, "plan") == 200
