"""Working-time checks: daily and weekly limits, overtime, rest, Sunday and night work, minimum shift, minors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from coordination.visa import facts
from coordination.visa.checks.base import (
    CheckFn,
    Ctx,
    Outcome,
    Severity,
    check,
    hours,
    not_applicable,
    on_clauses,
)
from coordination.visa.contract import Clauses, Schedule, Shift
from coordination.visa.parameters import Unknown

_DAYS = {1: "lundi", 2: "mardi", 3: "mercredi", 4: "jeudi", 5: "vendredi", 6: "samedi", 7: "dimanche"}


def _shifts(ctx: Ctx):
    s = ctx.contract.schedule
    shifts = s.shifts if s is not None else None
    if not shifts:
        ctx.missing("horaire type (prestations jour par jour)")
        return None
    ctx.use("shifts", len(shifts))
    return shifts


@check("WT_LIMITS")
def wt_limits(ctx: Ctx) -> Outcome:
    wt = ctx.param("working_time")
    if isinstance(wt, Unknown):
        return ctx.stop_unknown_law(wt, "les limites de durée du travail")
    weekly = ctx.use("weekly_hours", ctx.contract.weekly_hours)
    shifts = _shifts(ctx)
    if weekly is None and not shifts:
        ctx.missing("heures hebdomadaires")
    if shifts:
        ndays = ctx.use("days_per_week", facts.days_per_week(shifts))
        cap = wt["max_hours_day_short_week"] if ndays <= wt["short_week_max_days"] else wt["max_hours_day"]
        for day, h in sorted(facts.daily_hours(shifts).items()):
            if h > cap + 1e-9:
                ctx.fail(
                    f"le {_DAYS[day]} compte {hours(h)} de travail, au-delà de la limite de {hours(cap)} par jour"
                )
        worked = ctx.use("scheduled_weekly_hours", round(facts.scheduled_weekly_hours(shifts), 2))
        weekly = max(weekly or 0.0, worked)
    if weekly is not None:
        if weekly > wt["max_hours_week"] + 1e-9:
            ctx.fail(f"{hours(weekly)} par semaine dépassent la limite de {hours(wt['max_hours_week'])}")
        elif weekly > wt["average_hours_week"] + 1e-9:
            ctx.unknown(
                f"{hours(weekly)} par semaine: des jours de repos compensatoire doivent ramener la moyenne à "
                f"{hours(wt['average_hours_week'])} (vérifier le règlement de travail)"
            )
    return ctx.verdict("L'horaire respecte les limites journalières et hebdomadaires.")


@check("WT_OVERTIME")
@on_clauses
def wt_overtime(ctx: Ctx, cl: Clauses) -> Outcome:
    included = ctx.use("overtime_included_in_salary", cl.overtime_included_in_salary)
    ot = cl.overtime
    if ot is None and not included:
        return not_applicable("Le contrat ne prévoit pas d'heures supplémentaires.")
    wt = ctx.param("working_time")
    age = ctx.use("age", ctx.age)
    if age is not None and age < 18:
        ctx.fail("un travailleur de moins de 18 ans ne peut pas faire d'heures supplémentaires")
        return _blocking(ctx.verdict(""))
    if age is None:
        ctx.missing("date de naissance (les moins de 18 ans ne peuvent pas faire d'heures supplémentaires)")
    if included:
        ctx.fail(
            "le contrat dit les heures supplémentaires « comprises dans le salaire »: elles doivent être payées avec sursalaire et récupérées"
        )
    if ot is not None:
        if ctx.use("paid", ot.paid) is False:
            ctx.fail("les heures supplémentaires ne sont pas payées")
            return _blocking(ctx.verdict(""))
        if not ctx.use("legal_reason", ot.legal_reason):
            ctx.missing("motif légal des heures supplémentaires (surcroît de travail, travaux urgents, …)")
        if isinstance(wt, Unknown):
            ctx.unknown_law(wt, "les limites des heures supplémentaires")
        else:
            _ot_limits(ctx, ot, wt)
        if ot.paid is None:
            ctx.missing("paiement des heures supplémentaires")
    return ctx.verdict(
        "Les heures supplémentaires sont encadrées: motif légal, limites, sursalaire et récupération."
    )


def _blocking(o: Outcome) -> Outcome:
    return Outcome(o.status, o.explanation, Severity.BLOCKING)


def _ot_limits(ctx: Ctx, ot, wt) -> None:
    if (d := ctx.use("max_hours_per_day", ot.max_hours_per_day)) is not None and d > wt["overtime_max_day"]:
        ctx.fail(f"jusqu'à {hours(d)} par jour, au-delà du maximum de {hours(wt['overtime_max_day'])}")
    if (w := ctx.use("max_hours_per_week", ot.max_hours_per_week)) is not None and w > wt[
        "overtime_max_week"
    ]:
        ctx.fail(f"jusqu'à {hours(w)} par semaine, au-delà du maximum de {hours(wt['overtime_max_week'])}")
    p = ctx.need("premium", ot.premium, "taux du sursalaire")
    if p is not None and p < wt["overtime_premium"]:
        ctx.fail(
            f"sursalaire de {round(p * 100)} %, inférieur aux {round(wt['overtime_premium'] * 100)} % légaux"
        )
    ps = ctx.use("sunday_holiday_premium", ot.sunday_holiday_premium)
    if ps is not None and ps < wt["overtime_premium_sunday"]:
        ctx.fail(f"sursalaire du dimanche ou jour férié de {round(ps * 100)} %, inférieur à 100 %")


@check("WT_REST")
def wt_rest(ctx: Ctx) -> Outcome:
    wt = ctx.param("working_time")
    shifts = _shifts(ctx)
    if shifts and not isinstance(wt, Unknown):
        gaps = facts.rest_gaps_hours(shifts)
        short = ctx.use("shortest_rest_hours", round(min(gaps), 2) if gaps else None)
        if short is not None and short < wt["rest_between_shifts"] - 1e-9:
            ctx.fail(
                f"un repos de seulement {hours(short)} entre deux prestations (minimum {hours(wt['rest_between_shifts'])})"
            )
    return ctx.verdict("Au moins 11 heures de repos consécutives séparent les prestations.")


Shifted = Callable[[Ctx, Schedule, list[Shift], Any], Outcome]
"""A check given the schedule, its shifts and the legal value it reads."""


def _on_shifts(param: str) -> Callable[[Shifted], CheckFn]:
    """A check of the shifts under the legal value ``param``: without shifts (already asked for) or without
    the value, it has nothing to add."""

    def deco(fn: Shifted) -> CheckFn:
        @functools.wraps(fn)
        def run(ctx: Ctx) -> Outcome:
            value = ctx.param(param)
            shifts = _shifts(ctx)
            if not shifts or isinstance(value, Unknown):
                return ctx.verdict("")
            schedule = ctx.contract.schedule
            assert schedule is not None  # there are shifts, so there is a schedule
            return fn(ctx, schedule, shifts, value)

        return run

    return deco


@check("WT_SUN_NIGHT")
@_on_shifts("working_time")
def wt_sun_night(ctx: Ctx, s: Schedule, shifts: list[Shift], wt: dict) -> Outcome:
    sunday = ctx.use("sunday_or_holiday_work", any(x.weekday == 7 or x.public_holiday for x in shifts))
    night = ctx.use(
        "night_work", any(facts.overlaps_night(x, wt["night_start"], wt["night_end"]) for x in shifts)
    )
    if not sunday and not night:
        return not_applicable("Pas de travail le dimanche, un jour férié ou la nuit (20 h – 6 h).")
    if sunday:
        ctx.flag(
            "sunday_exception",
            s.sunday_exception,
            "dérogation (légale ou sectorielle) autorisant le travail du dimanche",
            "travail le dimanche ou un jour férié sans dérogation légale ou sectorielle",
        )
        ctx.flag(
            "sunday_compensatory_rest",
            s.sunday_compensatory_rest,
            "repos compensatoire après le dimanche travaillé",
            f"pas de repos compensatoire dans les {wt['sunday_rest_within_days']} jours après un dimanche travaillé",
        )
    if night:
        ctx.flag(
            "night_exception",
            s.night_exception,
            "dérogation autorisant le travail de nuit (entre 20 h et 6 h)",
            "travail de nuit (entre 20 h et 6 h) sans dérogation légale ou sectorielle",
        )
    return ctx.verdict(
        "Le travail du dimanche ou de nuit repose sur une dérogation, avec repos compensatoire."
    )


@check("MIN_SHIFT")
@_on_shifts("min_shift_hours")
def min_shift(ctx: Ctx, schedule: Schedule, shifts: list[Shift], minimum: float) -> Outcome:
    # Breaks are not work: a period of work is measured without them.
    shortest = ctx.use("shortest_shift_hours", round(min(facts.worked_hours(x) for x in shifts), 2))
    if shortest < minimum - 1e-9:
        derog = ctx.use("min_shift_derogation", schedule.min_shift_derogation)
        if derog is None:
            ctx.unknown(
                f"une prestation ne dure que {hours(shortest)} (minimum {hours(minimum)}): une dérogation existe-t-elle?"
            )
        elif not derog:
            ctx.fail(
                f"une prestation ne dure que {hours(shortest)}, moins que le minimum de {hours(minimum)}"
            )
    return ctx.verdict(
        "Chaque prestation dure au moins 3 heures de travail, pauses non comprises (ou une dérogation s'applique)."
    )


@check("MINORS")
def minors(ctx: Ctx) -> Outcome:
    age = ctx.use("age", ctx.age)
    if age is None:
        return ctx.stop_missing("date de naissance du travailleur")
    if age >= 18:
        return not_applicable("Travailleur majeur.")
    m = ctx.param("minors")
    if isinstance(m, Unknown):
        return ctx.stop_unknown_law(m, "les règles des jeunes travailleurs")
    c = ctx.contract
    if c.clauses is not None and (c.clauses.overtime is not None or c.clauses.overtime_included_in_salary):
        ctx.fail("un travailleur de moins de 18 ans ne peut pas faire d'heures supplémentaires")
    shifts = _shifts(ctx)
    if shifts:
        _minors_shifts(ctx, shifts, m)
    other = ctx.need(
        "weekly_hours_other_employers",
        c.worker.weekly_hours_other_employers,
        "heures prestées chez d'autres employeurs (elles s'additionnent)",
    )
    if (
        other is not None
        and c.weekly_hours is not None
        and c.weekly_hours + other > m["max_hours_week"] + 1e-9
    ):
        ctx.fail(
            f"avec les autres employeurs, {hours(c.weekly_hours + other)} par semaine (maximum {hours(m['max_hours_week'])})"
        )
    return ctx.verdict("Les règles protégeant les jeunes travailleurs sont respectées.")


def _minors_shifts(ctx: Ctx, shifts, m) -> None:
    """A minor's shifts: hours per day, the break each shift needs, the rest between two shifts."""
    for day, h in sorted(facts.daily_hours(shifts).items()):
        if h > m["max_hours_day"] + 1e-9:
            ctx.fail(f"{hours(h)} le {_DAYS[day]}: plus de {hours(m['max_hours_day'])} par jour")
    for x in shifts:
        worked = facts.worked_hours(x)
        need = (
            m["break_after_6h_minutes"]
            if worked > 6
            else m["break_after_4h30_minutes"]
            if worked > 4.5
            else 0
        )
        if x.break_minutes < need:
            ctx.fail(
                f"le {_DAYS[x.weekday]}, une pause de {need} minutes est due (prévue: {x.break_minutes})"
            )
    gaps = facts.rest_gaps_hours(shifts)
    if gaps and min(gaps) < m["rest_between_shifts"] - 1e-9:
        ctx.fail(
            f"repos de {hours(min(gaps))} seulement entre deux prestations (minimum {hours(m['rest_between_shifts'])})"
        )
