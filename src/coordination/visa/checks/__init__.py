"""The visa checklist: every check of ``shared/LEGAL.md`` run on one contract, with an overall verdict.

Pure: no database, no clock except "today in Brussels" when the contract has no start date. The legal
reference date is the contract's start date (the law in force when the work begins).
"""

from __future__ import annotations

import datetime as dt
import enum

import msgspec

from coordination import clock
from coordination.visa import facts
from coordination.visa.checks import clauses, form, schemes, wage, worktime  # noqa: F401  (register checks)
from coordination.visa.checks.base import (
    REGISTRY,
    CheckResult,
    CheckSpec,
    Ctx,
    Severity,
    Status,
)
from coordination.visa.contract import Contract
from coordination.visa.parameters import ParameterSet, default

#: The order of LEGAL.md, so a checklist reads like the law's table.
ORDER = [
    "WAGE_SECTOR",
    "WAGE_RMMMG",
    "WAGE_YOUTH",
    "HOURS_PAID",
    "WT_LIMITS",
    "WT_OVERTIME",
    "WT_REST",
    "WT_SUN_NIGHT",
    "MIN_SHIFT",
    "PT_WRITTEN",
    "PT_MIN",
    "PT_NOTICE",
    "CDD_FORM",
    "CDD_CHAIN",
    "REPLACEMENT",
    "TRIAL",
    "UNPAID_TEST",
    "NONCOMPETE",
    "ECOLAGE",
    "PENALTY",
    "EMPLOYER_COSTS",
    "DEDUCTIONS",
    "DEPOSIT",
    "PAY_TIMING",
    "STUDENT",
    "MINORS",
    "ART60",
    "ART61",
    "PIIS",
    "PFI",
    "CIP",
    "STAGE_TRANSITION",
    "STAGE_FIRST",
]
CHECKS: tuple[CheckSpec, ...] = tuple(sorted(REGISTRY, key=lambda s: ORDER.index(s.id)))
CHECK_IDS = tuple(s.id for s in CHECKS)
assert set(CHECK_IDS) == set(ORDER), "every registered check must have a place in ORDER"


class Verdict(enum.StrEnum):
    CONFORME = "conforme"  # every applicable check passes
    NON_CONFORME = "non_conforme"  # a blocking check fails: the visa is refused until fixed
    A_COMPLETER = "a_completer"  # something to verify or a warning: the adviser must look


VERDICT_LABELS_FR = {
    Verdict.CONFORME: "Conforme",
    Verdict.NON_CONFORME: "Non conforme",
    Verdict.A_COMPLETER: "À compléter ou à vérifier",
}


class Checklist(msgspec.Struct, kw_only=True):
    rule_set_version: str
    reference_date: dt.date
    verdict: Verdict
    verdict_label: str
    results: list[CheckResult]

    def by_id(self, check_id: str) -> CheckResult:
        return next(r for r in self.results if r.id == check_id)

    def ids_with(self, status: Status) -> list[str]:
        return [r.id for r in self.results if r.status == status]


def reference_date(contract: Contract, on_date: dt.date | dt.datetime | None = None) -> dt.date:
    """The date whose law applies: given date (a datetime is read in Brussels), else the start, else today."""
    if isinstance(on_date, dt.datetime):
        if on_date.tzinfo is None:
            raise ValueError("a datetime reference must be timezone-aware")
        return clock.brussels_day(on_date)
    if on_date is not None:
        return on_date
    if contract.start_date is not None:
        return contract.start_date
    return clock.today()


def run_check(
    spec: CheckSpec, contract: Contract, on_date: dt.date, params: ParameterSet, age: int | None
) -> CheckResult:
    ctx = Ctx(contract, on_date, params, age, spec.severity)
    outcome = spec.fn(ctx)
    return CheckResult(
        id=spec.id,
        title=spec.title,
        status=outcome.status,
        severity=outcome.severity or spec.severity,
        explanation=outcome.explanation,
        reference=spec.reference,
        inputs=ctx.inputs,
        sources=ctx.sources,
    )


def verdict_of(results: list[CheckResult]) -> Verdict:
    if any(r.status == Status.NON_CONFORME and r.severity == Severity.BLOCKING for r in results):
        return Verdict.NON_CONFORME
    if any(r.status in (Status.NON_CONFORME, Status.A_VERIFIER) for r in results):
        return Verdict.A_COMPLETER
    return Verdict.CONFORME


def run_checklist(
    contract: Contract,
    on_date: dt.date | dt.datetime | None = None,
    params: ParameterSet | None = None,
) -> Checklist:
    params = params or default()
    day = reference_date(contract, on_date)
    age = facts.age_on(contract.worker, day)
    results = [run_check(spec, contract, day, params, age) for spec in CHECKS]
    verdict = verdict_of(results)
    return Checklist(
        rule_set_version=params.version,
        reference_date=day,
        verdict=verdict,
        verdict_label=VERDICT_LABELS_FR[verdict],
        results=results,
    )
