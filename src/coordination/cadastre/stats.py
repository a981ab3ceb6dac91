"""Pure statistics of the evaluation: positive-exit rule, Wilson intervals, indirect standardisation,
disclosure control. No database: unit-tested on hand-computed figures.

Indirect standardisation (the creaming-proof comparison)
--------------------------------------------------------
Reference rates ``r_b`` = positive exits / ended steps of *all* partners in the period, per proximity-score
band ``b``. A partner that ended ``n_b`` steps in band ``b`` is *expected* to produce
``E = Σ_b n_b · r_b`` positive exits if it did as well as the average partner with the same people. The
ratio ``O / E`` says how it did given whom it took in: 1 = as expected, above 1 = better. A partner that only
takes people close to a job has a high raw rate but also a high ``E``; one that works with people far from a
job has a low raw rate but a low ``E``.

How sure: the reference leaves the partner judged out (:func:`leave_one_out`) and the ratio's interval, on
the log scale (delta method), adds the partner's own binomial chance and the reference rates' uncertainty
(:func:`standardise`). When it contains 1, the partner is not demonstrably different from the average.
Normal quantiles come from the standard library (:class:`statistics.NormalDist`).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from statistics import NormalDist
from typing import Any

from coordination.cadastre.policy import PositiveExitPolicy

# --- the positive-exit rule, on plain values (the SQL in evaluation.py implements the same) ---------


@dataclass(frozen=True)
class StepFacts:
    id: Hashable
    kind: str
    status: str
    start_date: date | None
    end_date: date | None = None
    exit_date: date | None = None
    job_contract_kind: str | None = None
    job_duration_months: int | None = None
    training_qualifying: bool | None = None

    @property
    def ended_on(self) -> date | None:
        return self.exit_date or self.end_date


def add_months(day: date, months: int) -> date:
    """Calendar months; an end-of-month start lands on the last day of a shorter month (as SQL does)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def qualifies_as_outcome(step: StepFacts, policy: PositiveExitPolicy) -> str | None:
    """``"job"``, ``"training"`` or ``None``: what kind of positive exit this step would be."""
    if step.status not in policy.outcome_statuses or step.start_date is None:
        return None
    if policy.job_enabled and step.kind in policy.job_kinds:
        long_enough = (step.job_duration_months or 0) >= policy.job_min_months
        if long_enough or step.job_contract_kind in policy.open_ended_contracts:
            return "job"
    if (
        policy.training_enabled
        and step.kind in policy.training_kinds
        and (step.training_qualifying or not policy.training_qualifying_only)
    ):
        return "training"
    return None


def positive_exit_on(step: StepFacts, others: Iterable[StepFacts], policy: PositiveExitPolicy) -> date | None:
    """The start date of the first outcome that makes ``step`` a positive exit, or ``None``.

    Only ended steps (completed or dropped out, with an end or exit date) can have one. The outcome must be
    another step of the same person, begun on or after the evaluated step's start and at the latest
    ``within_months`` after its end.
    """
    ended = step.ended_on
    if step.status not in ("completed", "dropped_out") or ended is None or step.start_date is None:
        return None
    best = None
    for other in others:
        if other.id == step.id:
            continue
        kind = qualifies_as_outcome(other, policy)
        if kind is None or other.start_date is None or other.start_date < step.start_date:
            continue
        within = policy.job_within_months if kind == "job" else policy.training_within_months
        if other.start_date <= add_months(ended, within) and (best is None or other.start_date < best):
            best = other.start_date
    return best


# --- intervals -----------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def z_for(confidence: float) -> float:
    """Memoised: asked twice per cell, always with the policy's one confidence level."""
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float] | None:
    if trials <= 0:
        return None
    z = z_for(confidence)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


# --- indirect standardisation ---------------------------------------------------------------------


@dataclass(frozen=True)
class BandCounts:
    ended: int
    positive: int


def reference_rates(population: Mapping[Any, BandCounts]) -> dict[Hashable, float]:
    """Positive-exit rate per band over the whole population (bands with no ended step are left out)."""
    return {band: c.positive / c.ended for band, c in population.items() if c.ended > 0}


@dataclass(frozen=True)
class Standardised:
    observed: int
    ended: int
    expected: float
    ratio: float | None
    ratio_interval: tuple[float, float] | None
    verdict: str
    small_numbers: bool


def leave_one_out(population: Mapping[Any, BandCounts], group: Mapping[Any, BandCounts]):
    """The reference without ``group``: per band, the population's counts minus the group's own. A partner
    is never part of its own reference (else its ratio is pulled towards 1 by its own weight)."""
    out = {}
    for band, total in population.items():
        own = group.get(band, BandCounts(0, 0))
        out[band] = BandCounts(total.ended - own.ended, total.positive - own.positive)
    return out


