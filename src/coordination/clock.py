"""Time as the law counts it: instants are UTC, days are Europe/Brussels days.

One place for the time zone, so that "today" means the same thing in the gate, the referral deadlines and
the pages (a day computed in UTC is yesterday's between 23:00 and 00:00 in Brussels).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


def now() -> datetime:
    return datetime.now(UTC)


def brussels_day(at: datetime) -> date:
    """The Brussels calendar day of the instant ``at`` (aware)."""
    return at.astimezone(BRUSSELS).date()


def today() -> date:
    return brussels_day(now())
