"""Pay checks: sector scale, national minimum (RMMMG), youth and student minimum, hours actually paid."""

from __future__ import annotations

import functools

import msgspec

from coordination.formatting import day_fr
from coordination.visa import facts
from coordination.visa.checks.base import CheckFn, Ctx, Outcome, check, eur, hours, not_applicable
from coordination.visa.contract import EMPLOYMENT_KINDS, ContractKind
from coordination.visa.parameters import Unknown

NOT_EMPLOYMENT = "Ce n'est pas un contrat de travail (formation ou stage): pas de salaire minimum; l'allocation est vérifiée par le contrôle propre au dispositif."


def employment_only(fn: CheckFn) -> CheckFn:
    """Pay rules govern employment contracts: on a training or an internship the check is « sans objet »."""

    @functools.wraps(fn)
    def run(ctx: Ctx) -> Outcome:
        if ctx.contract.kind not in EMPLOYMENT_KINDS:
            return not_applicable(NOT_EMPLOYMENT)
        return fn(ctx)

    return run


def _below(pay: float, required: float, digits: int = 2) -> bool:
    return round(pay, digits) < round(required, digits)


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


def bounds(value) -> tuple[float | None, float | None]:
    """(lowest, highest) the minimum can be on the reference date.

    A known value gives (v, v). An unknown one of a never-lowered parameter gives (last known value, its
    documented ceiling or ``None`` when unbounded); one with no floor gives (None, None)."""
    if isinstance(value, Unknown):
        if value.floor is None:
            return None, None
        return float(value.floor), None if value.ceiling is None else float(value.ceiling)
    return float(value), float(value)


def compare_to_minimum(
    ctx: Ctx,
    pay: float,
    value,
    scale: float,
    *,
    what: str,
    pay_label: str,
    fmt=eur,
    certain: bool = True,
    caveat: str = "",
    digits: int = 2,
) -> None:
    """The floor rule, shared by every minimum (RMMMG, youth rates, sector scales).

    Under the last known value: non conforme with the amounts (the law's value can only be higher). Between
    it and the highest value the law can have reached: à vérifier, naming the missing value. At or above
    that ceiling, or when the value is known: conforme. ``scale`` turns the full-time figure into the
    contract's (pro rata of hours, youth rate); ``certain=False`` makes a shortfall « à vérifier » (e.g. the
    worker's age is unknown)."""
    low, high = bounds(value)
    if low is None:
        ctx.unknown_law(value, what)
        return
    required = round(low * scale, 4)
    if _below(pay, required, digits):
        since = ""
        if isinstance(value, Unknown) and value.floor_since is not None:
            since = f" (dernier montant connu, en vigueur depuis le {day_fr(value.floor_since)}: le montant actuel ne peut être que plus élevé)"
        msg = f"{pay_label} ({fmt(pay)}) est sous {what}: {fmt(required)}{since}{caveat}"
        (ctx.fail if certain else ctx.unknown)(msg)
        return
    if isinstance(value, Unknown):
        ceiling = None if high is None else round(high * scale, 4)
        if ceiling is None or _below(pay, ceiling, digits):
            limit = (
                f"; au-delà de {fmt(ceiling)} le contrat serait conforme quel que soit ce montant"
                if ceiling is not None
                else ""
            )
            ctx.unknown(
                f"{pay_label} ({fmt(pay)}) atteint le dernier montant connu ({fmt(required)}) pour {what}, mais "
                f"{value.missing_label} n'est pas connue ({value.reason}){limit}"
            )


def _hourly_fmt(x: float) -> str:
    return f"{x:.4f} €".replace(".", ",")


