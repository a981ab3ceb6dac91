"""The visa checklist: every check of ``shared/LEGAL.md`` run on one contract, with an overall verdict.

Pure: no database, no clock except "today in Brussels" when the contract has no start date. The legal
reference date is the contract's start date (the law in force when the work begins).
"""

from __future__ import annotations

import datetime as dt

import msgspec

from coordination import clock
from coordination.visa import facts
from coordination.visa.checks import clauses, form, schemes, wage, worktime  # noqa: F401  (register checks)
from coordination.visa.checks.base import REGISTRY, CheckResult, CheckSpec, Ctx, Labelled, Severity, Status
from coordination.visa.contract import Contract
from coordination.visa.parameters import ParameterSet, default

BLOCKING, WARNING = Severity.BLOCKING, Severity.WARNING

#: The checklist in the order of LEGAL.md, so that it reads like the law's table: each check's stable id
#: (stored visas refer to it), the weight of a failure (a check may raise it, e.g. unpaid overtime),
#: its title and the law it applies. The checks themselves register under their id (:func:`.base.check`).
# fmt: off
LAW: tuple[tuple[str, Severity, str, str], ...] = (
    ("WAGE_SECTOR", BLOCKING, "Barème sectoriel",
     "Loi du 5-12-1968 sur les CCT; CCT sectorielles"),
    ("WAGE_RMMMG", BLOCKING, "Salaire minimum national (RMMMG)",
     "CCT n° 43 et 43/15 à 43/17 (CNT); CCT n° 50 pour les étudiants"),
    ("WAGE_YOUTH", BLOCKING, "Salaire minimum des jeunes et des étudiants",
     "CCT n° 50 (CNT)"),
    ("HOURS_PAID", BLOCKING, "Toutes les heures à disposition sont payées",
     "Loi du 16-3-1971 sur le travail, art. 19"),
    ("WT_LIMITS", BLOCKING, "Durée normale du travail",
     "Loi du 16-3-1971 sur le travail, art. 19 et 20"),
    ("WT_OVERTIME", WARNING, "Heures supplémentaires",
     "Loi du 16-3-1971 sur le travail, art. 25 à 29"),
    ("WT_REST", WARNING, "Repos entre deux prestations",
     "Loi du 16-3-1971 sur le travail, art. 38ter"),
    ("WT_SUN_NIGHT", WARNING, "Travail du dimanche et de nuit",
     "Loi du 16-3-1971 sur le travail, art. 11, 16 et 35"),
    ("MIN_SHIFT", BLOCKING, "Durée minimale de chaque prestation",
     "Loi du 3-7-1978 (LCT), art. 11bis"),
    ("PT_WRITTEN", BLOCKING, "Temps partiel: écrit avec le régime et l'horaire",
     "LCT art. 11bis; loi-programme du 22-12-1989"),
    ("PT_MIN", BLOCKING, "Temps partiel: durée hebdomadaire minimale",
     "LCT art. 11bis"),
    ("PT_NOTICE", WARNING, "Horaire variable: délai de communication",
     "Loi du 5-3-2017; LCT art. 11bis"),
    ("CDD_FORM", BLOCKING, "Contrat à durée déterminée ou pour un travail nettement défini: "
     "écrit avant le début",
     "LCT art. 9"),
    ("CDD_CHAIN", WARNING, "Contrats à durée déterminée successifs",
     "LCT art. 10 et 10bis"),
    ("REPLACEMENT", BLOCKING, "Contrat de remplacement",
     "LCT art. 11ter"),
    ("TRIAL", BLOCKING, "Clause d'essai",
     "Loi du 26-12-2013; LCT art. 127"),
    ("UNPAID_TEST", BLOCKING, "Jours d'essai non payés",
     "CCT n° 38 (CNT); loi du 16-3-1971 art. 19"),
    ("NONCOMPETE", BLOCKING, "Clause de non-concurrence",
     "LCT art. 65 et 86"),
    ("ECOLAGE", BLOCKING, "Clause d'écolage (remboursement de formation)",
     "LCT art. 22bis"),
    ("PENALTY", BLOCKING, "Clauses pénales et responsabilité",
     "LCT art. 6 et 18"),
    ("EMPLOYER_COSTS", BLOCKING, "Frais mis à charge du travailleur",
     "LCT art. 20; code du bien-être au travail"),
    ("DEDUCTIONS", BLOCKING, "Retenues sur salaire",
     "Loi du 12-4-1965, art. 23"),
    ("DEPOSIT", WARNING, "Cautionnement",
     "CCT n° 41; LCT art. 23"),
    ("PAY_TIMING", WARNING, "Périodicité et délai de paiement",
     "Loi du 12-4-1965, art. 5 et 9"),
    ("STUDENT", BLOCKING, "Contrat d'occupation d'étudiant",
     "LCT titre VII"),
    ("MINORS", BLOCKING, "Jeunes travailleurs (moins de 18 ans)",
     "Loi du 16-3-1971 sur le travail, jeunes travailleurs"),
    ("ART60", BLOCKING, "Mise à l'emploi article 60 §7",
     "Loi organique des CPAS du 8-7-1976, art. 60 §7"),
    ("ART61", WARNING, "Mise à l'emploi article 61",
     "Loi organique des CPAS du 8-7-1976, art. 61"),
    ("PIIS", WARNING, "Cohérence avec le PIIS",
     "Loi du 26-5-2002, art. 11 et 13 §3; AR du 11-7-2002"),
    ("PFI", BLOCKING, "Formation professionnelle individuelle en entreprise (PFI)",
     "Décret du 18-7-1997 et arrêtés du Gouvernement wallon"),
    ("CIP", BLOCKING, "Convention d'immersion professionnelle",
     "Loi-programme du 2-8-2002, art. 104 à 106"),
    ("STAGE_TRANSITION", WARNING, "Stage de transition",
     "Régime du stage de transition (Onem/Forem)"),
    ("STAGE_FIRST", WARNING, "Stage First (Bruxelles)",
     "Régime bruxellois (Actiris)"),
)
# fmt: on
assert set(REGISTRY) == {row[0] for row in LAW}, "every check is in LAW, and every row of LAW is a check"
CHECKS = tuple(CheckSpec(*row, fn=REGISTRY[row[0]]) for row in LAW)
CHECK_IDS = tuple(s.id for s in CHECKS)


class Verdict(Labelled):
    CONFORME = "conforme", "Conforme"  # every applicable check passes
    NON_CONFORME = "non_conforme", "Non conforme"  # a blocking check fails: the visa is refused until fixed
    A_COMPLETER = "a_completer", "À compléter ou à vérifier"  # something to verify or a warning: look


VERDICT_LABELS_FR = {v: v.label_fr for v in Verdict}


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
