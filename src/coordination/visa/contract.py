"""The structured description of a contract offered to someone in an insertion pathway.

Why a structured model rather than a PDF: the visa must add no administrative weight, so the checks run
instantly on fields a social worker can fill in from the contract in a few minutes. Every field that can be
missing is optional: a missing field never makes a check pass or fail, it makes it answer "à vérifier".
Clause lists default to "absent" only once the ``clauses`` block itself is given (the adviser read the
contract); a missing ``clauses`` block makes every clause check ask for it.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Literal

import msgspec

from coordination.formatting import day_fr

NonNeg = Annotated[float, msgspec.Meta(ge=0)]
NonNegInt = Annotated[int, msgspec.Meta(ge=0)]
Fraction = Annotated[float, msgspec.Meta(ge=0, le=10)]
Weekday = Annotated[int, msgspec.Meta(ge=1, le=7, description="1 = lundi … 7 = dimanche (ISO)")]


class ContractKind(enum.StrEnum):
    OPEN_ENDED = "open_ended"
    FIXED_TERM = "fixed_term"
    DEFINED_WORK = "defined_work"
    REPLACEMENT = "replacement"
    STUDENT = "student"
    PFI = "pfi"
    CIP = "cip"
    ARTICLE_60 = "article_60"
    ARTICLE_61 = "article_61"
    TRANSITION_INTERNSHIP = "transition_internship"
    FIRST_INTERNSHIP = "first_internship"


#: Kinds that are employment contracts (the worker is paid a wage, not a trainee allowance).
EMPLOYMENT_KINDS = frozenset(
    {
        ContractKind.OPEN_ENDED,
        ContractKind.FIXED_TERM,
        ContractKind.DEFINED_WORK,
        ContractKind.REPLACEMENT,
        ContractKind.STUDENT,
        ContractKind.ARTICLE_60,
        ContractKind.ARTICLE_61,
    }
)


class WorkerCategory(enum.StrEnum):
    MANUAL = "manual"
    EMPLOYEE = "employee"


class Mention(enum.StrEnum):
    """Items a written contract or convention must state (student contract, CIP, replacement)."""

    DATES = "dates"
    PLACE = "place"
    FUNCTION = "function"
    HOURS = "hours"
    PAY = "pay"
    PAY_DATE = "pay_date"
    JOINT_COMMITTEE = "joint_committee"
    TRIAL_CLAUSE = "trial_clause"
    PARTIES = "parties"
    OBJECT = "object"
    DURATION = "duration"
    DAILY_HOURS = "daily_hours"
    WEEKLY_HOURS = "weekly_hours"
    ALLOWANCE = "allowance"
    TERMINATION = "termination"
    TRAINING_PLAN = "training_plan"


class Struct(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Base: keyword-only, strict (an unknown field is a typo to report, not to ignore)."""


class Worker(Struct):
    birth_date: dt.date | None = None
    age: NonNegInt | None = None  # used only when birth_date is missing
    is_student: bool | None = None
    ris_beneficiary: bool | None = None
    weekly_hours_other_employers: NonNeg | None = None


class Shift(Struct):
    """One work period in the weekly pattern; ``end`` earlier than ``start`` crosses midnight."""

    weekday: Weekday
    start: dt.time
    end: dt.time
    break_minutes: NonNegInt = 0
    public_holiday: bool = False


class ScheduleType(enum.StrEnum):
    FIXED = "fixed"
    VARIABLE = "variable"


class Schedule(Struct):
    type: ScheduleType = ScheduleType.FIXED
    shifts: list[Shift] | None = None
    stated_in_contract: bool | None = None
    variable_schedules_in_work_rules: bool | None = None
    notice_working_days: NonNegInt | None = None
    sector_notice_working_days: NonNegInt | None = None  # lowered notice set by a sector CCT
    unpaid_presence_minutes_per_week: NonNegInt | None = None  # set-up, cleaning, waiting not paid
    min_shift_derogation: bool | None = None
    sunday_exception: bool | None = None
    sunday_compensatory_rest: bool | None = None
    night_exception: bool | None = None


class BonusKind(enum.StrEnum):
    YEAR_END = "year_end"
    REGULAR = "regular"
    HOLIDAY_PAY = "holiday_pay"
    EXPENSES = "expenses"
    OVERTIME_PREMIUM = "overtime_premium"


class Bonus(Struct):
    kind: BonusKind
    amount: NonNeg
    per: Literal["year", "month"] = "year"


class PayFrequency(enum.StrEnum):
    MONTHLY = "monthly"
    TWICE_MONTHLY = "twice_monthly"
    WEEKLY = "weekly"
    OTHER = "other"


class SectorMinimum(Struct):
    """A sector minimum the worker looked up (the CP's scale is not shipped), with where it comes from.

    Why a source is required: the check prints it beside its verdict, so whoever reads the certificate can
    verify the figure; an amount without a source is refused."""

    monthly_full_time: NonNeg | None = None
    hourly: NonNeg | None = None
    source: str | None = None
    valid_from: dt.date | None = None

    def __post_init__(self) -> None:
        if self.monthly_full_time is None and self.hourly is None:
            raise ValueError(
                "minimum sectoriel : indiquez le montant mensuel temps plein ou le montant horaire"
            )
        if not (self.source and self.source.strip()):
            raise ValueError(
                "minimum sectoriel : indiquez sa source (adresse web ou référence de la CCT), "
                "sans quoi il ne peut pas être utilisé"
            )


class Pay(Struct):
    gross_monthly: NonNeg | None = None
    gross_hourly: NonNeg | None = None
    net_monthly: NonNeg | None = None
    bonuses: list[Bonus] = msgspec.field(default_factory=list)
    sector_has_youth_scale: bool | None = None
    sector_minimum: SectorMinimum | None = None
    frequency: PayFrequency | None = None
    max_days_between_payments: NonNegInt | None = None
    payment_deadline_working_days: NonNegInt | None = None
    deadline_set_in_work_rules: bool | None = None
    bank_transfer: bool | None = None


