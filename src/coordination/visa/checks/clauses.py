"""Clause checks: trial, unpaid test days, non-compete, training repayment, penalties, costs, deductions,
deposit and pay timing — the abusive clauses the seeds describe."""

from __future__ import annotations

from coordination.visa import facts
from coordination.visa.checks.base import Ctx, Outcome, Severity, check, eur, on_clause, on_clauses
from coordination.visa.checks.wage import employment_only
from coordination.visa.contract import (
    Clauses,
    ContractKind,
    DeductionKind,
    NonCompete,
    PayFrequency,
    TrainingRepayment,
    WorkerCategory,
    WorkerCostKind,
)
from coordination.visa.parameters import Unknown


@check("TRIAL")
@on_clauses
def trial(ctx: Ctx, cl: Clauses) -> Outcome:
    t = cl.trial
    ctx.use("trial_clause", t is not None)
    if t is None:
        return ctx.verdict("Pas de clause d'essai.")
    rule = ctx.param("trial_clause")
    if isinstance(rule, Unknown):
        return ctx.stop_unknown_law(rule, "le régime de la période d'essai")
    if t.temporary_agency_work:
        return _interim_trial(ctx, t, rule)
    if ctx.contract.kind == ContractKind.STUDENT:
        days = ctx.need("trial_working_days", t.working_days, "durée de l'essai (jours de travail)")
        if days is not None and days > rule["student_working_days"]:
            ctx.fail(
                f"essai de {days} jours de travail pour un étudiant: au plus {rule['student_working_days']}"
            )
        ctx.flag(
            "written",
            t.written,
            "période d'essai prévue par écrit",
            "la période d'essai de l'étudiant n'est pas prévue par écrit",
        )
        return ctx.verdict(
            "Contrat d'étudiant: les 3 premiers jours de travail peuvent être une période d'essai écrite."
        )
    ctx.fail(
        "la clause d'essai est nulle depuis le 1er janvier 2014 (sauf étudiants et intérimaires): elle doit être retirée"
    )
    return ctx.verdict("")


#: Interim contracts are fixed-term, defined-work, replacement or student contracts with an agency.
INTERIM_KINDS = frozenset(
    {ContractKind.FIXED_TERM, ContractKind.DEFINED_WORK, ContractKind.REPLACEMENT, ContractKind.STUDENT}
)


def _interim_trial(ctx: Ctx, t, rule) -> Outcome:
    """Temporary agency work keeps a trial: its first 3 working days (law of 24-7-1987, art. 8), and only
    on a contract an agency can conclude — never an open-ended contract, an article 60/61 or a training."""
    kind = ctx.use("kind", ctx.contract.kind)
    if kind not in INTERIM_KINDS:
        ctx.fail(
            "l'exception du travail intérimaire ne vaut que pour un contrat de travail intérimaire (à durée "
            "déterminée, de remplacement ou d'étudiant), pas pour ce type de contrat: la clause d'essai est nulle"
        )
        return ctx.verdict("")
    days = ctx.need("trial_working_days", t.working_days, "durée de l'essai (jours de travail)")
    limit = rule.get("interim_working_days", 3)
    if days is not None and days > limit:
        ctx.fail(
            f"essai de {days} jours de travail en intérim: seuls les {limit} premiers jours sont une période d'essai"
        )
    return ctx.verdict(
        f"Travail intérimaire: les {limit} premiers jours de travail sont une période d'essai."
    )


