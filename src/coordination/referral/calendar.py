"""Working days in Belgium: Monday to Friday, minus the legal public holidays.

Pure functions, unit-tested without a database. The ten legal holidays (loi du 4 janvier 1974) come from
the maintained ``holidays`` library, computed for any year (Easter included); the days an operator's
agreement adds (regional or community days such as 27 September) stay data, under ``[extra]`` in
``policies/belgian_holidays.toml``. A date outside the years the library knows is refused rather than
counted as if it had no holiday (a silently wrong deadline is worse than a loud error).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import holidays as holiday_library
from dateutil.easter import easter


class CalendarError(ValueError):
    """The holiday data does not cover a date that was asked about."""


@lru_cache(maxsize=1)
def _legal_holidays() -> holiday_library.HolidayBase:
    """Belgium's legal holidays, French names; years are computed when first asked about."""
    return holiday_library.country_holidays("BE", language="fr")


@dataclass(frozen=True)
class HolidayCalendar:
    extra: dict[date, str] = field(default_factory=dict)
    """Days an operator's agreement adds to the legal holidays (data, not law)."""
    version: str = ""

    def _covered(self, day: date) -> None:
        legal = _legal_holidays()
        if not legal.start_year <= day.year <= legal.end_year:
            raise CalendarError(
                f"Les jours fériés de {day.year} ne sont pas connus "
                f"(la bibliothèque des jours fériés couvre {legal.start_year}–{legal.end_year})."
            )

    def holidays_of(self, year: int) -> dict[date, str]:
        """The legal holidays and the extra days of ``year``, by date."""
        self._covered(date(year, 1, 1))
        legal = holiday_library.country_holidays("BE", years=year, language="fr")
        sundays = {easter(year), easter(year) + timedelta(days=49)}  # listed by the library, always Sundays
        days = {day: str(name) for day, name in legal.items() if day not in sundays}
        days.update({day: name for day, name in self.extra.items() if day.year == year})
        return dict(sorted(days.items()))

    def name_of(self, day: date) -> str | None:
        self._covered(day)
        return self.extra.get(day) or _legal_holidays().get(day)

    def is_working_day(self, day: date) -> bool:
        self._covered(day)
        return day.weekday() < 5 and day not in self.extra and day not in _legal_holidays()

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
    """The ``[extra]`` days of ``policies/belgian_holidays.toml`` (the legal ones are the library's)."""
    extra = {date.fromisoformat(k): str(v) for k, v in (data.get("extra") or {}).items()}
    return HolidayCalendar(extra=extra, version=str(data.get("version", "")))


@lru_cache(maxsize=4)
def load_calendar(policies_dir: Path) -> HolidayCalendar:
    with (Path(policies_dir) / "belgian_holidays.toml").open("rb") as handle:
        return parse_calendar(tomllib.load(handle))
