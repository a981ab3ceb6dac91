"""Contract cases written from the law (shared/LEGAL.md and the texts it cites), not from the code's output.

Each case states the legal reasoning that gives its expected answer. Amounts are computed by hand:
RMMMG 2.111,89 € (1-2-2025), hourly 12,8252 € on 38 h; 2026 unknown, floor 2.111,89 €; youth rates of
CCT 50: 17 → 73 %, students 18/19/20 → 79/85/90 %; clause thresholds 2025: 43.106 / 86.212 €.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import pytest
from visa_builders import (
    PARAMS,
    STUDENT_MENTIONS,
    base,
    of_kind,
    shipped_scale_only,
    week,
    with_clauses,
    with_pay,
    with_schedule,
)

from coordination.visa import parameters
from coordination.visa.checks import run_checklist
from coordination.visa.contract import (
    Contract,
    ContractKind,
    EarlierContract,
    NonCompete,
    Overtime,
    ScheduleType,
    SectorMinimum,
    Shift,
    TrainingRepayment,
    TrialClause,
    Worker,
)

D = dt.date
R = msgspec.structs.replace
SHIPPED = parameters.default()  # the rules as shipped (no sector scale: entered minimums only)


def full_time(monthly: float, start: dt.date) -> Contract:
    return with_pay(
        base(start_date=start, signature_date=start - dt.timedelta(days=7)), gross_monthly=monthly
    )


def student(age_on_start: int, hourly: float, start: dt.date = D(2025, 7, 1)) -> Contract:
    """A student contract of two months, 20 h a week, paid by the hour."""
    birth = D(start.year - age_on_start, 1, 15)
    c = of_kind(ContractKind.STUDENT)
    c = R(
        c,
        signature_date=start - dt.timedelta(days=10),
        start_date=start,
        end_date=D(start.year, start.month + 2, 28),
        worker=Worker(birth_date=birth, is_student=True),
    )
    return with_pay(c, gross_monthly=None, gross_hourly=hourly)


def minor(monthly: float, age: int = 17) -> Contract:
    """A young worker (not a student), full time, 8 h a day with the breaks minors need."""
    c = base(worker=Worker(birth_date=D(2025 - age, 1, 15), weekly_hours_other_employers=0))
    c = with_schedule(
        c,
        shifts=week("08:00", "16:30", days=(1, 2, 3, 4), brk=30) + week("08:00", "14:30", days=(5,), brk=30),
    )
    return with_pay(R(c, weekly_hours=38), gross_monthly=monthly)


def fixed(**over) -> Contract:
    return base(**{"kind": ContractKind.FIXED_TERM, "end_date": D(2025, 11, 30), **over})


def part_time(**over) -> Contract:
    c = base(weekly_hours=19, **over)
    c = with_schedule(c, shifts=week("08:00", "11:48", brk=0))
    return with_pay(c, gross_monthly=1200)


HIGH_PAY = 8000.0  # 96.000 € a year: above the 2025 high threshold of 86.212 €
NC_LAWFUL = NonCompete(
    written=True,
    duration_months=12,
    beyond_belgium=False,
    indemnity_fraction=0.5,
    effective_in_first_six_months=False,
)
TR_LAWFUL = TrainingRepayment(
    training_hours=100, written_before_training=True, repayment_period_years=3, shortage_occupation=False
)
OT_LAWFUL = Overtime(
    legal_reason="surcroît extraordinaire de travail",
    max_hours_per_day=10,
    max_hours_per_week=45,
    premium=0.5,
    sunday_holiday_premium=1.0,
    paid=True,
    compensatory_rest=True,
)


def with_nc(**over) -> Contract:
    return with_clauses(with_pay(base(), gross_monthly=HIGH_PAY), non_compete=R(NC_LAWFUL, **over))


def with_tr(**over) -> Contract:
    return with_clauses(with_pay(base(), gross_monthly=HIGH_PAY), training_repayment=R(TR_LAWFUL, **over))


def one_shift(start: str, end: str, brk: int) -> Contract:
    s = Shift(
        weekday=1, start=dt.time.fromisoformat(start), end=dt.time.fromisoformat(end), break_minutes=brk
    )
    return with_schedule(base(), shifts=[*week(days=(2, 3, 4, 5)), s], min_shift_derogation=False)


def chain(*earlier: tuple[dt.date, dt.date], start=D(2025, 6, 1), end=D(2025, 11, 30)) -> Contract:
    return fixed(
        start_date=start,
        end_date=end,
        signature_date=start - dt.timedelta(days=5),
        earlier_fixed_term_contracts=[EarlierContract(start_date=a, end_date=b) for a, b in earlier],
    )


def article_60(days: int) -> Contract:
    c = of_kind(ContractKind.ARTICLE_60)
    return R(
        c,
        start_date=D(2026, 3, 1),
        signature_date=D(2026, 2, 20),
        article_60=R(c.article_60, planned_working_days=days),
    )


def entered(monthly: float, pay: float, start: dt.date = D(2025, 6, 1)) -> Contract:
    m = SectorMinimum(
        monthly_full_time=monthly, source="CCT 302 du 15-1-2025 (exemple)", valid_from=D(2025, 1, 1)
    )
    return with_pay(full_time(pay, start), sector_minimum=m)


FLOOR_ONLY = parameters.loads(
    Path(parameters.DEFAULT_PATH).read_text(encoding="utf-8")
    + """
