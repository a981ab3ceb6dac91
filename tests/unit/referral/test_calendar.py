"""Working-day deadlines: weekends, Belgian legal holidays (the ``holidays`` library), extra days as data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from coordination.referral.calendar import CalendarError, HolidayCalendar, load_calendar, parse_calendar
from coordination.referral.rules import load_rules

POLICIES = Path(__file__).resolve().parents[3] / "policies"


@pytest.fixture(scope="module")
def cal() -> HolidayCalendar:
    return load_calendar(POLICIES)


def test_the_ten_legal_holidays_of_2026(cal) -> None:
    days = sorted(cal.holidays_of(2026))
    assert days == [
        date(2026, 1, 1),
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 25),  # Whit Monday
        date(2026, 7, 21),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 11, 11),
        date(2026, 12, 25),
    ]


def test_plain_weeks(cal) -> None:
    # Monday 2 March 2026 + 10 working days = Monday 16 March (two weekends skipped)
    assert cal.add_working_days(date(2026, 3, 2), 10) == date(2026, 3, 16)
    # Friday + 1 = Monday
    assert cal.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)
    # sent on a Saturday or a Sunday: counting starts on Monday
    assert cal.add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)
    assert cal.add_working_days(date(2026, 3, 8), 10) == date(2026, 3, 20)
    assert cal.add_working_days(date(2026, 3, 4), 0) == date(2026, 3, 4)


def test_holidays_are_skipped(cal) -> None:
    # Thursday 2 April 2026, Easter Monday 6 April skipped: 10 working days → Friday 17 April
    assert cal.add_working_days(date(2026, 4, 2), 10) == date(2026, 4, 17)
    # Ascension (Thu 14 May) and Whit Monday (25 May) in the same window
    assert cal.add_working_days(date(2026, 5, 11), 10) == date(2026, 5, 27)
    # 11 November on a Wednesday
    assert cal.add_working_days(date(2026, 11, 10), 1) == date(2026, 11, 12)
    # Christmas and New Year across the year boundary: 24 Dec 2026 (Thu) + 10
    assert cal.add_working_days(date(2026, 12, 24), 10) == date(2027, 1, 11)
    # a holiday falling on a weekend costs nothing (15 August 2026 is a Saturday)
    assert cal.add_working_days(date(2026, 8, 14), 1) == date(2026, 8, 17)


def test_working_days_between_and_back(cal) -> None:
    assert cal.working_days_between(date(2026, 4, 2), date(2026, 4, 17)) == 10
    assert cal.working_days_between(date(2026, 4, 17), date(2026, 4, 2)) == 0
    assert cal.subtract_working_days(date(2026, 4, 17), 3) == date(2026, 4, 14)
    assert cal.subtract_working_days(date(2026, 4, 9), 3) == date(2026, 4, 3)  # over Easter Monday
    assert not cal.is_working_day(date(2026, 4, 6))
    assert not cal.is_working_day(date(2026, 4, 4))
    assert cal.is_working_day(date(2026, 4, 7))


def test_years_after_the_old_table_are_computed(cal) -> None:
    """The hand-written table ended in 2030 and refused 2031; Easter moves, the library computes it."""
    days = cal.holidays_of(2031)
    assert len(days) == 10
    assert days[date(2031, 4, 14)] == "Lundi de Pâques"  # Easter Sunday 2031 is 13 April
    assert date(2031, 5, 22) in days  # Ascension, 39 days after Easter
    assert date(2031, 6, 2) in days  # Whit Monday
    assert cal.add_working_days(date(2031, 4, 11), 1) == date(2031, 4, 15)  # Friday → Tuesday
    assert cal.name_of(date(2035, 12, 25)) == "Noël"


def test_a_year_the_library_does_not_cover_is_refused(cal) -> None:
    with pytest.raises(CalendarError, match="1900"):
        cal.add_working_days(date(1900, 3, 2), 1)
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 3, 2), -1)


def test_extra_days_count_as_holidays() -> None:
    cal = parse_calendar({"extra": {"2026-09-28": "Fête FWB (lundi)"}})
    assert cal.add_working_days(date(2026, 9, 25), 1) == date(2026, 9, 29)
    assert cal.holidays_of(2026)[date(2026, 9, 28)] == "Fête FWB (lundi)"
    assert cal.name_of(date(2026, 9, 28)) == "Fête FWB (lundi)"


def test_default_deadline_is_ten_working_days(cal) -> None:
    rules = load_rules(POLICIES)
    assert rules.deadline_working_days == 10
    assert rules.deadline(date(2026, 4, 2), cal) == date(2026, 4, 17)
