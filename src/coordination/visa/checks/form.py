"""Form checks: part-time contracts, fixed-term contracts and their chains, replacement and student contracts."""

from __future__ import annotations

import datetime as dt

from coordination.formatting import day_fr
from coordination.visa import facts
from coordination.visa.checks.base import Ctx, Outcome, check, hours, not_applicable, only_for
from coordination.visa.contract import ContractKind, Mention, ScheduleType
from coordination.visa.parameters import Unknown

FIXED_TERM_KINDS = frozenset({ContractKind.FIXED_TERM, ContractKind.DEFINED_WORK, ContractKind.REPLACEMENT})
PART_TIME_KINDS = frozenset(
    {
        ContractKind.OPEN_ENDED,
        ContractKind.FIXED_TERM,
        ContractKind.DEFINED_WORK,
        ContractKind.REPLACEMENT,
        ContractKind.ARTICLE_60,
        ContractKind.ARTICLE_61,
        ContractKind.STUDENT,
    }
)
MENTION_LABELS = {
    Mention.DATES: "dates de début et de fin",
    Mention.PLACE: "lieu de travail",
    Mention.FUNCTION: "fonction",
    Mention.HOURS: "horaire",
    Mention.PAY: "rémunération",
    Mention.PAY_DATE: "date de paiement",
    Mention.JOINT_COMMITTEE: "commission paritaire",
    Mention.TRIAL_CLAUSE: "période d'essai",
    Mention.PARTIES: "parties",
    Mention.OBJECT: "objet",
    Mention.DURATION: "durée",
    Mention.DAILY_HOURS: "horaire journalier",
    Mention.WEEKLY_HOURS: "horaire hebdomadaire",
    Mention.ALLOWANCE: "allocation",
    Mention.TERMINATION: "modalités de fin",
    Mention.TRAINING_PLAN: "plan de formation",
}


def _require_mentions(ctx: Ctx, needed: tuple[Mention, ...]) -> None:
    """Fail for each mention the written document lacks."""
    mentions = ctx.contract.mentions
    ctx.use("mentions", None if mentions is None else sorted(mentions))
    if mentions is None:
        ctx.missing("mentions écrites du contrat (" + ", ".join(MENTION_LABELS[m] for m in needed) + ")")
        return
    lacking = [MENTION_LABELS[m] for m in needed if m not in mentions]
    if lacking:
        ctx.fail("mentions obligatoires absentes de l'écrit: " + ", ".join(lacking))


def require_written(ctx: Ctx, what: str, mentions: tuple[Mention, ...] = ()) -> None:
    """Written and signed by the start, with the ``mentions`` the law lists for it (STUDENT, CIP)."""
    _written_by_start(ctx, what)
    if mentions:
        _require_mentions(ctx, mentions)


def _written_by_start(ctx: Ctx, what: str) -> None:
    """The dates decide when both are known, whatever the flag says."""
    c = ctx.contract
    w = ctx.use("written_before_start", c.written_before_start)
    signed = ctx.use("signature_date", c.signature_date)
    start = c.start_date
    if signed is not None and start is not None:
        ctx.use("start_date", start)
        if signed > start:
            ctx.fail(
                f"{what} est signé le {day_fr(signed)}, après le début du travail le {day_fr(start)}: "
                "il doit être constaté par écrit au plus tard au début de l'exécution"
            )
            return
        if w is False:
            ctx.fail(f"{what} n'est pas constaté par écrit au plus tard au début de l'exécution")
        return
    if w is False:
        ctx.fail(f"{what} n'est pas constaté par écrit au plus tard au début de l'exécution")
    elif w is None:
        ctx.missing("écrit signé avant le début (date de signature)")


def _part_time(ctx: Ctx) -> bool | None:
    c = ctx.contract
    return ctx.need("part_time", facts.is_part_time(c), "heures hebdomadaires et temps plein de référence")


