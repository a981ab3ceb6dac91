"""Pay checks: sector scale, national minimum (RMMMG), youth and student minimum, hours actually paid."""

from __future__ import annotations

from coordination.visa import facts
from coordination.visa.checks.base import Ctx, Outcome, Severity, check, eur, hours, not_applicable
from coordination.visa.contract import EMPLOYMENT_KINDS, ContractKind
from coordination.visa.parameters import Unknown

NOT_EMPLOYMENT = "Ce n'est pas un contrat de travail (formation ou stage): pas de salaire minimum; l'allocation est vérifiée par le contrôle propre au dispositif."


def _below(pay: float, required: float) -> bool:
    return round(pay, 2) < round(required, 2)


def _pay_and_fraction(ctx: Ctx) -> tuple[float | None, float | None]:
    c = ctx.contract
    avg = ctx.use("average_monthly_gross", _r(facts.average_monthly_gross(c)))
    frac = ctx.use("hours_fraction", facts.hours_fraction(c))
    if avg is None:
        ctx.missing("salaire brut (mensuel, ou horaire avec les heures hebdomadaires)")
    if frac is None:
        ctx.missing("heures hebdomadaires et temps plein de référence")
    return avg, frac


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


@check("WAGE_SECTOR", "Barème sectoriel", Severity.BLOCKING, "Loi du 5-12-1968 sur les CCT; CCT sectorielles")
def wage_sector(ctx: Ctx) -> Outcome:
    c = ctx.contract
    if c.kind not in EMPLOYMENT_KINDS:
        return not_applicable(NOT_EMPLOYMENT)
    cp = ctx.use("joint_committee", c.joint_committee)
    fn = ctx.use("function", c.function)
    base = ctx.use("base_monthly_gross", _r(facts.base_monthly_gross(c)))
    frac = ctx.use("hours_fraction", facts.hours_fraction(c))
    if not cp:
        ctx.missing("commission paritaire (CP)")
    if not fn:
        ctx.missing("fonction")
    if base is None:
        ctx.missing("salaire brut")
    if frac is None:
        ctx.missing("heures hebdomadaires et temps plein de référence")
    if cp and fn:
        scale = ctx.params.sector_scale(cp, fn, ctx.on_date)
        if scale is None:
            ctx.unknown(
                f"aucun barème n'est configuré pour la CP {cp} et la fonction « {fn} »: "
                "comparez le salaire au barème sectoriel publié par le SPF Emploi"
            )
        else:
            ctx.sources.append(scale.source)
            required = ctx.use("sector_minimum_pro_rata", round(scale.monthly_full_time * (frac or 0), 2))
            if base is not None and frac is not None and _below(base, required):
                ctx.fail(
                    f"le salaire de base ({eur(base)}) est inférieur au barème de la CP {cp} pour cette fonction "
                    f"({eur(required)} au prorata des heures)"
                )
    return ctx.verdict(
        "Le salaire atteint le barème sectoriel configuré pour cette commission paritaire et cette fonction."
    )


@check(
    "WAGE_RMMMG",
    "Salaire minimum national (RMMMG)",
    Severity.BLOCKING,
    "CCT n° 43 et 43/15 à 43/17 (CNT)",
)
def wage_rmmmg(ctx: Ctx) -> Outcome:
    c = ctx.contract
    if c.kind not in EMPLOYMENT_KINDS:
        return not_applicable(NOT_EMPLOYMENT)
    if c.kind == ContractKind.STUDENT or c.worker.is_student:
        return not_applicable(
            "Contrat d'étudiant: le RMMMG ne s'applique pas (voir le minimum des étudiants, WAGE_YOUTH)."
        )
    age = ctx.use("age", ctx.age)
    if age is not None and age < 18:
        return not_applicable(
            "Travailleur de moins de 18 ans: le minimum réduit s'applique (voir WAGE_YOUTH)."
        )
    if c.start_date and c.end_date and not facts.lasts_at_least(c.start_date, c.end_date, 1):
        return not_applicable("Contrat de moins d'un mois: la CCT 43 ne s'applique pas.")
    avg, frac = _pay_and_fraction(ctx)
    rmmmg = ctx.param("rmmmg_monthly")
    if isinstance(rmmmg, Unknown):
        ctx.unknown_law(rmmmg, "le montant du RMMMG")
    elif _hourly_only(c) and frac is not None:
        _check_hourly(ctx, rmmmg, age)
    elif avg is not None and frac is not None:
        required = ctx.use("minimum_pro_rata", round(rmmmg * frac, 2))
        if _below(avg, required):
            msg = (
                f"la rémunération mensuelle moyenne ({eur(avg)}, prime de fin d'année comprise) est inférieure au "
                f"RMMMG de {eur(rmmmg)} au prorata de {hours(c.weekly_hours or 0)} sur "
                f"{hours(c.full_time_weekly_hours or 0)}, soit {eur(required)}"
            )
            if age is None:
                ctx.unknown(
                    msg + " — l'âge du travailleur est inconnu (un minimum réduit s'applique avant 18 ans)"
                )
            else:
                ctx.fail(msg)
    return ctx.verdict(
        "La rémunération mensuelle moyenne atteint le revenu minimum garanti au prorata des heures "
        "(pécule de vacances, frais et suppléments pour heures supplémentaires non comptés)."
    )