class Overtime(Struct):
    legal_reason: str | None = None
    max_hours_per_day: NonNeg | None = None
    max_hours_per_week: NonNeg | None = None
    premium: Fraction | None = None
    sunday_holiday_premium: Fraction | None = None
    paid: bool | None = None
    compensatory_rest: bool | None = None


class TrialClause(Struct):
    working_days: NonNegInt | None = None
    written: bool | None = None
    temporary_agency_work: bool = False


class NonCompete(Struct):
    written: bool | None = None
    duration_months: NonNeg | None = None
    beyond_belgium: bool | None = None
    indemnity_fraction: Fraction | None = None
    function_listed_by_cct: bool | None = None
    effective_in_first_six_months: bool | None = None


class TrainingRepayment(Struct):
    training_hours: NonNeg | None = None
    training_cost: NonNeg | None = None
    written_before_training: bool | None = None
    repayment_period_years: NonNeg | None = None
    shortage_occupation: bool | None = None


class WorkerCostKind(enum.StrEnum):
    WORK_CLOTHING = "work_clothing"
    CLOTHING_CLEANING = "clothing_cleaning"
    TOOLS = "tools"
    FEES = "fees"
    OTHER = "other"


class WorkerCost(Struct):
    kind: WorkerCostKind
    monthly_amount: NonNeg | None = None
    description: str | None = None


class DeductionKind(enum.StrEnum):
    TAX = "tax"
    SOCIAL = "social"
    WORK_RULE_FINE = "work_rule_fine"
    DAMAGES = "damages"
    ADVANCE = "advance"
    DEPOSIT = "deposit"
    OTHER = "other"


class Deduction(Struct):
    kind: DeductionKind
    monthly_amount: NonNeg | None = None
    description: str | None = None


class Clauses(Struct):
    """Clauses found in the contract; an absent entry means the clause is not in the contract."""

    trial: TrialClause | None = None
    non_compete: NonCompete | None = None
    training_repayment: TrainingRepayment | None = None
    penalty: bool = False
    debt_acknowledgement: bool = False
    extra_liability: bool = False
    worker_costs: list[WorkerCost] = msgspec.field(default_factory=list)
    deductions: list[Deduction] = msgspec.field(default_factory=list)
    deposit_amount: NonNeg | None = None
    overtime: Overtime | None = None
    overtime_included_in_salary: bool = False


class EarlierContract(Struct):
    start_date: dt.date
    end_date: dt.date
    kind: ContractKind = ContractKind.FIXED_TERM


class Replacement(Struct):
    reason: str | None = None
    replaced_person: str | None = None
    conditions_stated: bool | None = None


class Pfi(Struct):
    duration_weeks: NonNeg | None = None
    target_group: bool | None = None
    employer_premium_fraction: Fraction | None = None
    travel_costs_paid: bool | None = None
    tutor: bool | None = None
    accident_insurance: bool | None = None
    hiring_commitment_weeks: NonNeg | None = None
    hiring_in_trained_job: bool | None = None
    dismissal_to_make_room: bool | None = None
    days_worked_there_previous_3_months: NonNegInt | None = None


class Cip(Struct):
    monthly_allowance: NonNeg | None = None


class Article60(Struct):
    employer_is_cpas: bool | None = None
    planned_working_days: NonNegInt | None = None
    placed_with_user: bool | None = None
    user_allowed: bool | None = None
    placement_agreement_written: bool | None = None


class Article61(Struct):
    tutoring_premium_monthly: NonNeg | None = None
    tutoring_months: NonNeg | None = None
    premium_deducted_from_pay: bool | None = None


class Piis(Struct):
    written: bool | None = None
    fits_aspirations_and_aptitudes: bool | None = None
    ris_granted_on: dt.date | None = None
    concluded_on: dt.date | None = None
    reflection_working_days: NonNegInt | None = None
    evaluation_interval_months: NonNeg | None = None


class Contract(Struct):
    """A contract or convention as offered, before signature."""

    kind: ContractKind
    signature_date: dt.date | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    employer_name: str | None = None
    employer_bce: str | None = None
    joint_committee: str | None = None
    function: str | None = None
    worker_category: WorkerCategory | None = None
    weekly_hours: NonNeg | None = None
    full_time_weekly_hours: Annotated[float, msgspec.Meta(gt=0)] | None = None
    schedule: Schedule | None = None
    pay: Pay | None = None
    clauses: Clauses | None = None
    worker: Worker = msgspec.field(default_factory=Worker)
    written_before_start: bool | None = None
    mentions: list[Mention] | None = None
    earlier_fixed_term_contracts: list[EarlierContract] | None = None
    inspection_approval: bool | None = None
    unpaid_test_days: NonNeg | None = None
    unpaid_test_productive: bool | None = None
    replacement: Replacement | None = None
    pfi: Pfi | None = None
    cip: Cip | None = None
    article_60: Article60 | None = None
    article_61: Article61 | None = None
    piis: Piis | None = None

    def __post_init__(self) -> None:
        """Facts that contradict each other are bad input (a French 400, nothing stored), not a verdict."""
        birth = self.worker.birth_date
        if birth is not None:
            for label, day in (("signature", self.signature_date), ("début", self.start_date)):
                if day is not None and day < birth:
                    raise ValueError(
                        f"la date de {label} ({day_fr(day)}) précède la date de naissance ({day_fr(birth)})"
                    )
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError(
                f"la date de fin ({day_fr(self.end_date)}) précède la date de début ({day_fr(self.start_date)})"
            )
