"""Working days in Belgium: Monday to Friday, minus the legal public holidays held as data.

Pure functions, unit-tested without a database. The holiday list lives in
``policies/belgian_holidays.toml``; a date outside the years it covers is refused rather than counted
as if it had no holiday (a silently wrong deadline is worse than a loud error asking for the data).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path


class CalendarError(ValueError):
    """The holiday data does not cover a date that was asked about."""


@dataclass(frozen=True)
class HolidayCalendar:
    first_year: int
    last_year: int
    holidays: dict[date, str] = field(default_factory=dict)
    version: str = ""

    def _covered(self, day: date) -> None:
        if not self.first_year <= day.year <= self.last_year:
            raise CalendarError(
                f"Les jours fériés de {day.year} ne sont pas encore renseignés "
                f"(policies/belgian_holidays.toml couvre {self.first_year}–{self.last_year})."
            )

    def is_working_day(self, day: date) -> bool:
        self._covered(day)
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day strictly after ``start`` (``start`` itself never counts).

        ``count == 0`` gives ``start``. Used for deadlines: sent on day D, answer by the 10th working day
        after D.
        """
        if count < 0:
            raise ValueError("count must be >= 0")
        day = start
        remaining = count
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``: 0 when ``end <= start``. ``end`` counts, ``start`` does not."""
        if end <= start:
            return 0
        days = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                days += 1
        return days

    def subtract_working_days(self, end: date, count: int) -> date:
        """The working day ``count`` working days before ``end`` (``end`` must itself be a working day
        for the result to be meaningful; reminders are computed from a deadline that always is)."""
        day = end
        remaining = count
        while remaining:
            day -= timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day


def parse_calendar(data: dict) -> HolidayCalendar:
    holidays = {date.fromisoformat(k): str(v) for k, v in (data.get("holidays") or {}).items()}
    holidays.update({date.fromisoformat(k): str(v) for k, v in (data.get("extra") or {}).items()})
    return HolidayCalendar(
        first_year=int(data["first_year"]),
        last_year=int(data["last_year"]),
        holidays=holidays,
        version=str(data.get("version", "")),
    )


@lru_cache(maxsize=4)
def load_calendar(policies_dir: Path) -> HolidayCalendar:
    with (Path(policies_dir) / "belgian_holidays.toml").open("rb") as handle:
        return parse_calendar(tomllib.load(handle))