@check("UNPAID_TEST")
def unpaid_test(ctx: Ctx) -> Outcome:
    c = ctx.contract
    days = ctx.use("unpaid_test_days", c.unpaid_test_days)
    if days is None:
        return ctx.stop_missing(
            "jours de « test » non payés prévus avant l'engagement (indiquer 0 s'il n'y en a pas)"
        )
    if days == 0:
        return ctx.verdict("Aucun jour de test non payé n'est prévu.")
    productive = ctx.use("unpaid_test_productive", c.unpaid_test_productive)
    if productive is None:
        ctx.unknown(
            f"{days:g} jour(s) de test non payé(s): s'agit-il d'un simple test de recrutement, ou la personne "
            "produira-t-elle du travail (servir des clients, produire, nettoyer)?"
        )
    elif productive:
        ctx.fail(
            f"{days:g} jour(s) de « test » non payé(s) où la personne travaille: c'est du travail, qui doit faire "
            "l'objet d'un contrat et être payé"
        )
    else:
        limit = ctx.param("unpaid_test")
        if isinstance(limit, Unknown):
            ctx.unknown(
                f"{days:g} jour(s) de test de recrutement non productif: la CCT n° 38 exige un test court mais "
                f"ne fixe pas de durée maximale ({limit.reason}) — appréciez si cette durée reste celle d'un test"
            )
        elif days > limit:
            ctx.fail(f"{days:g} jours de test non payé, au-delà de {limit:g} jour(s)")
    return ctx.verdict("Test de recrutement court et non productif: licite.")


def _yearly(ctx: Ctx) -> float | None:
    y = facts.yearly_gross(ctx.contract)
    return ctx.need("yearly_gross", None if y is None else round(y, 2), "rémunération annuelle brute")


@check("NONCOMPETE")
@on_clause("non_compete", "Pas de clause de non-concurrence.")
def noncompete(ctx: Ctx, nc: NonCompete) -> Outcome:
    thresholds = ctx.param("clause_pay_thresholds")
    cond = ctx.param("non_compete")
    yearly = _yearly(ctx)
    if isinstance(thresholds, Unknown):
        floor = thresholds.floor
        if floor is not None and yearly is not None and yearly <= floor["low"]:
            # thresholds only rise: at or under last year's low threshold, under this year's too
            ctx.fail(
                f"rémunération annuelle de {eur(yearly)}, pas au-dessus du dernier seuil connu de "
                f"{eur(floor['low'])} (le seuil ne peut qu'augmenter): la clause est nulle"
            )
        else:
            ctx.unknown_law(thresholds, "le seuil de rémunération")
    elif yearly is not None:
        low, high = thresholds["low"], thresholds["high"]
        if yearly <= low:
            ctx.fail(
                f"rémunération annuelle de {eur(yearly)}, pas au-dessus de {eur(low)}: la clause est nulle"
            )
        elif yearly <= high:
            listed = ctx.use("function_listed_by_cct", nc.function_listed_by_cct)
            if listed is False:
                ctx.fail(
                    f"entre {eur(low)} et {eur(high)} par an, la clause n'est valable que pour les fonctions désignées par CCT"
                )
            elif listed is None:
                ctx.missing(f"fonction désignée par une CCT (rémunération entre {eur(low)} et {eur(high)})")
    if isinstance(cond, Unknown):
        ctx.unknown_law(cond, "les conditions de la clause")
    else:
        _nc_conditions(ctx, nc, cond)
    return ctx.verdict(
        "La clause de non-concurrence respecte le seuil de rémunération et les conditions légales."
    )


def _nc_conditions(ctx: Ctx, nc, cond) -> None:
    """Each condition is a fact to know: a missing one is « à vérifier », never a silent pass."""
    ctx.flag("written", nc.written, "clause constatée par écrit", "la clause n'est pas écrite")
    m = ctx.need("duration_months", nc.duration_months, "durée de la clause")
    if m is not None and m > cond["max_months"]:
        ctx.fail(f"durée de {m:g} mois, au-delà de {cond['max_months']} mois")
    ctx.flag(
        "beyond_belgium",
        nc.beyond_belgium,
        "territoire couvert par la clause (limité à la Belgique?)",
        "la clause s'étend au-delà du territoire belge",
        want=False,
    )
    i = ctx.need("indemnity_fraction", nc.indemnity_fraction, "indemnité compensatoire")
    if i is not None and i < cond["min_indemnity"]:
        ctx.fail(
            f"indemnité de {round(i * 100)} % de la rémunération de la période, moins que {round(cond['min_indemnity'] * 100)} %"
        )
    ctx.flag(
        "effective_in_first_six_months",
        nc.effective_in_first_six_months,
        "effet de la clause si le contrat prend fin dans les 6 premiers mois",
        "la clause produirait ses effets en cas de fin du contrat dans les 6 premiers mois",
        want=False,
    )