@check("WAGE_SECTOR")
@employment_only
def wage_sector(ctx: Ctx) -> Outcome:
    c = ctx.contract
    cp = ctx.use("joint_committee", c.joint_committee)
    fn = ctx.use("function", c.function)
    base = ctx.use("base_monthly_gross", _r(facts.base_monthly_gross(c)))
    frac = ctx.use("hours_fraction", facts.hours_fraction(c))
    entered = c.pay.sector_minimum if c.pay is not None else None
    if not cp:
        ctx.missing("commission paritaire (CP)")
    if entered is not None:
        return _against_entered(ctx, entered, base, frac)
    if not fn:
        ctx.missing("fonction")
    if base is None:
        ctx.missing("salaire brut")
    if frac is None:
        ctx.missing("heures hebdomadaires et temps plein de référence")
    scale = ctx.params.sector_scale(cp, fn, ctx.on_date) if cp and fn else None
    if cp and fn and scale is None:
        gap = ctx.params.sector_gap(cp)
        searched = f" (barème non livré; recherché: {gap.searched})" if gap else ""
        ctx.unknown(
            f"aucun barème n'est enregistré pour la CP {cp} et la fonction « {fn} »{searched}: saisissez le "
            "minimum sectoriel que vous avez consulté (salaireminimum.be ou la CCT), avec sa source"
        )
    elif scale is not None:
        _against_scale(ctx, scale, cp, base, frac)
    return ctx.verdict(
        "Le salaire atteint le barème sectoriel enregistré pour cette commission paritaire et cette fonction."
    )


def _scale_value(ctx: Ctx, scale, cp):
    """The scale's amount, or an :class:`Unknown` bounded by it when the registered scale is only a
    floor (the next indexation is not registered yet) or depends on facts the contract does not give."""
    amount = scale.hourly if scale.hourly is not None else scale.monthly_full_time
    if scale.is_floor_only(ctx.on_date):
        return Unknown(
            f"barème CP {cp}",
            ctx.on_date,
            f"le barème enregistré vaut jusqu'au {day_fr(scale.valid_until)}; l'indexation suivante n'est pas encore enregistrée",
            floor=amount,
            floor_since=scale.valid_from,
        )
    if scale.ceiling is not None:
        return Unknown(
            f"barème CP {cp}",
            ctx.on_date,
            f"le barème dépend de {scale.category or 'faits absents du contrat'}",
            floor=amount,
            floor_since=scale.valid_from,
            ceiling=scale.ceiling,
        )
    return amount


def _against_scale(ctx: Ctx, scale, cp, base, frac) -> None:
    """The pay set against the registered sector scale: hourly scales against the hourly pay, monthly
    ones against the base salary pro rata of the hours."""
    ctx.sources.append(scale.source)
    value = _scale_value(ctx, scale, cp)
    if scale.hourly is not None:
        ctx.use("sector_minimum_hourly", scale.hourly)
        _against_hourly(ctx, value, f"le barème horaire de la CP {cp} pour cette fonction")
    else:
        ctx.use("sector_minimum_full_time", scale.monthly_full_time)
        if base is not None and frac is not None:
            compare_to_minimum(
                ctx,
                base,
                value,
                frac,
                what=f"le barème de la CP {cp} pour cette fonction au prorata des heures",
                pay_label="le salaire de base",
            )


def _against_hourly(ctx: Ctx, minimum, what: str) -> None:
    """An hourly sector minimum (registered or entered) against the contract's hourly pay."""
    hourly = _hourly_pay(ctx.contract)
    if hourly is None:
        ctx.missing("salaire horaire, ou salaire mensuel avec les heures hebdomadaires")
        return
    compare_to_minimum(
        ctx, hourly, minimum, 1.0, what=what, pay_label="le salaire horaire", fmt=_hourly_fmt, digits=4
    )


