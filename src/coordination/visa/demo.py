"""Visa requests of the demo: the CPAS of Charleroi's two social workers each have work waiting this year.

Why these three: a CPAS worker opening the demo must be able to apply the four-eyes rule at once. Nadia
finds a request submitted by her colleague Thomas to decide, one of her own waiting for Thomas, and one
Thomas sent back to her for correction. The contracts are fixed (deterministic); their dates follow the
Brussels day (``coordination.clock``) and never leave the current year. They go through the visa service
(the same checks, the same stored checklist as a request typed on the page); the return is signed with the
instance's key like any decision.
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime, time, timedelta
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access import mandates
from coordination.access.principal import Principal
from coordination.clock import today as brussels_today
from coordination.directory.models import Role, User
from coordination.formatting import BRUSSELS
from coordination.visa.contract import Contract

SUBMITTER, COLLEAGUE = "nadia", "thomas"


def _shifts(start: str, end: str, days=(1, 2, 3, 4, 5), brk: int = 30) -> list[dict[str, Any]]:
    return [{"weekday": d, "start": start + ":00", "end": end + ":00", "break_minutes": brk} for d in days]


def demo_contracts(today: dt.date) -> list[dict[str, Any]]:
    """Three contracts as a CPAS worker would type them, starting two to four weeks from ``today``."""
    start = today + timedelta(days=14)
    common = {
        "signature_date": (start - timedelta(days=7)).isoformat(),
        "start_date": start.isoformat(),
        "written_before_start": True,
        "earlier_fixed_term_contracts": [],
        "unpaid_test_days": 0,
        "clauses": {},
    }
    return [
        {  # Thomas submitted it: Nadia decides
            **common,
            "kind": "open_ended",
            "employer_name": "Boulangerie Lenoir",
            "employer_bce": "0403170701",
            "joint_committee": "118",
            "function": "Vendeuse en boulangerie",
            "worker_category": "employee",
            "weekly_hours": 38,
            "full_time_weekly_hours": 38,
            "schedule": {
                "shifts": _shifts("07:00", "15:06"),
                "stated_in_contract": True,
                "unpaid_presence_minutes_per_week": 0,
            },
            "pay": {
                "gross_monthly": 2250,
                "frequency": "monthly",
                "payment_deadline_working_days": 4,
                "bank_transfer": True,
            },
            "worker": {"birth_date": "1999-01-01", "ris_beneficiary": True},
        },
        {  # Nadia submitted it: Thomas decides
            **common,
            "kind": "article_60",
            "employer_name": "CPAS de Charleroi",
            "function": "Ouvrière polyvalente (régie de quartier)",
            "worker_category": "manual",
            "weekly_hours": 38,
            "full_time_weekly_hours": 38,
            "schedule": {"shifts": _shifts("08:00", "16:06"), "stated_in_contract": True},
            "pay": {"gross_monthly": 2150, "frequency": "twice_monthly", "bank_transfer": True},
            "worker": {"birth_date": "1978-09-22", "ris_beneficiary": True},
            "article_60": {"employer_is_cpas": True, "planned_working_days": 312, "placed_with_user": False},
        },
        {  # Nadia submitted it, Thomas returned it: the schedule is missing
            **common,
            "kind": "fixed_term",
            "end_date": (start + timedelta(days=180)).isoformat(),
            "employer_name": "Titres-services Sambre",
            "function": "Aide ménagère",
            "worker_category": "manual",
            "weekly_hours": 19,
            "full_time_weekly_hours": 38,
            "pay": {"gross_hourly": 13.2},
            "worker": {"birth_date": "1978-09-22", "ris_beneficiary": True},
        },
    ]


def _principal(user: User) -> Principal:
    return Principal(
        user_id=user.id, display_name=user.display_name, role=user.role, organisation_id=user.organisation_id
    )


def _submitted_at(today: dt.date, days_ago: int, hour: int) -> datetime:
    """A morning of this year in Brussels (never before 1 January: the work waits in the current year)."""
    day = max(today - timedelta(days=days_ago), dt.date(today.year, 1, 1))
    return datetime.combine(day, time(hour, 15), tzinfo=BRUSSELS).astimezone(UTC)


async def seed_visa_demo(
    session: AsyncSession, people, users: dict[str, User], *, settings, today: dt.date | None = None
) -> list:
    """The three requests (flushed, not committed); none when the CPAS has not two workers or no RIS
    beneficiary. Returns the requests created."""
    from coordination.keys import signing_key
    from coordination.visa import services
    from coordination.visa.models import Decision

    today = today or brussels_today()
    nadia, thomas = users.get(SUBMITTER), users.get(COLLEAGUE)
    if nadia is None or thomas is None or nadia.role is not Role.CPAS_SOCIAL_WORKER:
        return []
    status = await mandates.statuses(session, [p.id for p in people])
    theirs = [p for p in people if status[p.id].ris_cpas_id == nadia.organisation_id]
    if not theirs:
        return []
    first, second = theirs[-1], theirs[0]  # Aïcha Diallo, then Sophie Lemaire in the demo's order
    contracts = [msgspec.convert(c, Contract) for c in demo_contracts(today)]
    plan = [
        (first, contracts[0], thomas, 2),
        (second, contracts[1], nadia, 1),
        (second, contracts[2], nadia, 6),
    ]
    created = []
    for person, contract, submitter, days_ago in plan:
        visa = await services.submit(session, person.id, contract, _principal(submitter))
        visa.created_at = _submitted_at(today, days_ago, 9 + days_ago)
        created.append(visa)
    await session.flush()
    returned = created[2]
    await services.decide(
        session,
        returned,
        Decision.RETURNED,
        "L'horaire de travail manque : ajoutez les jours et les heures de chaque prestation.",
        _principal(thomas),
        signing_key(settings),
        now=_submitted_at(today, 5, 14),
    )
    return created