def _unless_part_time(ctx: Ctx) -> Outcome | None:
    """The outcome of a part-time check that does not apply (not an employment contract, or full time) or
    cannot be judged (whether it is part time is unknown); ``None`` when the check applies."""
    if ctx.contract.kind not in PART_TIME_KINDS:
        return not_applicable("Ce n'est pas un contrat de travail.")
    pt = _part_time(ctx)
    if pt is False:
        return not_applicable("Contrat à temps plein.")
    if pt is None:
        return ctx.verdict("")
    return None


@check("PT_WRITTEN")
def pt_written(ctx: Ctx) -> Outcome:
    skip = _unless_part_time(ctx)
    if skip is not None:
        return skip
    require_written(ctx, "le contrat à temps partiel")
    s = ctx.contract.schedule
    if s is None:
        ctx.missing("horaire")
    elif s.type == ScheduleType.VARIABLE:
        if s.stated_in_contract is not True:
            ctx.flag(
                "variable_schedules_in_work_rules",
                s.variable_schedules_in_work_rules,
                "renvoi aux horaires variables du règlement de travail",
                "horaire variable sans renvoi aux horaires du règlement de travail",
            )
    else:
        ctx.flag(
            "schedule_stated_in_contract",
            s.stated_in_contract,
            "horaire mentionné dans le contrat",
            "l'horaire fixe n'est pas mentionné dans le contrat: le travailleur pourra choisir le régime le plus favorable",
        )
    return ctx.verdict("Le temps partiel est écrit avant le début, avec le régime et l'horaire.")


@check("PT_MIN")
def pt_min(ctx: Ctx) -> Outcome:
    skip = _unless_part_time(ctx)
    if skip is not None:
        return skip
    c = ctx.contract
    frac = ctx.param("part_time_min_fraction")
    weekly, full = c.weekly_hours or 0.0, c.full_time_weekly_hours or 0.0
    ctx.use("weekly_hours", weekly)
    ctx.use("full_time_weekly_hours", full)
    if isinstance(frac, Unknown):
        answers = {_meets(weekly, full, f) for f in frac.candidates}
        if answers == {True}:
            return ctx.verdict(
                f"{hours(weekly)} par semaine: au-dessus du minimum sous toutes les règles possibles."
            )
        if answers == {False}:
            ctx.fail(
                f"{hours(weekly)} par semaine: sous le minimum du temps partiel quelle que soit la règle en vigueur"
            )
        else:
            ctx.unknown_law(frac, "le minimum du temps partiel")
        return ctx.verdict("")
    if not _meets(weekly, full, frac):
        ctx.fail(
            f"{hours(weekly)} par semaine, moins que le minimum d'un tiers du temps plein ({hours(full * frac)} sur {hours(full)})"
        )
    return ctx.verdict(f"{hours(weekly)} par semaine: au moins un tiers du temps plein.")


def _meets(weekly: float, full: float, fraction: float) -> bool:
    # minutes, so that 12 h 40 on 38 h (1/3) is met exactly
    return round(weekly * 60) >= round(full * fraction * 60)


@check("PT_NOTICE")
def pt_notice(ctx: Ctx) -> Outcome:
    s = ctx.contract.schedule
    if s is None or s.type != ScheduleType.VARIABLE:
        return not_applicable("Pas d'horaire variable.")
    notice = ctx.param("variable_notice_working_days")
    days = ctx.use("notice_working_days", s.notice_working_days)
    sector = ctx.use("sector_notice_working_days", s.sector_notice_working_days)
    if isinstance(notice, Unknown):
        ctx.unknown_law(notice, "le délai de communication des horaires variables")
    elif days is None:
        ctx.missing("délai de communication de l'horaire (jours ouvrables)")
    else:
        required = max(sector, 1) if sector is not None else notice
        if days < required:
            ctx.fail(
                f"l'horaire est communiqué {days} jour(s) ouvrable(s) à l'avance; il en faut au moins {required}"
            )
    return ctx.verdict("L'horaire variable est communiqué par écrit dans le délai.")