def standardise(
    group: Mapping[Any, BandCounts],
    reference: Mapping[Any, BandCounts],
    confidence: float = 0.95,
    small_numbers: int = 30,
) -> Standardised:
    """Observed / expected against ``reference`` (counts per band, the group itself left out).

    Steps of a band with no reference step are left out of both sides. The interval is on the log of the
    ratio (delta method) and adds the two independent uncertainties: the group's binomial outcomes, with
    expected probabilities ``ratio × r_b`` per band, and the reference rates ``r_b`` estimated from
    ``N_b`` steps (``Var E = Σ n_b² r_b (1 − r_b) / N_b``). Its coverage is checked by simulation
    (``tests/unit/cadastre/test_simulation.py``)."""
    rates = {band: c.positive / c.ended for band, c in reference.items() if c.ended > 0}
    kept = {band: c for band, c in group.items() if band in rates}
    observed = sum(c.positive for c in kept.values())
    ended = sum(c.ended for c in kept.values())
    expected = sum(c.ended * rates[band] for band, c in kept.items())
    ratio = observed / expected if expected > 0 else None
    interval = None
    if ratio is not None:
        z = z_for(confidence)
        var_e = 0.0
        for band, c in kept.items():
            ref = reference[band]
            shrunk = (ref.positive + 0.5) / (ref.ended + 1)  # a 0 % or 100 % reference is not certain
            var_e += c.ended * c.ended * shrunk * (1 - shrunk) / ref.ended
        if observed > 0:
            var_o = sum(
                c.ended * min(1.0, ratio * rates[b]) * (1 - min(1.0, ratio * rates[b]))
                for b, c in kept.items()
            )
            half = z * math.sqrt(var_o / observed**2 + var_e / expected**2)
            interval = (ratio * math.exp(-half), ratio * math.exp(half))
        else:
            bounds = wilson_interval(0, ended, confidence)  # ended > 0, as expected > 0
            upper = (bounds[1] if bounds else 1.0) * ended / expected
            interval = (0.0, upper * math.exp(z * math.sqrt(var_e) / expected))
    return Standardised(
        observed=observed,
        ended=ended,
        expected=expected,
        ratio=ratio,
        ratio_interval=interval,
        verdict=verdict(interval),
        small_numbers=ended < small_numbers,
    )


def verdict(interval: tuple[float, float] | None) -> str:
    if interval is None:
        return "Pas de comparaison possible (aucune sortie attendue)."
    if interval[0] > 1:
        return "Au-dessus de l'attendu compte tenu du public accueilli."
    if interval[1] < 1:
        return "En dessous de l'attendu compte tenu du public accueilli."
    return "Pas de différence démontrable avec l'attendu compte tenu du public accueilli."


# --- disclosure control ---------------------------------------------------------------------------


def primary_suppression(values: Mapping[Any, int], min_cell: int, always: Iterable[Hashable] = ()) -> set:
    """Counts from 1 to ``min_cell - 1`` are hidden (zero is shown: it identifies nobody)."""
    hidden = {key for key, value in values.items() if 0 < value < min_cell}
    hidden.update(always)
    return hidden


def complementary_suppression(
    values: Mapping[Any, int],
    hidden: set,
    relations: Iterable[list[Any]],
    rank: Callable[[Any], Any] = str,
) -> set:
    """Hide more cells until no published relation ``a = b + c + …`` leaves exactly one unknown.

    ``relations`` are the additive links a reader could use (a row's total and its parts, a partner and its
    services, ended = completed + dropped out …), each given as the list of its cells, total included. In a
    relation with exactly one hidden cell, the smallest published non-zero cell (else any) is hidden too;
    repeated until stable; ties are broken by ``rank`` (a stable order made of what cells mean, never of
    ids). Returns the new hidden set (a superset of ``hidden``).
    """
    hidden = set(hidden)
    relations = [list(r) for r in relations]
    changed = True
    while changed:
        changed = False
        for relation in relations:
            present = [cell for cell in relation if cell in values]
            unknown = [cell for cell in present if cell in hidden]
            if len(unknown) != 1:
                continue
            candidates = [cell for cell in present if cell not in hidden]
            if not candidates:
                continue
            nonzero = [cell for cell in candidates if values[cell] > 0]
            pick = min(nonzero or candidates, key=lambda cell: (values[cell], rank(cell)))
            hidden.add(pick)
            changed = True
    return hidden