def _hourly_only(c) -> bool:
    return c.pay is not None and c.pay.gross_monthly is None and c.pay.gross_hourly is not None


def _check_hourly(ctx: Ctx, rmmmg: float, age: int | None) -> None:
    """An hourly wage is compared per hour: the official hourly minimum on 38 h, else monthly ÷ (h × 52/12)."""
    c = ctx.contract
    full = c.full_time_weekly_hours or 38.0
    official = ctx.param("rmmmg_hourly_38h") if full == 38.0 else None
    if isinstance(official, float):
        minimum = official
    else:
        minimum = round(rmmmg / (full * facts.WEEKS_PER_MONTH), 4)
    minimum = ctx.use("hourly_minimum", minimum)
    bonus = facts.counted_bonuses_monthly(c) / ((c.weekly_hours or full) * facts.WEEKS_PER_MONTH)
    hourly = ctx.use("average_hourly_gross", round(c.pay.gross_hourly + bonus, 4))
    if hourly < minimum:
        msg = f"le salaire horaire moyen ({hourly:.4f} €) est inférieur au RMMMG horaire de {minimum:.4f} €".replace(
            ".", ","
        )
        if age is None:
            ctx.unknown(
                msg + " — l'âge du travailleur est inconnu (un minimum réduit s'applique avant 18 ans)"
            )
        else:
            ctx.fail(msg)


_YOUTH_KEYS = {18: "student_18", 19: "student_19", 20: "student_20"}


@check(
    "WAGE_YOUTH",
    "Salaire minimum des jeunes et des étudiants",
    Severity.BLOCKING,
    "CCT n° 50 (CNT)",
)
def wage_youth(ctx: Ctx) -> Outcome:
    c = ctx.contract
    if c.kind not in EMPLOYMENT_KINDS:
        return not_applicable(NOT_EMPLOYMENT)
    student = ctx.use("student", c.kind == ContractKind.STUDENT or bool(c.worker.is_student))
    age = ctx.use("age", ctx.age)
    if age is None:
        if student:
            ctx.missing("date de naissance de l'étudiant")
            return ctx.verdict("")
        return not_applicable("Âge inconnu et pas étudiant: le minimum adulte est vérifié par WAGE_RMMMG.")
    if age >= 21 or (age >= 18 and not student):
        return not_applicable(
            "Le minimum réduit ne concerne que les moins de 18 ans et les étudiants de 18 à 20 ans."
        )
    if c.pay is not None and c.pay.sector_has_youth_scale:
        return not_applicable("Le secteur a un barème jeunes: il s'applique à la place (voir WAGE_SECTOR).")
    key = "age_16_or_less" if age <= 16 else "age_17" if age == 17 else _YOUTH_KEYS[age]
    rates = ctx.param("youth_rates")
    rmmmg = ctx.param("rmmmg_monthly")
    avg, frac = _pay_and_fraction(ctx)
    if isinstance(rates, Unknown):
        ctx.unknown_law(rates, "le taux du minimum des jeunes")
    elif isinstance(rmmmg, Unknown):
        ctx.unknown_law(rmmmg, "le montant du RMMMG")
    elif avg is not None and frac is not None:
        rate = ctx.use("youth_rate", rates[key])
        required = ctx.use("minimum_pro_rata", round(rmmmg * rate * frac, 2))
        if _below(avg, required):
            ctx.fail(
                f"la rémunération mensuelle moyenne ({eur(avg)}) est inférieure au minimum de {round(rate * 100)} % "
                f"du RMMMG pour cet âge ({age} ans), soit {eur(required)} au prorata des heures"
            )
    return ctx.verdict("La rémunération atteint le minimum réduit applicable à cet âge.")


@check(
    "HOURS_PAID",
    "Toutes les heures à disposition sont payées",
    Severity.BLOCKING,
    "Loi du 16-3-1971 sur le travail, art. 19",
)
def hours_paid(ctx: Ctx) -> Outcome:
    c = ctx.contract
    if c.kind not in EMPLOYMENT_KINDS:
        return not_applicable(NOT_EMPLOYMENT)
    weekly = ctx.use("weekly_hours", c.weekly_hours)
    s = c.schedule
    if weekly is None:
        ctx.missing("heures hebdomadaires payées")
    if s is None:
        ctx.missing("horaire")
        return ctx.verdict("")
    unpaid = ctx.use("unpaid_presence_minutes_per_week", s.unpaid_presence_minutes_per_week)
    if unpaid is None:
        ctx.missing(
            "temps de présence non payé prévu (mise en place, nettoyage, attente) — indiquer 0 s'il n'y en a pas"
        )
    elif unpaid > 0:
        ctx.fail(
            f"{hours(unpaid / 60)} par semaine de présence (mise en place, nettoyage, attente) ne sont pas payées: "
            "tout temps à la disposition de l'employeur est du temps de travail"
        )
    if s.shifts:
        scheduled = ctx.use("scheduled_weekly_hours", round(facts.scheduled_weekly_hours(s.shifts), 2))
        if weekly is not None and scheduled > weekly + 0.01:
            ctx.fail(
                f"l'horaire prévoit {hours(scheduled)} de travail par semaine mais le contrat n'en paie que {hours(weekly)}"
            )
    else:
        ctx.missing("horaire type (prestations jour par jour)")
    return ctx.verdict("Les heures prévues à l'horaire correspondent aux heures payées.")
