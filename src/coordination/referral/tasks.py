"""Deadlines: reminders to the partner before the deadline, expiry after it (a consent given for an
expired referral ends with it: the partner loses access to the file when the sweep runs).

Run once a day (idempotent: a reminder is sent once, an expiry written once) as the ``referrals`` step of
``coordination tasks`` (the task registry, :mod:`coordination.tasks`; ``--only referrals`` alone). Reading a referral never waits for this
sweep: :func:`coordination.referral.services.effective_status` already treats an overdue referral as
expired, and an answer after the deadline is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.cadastre import services as cadastre
from coordination.db.base import utcnow
from coordination.directory.models import Organisation
from coordination.referral import notices, rules, services
from coordination.referral.calendar import HolidayCalendar
from coordination.referral.models import Referral, ReferralHistory


@dataclass(frozen=True)
class SweepResult:
    reminders: int
    expired: int


async def run_deadlines(
    session: AsyncSession,
    referral_rules: rules.ReferralRules,
    calendar: HolidayCalendar,
    now: datetime | None = None,
) -> SweepResult:
    """Send due reminders and expire overdue referrals; flushes, the caller commits."""
    now = now or utcnow()
    today = rules.today_brussels(now)
    pending = (await session.scalars(select(Referral).where(Referral.status == rules.SENT))).all()
    reminders = expired = 0
    for referral in pending:
        service = await cadastre.get_service(session, referral.service_id)
        if today > referral.deadline:
            referral.status = rules.EXPIRED
            referral.closed_at = now
            session.add(
                ReferralHistory(referral_id=referral.id, event="expired", status=rules.EXPIRED, at=now)
            )
            org = await session.get(Organisation, referral.to_organisation_id)
            ended = await services.end_consent_with_referral(
                session,
                referral,
                None,
                f"{org.name} n'a pas répondu à l'orientation vers « {service.name} » dans le délai.",
            )
            await notices.to_partner(
                session,
                referral,
                "referral_expired",
                f"Orientation sans réponse : {referral.person_first_name}",
                f"Le délai pour répondre à l'orientation de {referral.person_first_name} vers « {service.name} » "
                f"est dépassé (échéance le {referral.deadline:%d/%m/%Y})."
                + (" Vous n'avez plus accès à son dossier." if ended else ""),
                actor=None,
            )
            await notices.to_sender(
                session,
                referral,
                "referral_expired",
                "Orientation sans réponse",
                f"{org.name} n'a pas répondu à l'orientation vers « {service.name} » dans le délai. "
                "Vous pouvez relancer ou orienter ailleurs.",
                actor=None,
            )
            await notices.to_person(
                session,
                referral,
                "referral_expired",
                f"Pas de réponse de {org.name}",
                f"{org.name} n'a pas répondu dans le délai pour « {service.name} ». Votre référent·e vous "
                "proposera une suite." + (services.access_ended_fr(org.name) if ended else ""),
            )
            expired += 1
            continue
        due = referral_rules.due_reminders(
            referral.deadline, today, list(referral.reminders_sent or []), calendar
        )
        if not due:
            continue
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
        await notices.to_partner(
            session,
            referral,
            "referral_reminder",
            f"Rappel : orientation de {referral.person_first_name}",
            f"Merci de répondre à l'orientation de {referral.person_first_name} vers « {service.name} » "
            f"avant le {referral.deadline:%d/%m/%Y} ({days_left} jour(s) ouvrable(s)).",
            actor=None,
        )
        reminders += 1
    await session.flush()
    return SweepResult(reminders=reminders, expired=expired)