@check("CDD_FORM")
def cdd_form(ctx: Ctx) -> Outcome:
    c = ctx.contract
    fixed = c.kind in FIXED_TERM_KINDS or (
        c.kind in (ContractKind.ARTICLE_60, ContractKind.ARTICLE_61) and c.end_date is not None
    )
    if not fixed:
        return not_applicable("Pas un contrat à durée déterminée.")
    require_written(ctx, "le contrat (sinon il vaut contrat à durée indéterminée)")
    if c.kind != ContractKind.DEFINED_WORK and c.end_date is None and c.kind != ContractKind.REPLACEMENT:
        ctx.missing("date de fin")
    return ctx.verdict("Le contrat est écrit et signé avant le début.")


@check("CDD_CHAIN")
def cdd_chain(ctx: Ctx) -> Outcome:
    c = ctx.contract
    if c.kind not in (ContractKind.FIXED_TERM, ContractKind.DEFINED_WORK):
        return not_applicable("Pas un contrat à durée déterminée.")
    earlier = c.earlier_fixed_term_contracts
    if earlier is None:
        return ctx.stop_missing(
            "contrats à durée déterminée antérieurs avec le même employeur (liste vide s'il n'y en a pas)"
        )
    ctx.use("earlier_contracts", len(earlier))
    if not earlier:
        return ctx.verdict("Premier contrat à durée déterminée avec cet employeur.")
    if c.start_date is None or c.end_date is None:
        return ctx.stop_missing("dates de début et de fin")
    rules = ctx.param("fixed_term_chain")
    if isinstance(rules, Unknown):
        return ctx.stop_unknown_law(rules, "les règles de succession")
    certain, doubtful = chain_of(c, earlier, rules["max_total_months"])
    ctx.use("gaps_days", [g for _, g in doubtful])
    verdict_certain = _chain_verdict(certain, rules)
    verdict_widest = _chain_verdict(certain + [p for p, _ in doubtful], rules)
    if doubtful and verdict_certain != verdict_widest:
        gaps = ", ".join(f"{g} jours" for _, g in doubtful)
        ctx.unknown(
            f"interruption(s) de {gaps} entre des contrats: ils ne forment une succession que si "
            "l'interruption n'est pas imputable au travailleur (LCT art. 10) — à apprécier"
        )
        return ctx.verdict("")
    periods = certain
    n = ctx.use("contracts_in_chain", len(periods))
    regime = verdict_certain
    if regime == "a":
        return ctx.verdict(
            f"{n} contrat(s) successif(s): dans les limites (au plus 4 de 3 mois minimum, 2 ans au total)."
        )
    if regime == "b":
        approval = ctx.use("inspection_approval", c.inspection_approval)
        if approval is None:
            ctx.missing(
                "autorisation préalable du contrôle des lois sociales (contrats d'au moins 6 mois, 3 ans au total)"
            )
        elif not approval:
            ctx.fail(
                "succession de contrats au-delà de 2 ans sans l'autorisation du contrôle des lois sociales"
            )
        return ctx.verdict(
            "Succession autorisée par le contrôle des lois sociales (au moins 6 mois chacun, 3 ans au total)."
        )
    ctx.fail(
        f"{n} contrats successifs hors des limites légales (au plus 4 contrats d'au moins 3 mois sur 2 ans, ou d'au moins "
        "6 mois sur 3 ans avec autorisation): le travailleur peut être considéré sous contrat à durée indéterminée"
    )
    return ctx.verdict("")


