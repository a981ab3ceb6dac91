"""Pay and working-time checks at, just under and just over their thresholds, and across parameter dates."""

import datetime as dt

import pytest
from visa_builders import (
    base,
    run,
    shipped_scale_only,
    status,
    t,
    week,
    with_clauses,
    with_pay,
    with_schedule,
    with_worker,
)

from coordination.visa.contract import Bonus, BonusKind, ContractKind, Overtime, Schedule, Shift, Worker

D = dt.date


def full_time(monthly: float, start: dt.date) -> object:
    return with_pay(base(start_date=start), gross_monthly=monthly)


@pytest.mark.parametrize(
    ("monthly", "start", "expected"),
    [
        (2111.89, D(2025, 2, 1), "conforme"),
        (2111.88, D(2025, 2, 1), "non_conforme"),
        (2111.90, D(2025, 2, 1), "conforme"),
        (2080.00, D(2025, 1, 31), "conforme"),  # 2,070.48 in force the day before
        (2080.00, D(2025, 2, 1), "non_conforme"),
        (2070.48, D(2024, 5, 1), "conforme"),
        (2070.47, D(2024, 5, 1), "non_conforme"),
        (2050.00, D(2024, 4, 30), "conforme"),
        (1994.18, D(2023, 11, 1), "conforme"),
        (1994.17, D(2023, 11, 1), "non_conforme"),
        (5000.00, D(2026, 3, 31), "conforme"),
        # 2026: the amount is unknown; 2,111.89 stays a floor, the documented ceiling bounds it above
        (2111.88, D(2026, 1, 1), "non_conforme"),
        (2111.89, D(2026, 1, 1), "a_verifier"),
        (2154.12, D(2026, 3, 31), "a_verifier"),
        (2154.13, D(2026, 3, 31), "conforme"),
        (2154.13, D(2026, 4, 1), "a_verifier"),
        (2233.62, D(2026, 4, 1), "a_verifier"),
        (2233.63, D(2026, 4, 1), "conforme"),
        (1500.00, D(2026, 6, 1), "non_conforme"),
        (5000.00, D(2027, 1, 1), "a_verifier"),  # no ceiling after 2026: never guessed
        (2100.00, D(2027, 1, 1), "non_conforme"),  # but still under the floor
        (5000.00, D(2023, 10, 31), "a_verifier"),
    ],
)
def test_wage_rmmmg_thresholds_and_dates(monthly, start, expected):
    assert status(full_time(monthly, start), "WAGE_RMMMG") == expected


def test_wage_rmmmg_unknown_date_says_why():
    r = run(full_time(2150, D(2026, 4, 1))).by_id("WAGE_RMMMG")
    assert r.status == "a_verifier"
    assert "n'est pas connue" in r.explanation and "1 avril 2026" in r.explanation
    assert "2.111,89 €" in r.explanation  # the last known amount, the floor


@pytest.mark.parametrize(("monthly", "expected"), [(1055.95, "conforme"), (1055.93, "non_conforme")])
def test_wage_rmmmg_pro_rata_half_time(monthly, expected):
    c = with_pay(base(weekly_hours=19, start_date=D(2025, 6, 1)), gross_monthly=monthly)
    c = with_schedule(c, shifts=week("08:00", "11:48", brk=0))
    assert status(c, "WAGE_RMMMG") == expected


def test_wage_rmmmg_year_end_bonus_counts_holiday_pay_does_not():
    year_end = with_pay(base(), gross_monthly=2000, bonuses=[Bonus(kind=BonusKind.YEAR_END, amount=1342.68)])
    holiday = with_pay(
        base(), gross_monthly=2000, bonuses=[Bonus(kind=BonusKind.HOLIDAY_PAY, amount=1342.68)]
    )
    assert status(year_end, "WAGE_RMMMG") == "conforme"
    assert status(holiday, "WAGE_RMMMG") == "non_conforme"


def test_wage_rmmmg_hourly_wage_converted():
    ok = with_pay(base(), gross_monthly=None, gross_hourly=12.8252)
    low = with_pay(base(), gross_monthly=None, gross_hourly=12.8251)
    assert status(ok, "WAGE_RMMMG") == "conforme"
    assert status(low, "WAGE_RMMMG") == "non_conforme"


