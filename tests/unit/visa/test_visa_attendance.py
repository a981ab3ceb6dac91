"""Hours worked against hours paid, per period: the pure comparison (issue 18, point 9)."""

import datetime as dt

import msgspec
import pytest
from visa_builders import base, week, with_schedule

from coordination.errors import Unprocessable
from coordination.visa import attendance
from coordination.visa.attendance import Monitoring, check_period, compare, paid_hours
from coordination.visa.models import AttendancePeriod

D = dt.date
HALF_TIME = msgspec.to_builtins(with_schedule(base(weekly_hours=19), shifts=week("08:00", "11:48", brk=0)))
NO_SHIFTS = {"weekly_hours": 19}
RULES = Monitoring(tolerance_hours_per_week=1.0)


def row(start: dt.date, end: dt.date, hours: float) -> AttendancePeriod:
    return AttendancePeriod(period_start=start, period_end=end, hours_worked=hours)


def test_paid_hours_per_week_and_per_day():
    assert paid_hours(HALF_TIME, D(2025, 6, 2), D(2025, 6, 8)) == 19  # Monday to Sunday
    assert paid_hours(HALF_TIME, D(2025, 6, 3), D(2025, 6, 3)) == 3.8  # a Tuesday
    assert paid_hours(HALF_TIME, D(2025, 6, 7), D(2025, 6, 7)) == 0  # a Saturday: no shift
    assert paid_hours(NO_SHIFTS, D(2025, 6, 2), D(2025, 6, 8)) == 19
    assert paid_hours(NO_SHIFTS, D(2025, 6, 2), D(2025, 6, 2)) == round(19 / 7, 2)
    assert paid_hours({}, D(2025, 6, 2), D(2025, 6, 8)) is None


@pytest.mark.parametrize(
    ("worked", "over"), [(38, True), (40, True), (20, False), (20.01, True), (19, False)]
)
def test_the_working_groups_case_paid_19_hours(worked, over):
    """Paid 19 h a week, 38, 38 and 40 h of attendance: each week is far over any tolerance."""
    c = compare(HALF_TIME, row(D(2025, 6, 2), D(2025, 6, 8), worked), RULES)
    assert c.hours_paid == 19 and c.gap == round(worked - 19, 2) and c.over is over


def test_tolerance_is_pro_rata_of_the_period():
    day = compare(HALF_TIME, row(D(2025, 6, 3), D(2025, 6, 3), 4.0), RULES)
    assert day.tolerance == 0.14 and day.gap == 0.2 and day.over
    assert not compare(HALF_TIME, row(D(2025, 6, 3), D(2025, 6, 3), 3.9), RULES).over


def test_no_paid_hours_no_alert():
    assert not compare({}, row(D(2025, 6, 2), D(2025, 6, 8), 40), RULES).over


def test_the_shipped_tolerance_is_read_from_the_rule_file():
    assert attendance.monitoring().tolerance_hours_per_week >= 0


@pytest.mark.parametrize(
    ("start", "end", "hours", "code"),
    [
        (D(2025, 6, 8), D(2025, 6, 2), 10, "attendance-period"),
        (D(2025, 6, 2), D(2025, 6, 9), 10, "attendance-period"),  # 8 days
        (D(2025, 6, 2), D(2025, 6, 2), 25, "attendance-hours"),
        (D(2025, 5, 26), D(2025, 6, 1), 10, "attendance-outside-contract"),  # before the start
    ],
)
def test_periods_that_cannot_be_compared_are_refused(start, end, hours, code):
    with pytest.raises(Unprocessable) as err:
        check_period(start, end, hours, HALF_TIME)
    assert err.value.code == code


def test_a_whole_week_inside_the_contract_is_accepted():
    check_period(D(2025, 6, 2), D(2025, 6, 8), 38, HALF_TIME)