def chain_of(c, earlier, max_gap_months: int):
    """(contracts certainly in the chain, [(contract, gap in days)] that may be), newest first back.

    Contracts that follow each other without a working day between them (at most a weekend) are one chain.
    After a longer interruption an earlier contract belongs to the chain only if the interruption is not
    attributable to the worker (LCT art. 10): the visa cannot know, so it is doubtful. An interruption
    longer than the whole authorised series (2 years, art. 10bis) cannot be a pause inside a series: the
    chain stops there (reading to be confirmed by a jurist)."""
    periods = sorted([(e.start_date, e.end_date) for e in earlier], key=lambda p: p[0], reverse=True)
    certain = [(c.start_date, c.end_date)]
    doubtful: list[tuple[tuple, int]] = []
    head = c.start_date
    for start, end in periods:
        if end >= head:  # overlapping or later: part of the same employment
            certain.append((start, end))
            head = min(head, start)
            continue
        gap = (head - end).days - 1
        if gap <= 0 or (gap <= 2 and _only_weekend(end, head)):
            if not doubtful:
                certain.append((start, end))
            else:
                doubtful.append(((start, end), gap))
        elif facts.add_months(end + dt.timedelta(days=1), max_gap_months) <= head:
            break
        else:
            doubtful.append(((start, end), gap))
        head = start
    return sorted(certain), doubtful


def _only_weekend(end: dt.date, next_start: dt.date) -> bool:
    day = end + dt.timedelta(days=1)
    while day < next_start:
        if day.weekday() < 5:
            return False
        day += dt.timedelta(days=1)
    return True


def _chain_verdict(periods, rules) -> str:
    """'a' (ordinary limits), 'b' (limits with the inspection's approval) or 'out'."""
    periods = sorted(periods)
    n = len(periods)
    first, last = periods[0][0], periods[-1][1]
    if (
        n <= rules["max_contracts"]
        and all(facts.lasts_at_least(a, b, rules["min_months"]) for a, b in periods)
        and facts.lasts_at_most(first, last, rules["max_total_months"])
    ) or n == 1:
        return "a"
    if all(
        facts.lasts_at_least(a, b, rules["approval_min_months"]) for a, b in periods
    ) and facts.lasts_at_most(first, last, rules["approval_max_total_months"]):
        return "b"
    return "out"


@check("REPLACEMENT")
def replacement(ctx: Ctx) -> Outcome:
    c = ctx.contract
    if c.kind != ContractKind.REPLACEMENT:
        return not_applicable("Pas un contrat de remplacement.")
    require_written(ctx, "le contrat de remplacement")
    r = c.replacement
    if r is None:
        ctx.missing("motif du remplacement, personne remplacée et conditions")
    else:
        if not ctx.use("reason", r.reason):
            ctx.fail("le motif du remplacement n'est pas indiqué")
        if not ctx.use("replaced_person", r.replaced_person):
            ctx.fail("l'identité de la personne remplacée n'est pas indiquée")
        ctx.flag(
            "conditions_stated",
            r.conditions_stated,
            "conditions de l'engagement indiquées dans l'écrit",
            "les conditions de l'engagement ne sont pas indiquées",
        )
    limit = ctx.param("replacement_max_months")
    if c.start_date and c.end_date and not isinstance(limit, Unknown):
        earlier = [e for e in (c.earlier_fixed_term_contracts or []) if e.kind == ContractKind.REPLACEMENT]
        first = min([c.start_date] + [e.start_date for e in earlier])
        if not facts.lasts_at_most(first, c.end_date, limit):
            ctx.fail(f"les remplacements successifs dépassent {limit} mois au total")
    return ctx.verdict(
        "Le remplacement est écrit avec motif, personne remplacée et conditions, sur 2 ans au plus."
    )


STUDENT_MENTIONS = (
    Mention.DATES,
    Mention.PLACE,
    Mention.FUNCTION,
    Mention.HOURS,
    Mention.PAY,
    Mention.PAY_DATE,
    Mention.JOINT_COMMITTEE,
    Mention.TRIAL_CLAUSE,
)


@check("STUDENT")
@only_for(ContractKind.STUDENT, "Pas un contrat d'étudiant.")
def student(ctx: Ctx) -> Outcome:
    require_written(ctx, "le contrat d'étudiant", STUDENT_MENTIONS)
    return ctx.verdict(
        "Le contrat d'étudiant est écrit avant le début avec toutes les mentions obligatoires."
    )