def test_wage_rmmmg_exclusions():
    short = with_pay(base(kind=ContractKind.FIXED_TERM, end_date=D(2025, 6, 20)), gross_monthly=1500)
    assert status(short, "WAGE_RMMMG") == "sans_objet"
    month = with_pay(base(kind=ContractKind.FIXED_TERM, end_date=D(2025, 6, 30)), gross_monthly=1500)
    assert status(month, "WAGE_RMMMG") == "non_conforme"
    minor = with_pay(with_worker(base(), birth_date=D(2008, 1, 1)), gross_monthly=1500)
    assert status(minor, "WAGE_RMMMG") == "sans_objet"
    no_age = with_pay(base(worker=Worker()), gross_monthly=1500)
    assert status(no_age, "WAGE_RMMMG") == "a_verifier"
    assert status(base(pay=None), "WAGE_RMMMG") == "a_verifier"


@pytest.mark.parametrize(
    ("birth", "student", "monthly", "expected"),
    [
        (D(2008, 6, 1), False, 1541.68, "conforme"),  # 17 on 1-6-2025: 73 %
        (D(2008, 6, 1), False, 1541.67, "non_conforme"),
        (D(2008, 6, 2), False, 1414.97, "conforme"),  # 16 the day before the 17th birthday: 67 %
        (D(2008, 6, 2), False, 1414.96, "non_conforme"),
        (D(2009, 6, 2), False, 1414.97, "conforme"),  # 15: 67 %
        (D(2009, 6, 2), False, 1414.96, "non_conforme"),
        (D(2005, 1, 1), True, 1900.71, "conforme"),  # student 20: 90 %
        (D(2005, 1, 1), True, 1900.69, "non_conforme"),
        (D(2006, 1, 1), True, 1795.11, "conforme"),  # student 19: 85 % = 1795.1065
        (D(2006, 1, 1), True, 1795.10, "non_conforme"),
        (D(2005, 1, 1), False, 1000.00, "sans_objet"),  # 20, not a student: adult minimum
        (D(2003, 1, 1), True, 1000.00, "sans_objet"),  # student 22
    ],
)
def test_wage_youth(birth, student, monthly, expected):
    c = with_pay(with_worker(base(), birth_date=birth, is_student=student), gross_monthly=monthly)
    assert status(c, "WAGE_YOUTH") == expected


def test_wage_youth_sector_scale_and_date():
    c = with_pay(
        with_worker(base(), birth_date=D(2008, 6, 2)), gross_monthly=1000, sector_has_youth_scale=True
    )
    assert status(c, "WAGE_YOUTH") == "sans_objet"
    old = with_pay(with_worker(base(start_date=D(2022, 3, 31)), birth_date=D(2005, 6, 2)), gross_monthly=1000)
    assert status(old, "WAGE_YOUTH") == "a_verifier"


@pytest.mark.parametrize(("monthly", "expected"), [(2200.0, "conforme"), (2199.99, "non_conforme")])
def test_wage_sector_configured_scale(monthly, expected):
    assert status(with_pay(shipped_scale_only(base()), gross_monthly=monthly), "WAGE_SECTOR") == expected


def test_wage_sector_without_scale_is_to_verify():
    r = run(shipped_scale_only(base(joint_committee="118"))).by_id("WAGE_SECTOR")
    assert r.status == "a_verifier" and "CP 118" in r.explanation
    assert "saisissez le minimum sectoriel" in r.explanation
    old = shipped_scale_only(base(start_date=D(2023, 12, 31)))
    assert status(old, "WAGE_SECTOR") == "a_verifier"  # scale valid from 2024


def test_hours_paid():
    assert status(base(), "HOURS_PAID") == "conforme"
    assert status(base(weekly_hours=37.9), "HOURS_PAID") == "non_conforme"
    assert status(with_schedule(base(), unpaid_presence_minutes_per_week=15), "HOURS_PAID") == "non_conforme"
    assert status(with_schedule(base(), unpaid_presence_minutes_per_week=None), "HOURS_PAID") == "a_verifier"