@check("ECOLAGE")
@on_clause("training_repayment", "Pas de clause d'écolage.")
def ecolage(ctx: Ctx, tr: TrainingRepayment) -> Outcome:
    if ctx.use("kind", ctx.contract.kind) != ContractKind.OPEN_ENDED:
        ctx.fail("une clause d'écolage n'est permise que dans un contrat à durée indéterminée")
    thresholds = ctx.param("clause_pay_thresholds")
    rules = ctx.param("training_repayment")
    rmmmg = ctx.param("rmmmg_monthly")
    yearly = _yearly(ctx)
    shortage = ctx.use("shortage_occupation", tr.shortage_occupation)
    if isinstance(thresholds, Unknown):
        floor = thresholds.floor
        if floor is not None and yearly is not None and yearly <= floor["low"] and shortage is False:
            ctx.fail(
                f"rémunération annuelle de {eur(yearly)}, sous le dernier seuil connu de {eur(floor['low'])} "
                "(le seuil ne peut qu'augmenter): la clause est nulle"
            )
        else:
            ctx.unknown_law(thresholds, "le seuil de rémunération")
    elif yearly is not None and yearly <= thresholds["low"] and not shortage:
        if shortage is None:
            ctx.missing(
                f"métier en pénurie (rémunération de {eur(yearly)}, sous le seuil de {eur(thresholds['low'])})"
            )
        else:
            ctx.fail(
                f"rémunération annuelle de {eur(yearly)}, sous le seuil de {eur(thresholds['low'])}: la clause est nulle"
            )
    if isinstance(rules, Unknown):
        ctx.unknown_law(rules, "les conditions de la clause d'écolage")
    else:
        _ecolage_rules(ctx, tr, rules, rmmmg)
    return ctx.verdict("La clause d'écolage respecte les conditions légales.")


def _ecolage_rules(ctx: Ctx, tr, rules, rmmmg) -> None:
    h = ctx.use("training_hours", tr.training_hours)
    cost = ctx.use("training_cost", tr.training_cost)
    if (h is not None and h >= rules["min_hours"]) or (
        cost is not None
        and not isinstance(rmmmg, Unknown)
        and cost >= rules["min_cost_rmmmg_multiple"] * rmmmg
    ):
        pass
    elif h is None and cost is None:
        ctx.missing("durée (heures) ou coût de la formation")
    elif cost is not None and isinstance(rmmmg, Unknown):
        ctx.unknown_law(rmmmg, "le RMMMG (seuil de coût)")
    else:
        ctx.fail(
            f"formation de moins de {rules['min_hours']} heures et d'un coût inférieur au double du RMMMG"
        )
    ctx.flag(
        "written_before_training",
        tr.written_before_training,
        "clause écrite avant la formation",
        "la clause n'est pas écrite avant le début de la formation",
    )
    y = ctx.need(
        "repayment_period_years",
        tr.repayment_period_years,
        "période pendant laquelle le remboursement peut être réclamé",
    )
    if y is not None and y > rules["max_years"]:
        ctx.fail(f"période de remboursement de {y:g} ans, au-delà de {rules['max_years']} ans")


@check("PENALTY")
@on_clauses
def penalty(ctx: Ctx, cl: Clauses) -> Outcome:
    if ctx.use("penalty", cl.penalty):
        ctx.fail("une clause pénale (amende, indemnité forfaitaire) est nulle")
    if ctx.use("debt_acknowledgement", cl.debt_acknowledgement):
        ctx.fail("une reconnaissance de dette imposée au travailleur est nulle")
    if ctx.use("extra_liability", cl.extra_liability):
        ctx.fail(
            "le travailleur ne répond que de son dol, de sa faute lourde ou d'une faute légère habituelle"
        )
    return ctx.verdict("Pas de clause pénale, de reconnaissance de dette ni de responsabilité élargie.")


