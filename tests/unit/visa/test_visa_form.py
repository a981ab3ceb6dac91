"""The contract form exposes every field of the contract model: each leaf has a French-labelled input, and a
contract with every block filled survives the trip stored contract → form → contract unchanged."""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing

import msgspec
import pytest
from visa_builders import CIP_MENTIONS, PIIS_OK, base, of_kind, week

from coordination.errors import BadRequest
from coordination.visa.contract import (
    Article60,
    Article61,
    Bonus,
    BonusKind,
    Cip,
    Clauses,
    Contract,
    ContractKind,
    Deduction,
    DeductionKind,
    EarlierContract,
    NonCompete,
    Overtime,
    Pfi,
    Replacement,
    Schedule,
    ScheduleType,
    SectorMinimum,
    TrainingRepayment,
    TrialClause,
    Worker,
    WorkerCost,
    WorkerCostKind,
)
from coordination.web import visa_form
from coordination.web.visa_form import BY_PATH, FIELDS, contract_from_form, form_values

D = dt.date
R = msgspec.structs.replace


def leaves(struct: type, prefix: str = "") -> list[str]:
    """Every leaf path of the model, walked independently of the form code (lists as ``path.0.x``)."""
    out = []
    hints = typing.get_type_hints(struct, include_extras=True)
    for f in msgspec.structs.fields(struct):
        tp = hints[f.name]
        while True:
            if typing.get_origin(tp) is typing.Annotated:
                tp = typing.get_args(tp)[0]
            elif typing.get_origin(tp) in (typing.Union, types.UnionType):
                tp = next(a for a in typing.get_args(tp) if a is not type(None))
            else:
                break
        path = prefix + f.name
        if typing.get_origin(tp) is list:
            (item,) = typing.get_args(tp)
            if isinstance(item, type) and issubclass(item, msgspec.Struct):
                out += leaves(item, path + ".0.")
            else:
                out.append(path)
        elif isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            out += leaves(tp, path + ".")
        else:
            out.append(path)
    return out


def test_every_field_of_the_contract_model_is_on_the_form():
    paths = leaves(Contract)
    assert len(paths) > 100
    missing = [p for p in paths if p not in BY_PATH]
    assert missing == []
    for f in FIELDS:
        assert (f.label and f.label[0].isupper()) or f.label.startswith("«"), f.path
    labels = [f.full_label for f in FIELDS]
    assert len(labels) == len(set(labels)), "every label names one field"


def everything() -> Contract:
    """A contract with every block and list of the model filled."""
    c = of_kind(ContractKind.FIXED_TERM)
    return R(
        c,
        end_date=D(2025, 11, 30),
        mentions=CIP_MENTIONS[:3],
        inspection_approval=True,
        unpaid_test_days=0.5,
        unpaid_test_productive=False,
        worker=Worker(
            birth_date=D(1990, 3, 15),
            age=35,
            is_student=False,
            ris_beneficiary=True,
            weekly_hours_other_employers=0,
        ),
        schedule=Schedule(
            type=ScheduleType.VARIABLE,
            shifts=week("08:30", "16:36", brk=30),
            stated_in_contract=False,
            variable_schedules_in_work_rules=True,
            notice_working_days=5,
            sector_notice_working_days=3,
            unpaid_presence_minutes_per_week=0,
            min_shift_derogation=False,
            sunday_exception=False,
            sunday_compensatory_rest=True,
            night_exception=False,
        ),
        pay=R(
            c.pay,
            gross_hourly=14.5,
            bonuses=[
                Bonus(kind=BonusKind.YEAR_END, amount=2300),
                Bonus(kind=BonusKind.REGULAR, amount=50, per="month"),
            ],
            sector_has_youth_scale=False,
            sector_minimum=SectorMinimum(
                monthly_full_time=2200.5, hourly=13.4, source="CCT 302 (test)", valid_from=D(2025, 1, 1)
            ),
            deadline_set_in_work_rules=True,
        ),
        clauses=Clauses(
            trial=TrialClause(working_days=3, written=True, temporary_agency_work=True),
            non_compete=NonCompete(
                written=True,
                duration_months=6,
                beyond_belgium=False,
                indemnity_fraction=0.5,
                function_listed_by_cct=True,
                effective_in_first_six_months=False,
            ),
            training_repayment=TrainingRepayment(
                training_hours=90,
                training_cost=5000,
                written_before_training=True,
                repayment_period_years=2,
                shortage_occupation=False,
            ),
            penalty=True,
            debt_acknowledgement=True,
            extra_liability=True,
            worker_costs=[WorkerCost(kind=WorkerCostKind.TOOLS, monthly_amount=10, description="couteaux")],
            deductions=[Deduction(kind=DeductionKind.ADVANCE, monthly_amount=50, description="avance")],
            deposit_amount=300,
            overtime=Overtime(
                legal_reason="surcroît",
                max_hours_per_day=10,
                max_hours_per_week=45,
                premium=0.5,
                sunday_holiday_premium=1,
                paid=True,
                compensatory_rest=True,
            ),
            overtime_included_in_salary=True,
        ),
        earlier_fixed_term_contracts=[
            EarlierContract(start_date=D(2024, 1, 1), end_date=D(2024, 6, 30)),
            EarlierContract(
                start_date=D(2024, 7, 1), end_date=D(2024, 12, 31), kind=ContractKind.REPLACEMENT
            ),
        ],
        replacement=Replacement(reason="maladie", replaced_person="A. B.", conditions_stated=True),
        pfi=Pfi(
            duration_weeks=13,
            target_group=True,
            employer_premium_fraction=0.8,
            travel_costs_paid=True,
            tutor=True,
            accident_insurance=True,
            hiring_commitment_weeks=26,
            hiring_in_trained_job=True,
            dismissal_to_make_room=False,
            days_worked_there_previous_3_months=2,
        ),
        cip=Cip(monthly_allowance=750),
        article_60=Article60(
            employer_is_cpas=True,
            planned_working_days=312,
            placed_with_user=True,
            user_allowed=True,
            placement_agreement_written=True,
        ),
        article_61=Article61(
            tutoring_premium_monthly=250, tutoring_months=12, premium_deducted_from_pay=False
        ),
        piis=PIIS_OK,
    )