def _against_entered(ctx: Ctx, m, base: float | None, frac: float | None) -> Outcome:
    """The sector minimum the worker entered, with its source printed beside the verdict."""
    when = f", en vigueur au {day_fr(m.valid_from)}" if m.valid_from else ""
    ctx.sources.append(f"Minimum sectoriel saisi par le travailleur social: {m.source}{when}")
    ctx.use("sector_minimum_entered", msgspec.to_builtins(m))
    if m.valid_from is not None and m.valid_from > ctx.on_date:
        ctx.unknown(
            f"le minimum sectoriel saisi est en vigueur à partir du {day_fr(m.valid_from)}, après le début du contrat"
        )
    if m.hourly is not None:
        _against_hourly(ctx, m.hourly, f"le minimum sectoriel horaire saisi (source: {m.source}{when})")
    else:
        if base is None:
            ctx.missing("salaire brut")
        if frac is None:
            ctx.missing("heures hebdomadaires et temps plein de référence")
        if base is not None and frac is not None:
            compare_to_minimum(
                ctx,
                base,
                m.monthly_full_time,
                frac,
                what=f"le minimum sectoriel saisi (source: {m.source}{when}) au prorata des heures",
                pay_label="le salaire de base",
            )
    return ctx.verdict(f"Le salaire atteint le minimum sectoriel saisi (source: {m.source}{when}).")


def _hourly_pay(c) -> float | None:
    if c.pay is None:
        return None
    if c.pay.gross_hourly is not None:
        return c.pay.gross_hourly
    base = facts.base_monthly_gross(c)
    if base is None or not c.weekly_hours:
        return None
    return round(base / (c.weekly_hours * facts.WEEKS_PER_MONTH), 4)


def _student_age(ctx: Ctx) -> tuple[bool, int | None]:
    """(student, age), both recorded as inputs: which minimum applies depends on them."""
    c = ctx.contract
    student = ctx.use("student", c.kind == ContractKind.STUDENT or bool(c.worker.is_student))
    return student, ctx.use("age", ctx.age)


@check("WAGE_RMMMG")
@employment_only
def wage_rmmmg(ctx: Ctx) -> Outcome:
    c = ctx.contract
    student, age = _student_age(ctx)
    if student and age is None:
        return ctx.stop_missing("date de naissance de l'étudiant (le RMMMG complet s'applique dès 21 ans)")
    if student and age is not None and age < 21:  # (an unknown age was answered above)
        return not_applicable(
            "Étudiant de moins de 21 ans: le minimum réduit des étudiants s'applique (voir WAGE_YOUTH)."
        )
    if age is not None and age < 18:
        return not_applicable(
            "Travailleur de moins de 18 ans: le minimum réduit s'applique (voir WAGE_YOUTH)."
        )
    if c.start_date and c.end_date and not facts.lasts_at_least(c.start_date, c.end_date, 1):
        return not_applicable("Contrat de moins d'un mois: la CCT 43 ne s'applique pas.")
    avg, frac = _pay_and_fraction(ctx)
    rmmmg = ctx.param("rmmmg_monthly")
    caveat = (
        " — l'âge du travailleur est inconnu (un minimum réduit s'applique avant 18 ans)"
        if age is None
        else ""
    )
    if _hourly_only(c) and frac is not None:
        _check_hourly(ctx, rmmmg, caveat)
    elif avg is not None and frac is not None:
        low = bounds(rmmmg)[0]
        ctx.use("minimum_pro_rata", _r(low * frac) if low else None)
        compare_to_minimum(
            ctx,
            avg,
            rmmmg,
            frac,
            what=(
                f"le RMMMG au prorata de {hours(c.weekly_hours or 0)} sur {hours(c.full_time_weekly_hours or 0)}"
            ),
            pay_label="la rémunération mensuelle moyenne (prime de fin d'année comprise)",
            certain=age is not None,
            caveat=caveat,
        )
    return ctx.verdict(
        "La rémunération mensuelle moyenne atteint le revenu minimum garanti au prorata des heures "
        "(pécule de vacances, frais et suppléments pour heures supplémentaires non comptés)."
    )


def _hourly_only(c) -> bool:
    return c.pay is not None and c.pay.gross_monthly is None and c.pay.gross_hourly is not None