[[sector_scales]]
joint_committee = "302"
function = "commis de cuisine"
valid_from = 2024-01-01
valid_until = 2024-12-31
monthly_full_time = 2200.00
source = "test: barème CP 302 de 2024"
"""
)


@dataclass
class Case:
    name: str
    why: str
    build: Callable[[], Contract]
    expect: dict[str, str] = field(default_factory=dict)
    verdict: str | None = None
    params: parameters.ParameterSet = SHIPPED
    on_date: dt.date | None = None
    says: tuple[tuple[str, str], ...] = ()


CASES = [
    # --- point 1: a lawful contract can be « conforme »
    Case(
        "cdi-2200-entered",
        "2.200 € ≥ RMMMG 2.111,89 and ≥ the entered CP 302 minimum of 2.200 €",
        lambda: full_time(2200, D(2025, 6, 1)),
        {"WAGE_SECTOR": "conforme", "WAGE_RMMMG": "conforme"},
        "conforme",
    ),
    Case(
        "cdi-2200-table",
        "2.200 € ≥ the CP 302 scale row of the table (2.200 €) and the RMMMG",
        lambda: shipped_scale_only(full_time(2200, D(2025, 6, 1))),
        {"WAGE_SECTOR": "conforme"},
        "conforme",
        PARAMS,
    ),
    Case(
        "cdi-no-scale",
        "CP 302 with neither a scale nor an entered minimum: the sector minimum is unknown",
        lambda: shipped_scale_only(full_time(2200, D(2025, 6, 1))),
        {"WAGE_SECTOR": "a_verifier"},
        "a_completer",
    ),
    Case(
        "entered-below",
        "2.300 € under an entered sector minimum of 2.400 €: the CCT binds",
        lambda: entered(2400, 2300),
        {"WAGE_SECTOR": "non_conforme"},
        "non_conforme",
        says=(("WAGE_SECTOR", "2.400,00 €"), ("WAGE_SECTOR", "source: CCT 302 du 15-1-2025")),
    ),
    Case(
        "entered-source-printed",
        "the entered minimum's source is printed beside the verdict",
        lambda: entered(2200, 2300),
        {"WAGE_SECTOR": "conforme"},
        says=(("WAGE_SECTOR", "CCT 302 du 15-1-2025"),),
    ),
    Case(
        "scale-floor-below",
        "a 2024 scale is a floor in 2025 (never lowered): 2.150 € < 2.200 €",
        lambda: shipped_scale_only(full_time(2150, D(2025, 6, 1))),
        {"WAGE_SECTOR": "non_conforme"},
        params=FLOOR_ONLY,
    ),
    Case(
        "scale-floor-above",
        "above the 2024 scale, the 2025 indexation is not recorded: to verify",
        lambda: shipped_scale_only(full_time(2250, D(2025, 6, 1))),
        {"WAGE_SECTOR": "a_verifier"},
        params=FLOOR_ONLY,
    ),
    # --- point 2: the RMMMG is a floor
    Case(
        "1500-2026-06",
        "1.500 € full time in June 2026: under the last known RMMMG (2.111,89 €), never lowered",
        lambda: full_time(1500, D(2026, 6, 1)),
        {"WAGE_RMMMG": "non_conforme"},
        "non_conforme",
        says=(("WAGE_RMMMG", "2.111,89 €"),),
    ),
    Case(
        "1500-2026-02",
        "1.500 € in February 2026 (indexation unknown): still under the floor",
        lambda: full_time(1500, D(2026, 2, 1)),
        {"WAGE_RMMMG": "non_conforme"},
        "non_conforme",
    ),
    Case(
        "2120-2026-02",
        "2.120 €: above the floor, under a possible 2 % indexation (2.154,13 €)",
        lambda: entered(2100, 2120, D(2026, 2, 1)),
        {"WAGE_RMMMG": "a_verifier"},
        "a_completer",
    ),
    Case(
        "2160-2026-02",
        "2.160 € ≥ every value the RMMMG can have in Q1 2026",
        lambda: full_time(2160, D(2026, 2, 1)),
        {"WAGE_RMMMG": "conforme"},
    ),
    Case(
        "2111.88-2025",
        "one cent under the RMMMG of 1-2-2025",
        lambda: full_time(2111.88, D(2025, 2, 1)),
        {"WAGE_RMMMG": "non_conforme"},
    ),
    Case(
        "2111.89-2025",
        "exactly the RMMMG of 1-2-2025",
        lambda: full_time(2111.89, D(2025, 2, 1)),
        {"WAGE_RMMMG": "conforme"},
    ),
    Case(
        "half-time-1000-2026",
        "19 h / 38 h at 1.000 €: under half the floor (1.055,95 €)",
        lambda: with_pay(
            part_time(start_date=D(2026, 6, 1), signature_date=D(2026, 5, 1)), gross_monthly=1000
        ),
        {"WAGE_RMMMG": "non_conforme"},
    ),
    # --- point 3: students from 21 get the full RMMMG
    Case(
        "student-22-6eur",
        "a 22-year-old student at 6 €/h: full RMMMG (12,8252 €/h) applies from 21",
        lambda: student(22, 6.0),
        {"WAGE_RMMMG": "non_conforme", "WAGE_YOUTH": "sans_objet"},
        "non_conforme",
    ),
    Case(
        "student-22-13eur",
        "a 22-year-old student at 13 €/h ≥ 12,8252 €/h",
        lambda: student(22, 13.0),
        {"WAGE_RMMMG": "conforme"},
    ),
    Case(
        "student-21-12.82",
        "21 years: 12,82 € < 12,8252 €",
        lambda: student(21, 12.82),
        {"WAGE_RMMMG": "non_conforme"},
    ),
    Case(
        "student-20-11.54",
        "20 years: 90 % of 12,8252 = 11,5427 €; 11,54 € is under",
        lambda: student(20, 11.54),
        {"WAGE_YOUTH": "non_conforme", "WAGE_RMMMG": "sans_objet"},
    ),
    Case(
        "student-20-11.55",
        "20 years: 11,55 € ≥ 11,5427 €",
        lambda: student(20, 11.55),
        {"WAGE_YOUTH": "conforme"},
    ),
    Case(
        "student-19-10.90",
        "19 years: 85 % of 12,8252 = 10,9014 €; 10,90 € is under",
        lambda: student(19, 10.90),
        {"WAGE_YOUTH": "non_conforme"},
    ),
    Case(
        "student-18-2026-10",
        "18 years in 2026: 79 % of the floor 12,8252 = 10,1319 €; 10 € is under",
        lambda: student(18, 10.0, D(2026, 7, 1)),
        {"WAGE_YOUTH": "non_conforme"},
    ),
    Case(
        "minor-17-1541",
        "17 years: 73 % of 2.111,89 = 1.541,68 €; 1.541 € is under",
        lambda: minor(1541),
        {"WAGE_YOUTH": "non_conforme"},
    ),
    Case("minor-17-1542", "17 years: 1.542 € ≥ 1.541,68 €", lambda: minor(1542), {"WAGE_YOUTH": "conforme"}),
    # --- point 4: signed after the start
    Case(
        "cdd-signed-late",
        "a fixed-term contract signed the day after the start is an open-ended one (art. 9)",
        lambda: fixed(signature_date=D(2025, 6, 2), written_before_start=True),
        {"CDD_FORM": "non_conforme"},
        "non_conforme",
    ),
    Case(
        "cdd-signed-on-start",
        "signed on the first day, before work: written by the start",
        lambda: fixed(signature_date=D(2025, 6, 1), written_before_start=None),
        {"CDD_FORM": "conforme"},
    ),
    Case(
        "student-signed-late",
        "a student contract must be written by the start (title VII)",
        lambda: R(student(20, 12.0), signature_date=D(2025, 7, 3)),
        {"STUDENT": "non_conforme"},
    ),
    Case(
        "part-time-signed-late",
        "a part-time contract must be written by the first day (art. 11bis)",
        lambda: part_time(signature_date=D(2025, 6, 5)),
        {"PT_WRITTEN": "non_conforme"},
    ),
    Case(
        "replacement-signed-late",
        "a replacement contract must be written by the start (art. 11ter)",
        lambda: R(of_kind(ContractKind.REPLACEMENT), signature_date=D(2025, 6, 9)),
        {"REPLACEMENT": "non_conforme"},
    ),
    # --- point 5: unknown facts are asked, never passed
    Case(
        "nc-lawful",
        "high pay, written, 12 months, Belgium, 50 %, no effect in the first 6 months",
        lambda: with_nc(),
        {"NONCOMPETE": "conforme"},
    ),
    Case(
        "nc-written-unknown",
        "whether the clause is written is unknown",
        lambda: with_nc(written=None),
        {"NONCOMPETE": "a_verifier"},
    ),
    Case(
        "nc-territory-unknown",
        "whether it reaches beyond Belgium is unknown",
        lambda: with_nc(beyond_belgium=None),
        {"NONCOMPETE": "a_verifier"},
    ),
    Case(
        "nc-first-months-unknown",
        "its effect in the first 6 months is unknown",
        lambda: with_nc(effective_in_first_six_months=None),
        {"NONCOMPETE": "a_verifier"},
    ),
    Case(
        "nc-low-pay",
        "a clause under the low threshold (43.106 € in 2025) is void",
        lambda: with_clauses(base(), non_compete=NC_LAWFUL),
        {"NONCOMPETE": "non_conforme"},
    ),
    Case(
        "ecolage-period-unknown",
        "the repayment period is unknown",
        lambda: with_tr(repayment_period_years=None),
        {"ECOLAGE": "a_verifier"},
    ),
    Case("ecolage-3-years", "3 years is the legal maximum", lambda: with_tr(), {"ECOLAGE": "conforme"}),
    Case(
        "ecolage-4-years",
        "4 years exceeds the 3-year maximum",
        lambda: with_tr(repayment_period_years=4),
        {"ECOLAGE": "non_conforme"},
    ),
    # --- point 6: smaller legal errors
    Case(
        "overtime-17",
        "no overtime under 18 (young workers)",
        lambda: with_clauses(minor(1600), overtime=OT_LAWFUL),
        {"WT_OVERTIME": "non_conforme", "MINORS": "non_conforme"},
    ),
    Case(
        "overtime-adult",
        "a lawful overtime clause for an adult",
        lambda: with_clauses(base(), overtime=OT_LAWFUL),
        {"WT_OVERTIME": "conforme"},
    ),
    Case(
        "min-shift-break",
        "08:00–11:00 with a 30-minute break is 2 h 30 of work (< 3 h)",
        lambda: one_shift("08:00", "11:00", 30),
        {"MIN_SHIFT": "non_conforme"},
    ),
    Case(
        "min-shift-ok",
        "08:00–11:30 with a 30-minute break is 3 h of work",
        lambda: one_shift("08:00", "11:30", 30),
        {"MIN_SHIFT": "conforme"},
    ),
    Case(
        "chain-2010",
        "a 2010 contract, 15 years before, is no part of a series",
        lambda: chain((D(2010, 1, 1), D(2010, 6, 30))),
        {"CDD_CHAIN": "conforme"},
    ),
    Case(
        "chain-5-adjacent",
        "five adjacent contracts (> 4) of under 6 months: outside both regimes",
        lambda: chain(
            (D(2024, 6, 1), D(2024, 8, 31)),
            (D(2024, 9, 1), D(2024, 11, 30)),
            (D(2024, 12, 1), D(2025, 2, 28)),
            (D(2025, 3, 1), D(2025, 5, 31)),
        ),
        {"CDD_CHAIN": "non_conforme"},
    ),
    Case(
        "chain-gap",
        "with a 3-week interruption, whether the 5 contracts are successive depends on its cause",
        lambda: chain(
            (D(2024, 6, 1), D(2024, 8, 31)),
            (D(2024, 9, 1), D(2024, 11, 30)),
            (D(2024, 12, 1), D(2025, 2, 28)),
            (D(2025, 3, 1), D(2025, 5, 10)),
        ),
        {"CDD_CHAIN": "a_verifier"},
    ),
    Case(
        "trial-agency-cdi",
        "the agency exception does not apply to an open-ended contract",
        lambda: with_clauses(base(), trial=TrialClause(temporary_agency_work=True, working_days=3)),
        {"TRIAL": "non_conforme"},
    ),
    Case(
        "trial-agency-cdd",
        "an agency contract's first 3 working days are a trial (law of 24-7-1987, art. 8)",
        lambda: with_clauses(fixed(), trial=TrialClause(temporary_agency_work=True, working_days=3)),
        {"TRIAL": "conforme"},
    ),
    Case(
        "unpaid-productive",
        "a productive unpaid day is work and must be paid",
        lambda: base(unpaid_test_days=1, unpaid_test_productive=True),
        {"UNPAID_TEST": "non_conforme"},
    ),
    Case(
        "unpaid-test-short",
        "CCT 38 sets no length for a recruitment test: the adviser judges",
        lambda: base(unpaid_test_days=1, unpaid_test_productive=False),
        {"UNPAID_TEST": "a_verifier"},
    ),
    # --- point 7: dates
    Case(
        "trial-2013",
        "before 1-1-2014 the trial clause was lawful: no rule recorded, to verify",
        lambda: with_clauses(
            base(start_date=D(2013, 12, 31), signature_date=D(2013, 12, 1)), trial=TrialClause(working_days=5)
        ),
        {"TRIAL": "a_verifier"},
    ),
    Case(
        "trial-2014",
        "from 1-1-2014 a trial clause is void",
        lambda: with_clauses(
            base(start_date=D(2014, 1, 1), signature_date=D(2013, 12, 1)), trial=TrialClause(working_days=5)
        ),
        {"TRIAL": "non_conforme"},
    ),
    Case(
        "art60-311",
        "311 working days do not open unemployment rights (312 from 1-3-2026)",
        lambda: article_60(311),
        {"ART60": "non_conforme"},
    ),
    Case("art60-312", "312 working days", lambda: article_60(312), {"ART60": "conforme"}),
    Case(
        "variable-notice-4",
        "a variable schedule notified 4 working days ahead (5 since 1-10-2017)",
        lambda: with_schedule(
            part_time(),
            type=ScheduleType.VARIABLE,
            notice_working_days=4,
            variable_schedules_in_work_rules=True,
        ),
        {"PT_NOTICE": "non_conforme"},
    ),
    # --- a lawful contract of each kind
    *[
        Case(
            f"lawful-{k.value}",
            "every condition of LEGAL.md met for this kind",
            (lambda k=k: of_kind(k)),
            verdict="conforme",
        )
        for k in (
            ContractKind.OPEN_ENDED,
            ContractKind.FIXED_TERM,
            ContractKind.DEFINED_WORK,
            ContractKind.REPLACEMENT,
            ContractKind.STUDENT,
            ContractKind.PFI,
            ContractKind.ARTICLE_60,
            ContractKind.ARTICLE_61,
        )
    ],
    Case(
        "lawful-cip",
        "the Walloon apprentice allowance is unknown (LEGAL.md): a CIP stays to verify",
        lambda: of_kind(ContractKind.CIP),
        {"CIP": "a_verifier"},
        "a_completer",
    ),
    Case(
        "student-mentions",
        "a student contract lacking the pay date mention",
        lambda: R(
            of_kind(ContractKind.STUDENT), mentions=[m for m in STUDENT_MENTIONS if m.value != "pay_date"]
        ),
        {"STUDENT": "non_conforme"},
    ),
]


def test_the_table_is_large_enough():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case):
    cl = run_checklist(case.build(), case.on_date, case.params)
    got = {cid: cl.by_id(cid).status.value for cid in case.expect}
    assert got == case.expect, (
        f"{case.why}: {[(r.id, r.explanation) for r in cl.results if r.id in case.expect]}"
    )
    if case.verdict is not None:
        open_points = [
            (r.id, r.status.value, r.explanation)
            for r in cl.results
            if r.status.value in ("non_conforme", "a_verifier")
        ]
        assert cl.verdict.value == case.verdict, f"{case.why}: {open_points}"
    for cid, words in case.says:
        assert words in cl.by_id(cid).explanation or any(words in s for s in cl.by_id(cid).sources), (
            cl.by_id(cid).explanation,
            cl.by_id(cid).sources,
        )


FLOOR_THRESHOLD_CASES = [
    # thresholds only rise (LCT art. 65, 86; CCT 41): the 2026 amounts stay floors in 2027
    (
        "nc-2027-low-pay",
        "30.000 € a year in 2027: under the 2026 low threshold (44.447 €), so under 2027's",
        lambda: with_clauses(
            with_pay(base(start_date=D(2027, 2, 1), signature_date=D(2027, 1, 20)), gross_monthly=2500),
            non_compete=NC_LAWFUL,
        ),
        "NONCOMPETE",
        "non_conforme",
    ),
    (
        "nc-2027-high-pay",
        "96.000 € in 2027: above the 2026 thresholds but the 2027 ones are unknown",
        lambda: with_clauses(
            with_pay(base(start_date=D(2027, 2, 1), signature_date=D(2027, 1, 20)), gross_monthly=HIGH_PAY),
            non_compete=NC_LAWFUL,
        ),
        "NONCOMPETE",
        "a_verifier",
    ),
    (
        "deposit-2027-low-pay",
        "2.500 €/month in 2027 (under the 2026 threshold): a 2-month deposit exceeds 1 month",
        lambda: with_clauses(
            with_pay(base(start_date=D(2027, 2, 1), signature_date=D(2027, 1, 20)), gross_monthly=2500),
            deposit_amount=5000,
        ),
        "DEPOSIT",
        "non_conforme",
    ),
    (
        "deposit-2027-high-pay-4-months",
        "8.000 €/month in 2027: a 4-month deposit exceeds even 3 months",
        lambda: with_clauses(
            with_pay(base(start_date=D(2027, 2, 1), signature_date=D(2027, 1, 20)), gross_monthly=HIGH_PAY),
            deposit_amount=32000,
        ),
        "DEPOSIT",
        "non_conforme",
    ),
    (
        "deposit-2027-high-pay-2-months",
        "8.000 €/month in 2027: 2 months is lawful only if the threshold is still under 96.000 €",
        lambda: with_clauses(
            with_pay(base(start_date=D(2027, 2, 1), signature_date=D(2027, 1, 20)), gross_monthly=HIGH_PAY),
            deposit_amount=16000,
        ),
        "DEPOSIT",
        "a_verifier",
    ),
    (
        "deposit-2026-high-pay-2-months",
        "8.000 €/month in 2026: above 53.281,41 €, up to 3 months",
        lambda: with_clauses(
            with_pay(base(start_date=D(2026, 2, 1), signature_date=D(2026, 1, 20)), gross_monthly=HIGH_PAY),
            deposit_amount=16000,
        ),
        "DEPOSIT",
        "conforme",
    ),
]


@pytest.mark.parametrize(
    ("name", "why", "build", "check", "expected"),
    FLOOR_THRESHOLD_CASES,
    ids=[c[0] for c in FLOOR_THRESHOLD_CASES],
)
def test_thresholds_that_only_rise_are_floors(name, why, build, check, expected):
    r = run_checklist(build(), None, SHIPPED).by_id(check)
    assert r.status.value == expected, (why, r.explanation)


def cleaner(hourly: float, start: dt.date = D(2025, 9, 1)) -> Contract:
    """A part-time « aide-ménagère » in the service-voucher sector (CP 322.01), paid by the hour."""
    c = base(
        joint_committee="322.01",
        function="Aide-ménagère",
        weekly_hours=19,
        start_date=start,
        signature_date=start - dt.timedelta(days=7),
    )
    c = with_schedule(c, shifts=week("08:00", "11:48", brk=0))
    return with_pay(c, gross_monthly=None, gross_hourly=hourly, sector_minimum=None)


SHIPPED_SCALE_CASES = [
    # the shipped CP 322.01 row: 14,67 €/h under a year of seniority, up to 15,53 €/h from 3 years
    ("322.01-14.66", lambda: cleaner(14.66), "non_conforme", "under the lowest step of the scale"),
    ("322.01-14.67", lambda: cleaner(14.67), "a_verifier", "lawful only for less than a year of seniority"),
    (
        "322.01-15.53",
        lambda: cleaner(15.53),
        "conforme",
        "at the highest step: lawful whatever the seniority",
    ),
    (
        "322.01-2026-15.60",
        lambda: cleaner(15.60, D(2026, 2, 2)),
        "a_verifier",
        "2026 indexation not recorded",
    ),
    ("322.01-2026-14.00", lambda: cleaner(14.00, D(2026, 2, 2)), "non_conforme", "under the 2025 floor"),
]


@pytest.mark.parametrize(
    ("name", "build", "expected", "why"), SHIPPED_SCALE_CASES, ids=[c[0] for c in SHIPPED_SCALE_CASES]
)
def test_the_shipped_sector_scale(name, build, expected, why):
    cl = run_checklist(build(), None, SHIPPED)
    r = cl.by_id("WAGE_SECTOR")
    assert r.status.value == expected, (why, r.explanation)
    assert any("322.01" in s for s in r.sources)


def test_a_lawful_contract_reaches_conforme_with_a_shipped_scale():
    cl = run_checklist(cleaner(15.53), None, SHIPPED)
    assert cl.verdict.value == "conforme", [
        (r.id, r.explanation)
        for r in cl.results
        if r.status.value != "conforme" and r.status.value != "sans_objet"
    ]
