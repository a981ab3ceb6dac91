"""Hours monitoring after signature: hours worked (recorded by the partner, per day or week) set against the
hours the approved contract pays over the same period.

Why: the working group's case is a person paid for 19 hours a week who works 38. The visa checks the
contract before signature; only attendance tied to that approved contract, compared period by period, shows
what happens after. A gap over the tolerance (``policies/visa/monitoring.toml``) is told once to the
person's referent, to the worker who decided the visa, and to the person in her own space (the notices are
the subscribers of :class:`~coordination.visa.events.HoursOverContract`, in :mod:`coordination.visa.notices`).

The comparison is pure (:func:`paid_hours`, :func:`compare`); the async functions load, store and record.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock, events
from coordination.access.principal import Principal
from coordination.dossier.models import TrajectoryStep
from coordination.dossier.services.common import get_owned
from coordination.errors import Conflict, Unprocessable
from coordination.shapes import from_row
from coordination.visa import facts
from coordination.visa.contract import Shift
from coordination.visa.events import HoursOverContract
from coordination.visa.models import AttendancePeriod, Decision, VisaRequest, VisaStatus
from coordination.visa.schemas import AttendanceIn

MONITORING_FILE = Path(__file__).resolve().parents[3] / "policies" / "visa" / "monitoring.toml"
APPROVED = (Decision.APPROVED, Decision.APPROVED_WITH_RESERVATIONS)
MAX_PERIOD_DAYS = 7


@dataclass(frozen=True)
class Monitoring:
    """Rules as data: how many hours of difference a week tolerates before people are told."""

    tolerance_hours_per_week: float

    def tolerance(self, days: int) -> float:
        return round(self.tolerance_hours_per_week * days / 7, 2)


@functools.cache
def monitoring(path: Path = MONITORING_FILE) -> Monitoring:
    with open(path, "rb") as f:
        data = tomllib.load(f)
    value = float(data["tolerance_hours_per_week"])
    if value < 0:
        raise ValueError("tolerance_hours_per_week must not be negative")
    return Monitoring(value)


def paid_hours(contract: dict[str, Any], start: dt.date, end: dt.date) -> float | None:
    """Hours the contract pays over ``start``..``end`` (both included).

    With a weekly pattern of shifts: the hours of the shifts that fall on those days (a whole week gives
    the weekly hours). Without one: the weekly hours pro rata of the days. ``None`` when the contract does
    not say its hours (nothing to compare)."""
    days = (end - start).days + 1
    shifts = ((contract.get("schedule") or {}).get("shifts")) or []
    weekly = contract.get("weekly_hours")
    if shifts:
        per_day: dict[int, float] = {}
        for raw in shifts:
            s = Shift(
                weekday=raw["weekday"],
                start=dt.time.fromisoformat(raw["start"]),
                end=dt.time.fromisoformat(raw["end"]),
                break_minutes=raw.get("break_minutes", 0),
            )
            per_day[s.weekday] = per_day.get(s.weekday, 0.0) + facts.worked_hours(s)
        total = sum(per_day.get((start + dt.timedelta(days=i)).isoweekday(), 0.0) for i in range(days))
        if weekly is not None and days == 7:
            total = max(total, float(weekly))  # the contract pays at least its weekly hours
        return round(total, 2)
    if weekly is None:
        return None
    return round(float(weekly) * days / 7, 2)


@dataclass(frozen=True)
class Comparison:
    period_start: dt.date
    period_end: dt.date
    hours_worked: float
    hours_paid: float | None
    gap: float | None  # worked − paid; positive: unpaid hours
    tolerance: float
    over: bool


def compare(contract: dict[str, Any], row: AttendancePeriod, rules: Monitoring | None = None) -> Comparison:
    rules = rules or monitoring()
    days = (row.period_end - row.period_start).days + 1
    paid = paid_hours(contract, row.period_start, row.period_end)
    gap = None if paid is None else round(row.hours_worked - paid, 2)
    tolerance = rules.tolerance(days)
    return Comparison(
        row.period_start,
        row.period_end,
        row.hours_worked,
        paid,
        gap,
        tolerance,
        gap is not None and gap > tolerance,
    )


def check_period(start: dt.date, end: dt.date, hours: float, contract: dict[str, Any]) -> None:
    """A French 422 for a period that cannot be compared (reversed, longer than a week, impossible hours,
    outside the contract)."""
    if end < start:
        raise Unprocessable("La fin de la période précède son début.", code="attendance-period")
    days = (end - start).days + 1
    if days > MAX_PERIOD_DAYS:
        raise Unprocessable(
            "Encodez les présences par jour ou par semaine (7 jours au plus).", code="attendance-period"
        )
    if hours < 0 or hours > 24 * days:
        raise Unprocessable(
            f"{hours:g} heures sur {days} jour(s) : ce nombre d'heures est impossible.",
            code="attendance-hours",
        )
    first = contract.get("start_date")
    last = contract.get("end_date")
    if (first and start < dt.date.fromisoformat(first)) or (last and end > dt.date.fromisoformat(last)):
        raise Unprocessable(
            "Cette période sort des dates du contrat approuvé.", code="attendance-outside-contract"
        )


def require_approved(visa: VisaRequest) -> None:
    if visa.status is not VisaStatus.DECIDED or visa.decision not in APPROVED:
        raise Conflict(
            "Les présences se rattachent à un contrat dont le visa a été accordé.",
            code="attendance-not-approved",
        )


async def record(
    session: AsyncSession, visa: VisaRequest, actor: Principal, period: AttendanceIn
) -> AttendancePeriod:
    """Store one period of attendance for an approved contract (a period is recorded once)."""
    require_approved(visa)
    check_period(period.period_start, period.period_end, period.hours_worked, visa.contract or {})
    if period.step_id is not None:
        # the step must be one of this person's steps (an id from another file is a 404)
        await get_owned(session, TrajectoryStep, period.step_id, visa.person_id, "Étape du parcours")
    row = AttendancePeriod(
        **msgspec.structs.asdict(period)
        | {
            "note": (period.note or "").strip()[:1000] or None,
            "person_id": visa.person_id,
            "visa_id": visa.id,
            "recorded_by": actor.user_id,
            "recorded_by_name": actor.display_name,
            "organisation_id": actor.organisation_id,
        }
    )
    session.add(row)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "Une présence est déjà enregistrée pour cette période de ce contrat.", code="attendance-duplicate"
        ) from exc
    return row


async def for_visa(session: AsyncSession, visa_id: UUID) -> list[AttendancePeriod]:
    rows = await session.scalars(
        select(AttendancePeriod)
        .where(AttendancePeriod.visa_id == visa_id)
        .order_by(AttendancePeriod.period_start)
    )
    return list(rows)


async def comparisons(session: AsyncSession, visa: VisaRequest) -> list[Comparison]:
    return [compare(visa.contract or {}, row) for row in await for_visa(session, visa.id)]


async def notify_gaps(session: AsyncSession, today: dt.date, rules: Monitoring | None = None) -> int:
    """The daily step: every period ended before ``today`` and not yet reported, compared with its contract;
    over the tolerance, a :class:`~coordination.visa.events.HoursOverContract` is recorded once (its
    subscribers tell the referent, the visa's decider and the person). Returns how many periods were
    reported."""
    rules = rules or monitoring()
    pending = await session.execute(
        select(AttendancePeriod, VisaRequest)
        .join(VisaRequest, VisaRequest.id == AttendancePeriod.visa_id)
        .where(AttendancePeriod.alerted_at.is_(None), AttendancePeriod.period_end < today)
        .order_by(AttendancePeriod.period_start)
    )
    told = 0
    for period, visa in pending.all():
        if not compare(visa.contract or {}, period, rules).over:
            continue
        period.alerted_at = clock.now()
        over = from_row(
            period,  # its person and visa
            HoursOverContract,
            attendance_id=period.id,
            tolerance_hours_per_week=rules.tolerance_hours_per_week,
        )
        await events.record(session, over)
        told += 1
    await session.flush()
    return told