def _check_hourly(ctx: Ctx, rmmmg, caveat: str, rate: float = 1.0, what: str = "le RMMMG horaire") -> None:
    """An hourly wage is compared per hour: the official hourly minimum on 38 h, else monthly ÷ (h × 52/12)."""
    c = ctx.contract
    full = c.full_time_weekly_hours or 38.0
    minimum = ctx.param("rmmmg_hourly_38h") if full == 38.0 else None
    if minimum is None or (isinstance(minimum, Unknown) and minimum.floor is None):
        per_hour = full * facts.WEEKS_PER_MONTH
        if isinstance(rmmmg, Unknown):
            minimum = (
                rmmmg
                if rmmmg.floor is None
                else Unknown(
                    rmmmg.name,
                    rmmmg.on_date,
                    rmmmg.reason,
                    floor=round(rmmmg.floor / per_hour, 4),
                    floor_since=rmmmg.floor_since,
                    ceiling=None if rmmmg.ceiling is None else round(rmmmg.ceiling / per_hour, 4),
                )
            )
        else:
            minimum = round(rmmmg / per_hour, 4)
    low = bounds(minimum)[0]
    ctx.use("hourly_minimum", None if low is None else round(low * rate, 4))
    bonus = facts.counted_bonuses_monthly(c) / ((c.weekly_hours or full) * facts.WEEKS_PER_MONTH)
    assert c.pay is not None and c.pay.gross_hourly is not None  # the callers asked _hourly_only(c)
    hourly = ctx.use("average_hourly_gross", round(c.pay.gross_hourly + bonus, 4))
    compare_to_minimum(
        ctx,
        hourly,
        minimum,
        rate,
        what=what,
        pay_label="le salaire horaire moyen",
        fmt=_hourly_fmt,
        certain=not caveat,
        caveat=caveat,
        digits=4,
    )


_YOUTH_KEYS = {18: "student_18", 19: "student_19", 20: "student_20"}


@check("WAGE_YOUTH")
@employment_only
def wage_youth(ctx: Ctx) -> Outcome:
    c = ctx.contract
    student, age = _student_age(ctx)
    if age is None:
        if student:
            return ctx.stop_missing("date de naissance de l'étudiant")
        return not_applicable("Âge inconnu et pas étudiant: le minimum adulte est vérifié par WAGE_RMMMG.")
    if age >= 21 or (age >= 18 and not student):
        return not_applicable(
            "Le minimum réduit ne concerne que les moins de 18 ans et les étudiants de 18 à 20 ans; "
            "au-delà, le RMMMG complet s'applique (WAGE_RMMMG)."
        )
    if c.pay is not None and c.pay.sector_has_youth_scale:
        return not_applicable("Le secteur a un barème jeunes: il s'applique à la place (voir WAGE_SECTOR).")
    key = "age_16_or_less" if age <= 16 else "age_17" if age == 17 else _YOUTH_KEYS[age]
    rates = ctx.param("youth_rates")
    rmmmg = ctx.param("rmmmg_monthly")
    if isinstance(rates, Unknown):
        return ctx.stop_unknown_law(rates, "le taux du minimum des jeunes")
    rate = ctx.use("youth_rate", rates[key])
    what = f"le minimum de {round(rate * 100)} % du RMMMG pour cet âge ({age} ans)"
    if _hourly_only(c) and facts.hours_fraction(c) is not None:
        _check_hourly(ctx, rmmmg, "", rate, what + " (par heure)")
        return ctx.verdict("La rémunération atteint le minimum réduit applicable à cet âge.")
    avg, frac = _pay_and_fraction(ctx)
    if avg is not None and frac is not None:
        compare_to_minimum(
            ctx,
            avg,
            rmmmg,
            rate * frac,
            what=what + " au prorata des heures",
            pay_label="la rémunération mensuelle moyenne",
        )
    return ctx.verdict("La rémunération atteint le minimum réduit applicable à cet âge.")


@check("HOURS_PAID")
@employment_only
def hours_paid(ctx: Ctx) -> Outcome:
    c = ctx.contract
    weekly = ctx.use("weekly_hours", c.weekly_hours)
    s = c.schedule
    if weekly is None:
        ctx.missing("heures hebdomadaires payées")
    if s is None:
        return ctx.stop_missing("horaire")
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