_ALWAYS_EMPLOYER = {
    WorkerCostKind.WORK_CLOTHING: "vêtements de travail",
    WorkerCostKind.CLOTHING_CLEANING: "entretien des vêtements de travail",
    WorkerCostKind.TOOLS: "outils et matériel de travail",
}


@check("EMPLOYER_COSTS")
@on_clauses
def employer_costs(ctx: Ctx, cl: Clauses) -> Outcome:
    costs = cl.worker_costs
    ctx.use("worker_costs", [x.kind.value for x in costs])
    if not costs:
        return ctx.verdict("Aucun frais n'est mis à charge du travailleur.")
    for x in costs:
        if x.kind in _ALWAYS_EMPLOYER:
            ctx.fail(
                f"{_ALWAYS_EMPLOYER[x.kind]} à charge du travailleur: ils sont fournis et entretenus par l'employeur"
            )
    if ctx.has_findings:
        return ctx.verdict("")
    # Other costs: blocking only if they push pay under the minimum; otherwise the adviser must look.
    monthly = sum(x.monthly_amount or 0.0 for x in costs)
    ctx.use("other_costs_monthly", round(monthly, 2))
    avg, frac = facts.average_monthly_gross(ctx.contract), facts.hours_fraction(ctx.contract)
    rmmmg = ctx.param("rmmmg_monthly")
    if any(x.monthly_amount is None for x in costs):
        ctx.missing("montant mensuel des frais à charge du travailleur")
    elif (
        avg is not None
        and frac is not None
        and not isinstance(rmmmg, Unknown)
        and avg - monthly < rmmmg * frac
    ):
        ctx.fail(f"les frais ({eur(monthly)} par mois) font passer la rémunération sous le salaire minimum")
        return ctx.verdict("")
    ctx.fail(f"frais à charge du travailleur ({eur(monthly)} par mois): à examiner avec lui")
    o = ctx.verdict("")
    return Outcome(o.status, o.explanation, Severity.WARNING)


_ALLOWED_DEDUCTIONS = {
    DeductionKind.TAX,
    DeductionKind.SOCIAL,
    DeductionKind.WORK_RULE_FINE,
    DeductionKind.DAMAGES,
    DeductionKind.ADVANCE,
    DeductionKind.DEPOSIT,
}


@check("DEDUCTIONS")
@on_clauses
def deductions(ctx: Ctx, cl: Clauses) -> Outcome:
    ded = cl.deductions
    ctx.use("deductions", [d.kind.value for d in ded])
    for d in ded:
        if d.kind not in _ALLOWED_DEDUCTIONS:
            ctx.fail(
                f"retenue hors de la liste légale{(' (' + d.description + ')') if d.description else ''}"
            )
    capped = [d for d in ded if d.kind not in (DeductionKind.TAX, DeductionKind.SOCIAL, DeductionKind.OTHER)]
    if not capped:
        return ctx.verdict("Seules des retenues fiscales et sociales sont prévues.")
    net = ctx.use("net_monthly", ctx.contract.pay.net_monthly if ctx.contract.pay else None)
    if net is None or any(d.monthly_amount is None for d in capped):
        return ctx.stop_missing("salaire net mensuel et montant des retenues")
    total = ctx.use("capped_deductions_monthly", round(sum(d.monthly_amount or 0.0 for d in capped), 2))
    cap = ctx.param("deductions_cap_fraction")
    fractions = cap.candidates if isinstance(cap, Unknown) else (cap,)
    answers = {round(total, 2) <= round(net * f, 2) for f in fractions}
    if answers == {False}:
        ctx.fail(f"retenues de {eur(total)} par mois, au-delà du plafond légal sur un net de {eur(net)}")
    elif answers == {True, False}:
        ctx.unknown(
            f"retenues de {eur(total)} par mois sur un net de {eur(net)}: plus d'un cinquième mais au plus un tiers "
            "du net — le plafond exact (1/5 ou 1/3) est à confirmer"
        )
    return ctx.verdict("Les retenues restent dans la liste légale et sous le plafond.")


