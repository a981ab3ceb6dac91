"""Deadlines: reminders to the partner before the deadline, expiry after it (a consent given for an
expired referral ends with it: the partner loses access to the file when the sweep runs).

Run once a day (idempotent: a reminder is sent once, an expiry written once) as the ``referrals`` step of
``coordination tasks`` (the task registry, :mod:`coordination.tasks`; ``--only referrals`` alone): a
function the registry calls, the runner commits. Reading a referral never waits for this sweep:
:func:`coordination.referral.services.effective_status` already treats an overdue referral as expired,
and an answer after the deadline is refused. The messages are the subscribers of the events recorded
here (:mod:`coordination.referral.notices`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.cadastre.models import Service
from coordination.directory.models import Organisation
from coordination.events import record
from coordination.referral import events, rules, services
from coordination.referral.calendar import HolidayCalendar
from coordination.referral.models import Referral, ReferralHistory


@dataclass(frozen=True)
class SweepResult:
    reminders: int
    expired: int


async def _expire(session: AsyncSession, referral: Referral, now: datetime) -> None:
    """Past its deadline without an answer: expired, and the consent given for it ends."""
    referral.status = rules.EXPIRED
    referral.closed_at = now
    session.add(ReferralHistory(referral_id=referral.id, event="expired", status=rules.EXPIRED, at=now))
    service = await session.scalar(select(Service.name).where(Service.id == referral.service_id))
    org = await session.scalar(
        select(Organisation.name).where(Organisation.id == referral.to_organisation_id)
    )
    ended = await services.end_consent_with_referral(
        session,
        referral,
        None,
        f"{org} n'a pas répondu à l'orientation vers « {service} » dans le délai.",
    )
    await record(
        session,
        events.ReferralExpired(referral_id=referral.id, person_id=referral.person_id, access_ended=ended),
    )


async def _remind(
    session: AsyncSession,
    referral: Referral,
    referral_rules: rules.ReferralRules,
    calendar: HolidayCalendar,
    today: date,
    now: datetime,
) -> bool:
    """The reminders due today (all passed ones marked at once, one message); ``False`` when none."""
    due = referral_rules.due_reminders(
        referral.deadline, today, list(referral.reminders_sent or []), calendar
    )
    if not due:
        return False
    referral.reminders_sent = sorted({*(referral.reminders_sent or []), *due})
    days_left = calendar.working_days_between(today, referral.deadline)
    session.add(
        ReferralHistory(
            referral_id=referral.id,
            event="reminder",
            status=referral.status,
            at=now,
            note=f"{days_left} jour(s) ouvrable(s) avant l'échéance",
        )
    )
    await record(
        session,
        events.ReferralReminded(
            referral_id=referral.id, person_id=referral.person_id, working_days_left=days_left
        ),
    )
    return True


async def run_deadlines(
    session: AsyncSession,
    referral_rules: rules.ReferralRules,
    calendar: HolidayCalendar,
    now: datetime | None = None,
) -> SweepResult:
    """Send due reminders and expire overdue referrals; flushes, the caller commits."""
    now = now or clock.now()
    today = clock.brussels_day(now)
    pending = (await session.scalars(select(Referral).where(Referral.status == rules.SENT))).all()
    reminders = expired = 0
    for referral in pending:
        if today > referral.deadline:
            await _expire(session, referral, now)
            expired += 1
        elif await _remind(session, referral, referral_rules, calendar, today, now):
            reminders += 1
    await session.flush()
    return SweepResult(reminders=reminders, expired=expired)
