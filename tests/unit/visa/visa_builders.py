"""Realistic contracts for the visa tests, one per kind, compliant unless a test changes them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msgspec

from coordination.visa import parameters
from coordination.visa.checks import Checklist, run_checklist
from coordination.visa.contract import (
    Article60,
    Article61,
    Cip,
    Clauses,
    Contract,
    ContractKind,
    Mention,
    Pay,
    PayFrequency,
    Pfi,
    Piis,
    Replacement,
    Schedule,
    SectorMinimum,
    Shift,
    Worker,
    WorkerCategory,
)

SCALES = """
[[sector_scales]]
joint_committee = "302"
function = "Commis de cuisine"
valid_from = 2024-01-01
monthly_full_time = 2200.00
source = "test: barème CP 302"
"""

PARAMS = parameters.loads(Path(parameters.DEFAULT_PATH).read_text(encoding="utf-8") + SCALES)


def t(s: str) -> dt.time:
    return dt.time.fromisoformat(s)


def week(start: str = "08:00", end: str = "16:06", days=(1, 2, 3, 4, 5), brk: int = 30) -> list[Shift]:
    return [Shift(weekday=d, start=t(start), end=t(end), break_minutes=brk) for d in days]


#: The CP 302 minimum as a social worker would enter it (no CP 302 scale is shipped): fictitious test data.
ENTERED_302 = SectorMinimum(
    monthly_full_time=2200.00,
    source="salaireminimum.be, CP 302, commis de cuisine (test)",
    valid_from=dt.date(2025, 1, 1),
)


def base(**over) -> Contract:
    """A compliant full-time open-ended kitchen job, CP 302, starting 1 June 2025, with the sector minimum
    entered by the worker (so it is « conforme » under the shipped rules too)."""
    c = Contract(
        kind=ContractKind.OPEN_ENDED,
        signature_date=dt.date(2025, 5, 20),
        start_date=dt.date(2025, 6, 1),
        employer_name="Brasserie du Pont",
        employer_bce="0403170701",
        joint_committee="302",
        function="commis de cuisine",
        worker_category=WorkerCategory.MANUAL,
        weekly_hours=38,
        full_time_weekly_hours=38,
        schedule=Schedule(shifts=week(), stated_in_contract=True, unpaid_presence_minutes_per_week=0),
        pay=Pay(
            gross_monthly=2300,
            net_monthly=1900,
            sector_minimum=ENTERED_302,
            frequency=PayFrequency.TWICE_MONTHLY,
            max_days_between_payments=16,
            payment_deadline_working_days=4,
            bank_transfer=True,
        ),
        clauses=Clauses(),
        worker=Worker(birth_date=dt.date(1990, 3, 15), ris_beneficiary=False),
        written_before_start=True,
        earlier_fixed_term_contracts=[],
        unpaid_test_days=0,
    )
    return msgspec.structs.replace(c, **over)


def shipped_scale_only(c: Contract) -> Contract:
    """The contract without the entered sector minimum: WAGE_SECTOR then reads the scale table."""
    return with_pay(c, sector_minimum=None)


def with_pay(c: Contract, **over) -> Contract:
    return msgspec.structs.replace(c, pay=msgspec.structs.replace(c.pay, **over))


def with_schedule(c: Contract, **over) -> Contract:
    return msgspec.structs.replace(c, schedule=msgspec.structs.replace(c.schedule, **over))


def with_clauses(c: Contract, **over) -> Contract:
    return msgspec.structs.replace(c, clauses=msgspec.structs.replace(c.clauses, **over))


def with_worker(c: Contract, **over) -> Contract:
    return msgspec.structs.replace(c, worker=msgspec.structs.replace(c.worker, **over))


STUDENT_MENTIONS = [
    Mention.DATES,
    Mention.PLACE,
    Mention.FUNCTION,
    Mention.HOURS,
    Mention.PAY,
    Mention.PAY_DATE,
    Mention.JOINT_COMMITTEE,
    Mention.TRIAL_CLAUSE,
]
CIP_MENTIONS = [
    Mention.PARTIES,
    Mention.PLACE,
    Mention.OBJECT,
    Mention.DURATION,
    Mention.DAILY_HOURS,
    Mention.WEEKLY_HOURS,
    Mention.ALLOWANCE,
    Mention.TERMINATION,
    Mention.TRAINING_PLAN,
]
PIIS_OK = Piis(
    written=True,
    fits_aspirations_and_aptitudes=True,
    ris_granted_on=dt.date(2025, 1, 10),
    concluded_on=dt.date(2025, 3, 1),
    reflection_working_days=5,
    evaluation_interval_months=3,
)


def of_kind(kind: ContractKind) -> Contract:
    """A realistic compliant contract of each kind."""
    c = base()
    if kind == ContractKind.OPEN_ENDED:
        return c
    if kind == ContractKind.FIXED_TERM:
        return base(kind=kind, end_date=dt.date(2025, 11, 30))
    if kind == ContractKind.DEFINED_WORK:
        return base(kind=kind)
    if kind == ContractKind.REPLACEMENT:
        return base(
            kind=kind,
            end_date=dt.date(2025, 12, 31),
            replacement=Replacement(
                reason="congé de maternité", replaced_person="A. Dupont", conditions_stated=True
            ),
        )
    if kind == ContractKind.STUDENT:
        c = base(
            kind=kind,
            end_date=dt.date(2025, 8, 31),
            weekly_hours=20,
            worker=Worker(birth_date=dt.date(2006, 1, 10), is_student=True),
            mentions=STUDENT_MENTIONS,
            schedule=Schedule(
                shifts=week("09:00", "13:00", brk=0),
                stated_in_contract=True,
                unpaid_presence_minutes_per_week=0,
            ),
        )
        return with_pay(c, gross_monthly=None, gross_hourly=13.5)
    if kind == ContractKind.PFI:
        return base(
            kind=kind,
            start_date=dt.date(2025, 3, 3),
            pay=None,
            pfi=Pfi(
                duration_weeks=13,
                target_group=False,
                employer_premium_fraction=0.8,
                travel_costs_paid=True,
                tutor=True,
                accident_insurance=True,
                hiring_commitment_weeks=26,
                hiring_in_trained_job=True,
                dismissal_to_make_room=False,
                days_worked_there_previous_3_months=0,
            ),
        )
    if kind == ContractKind.CIP:
        return base(kind=kind, pay=None, mentions=CIP_MENTIONS, cip=Cip(monthly_allowance=750))
    if kind == ContractKind.ARTICLE_60:
        return base(
            kind=kind,
            start_date=dt.date(2026, 3, 2),
            end_date=dt.date(2027, 4, 30),
            employer_name="CPAS de Namur",
            worker=Worker(birth_date=dt.date(1985, 7, 1), ris_beneficiary=True),
            article_60=Article60(employer_is_cpas=True, planned_working_days=312, placed_with_user=False),
            piis=PIIS_OK,
        )
    if kind == ContractKind.ARTICLE_61:
        return base(
            kind=kind,
            worker=Worker(birth_date=dt.date(1985, 7, 1), ris_beneficiary=True),
            article_61=Article61(
                tutoring_premium_monthly=250, tutoring_months=12, premium_deducted_from_pay=False
            ),
            piis=PIIS_OK,
        )
    raise AssertionError(kind)


def run(c: Contract, on_date: dt.date | None = None) -> Checklist:
    return run_checklist(c, on_date, PARAMS)


def status(c: Contract, check_id: str, on_date: dt.date | None = None) -> str:
    return run(c, on_date).by_id(check_id).status.value