@pytest.mark.parametrize(
    "contract",
    [everything(), base(), of_kind(ContractKind.STUDENT), of_kind(ContractKind.CIP), R(base(), clauses=None)],
    ids=["everything", "base", "student", "cip", "clauses-unread"],
)
def test_a_stored_contract_goes_through_the_form_unchanged(contract):
    values = form_values(msgspec.to_builtins(contract))
    assert contract_from_form(values) == contract


def test_an_empty_list_and_an_unread_list_differ():
    none_before = form_values(msgspec.to_builtins(base()))  # earlier_fixed_term_contracts == []
    assert none_before[BY_PATH["earlier_fixed_term_contracts?"].name] == "1"
    assert contract_from_form(none_before).earlier_fixed_term_contracts == []
    unread = dict(none_before)
    unread.pop(BY_PATH["earlier_fixed_term_contracts?"].name)
    assert contract_from_form(unread).earlier_fixed_term_contracts is None


@pytest.mark.parametrize(
    ("change", "words", "field"),
    [
        ({"gross_monthly": "deux mille"}, "n'est pas un nombre", "gross_monthly"),
        ({"gross_monthly": "-5"}, "ne peut pas être négatif", "gross_monthly"),
        ({"pay.sector_minimum.source": ""}, "source", "pay.sector_minimum.source"),
        ({"signature_date": "1980-01-01"}, "précède la date de naissance", "signature_date"),
        ({"kind": ""}, "choisissez le type de contrat", "kind"),
        ({"schedule.shifts.0.start": "25:99"}, "n'est pas une heure", "schedule.shifts.0.start"),
        ({"end_date": "2025-01-01"}, "précède la date de début", "end_date"),
        (
            {
                "pay.sector_minimum.source": "CCT",
                "pay.sector_minimum.monthly_full_time": "",
                "pay.sector_minimum.hourly": "",
            },
            "montant",
            "pay.sector_minimum.monthly_full_time",
        ),
    ],
)
def test_bad_input_is_refused_in_french_next_to_its_field(change, words, field):
    """Issue 17: the page shows each message under its own field (``extra["fields"]``: form name →
    French message), and the detail still names the field for an API-style reader."""
    values = {**form_values(msgspec.to_builtins(base())), **change}
    with pytest.raises(BadRequest) as err:
        contract_from_form(values)
    assert words in err.value.detail.lower() and "Expected" not in err.value.detail
    fields = err.value.extra["fields"]
    assert list(fields) == [field], fields
    assert words in fields[field].lower() and "Expected" not in fields[field]


def test_every_wrong_field_is_reported_at_once():
    """Three mistakes, three messages: the worker fixes them in one go, not one per submission."""
    values = {
        **form_values(msgspec.to_builtins(base())),
        "gross_monthly": "deux mille",
        "weekly_hours": "-3",
        "start_date": "2026-02-30",
    }
    with pytest.raises(BadRequest) as err:
        contract_from_form(values)
    assert set(err.value.extra["fields"]) == {"gross_monthly", "weekly_hours", "start_date"}
    assert err.value.detail.startswith("3 champs sont à corriger")


def test_enum_selects_list_every_value_in_french():
    for f in FIELDS:
        if f.kind in ("select", "multi") and f.options is not None:
            assert all(label for label in f.options.values()), f.path
    kinds = BY_PATH["kind"].options
    assert set(kinds) == {k.value for k in ContractKind}
    assert isinstance(visa_form.ENUM_LABELS, dict) and all(
        issubclass(t, enum.Enum) for t in visa_form.ENUM_LABELS
    )
