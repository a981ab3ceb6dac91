"""Effectiveness figures for regulators: per partner, agreement, service, bassin and quarter of one year.

``evaluate(session, year, policy)`` runs the aggregate statements of :mod:`.evaluation_sql` (on PostgreSQL
one per share of the people, at the same time, on one snapshot), adds their rows up into cells, then, on
those aggregated rows only:

1. reference positive-exit rates per proximity score at entry, of the *other* partners for a partner and
   its parts (leave-one-out) → expected positive exits, observed/expected ratio with an interval that adds
   the reference's own uncertainty (:mod:`.stats`, indirect standardisation);
2. disclosure control: any cell under ``min_cell`` people is hidden, so is any count from 1 to
   ``min_cell - 1``, then complements by relation, then the audit of :mod:`.audit`: no masked figure may be
   determined, exactly or within a narrow range, by all the figures published for the year together
   (every answer, page, PDF and CSV is the same protected set of tables for a calendar year);
3. the positive-exit definition (version and wording) is attached to the answer and to every row.

The output names organisations, services and agreements, never a person: regulators see figures only.
Each step is judged with the proximity score in force at its start (the dated orientations), never the
person's current one; steps without a dated score are counted apart (``steps_without_score``) and left out
of the comparison. Outcomes whose window has not ended yet (``window_complete`` false) are still to come.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from coordination import clock
from coordination.cadastre import audit, rules
from coordination.cadastre.evaluation_sql import (
    DIMENSIONS,
    KEY_COLUMNS,
    SUMMED_COLUMNS,
    evaluation_statements,
)
from coordination.cadastre.models import Agreement, PartnerProfile, Service
from coordination.cadastre.policy import PositiveExitPolicy
from coordination.cadastre.stats import (
    BandCounts,
    add_months,
    complementary_suppression,
    leave_one_out,
    primary_suppression,
    standardise,
    wilson_interval,
)
from coordination.db.concurrent import run_concurrently
from coordination.directory.models import Organisation
from coordination.dossier.models import TrajectoryStep

UNKNOWN = "unknown"
EVALUATION_PARTS = 2
"""PostgreSQL: the people are split in this many shares, each evaluated on its own connection at the same
time (one core each); the figures are the same whatever the number."""
EVALUATION_WORK_MEM = "128MB"
EVALUATION_SETTINGS = {
    "work_mem": EVALUATION_WORK_MEM,
    "jit": "off",
    "enable_mergejoin": "off",
    "enable_nestloop": "off",
}
"""PostgreSQL settings for the evaluation's transactions only (``SET LOCAL``). Its sorts and hashes stay in
memory. The planner has no statistics on a ``WITH`` query's rows: it takes the cohort's people for 200
distinct values, so it over-estimates the self-joins on the person by orders of magnitude. Then it would
(1) JIT-compile, which costs more than the whole execution, (2) sort both sides of the cohort for a merge
join, or (3) probe an index once per step in a nested loop, where hashing (a few tens of MB, well within
``work_mem``) is two to five times faster. Every join here is an equality on ids."""


@dataclass
class Cell:
    dim: str
    key: tuple
    by_score: dict[int, dict[str, float]] = field(default_factory=dict)

    def total(self, name: str) -> float:
        return sum(row[name] for row in self.by_score.values())


def band_label(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}-{hi}"


def band_of(score: int, bands) -> str:
    for lo, hi in bands:
        if lo <= score <= hi:
            return band_label(lo, hi)
    return UNKNOWN


def quarter_label(key: int) -> str:
    return f"{key // 10}-T{key % 10}"


async def latest_year_with_figures(session: AsyncSession, policy: PositiveExitPolicy, today: date) -> int:
    """The most recent year, up to this one, in which a registry partner started a step of the cohort: the
    year the evaluation opens on (never an empty previous year); this year when there is none."""
    latest = await session.scalar(
        select(func.max(TrajectoryStep.start_date))
        .join(PartnerProfile, PartnerProfile.organisation_id == TrajectoryStep.organisation_id)
        .where(
            TrajectoryStep.start_date <= today,
            TrajectoryStep.kind.in_(policy.cohort_kinds),
            TrajectoryStep.status.in_(("ongoing", "completed", "dropped_out")),
        )
    )
    return latest.year if latest else today.year


async def evaluate(
    session: AsyncSession, year: int, policy: PositiveExitPolicy, as_of: date | None = None
) -> dict[str, Any]:
    as_of = as_of or clock.today()
    start, end = date(year, 1, 1), date(year, 12, 31)
    cells = await aggregate_cells(session, start, end, policy)
    labels = await _labels(session, cells)
    funding = await _funding(session, start, end)
    with gc_paused():
        return assemble(cells, policy, year, as_of, labels, funding)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a block of pure computation (no ``await`` inside).

    The figures are built from tens of thousands of small acyclic objects (tuples, dicts) that all live
    until the answer is sent; allocated in a process holding the whole application, they set off several
    full collections of its heap, which took about 80 of the 130 ms spent here. Reference counting frees
    them all the same; nothing in these blocks makes cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def aggregate_cells(
    session: AsyncSession, start: date, end: date, policy: PositiveExitPolicy, parts: int = EVALUATION_PARTS
) -> dict[tuple[str, tuple], Cell]:
    """The unprotected sums per (dimension, key, proximity score), from the statements of
    :mod:`.evaluation_sql`: on PostgreSQL one per share of the people, run at the same time on their own
    connections (one snapshot)."""
    bind = session.bind
    if bind is None:
        raise RuntimeError("the evaluation reads through a session bound to the database")
    dialect = bind.dialect.name
    statements = evaluation_statements(policy, start, end, dialect, parts=parts)
    if dialect == "postgresql":
        if not isinstance(bind, AsyncEngine):  # the shares run on connections of their own
            raise RuntimeError("the evaluation on PostgreSQL needs a session bound to an engine")
        results = await run_concurrently(bind, statements, EVALUATION_SETTINGS)
    else:
        results = [list((await session.execute(statement)).mappings()) for statement in statements]
    cells: dict[tuple[str, tuple], Cell] = {}
    with gc_paused():
        for rows in results:
            for row in rows:
                dim = row["dim"]
                key = tuple(row[col] for col in DIMENSIONS[dim])
                cell = cells.setdefault((dim, key), Cell(dim, key))
                sums = cell.by_score.setdefault(int(row["score"]), dict.fromkeys(SUMMED_COLUMNS, 0.0))
                for name in SUMMED_COLUMNS:
                    sums[name] += float(row[name] or 0)
        for cell in cells.values():
            for sums in cell.by_score.values():
                sums["people"] = sums["entries"] - sums["repeated"]
    return cells


def assemble(
    cells: dict[tuple[str, tuple], Cell],
    policy: PositiveExitPolicy,
    year: int,
    as_of: date,
    labels: dict[tuple[str, tuple], str],
    funding: dict[tuple[str, tuple], int],
) -> dict[str, Any]:
    """Pure: aggregated cells → protected figures."""
    population = _band_counts(cells.get(("all", ())), policy)
    hidden = protect(cells, policy, labels)
    definition = policy.describe()
    tables: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (dim, key), cell in cells.items():
        reference = _reference(dim, key, cells, population, policy)
        row = _figures(cell, policy, reference, hidden, definition, funding.get((dim, key)))
        row["label"] = labels.get((dim, key)) or _default_label(dim, key)
        tables[dim].append(row)
    for rows in tables.values():
        rows.sort(key=lambda r: (str(r["label"]), str(r["key"])))
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "positive_exit_definition": definition,
        "window_complete": as_of
        >= add_months(date(year, 12, 31), max(policy.job_within_months, policy.training_within_months)),
        "method": {
            "comparison": "Standardisation indirecte sur le score de proximité à l'emploi (0 = le plus proche) : "
            "sorties attendues = somme, par score, des étapes terminées × taux de sortie positive des autres "
            "partenaires pour ce score (le partenaire évalué est exclu de sa propre référence) ; rapport "
            f"observé/attendu avec un intervalle à {policy.confidence:.0%} qui tient compte à la fois du hasard "
            "des sorties du partenaire et de l'incertitude des taux de référence (méthode delta, couverture "
            "vérifiée par simulation). Les bassins et trimestres sont comparés à l'ensemble des partenaires.",
            "unit": "Une entrée = une étape de parcours chez un partenaire du cadastre commencée dans l'année ; "
            "le taux de sortie positive porte sur les étapes terminées (achevées ou abandonnées).",
            "progression": "Progression = moyenne, par item CIF évalué au moins deux fois sur l'étape, de "
            "(premier qualificatif − dernier qualificatif) ; positif = moins de difficultés.",
            "disclosure": f"Toute case de moins de {policy.min_cell} personnes est masquée, ainsi que les cases "
            "complémentaires choisies pour qu'aucun chiffre masqué ne puisse être retrouvé, ni exactement ni "
            "dans une fourchette étroite, en combinant tous les chiffres publiés pour l'année (audit par "
            "programmation linéaire). Les sorties attendues sont masquées avec les sorties observées ; les "
            "taux de référence ne sont publiés que pour les scores comptant assez d'étapes.",
            "score_at_entry": "Chaque étape est rapportée au score de proximité en vigueur à son début (la "
            "dernière orientation datée de ce jour ou d'avant), jamais au score actuel de la personne. Les "
            "étapes sans score daté à leur début sont comptées à part et exclues de la comparaison ajustée.",
            "reference_rates": published_rates(population, policy.min_cell),
        },
        "overall": tables["all"][0] if tables["all"] else None,
        "partners": tables["partner"],
        "agreements": tables["agreement"],
        "services": tables["service"],
        "bassins": tables["bassin"],
        "periods": tables["period"],
        "partner_periods": tables["partner_period"],
    }


# --- disclosure control --------------------------------------------------------------------------

MEASURES = ("entries", "people", "ended", "completed", "dropped_out", "positive_exits", "gain_n", "improved")


def _mix_names(policy: PositiveExitPolicy) -> list[str]:
    return [f"mix_{band_label(lo, hi)}" for lo, hi in policy.mix_bands] + [f"mix_{UNKNOWN}"]


def _values(cells: dict[tuple[str, tuple], Cell], policy: PositiveExitPolicy) -> dict[tuple, int]:
    values = {}
    for (dim, key), cell in cells.items():
        for measure in MEASURES:
            values[(dim, key, measure)] = int(cell.total(measure))
        mix: defaultdict[str, int] = defaultdict(int)
        for score, counts in cell.by_score.items():
            mix[f"mix_{band_of(score, policy.mix_bands)}"] += int(counts["entries"])
        for name in _mix_names(policy):
            values[(dim, key, name)] = mix.get(name, 0)
    return values


def _relations(cells: dict[tuple[str, tuple], Cell], policy: PositiveExitPolicy) -> list[list[tuple]]:
    keys_by_dim: dict[str, list[tuple]] = defaultdict(list)
    for dim, key in cells:
        keys_by_dim[dim].append(key)
    relations: list[list[tuple]] = []
    mix_names = _mix_names(policy)
    for dim, key in cells:
        relations.append([(dim, key, "ended"), (dim, key, "completed"), (dim, key, "dropped_out")])
        relations.append([(dim, key, "entries"), *((dim, key, name) for name in mix_names)])
    additive = (*MEASURES, *mix_names)
    for measure in additive:
        for dim in ("partner", "bassin", "period"):
            relations.append([("all", (), measure), *((dim, k, measure) for k in keys_by_dim[dim])])
        for child in ("service", "agreement", "partner_period"):
            by_partner = defaultdict(list)
            for k in keys_by_dim[child]:
                by_partner[k[0]].append((child, k, measure))
            for partner, members in by_partner.items():
                relations.append([("partner", (partner,), measure), *members])
        by_period = defaultdict(list)
        for k in keys_by_dim["partner_period"]:
            by_period[k[1]].append(("partner_period", k, measure))
        for period, members in by_period.items():
            relations.append([("period", (period,), measure), *members])
    return relations


def _constraints(cells: dict[tuple[str, tuple], Cell], policy: PositiveExitPolicy) -> list[audit.Constraint]:
    """What a reader holding every published figure of the year knows, as linear constraints: the additive
    relations (every measure but ``people``), and the inequalities that bind the measures of one cell
    (distinct people are at most the entries and, over a hierarchy, at most the sum of the parts' people
    and at least each part's)."""
    constraints = [
        audit.total_of(relation[0], relation[1:])
        for relation in _relations(cells, policy)
        if relation[0][2] != "people" and len(relation) > 1  # a dimension with no cell says nothing
    ]
    for dim, key in cells:
        c = lambda m, dim=dim, key=key: (dim, key, m)  # noqa: E731
        constraints += [
            audit.at_most([c("people")], [c("entries")]),
            audit.at_most([c("ended")], [c("entries")]),
            audit.at_most([c("positive_exits")], [c("ended")]),
            audit.at_most([c("gain_n")], [c("entries")]),
            audit.at_most([c("improved")], [c("gain_n")]),
        ]
    for relation in _relations(cells, policy):
        if relation[0][2] == "people" and len(relation) > 1:
            parent, parts = relation[0], relation[1:]
            constraints.append(audit.at_most([parent], parts))
            constraints += [audit.at_most([part], [parent]) for part in parts]
    return constraints


DIM_ORDER = ("all", "partner", "agreement", "service", "partner_period", "bassin", "period")


def canonical_order(
    cells: dict[tuple[str, tuple], Cell], labels: dict[tuple[str, tuple], str], policy: PositiveExitPolicy
) -> dict[tuple[str, tuple], tuple]:
    """A sort key per cell made of what it means, never of ids nor of the order rows came in: its
    dimension, its partner's name and figures (for a partner's parts), then its own label and figures.
    Two cells get the same key only when they have the same names and the same figures: then either
    choice publishes the same tables."""
    names = (*MEASURES, *_mix_names(policy))

    def signature(cell: Cell | None) -> tuple:
        return tuple(int(cell.total(m)) if m in MEASURES else 0 for m in names) if cell else ()

    def label(dim: str, key: tuple) -> str:
        return labels.get((dim, key)) or _default_label(dim, key, ids=False)

    order = {}
    for (dim, key), cell in cells.items():
        if dim in PARTNER_DIMS:
            partner = ("partner", (key[0],))
            owner = (label(*partner), signature(cells.get(partner)))
        else:
            owner = ("", ())
        period = key[-1] if dim in ("period", "partner_period") else 0
        own = (str(key[0] or "") if dim == "bassin" else "", period, label(dim, key), signature(cell))
        order[(dim, key)] = (DIM_ORDER.index(dim), *owner, *own)
    return order


def protect(
    cells: dict[tuple[str, tuple], Cell],
    policy: PositiveExitPolicy,
    labels: dict[tuple[str, tuple], str] | None = None,
) -> set[tuple]:
    """The set of ``(dim, key, measure)`` to hide. A cell under ``min_cell`` people is hidden whole; then
    complements by relation (fast, local), then the audit against every published figure together
    (:mod:`.audit`), which adds what the local pass missed.

    Every choice (which complement, which cell first) follows :func:`canonical_order`, and the cells are
    taken in that order: the result depends on the figures and the names only (ids and row order never
    break a tie). Complements are the cheapest cells (the smallest counts, zeros first)."""
    k = policy.min_cell
    values = _values(cells, policy)
    small = {(dim, key, "entries") for (dim, key), cell in cells.items() if cell.total("people") < k}
    if (
        not small
        and not any(0 < v < k for v in values.values())
        and not any(
            0 < values[(dim, key, "gain_n")] - values[(dim, key, "improved")] < k for dim, key in cells
        )
    ):
        return set()  # nothing small: nothing to mask, nothing a reader could recover
    order = canonical_order(cells, labels or {}, policy)
    cells = {dk: cells[dk] for dk in sorted(cells, key=order.__getitem__)}
    measure_rank = {m: i for i, m in enumerate((*MEASURES, *_mix_names(policy)))}

    def rank(cell: tuple) -> tuple:
        return (order[cell[:2]], measure_rank[cell[2]])

    relations = _relations(cells, policy)
    mix_names = _mix_names(policy)
    # 1. whole cells: under k people, then complements on the (exactly additive) entries
    entry_values = {cell: v for cell, v in values.items() if cell[2] == "entries"}
    entry_relations = [
        [c for c in r if c[2] == "entries"] for r in relations if all(c[2] == "entries" for c in r)
    ]
    hidden_cells = {
        (d, key) for d, key, _ in complementary_suppression(entry_values, small, entry_relations, rank)
    }
    # 2. every figure of a hidden cell, small counts inside published cells (the improved share too: its
    # complement, the steps not improved, is as identifying), then complements everywhere
    always = [(d, key, m) for d, key in hidden_cells for m in (*MEASURES, *mix_names)]
    always += [
        (dim, key, "improved")
        for (dim, key) in cells
        if 0 < values[(dim, key, "gain_n")] - values[(dim, key, "improved")] < k
    ]
    small_cells = {(d, key) for d, key, _ in small}
    sensitive = primary_suppression(
        values, k, [c for c in always if c[:2] in small_cells or c[2] == "improved"]
    )
    hidden = primary_suppression(values, k, always)
    hidden = complementary_suppression(values, hidden, relations, rank)
    # 3. the audit: no masked figure determined, exactly or within a narrow range, by all the others
    constraints = _constraints(cells, policy)
    return audit.secure(values, hidden, constraints, policy.protection_range, sensitive, rank=rank)


# --- figures of one cell -------------------------------------------------------------------------


def _band_counts(cell: Cell | None, policy: PositiveExitPolicy) -> dict[str, BandCounts]:
    bands: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for score, counts in cell.by_score.items() if cell else ():
        band = band_of(score, policy.bands)
        bands[band][0] += int(counts["ended"])
        bands[band][1] += int(counts["positive_exits"])
    return {b: BandCounts(e, p) for b, (e, p) in bands.items()}


PARTNER_DIMS = ("partner", "service", "agreement", "partner_period")


def _reference(dim, key, cells, population, policy) -> dict[str, BandCounts]:
    """A partner, and its services, agreements and quarters, are compared with the *other* partners
    (leave-one-out); a bassin, a quarter or the whole, which mix partners, with all of them."""
    if dim in PARTNER_DIMS:
        return leave_one_out(population, _band_counts(cells.get(("partner", (key[0],))), policy))
    return population


def published_rates(population: dict[str, BandCounts], min_cell: int) -> dict[str, float]:
    """Reference rates of the bands with at least ``min_cell`` ended steps and neither their exits nor
    their non-exits under ``min_cell`` (a 1.0 or 0.0 over one person is a person's outcome)."""
    out = {}
    for band, c in sorted(population.items()):
        failures = c.ended - c.positive
        if c.ended >= min_cell and not (0 < c.positive < min_cell or 0 < failures < min_cell):
            out[band] = round(c.positive / c.ended, 4)
    return out


def _figures(
    cell: Cell,
    policy: PositiveExitPolicy,
    reference: dict[str, BandCounts],
    hidden: set[tuple],
    definition: dict,
    funding_cents: int | None,
) -> dict[str, Any]:
    dim, key = cell.dim, cell.key

    def shown(measure: str) -> bool:
        return (dim, key, measure) not in hidden

    def count(measure: str) -> int | None:
        return int(cell.total(measure)) if shown(measure) else None

    ended, positive = int(cell.total("ended")), int(cell.total("positive_exits"))
    comparison = standardise(_band_counts(cell, policy), reference, policy.confidence, policy.small_numbers)
    rate_ok = shown("positive_exits") and shown("ended") and ended > 0
    interval = wilson_interval(positive, ended, policy.confidence) if rate_ok else None
    days_n, gain_n = cell.total("days_n"), int(cell.total("gain_n"))
    improved = int(cell.total("improved"))
    progression_ok = shown("gain_n")
    share_ok = progression_ok and gain_n > 0 and shown("improved")
    scored = {s: c["entries"] for s, c in cell.by_score.items() if s >= 0}
    mix = {
        name.removeprefix("mix_"): (
            int(
                sum(
                    c["entries"]
                    for s, c in cell.by_score.items()
                    if f"mix_{band_of(s, policy.mix_bands)}" == name
                )
            )
            if shown(name)
            else None
        )
        for name in _mix_names(policy)
    }
    cost = None
    if funding_cents is not None and rate_ok and positive > 0:
        cost = (Decimal(funding_cents) / 100 / positive).quantize(Decimal("0.01"))
    return {
        "key": _key_out(dim, key),
        "partner_id": str(key[0]) if dim in PARTNER_DIMS else None,
        "people": count("people"),
        "entries": count("entries"),
        "completed": count("completed"),
        "dropped_out": count("dropped_out"),
        "ended": count("ended"),
        "positive_exits": count("positive_exits"),
        "positive_rate": round(positive / ended, 4) if rate_ok else None,
        "positive_rate_interval": [round(v, 4) for v in interval] if interval else None,
        "expected_positive_exits": round(comparison.expected, 2) if rate_ok else None,
        "observed_expected_ratio": (
            round(comparison.ratio, 3) if rate_ok and comparison.ratio is not None else None
        ),
        "ratio_interval": (
            [round(v, 3) for v in comparison.ratio_interval]
            if rate_ok and comparison.ratio_interval
            else None
        ),
        "verdict": comparison.verdict if rate_ok else "Effectif trop faible pour être publié.",
        "small_numbers": comparison.small_numbers,
        "mean_days_to_exit": (
            round(cell.total("days_sum") / days_n, 1) if rate_ok and days_n >= policy.min_cell else None
        ),
        "progression": {
            "assessed_steps": gain_n if progression_ok else None,
            "improved_steps": improved if shown("improved") else None,
            "mean_gain": round(cell.total("gain_sum") / gain_n, 3) if progression_ok and gain_n else None,
            "improved_share": round(improved / gain_n, 4) if share_ok else None,
        },
        "entrant_mix": mix,
        "steps_without_score": mix[UNKNOWN],
        "mean_proximity_score": (
            round(sum(s * n for s, n in scored.items()) / sum(scored.values()), 2)
            if scored and sum(scored.values()) and all(shown(m) for m in ("entries", *_mix_names(policy)))
            else None
        ),
        "funding_eur": str((Decimal(funding_cents) / 100).quantize(Decimal("0.01")))
        if funding_cents is not None
        else None,
        "cost_per_positive_exit_eur": str(cost) if cost is not None else None,
        "suppressed": sorted(m for d, k, m in hidden if d == dim and k == key),
        "positive_exit_definition": definition["version"],
    }


def _key_out(dim: str, key: tuple) -> Any:
    if dim == "all":
        return None
    if dim == "period":
        return quarter_label(key[0])
    if dim == "partner_period":
        return {"partner_id": str(key[0]), "period": quarter_label(key[1])}
    return str(key[-1]) if key[-1] is not None else None


def _default_label(dim: str, key: tuple, ids: bool = True) -> str:
    if dim == "all":
        return "Ensemble des partenaires"
    if dim == "period":
        return quarter_label(key[0])
    if dim == "bassin":
        return key[0] or "(bassin inconnu)"
    if dim == "service":
        return "(service non précisé)"
    if dim == "agreement":
        return "(hors convention)"
    return str(key) if ids else ""


async def _labels(session: AsyncSession, cells) -> dict[tuple[str, tuple], str]:
    orgs = dict((await session.execute(select(Organisation.id, Organisation.name))).all())
    services = dict((await session.execute(select(Service.id, Service.name))).all())
    agreements = {
        a: f"{ref} — {title}"
        for a, ref, title in (
            await session.execute(select(Agreement.id, Agreement.reference, Agreement.title))
        ).all()
    }
    labels = {}
    for dim, key in cells:
        if dim == "partner":
            labels[(dim, key)] = orgs.get(key[0])
        elif dim == "service":
            name = services.get(key[1], "?") if key[1] is not None else "(service non précisé)"
            labels[(dim, key)] = f"{orgs.get(key[0])} — {name}"
        elif dim == "agreement" and key[1] is not None:
            labels[(dim, key)] = agreements.get(key[1])
        elif dim == "agreement":
            labels[(dim, key)] = f"{orgs.get(key[0])} — (hors convention)"
        elif dim == "partner_period":
            labels[(dim, key)] = f"{orgs.get(key[0])} — {quarter_label(key[1])}"
    return {k: v for k, v in labels.items() if v}


async def _funding(session: AsyncSession, start: date, end: date) -> dict[tuple[str, tuple], int]:
    """Each agreement's funding prorated to the year (by days), summed per partner and overall."""
    funding: dict[tuple[str, tuple], int] = defaultdict(int)
    rows = await session.execute(
        select(
            Agreement.id,
            Agreement.organisation_id,
            Agreement.funding_cents,
            Agreement.start_date,
            Agreement.end_date,
        ).where(
            Agreement.funding_cents.is_not(None), Agreement.start_date <= end, Agreement.end_date >= start
        )
    )
    for agreement_id, partner_id, cents, a_start, a_end in rows.all():
        share = rules.prorated_funding(cents, a_start, a_end, start, end) or 0
        funding[("agreement", (partner_id, agreement_id))] += share
        funding[("partner", (partner_id,))] += share
        funding[("all", ())] += share
    return dict(funding)


__all__ = ["EVALUATION_SETTINGS", "KEY_COLUMNS", "assemble", "evaluate", "protect"]