def five(end: str, start: str = "08:00", brk: int = 0, days=(1, 2, 3, 4, 5)):
    return with_schedule(base(weekly_hours=45), shifts=week(start, end, days=days, brk=brk))


@pytest.mark.parametrize(
    ("contract", "expected"),
    [
        (base(), "conforme"),
        (
            with_schedule(base(weekly_hours=40), shifts=week("08:00", "16:00", brk=0)),
            "a_verifier",
        ),  # 40 h: ADV
        (
            with_schedule(base(weekly_hours=40), shifts=week("08:00", "16:06", brk=0)),
            "non_conforme",
        ),  # 40 h 30
        (
            with_schedule(base(weekly_hours=36), shifts=week("08:00", "17:00", days=(1, 2, 3, 4), brk=0)),
            "conforme",
        ),
        (
            with_schedule(base(weekly_hours=36), shifts=week("08:00", "17:01", days=(1, 2, 3, 4), brk=0)),
            "non_conforme",
        ),
        (
            with_schedule(
                base(weekly_hours=36), shifts=week("08:00", "14:00", days=(1, 2, 3, 4, 5, 6), brk=0)
            ),
            "conforme",
        ),
        (
            with_schedule(
                base(weekly_hours=36),
                shifts=[
                    *week("08:00", "16:30", days=(1, 2, 3, 4), brk=0),
                    Shift(weekday=6, start=t("08:00"), end=t("10:00")),
                ],
            ),
            "conforme",
        ),
        (
            with_schedule(
                base(weekly_hours=38), shifts=week("08:00", "16:01", days=(1, 2, 3, 4, 5, 6), brk=0)
            ),
            "non_conforme",
        ),
    ],
)
def test_wt_limits(contract, expected):
    assert status(contract, "WT_LIMITS") == expected


def test_wt_limits_six_days_eight_hours():
    six = with_schedule(base(weekly_hours=38), shifts=week("08:00", "14:20", days=(1, 2, 3, 4, 5, 6), brk=0))
    assert status(six, "WT_LIMITS") == "conforme"
    over = with_schedule(
        six,
        shifts=[
            *week("08:00", "16:01", days=(1, 2, 3, 4, 5), brk=0),
            Shift(weekday=6, start=t("08:00"), end=t("09:00")),
        ],
    )
    assert status(over, "WT_LIMITS") == "non_conforme"  # 6 days: 8 h cap, 8 h 01 on weekdays


OT = Overtime(
    legal_reason="surcroît de travail",
    max_hours_per_day=11,
    max_hours_per_week=50,
    premium=0.5,
    sunday_holiday_premium=1.0,
    paid=True,
)


@pytest.mark.parametrize(
    ("over", "expected", "severity"),
    [
        ({}, "conforme", "warning"),
        ({"premium": 0.49}, "non_conforme", "warning"),
        ({"max_hours_per_day": 11.5}, "non_conforme", "warning"),
        ({"max_hours_per_week": 50.5}, "non_conforme", "warning"),
        ({"sunday_holiday_premium": 0.99}, "non_conforme", "warning"),
        ({"legal_reason": None}, "a_verifier", "warning"),
        ({"paid": False}, "non_conforme", "blocking"),
    ],
)
def test_wt_overtime(over, expected, severity):
    import msgspec

    r = run(with_clauses(base(), overtime=msgspec.structs.replace(OT, **over))).by_id("WT_OVERTIME")
    assert (r.status, r.severity) == (expected, severity)


def test_wt_overtime_included_flag_and_absent():
    assert status(base(), "WT_OVERTIME") == "sans_objet"
    r = run(with_clauses(base(), overtime_included_in_salary=True)).by_id("WT_OVERTIME")
    assert (r.status, r.severity) == ("non_conforme", "warning")


def test_wt_overtime_unpaid_makes_verdict_refused():
    c = with_clauses(base(), overtime=Overtime(legal_reason="x", paid=False))
    assert run(c).verdict == "non_conforme"