@check("DEPOSIT")
@on_clauses
def deposit(ctx: Ctx, cl: Clauses) -> Outcome:
    amount = ctx.use("deposit_amount", cl.deposit_amount)
    if not amount:
        return ctx.verdict("Pas de cautionnement.")
    threshold = ctx.param("deposit_threshold")
    yearly = _yearly(ctx)
    if isinstance(threshold, Unknown):
        if yearly is None:
            pass
        elif threshold.floor is not None and yearly <= threshold.floor:
            # the threshold only rises: pay at or under the last known one stays under: one month
            _deposit_limit(ctx, amount, yearly, 1)
        else:
            one, three = round(yearly / 12, 2), round(yearly / 12 * 3, 2)
            if amount > three:
                ctx.fail(f"cautionnement de {eur(amount)}, au-delà de 3 mois de rémunération ({eur(three)})")
            elif amount > one:
                ctx.unknown_law(
                    threshold, "le seuil de rémunération du cautionnement (1 ou 3 mois de plafond)"
                )
    elif yearly is not None:
        months = 1 if yearly <= threshold else 3
        limit = ctx.use("deposit_limit", round(yearly / 12 * months, 2))
        if amount > limit:
            ctx.fail(
                f"cautionnement de {eur(amount)}, au-delà de {months} mois de rémunération ({eur(limit)})"
            )
    return ctx.verdict("Le cautionnement ne dépasse pas le plafond.")


def _deposit_limit(ctx: Ctx, amount: float, yearly: float, months: int) -> None:
    limit = ctx.use("deposit_limit", round(yearly / 12 * months, 2))
    if amount > limit:
        ctx.fail(f"cautionnement de {eur(amount)}, au-delà de {months} mois de rémunération ({eur(limit)})")


@check("PAY_TIMING")
@employment_only
def pay_timing(ctx: Ctx) -> Outcome:
    c = ctx.contract
    p = c.pay
    rules = ctx.param("pay_timing")
    if p is None:
        return ctx.stop_missing("modalités de paiement")
    if isinstance(rules, Unknown):
        return ctx.stop_unknown_law(rules, "les délais de paiement")
    _pay_frequency(ctx, c, p, rules)
    _pay_deadline(ctx, p, rules)
    if ctx.use("bank_transfer", p.bank_transfer) is False:
        ctx.fail("la rémunération doit être payée par virement")
    return ctx.verdict("Le salaire est payé à temps, à la bonne fréquence, par virement.")


def _pay_frequency(ctx: Ctx, c, p, rules) -> None:
    """A manual worker is paid at least twice a month (with a cap on the days between payments), an
    employee at least monthly."""
    cat = ctx.use("worker_category", c.worker_category)
    freq = ctx.use("frequency", p.frequency)
    if cat is None:
        ctx.missing("catégorie (ouvrier ou employé)")
    if freq is None:
        ctx.missing("périodicité du paiement")
    elif cat == WorkerCategory.MANUAL:
        if freq not in (PayFrequency.TWICE_MONTHLY, PayFrequency.WEEKLY):
            ctx.fail("un ouvrier doit être payé au moins deux fois par mois")
        gap = ctx.use("max_days_between_payments", p.max_days_between_payments)
        if gap is not None and gap > rules["manual_max_days_between"]:
            ctx.fail(f"{gap} jours entre deux paiements: au plus {rules['manual_max_days_between']}")
    elif cat == WorkerCategory.EMPLOYEE and freq == PayFrequency.OTHER:
        ctx.fail("un employé doit être payé au moins une fois par mois")


def _pay_deadline(ctx: Ctx, p, rules) -> None:
    """The pay falls due within the legal number of working days after the period (longer when the work
    rules say so)."""
    deadline = ctx.need(
        "payment_deadline_working_days", p.payment_deadline_working_days, "délai de paiement après la période"
    )
    work_rules = ctx.use("deadline_set_in_work_rules", p.deadline_set_in_work_rules)
    allowed = rules["deadline_working_days_work_rules"] if work_rules else rules["deadline_working_days"]
    if deadline is not None and deadline > allowed:
        ctx.fail(f"paiement {deadline} jours ouvrables après la période: au plus {allowed}")
