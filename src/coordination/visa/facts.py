"""Facts derived from a contract (age, hours, monthly and yearly pay, durations).

Why separate: several checks need the same arithmetic (a monthly equivalent of an hourly wage, the worked
minutes of a shift crossing midnight); doing it once keeps the checks short and consistent.
"""

from __future__ import annotations

import calendar
import datetime as dt

from coordination.visa.contract import BonusKind, Contract, Shift, Worker

WEEKS_PER_MONTH = 52 / 12
WEEK_MINUTES = 7 * 24 * 60
COUNTED_BONUSES = frozenset({BonusKind.YEAR_END, BonusKind.REGULAR})


def age_on(worker: Worker, on_date: dt.date) -> int | None:
    if worker.birth_date is not None:
        b = worker.birth_date
        return on_date.year - b.year - ((on_date.month, on_date.day) < (b.month, b.day))
    return worker.age


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def lasts_at_least(start: dt.date, end: dt.date, months: float) -> bool:
    """True if the period start..end (end inclusive) covers at least ``months`` calendar months."""
    return end + dt.timedelta(days=1) >= add_months(start, int(months))


def lasts_at_most(start: dt.date, end: dt.date, months: float) -> bool:
    return end + dt.timedelta(days=1) <= add_months(start, int(months))


def span_minutes(s: Shift) -> int:
    a = s.start.hour * 60 + s.start.minute
    b = s.end.hour * 60 + s.end.minute
    return b - a if b > a else b - a + 24 * 60


def worked_hours(s: Shift) -> float:
    return max(span_minutes(s) - s.break_minutes, 0) / 60


def week_intervals(shifts: list[Shift]) -> list[tuple[int, int]]:
    """Shifts as (start, end) minutes from Monday 00:00, sorted."""
    out = []
    for s in shifts:
        a = (s.weekday - 1) * 1440 + s.start.hour * 60 + s.start.minute
        out.append((a, a + span_minutes(s)))
    out.sort()
    return out


def rest_gaps_hours(shifts: list[Shift]) -> list[float]:
    """Rest between consecutive shifts of the weekly pattern, wrapping from Sunday to Monday."""
    iv = week_intervals(shifts)
    if len(iv) < 2:
        return []
    gaps = [(iv[i + 1][0] - iv[i][1]) / 60 for i in range(len(iv) - 1)]
    gaps.append((iv[0][0] + WEEK_MINUTES - iv[-1][1]) / 60)
    return gaps


def overlaps_night(s: Shift, night_start_h: float, night_end_h: float) -> bool:
    """True if any part of the shift falls between night_start (e.g. 20:00) and night_end (06:00)."""
    a = s.start.hour * 60 + s.start.minute
    b = a + span_minutes(s)
    ns, ne = int(night_start_h * 60), int(night_end_h * 60)
    for day in (-1440, 0, 1440):  # night windows of the previous, same and next day
        w0, w1 = ns + day, ne + 1440 + day
        if a < w1 and b > w0:
            return True
    return False


def days_per_week(shifts: list[Shift]) -> int:
    return len({s.weekday for s in shifts})


def daily_hours(shifts: list[Shift]) -> dict[int, float]:
    out: dict[int, float] = {}
    for s in shifts:
        out[s.weekday] = out.get(s.weekday, 0.0) + worked_hours(s)
    return out


def scheduled_weekly_hours(shifts: list[Shift]) -> float:
    return sum(worked_hours(s) for s in shifts)


def base_monthly_gross(c: Contract) -> float | None:
    """Gross monthly base pay; an hourly wage is converted on the contract's weekly hours (52/12 weeks)."""
    p = c.pay
    if p is None:
        return None
    if p.gross_monthly is not None:
        return p.gross_monthly
    if p.gross_hourly is not None and c.weekly_hours is not None:
        return p.gross_hourly * c.weekly_hours * WEEKS_PER_MONTH
    return None


def counted_bonuses_monthly(c: Contract) -> float:
    """Bonuses that count towards the minimum wage (year-end and regular ones), per month on average."""
    if c.pay is None:
        return 0.0
    total = 0.0
    for b in c.pay.bonuses:
        if b.kind in COUNTED_BONUSES:
            total += b.amount / 12 if b.per == "year" else b.amount
    return total


def average_monthly_gross(c: Contract) -> float | None:
    base = base_monthly_gross(c)
    return None if base is None else base + counted_bonuses_monthly(c)


def yearly_gross(c: Contract) -> float | None:
    avg = average_monthly_gross(c)
    return None if avg is None else avg * 12


def is_part_time(c: Contract) -> bool | None:
    if c.weekly_hours is None or c.full_time_weekly_hours is None:
        return None
    return c.weekly_hours < c.full_time_weekly_hours - 1e-9


def hours_fraction(c: Contract) -> float | None:
    if c.weekly_hours is None or c.full_time_weekly_hours is None:
        return None
    return c.weekly_hours / c.full_time_weekly_hours