@pytest.mark.parametrize(
    ("next_start", "expected"), [("09:00", "conforme"), ("08:59", "non_conforme"), ("09:01", "conforme")]
)
def test_wt_rest_eleven_hours(next_start, expected):
    shifts = [
        Shift(weekday=1, start=t("12:00"), end=t("22:00")),
        Shift(weekday=2, start=t(next_start), end=t("12:00")),
    ]
    assert status(with_schedule(base(weekly_hours=13), shifts=shifts), "WT_REST") == expected


def test_wt_rest_wraps_from_sunday_to_monday():
    shifts = [
        Shift(weekday=7, start=t("14:00"), end=t("23:00")),
        Shift(weekday=1, start=t("06:00"), end=t("10:00")),
    ]
    assert status(with_schedule(base(weekly_hours=13), shifts=shifts), "WT_REST") == "non_conforme"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("10:00", "20:00", "sans_objet"),
        ("10:00", "20:01", "a_verifier"),
        ("06:00", "14:00", "sans_objet"),
        ("05:59", "14:00", "a_verifier"),
        ("22:00", "02:00", "a_verifier"),
    ],
)
def test_wt_night_window(start, end, expected):
    c = with_schedule(base(weekly_hours=50), shifts=[Shift(weekday=2, start=t(start), end=t(end))])
    assert status(c, "WT_SUN_NIGHT") == expected


def test_wt_sunday():
    sunday = [Shift(weekday=7, start=t("09:00"), end=t("15:00"))]
    c = with_schedule(base(weekly_hours=6), shifts=sunday)
    assert status(c, "WT_SUN_NIGHT") == "a_verifier"
    assert (
        status(with_schedule(c, sunday_exception=False, sunday_compensatory_rest=True), "WT_SUN_NIGHT")
        == "non_conforme"
    )
    assert (
        status(with_schedule(c, sunday_exception=True, sunday_compensatory_rest=True), "WT_SUN_NIGHT")
        == "conforme"
    )
    assert (
        status(with_schedule(c, sunday_exception=True, sunday_compensatory_rest=False), "WT_SUN_NIGHT")
        == "non_conforme"
    )


@pytest.mark.parametrize(
    ("end", "derogation", "expected"),
    [
        ("12:00", None, "conforme"),
        ("11:59", None, "a_verifier"),
        ("11:59", False, "non_conforme"),
        ("11:59", True, "conforme"),
        ("12:01", False, "conforme"),
    ],
)
def test_min_shift(end, derogation, expected):
    c = with_schedule(
        base(weekly_hours=15), shifts=week("09:00", end, brk=0), min_shift_derogation=derogation
    )
    assert status(c, "MIN_SHIFT") == expected


def test_minors():
    minor = with_worker(base(), birth_date=D(2008, 1, 1), weekly_hours_other_employers=0)
    minor = with_schedule(minor, shifts=week("08:00", "16:36", brk=60))
    assert status(minor, "MINORS") == "conforme"
    assert status(with_worker(minor, weekly_hours_other_employers=2.01), "MINORS") == "non_conforme"
    assert status(with_worker(minor, weekly_hours_other_employers=2), "MINORS") == "conforme"
    assert status(with_clauses(minor, overtime=OT), "MINORS") == "non_conforme"
    long_day = with_schedule(minor, shifts=week("08:00", "16:31", days=(1, 2, 3, 4), brk=30))
    assert status(long_day, "MINORS") == "non_conforme"  # 8 h 01
    short_break = with_schedule(minor, shifts=week("08:00", "14:40", brk=20))
    assert status(short_break, "MINORS") == "non_conforme"  # 6 h 20 worked needs 1 h break
    ok_break = with_schedule(minor, shifts=week("08:00", "13:00", brk=30))
    assert status(ok_break, "MINORS") == "conforme"
    assert status(with_worker(base(), birth_date=None), "MINORS") == "a_verifier"
    assert status(base(), "MINORS") == "sans_objet"


def test_schedule_missing_is_to_verify_not_pass():
    c = base(schedule=Schedule(type="variable", notice_working_days=5, variable_schedules_in_work_rules=True))
    for check_id in ("WT_REST", "MIN_SHIFT", "HOURS_PAID"):
        assert status(c, check_id) == "a_verifier", check_id
