"""The evaluation's one SQL statement: step-level facts computed once, then aggregated per dimension.

Nothing is looped over in Python: the database returns one row per (dimension, key, proximity score) with
sums; :mod:`.evaluation` turns these few hundred rows into figures. Shapes:

* ``cohort``: steps run by a registry organisation, of the evaluated kinds, begun in the year and actually
  started; with the person's bassin (else the partner's), quarter and proximity score (-1 = unknown);
* ``outcomes``: steps that would be positive exits under the policy (qualifying job / training);
* ``exits``: per ended cohort step, the first outcome in its window (``MIN``);
* ``ranked``/``deltas``/``progress``: per cohort step, the mean over ICF items of (first qualifier − last
  qualifier) for items assessed at least twice on that step (positive = fewer problems; several assessments
  on the same first or last day are averaged); one pass over the assessments, with window functions;
* ``features``: one row per cohort step with 0/1 flags; then the aggregation, in one of two shapes with the
  same result rows ``(dim, partner_id, service_id, agreement_id, bassin, period, score, counts…)``:

  - PostgreSQL: ``repeats`` flags, per step, whether an earlier step of the same person falls in the same
    cell of each dimension; one hashed ``GROUP BY GROUPING SETS`` pass then gives every dimension, with
    people = steps − repeated steps (no ``COUNT(DISTINCT)``, whose per-group sorts were most of the cost);
  - elsewhere (SQLite): one ``GROUP BY`` per dimension with ``COUNT(DISTINCT person_id)``, ``UNION ALL``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    CTE,
    CompoundSelect,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.sql import Select

from coordination.cadastre.models import PartnerProfile
from coordination.cadastre.policy import PositiveExitPolicy
from coordination.cadastre.sqlfuncs import add_months, days_between, quarter_key
from coordination.db.types import GUID
from coordination.directory.models import Organisation
from coordination.dossier.models import Assessment, Person, TrajectoryStep

KEY_COLUMNS = ("partner_id", "service_id", "agreement_id", "bassin", "period")
KEY_TYPES = {
    "partner_id": GUID,
    "service_id": GUID,
    "agreement_id": GUID,
    "bassin": String,
    "period": Integer,
}
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "all": (),
    "partner": ("partner_id",),
    "service": ("partner_id", "service_id"),
    "agreement": ("partner_id", "agreement_id"),
    "bassin": ("bassin",),
    "period": ("period",),
    "partner_period": ("partner_id", "period"),
}
ENDED_STATUSES = ("completed", "dropped_out")
STARTED_STATUSES = ("ongoing", "completed", "dropped_out")


def evaluation_query(
    policy: PositiveExitPolicy, year_start: date, year_end: date, dialect: str = "sqlite"
) -> Select | CompoundSelect:
    """The statement for ``dialect``: ``postgresql`` gets one hashed ``GROUPING SETS`` pass, others ``UNION ALL``."""
    s = TrajectoryStep.__table__.alias("s")
    p = Person.__table__.alias("p")
    o = Organisation.__table__.alias("o")
    cp = PartnerProfile.__table__.alias("cp")

    ended_on = func.coalesce(s.c.exit_date, s.c.end_date)
    is_ended = and_(s.c.status.in_(ENDED_STATUSES), ended_on.is_not(None))
    cohort = (
        select(
            s.c.id.label("step_id"),
            s.c.person_id,
            s.c.organisation_id.label("partner_id"),
            s.c.service_id,
            s.c.agreement_id,
            func.coalesce(p.c.bassin, o.c.bassin).label("bassin"),
            quarter_key(s.c.start_date).label("period"),
            func.coalesce(p.c.proximity_score, -1).label("score"),
            s.c.start_date,
            ended_on.label("ended_on"),
            case((s.c.status == "completed", 1), else_=0).label("is_completed"),
            case((s.c.status == "dropped_out", 1), else_=0).label("is_dropped"),
            case((is_ended, 1), else_=0).label("is_ended"),
        )
        .select_from(s)
        .join(cp, cp.c.organisation_id == s.c.organisation_id)
        .join(p, p.c.id == s.c.person_id)
        .join(o, o.c.id == s.c.organisation_id)
        .where(
            s.c.kind.in_(policy.cohort_kinds),
            s.c.status.in_(STARTED_STATUSES),
            s.c.start_date >= year_start,
            s.c.start_date <= year_end,
        )
        .cte("cohort")
    )

    x = TrajectoryStep.__table__.alias("x")
    job_rule = and_(
        x.c.kind.in_(policy.job_kinds),
        or_(
            x.c.job_duration_months >= policy.job_min_months,
            x.c.job_contract_kind.in_(policy.open_ended_contracts),
        ),
    )
    training_rule = x.c.kind.in_(policy.training_kinds)
    if policy.training_qualifying_only:
        training_rule = and_(training_rule, x.c.training_qualifying.is_(True))
    rules = []
    if policy.job_enabled:
        rules.append(job_rule)
    if policy.training_enabled:
        rules.append(training_rule)
    widest = max(policy.job_within_months, policy.training_within_months)
    outcomes = (
        select(
            x.c.id.label("outcome_id"),
            x.c.person_id,
            x.c.start_date,
            case((job_rule, 1), else_=0).label("is_job")
            if policy.job_enabled
            else literal(0).label("is_job"),
        )
        .where(
            x.c.status.in_(policy.outcome_statuses),
            or_(*rules),
            x.c.start_date >= year_start,
            x.c.start_date <= add_months(literal(year_end, type_=x.c.start_date.type), widest + 1),
        )
        .cte("outcomes")
        # materialised: a hash join of the cohort to the (few) outcome steps, not one index probe per step
        .prefix_with("MATERIALIZED")
    )

    c, oc = cohort.c, outcomes.c
    if policy.job_within_months == policy.training_within_months:
        window = oc.start_date <= add_months(c.ended_on, policy.job_within_months)
    else:
        window = or_(
            and_(oc.is_job == 1, oc.start_date <= add_months(c.ended_on, policy.job_within_months)),
            and_(oc.is_job == 0, oc.start_date <= add_months(c.ended_on, policy.training_within_months)),
        )
    exits = (
        select(c.step_id, func.min(oc.start_date).label("exit_on"))
        .select_from(cohort.join(outcomes, oc.person_id == c.person_id))
        .where(c.is_ended == 1, oc.outcome_id != c.step_id, oc.start_date >= c.start_date, window)
        .group_by(c.step_id)
        .cte("exits")
    )

    a = Assessment.__table__.alias("a")
    per_item = (a.c.step_id, a.c.item_code)
    ranked = (
        select(
            a.c.step_id,
            a.c.item_code,
            a.c.qualifier,
            a.c.assessed_on,
            func.min(a.c.assessed_on).over(partition_by=per_item).label("first_on"),
            func.max(a.c.assessed_on).over(partition_by=per_item).label("last_on"),
            func.count().over(partition_by=per_item).label("n"),
        )
        .select_from(a.join(cohort, c.step_id == a.c.step_id))
        .cte("ranked")
    )
    r = ranked.c
    deltas = (
        select(
            r.step_id,
            (
                func.avg(case((r.assessed_on == r.first_on, r.qualifier)))
                - func.avg(case((r.assessed_on == r.last_on, r.qualifier)))
            ).label("gain"),
        )
        .where(r.n >= 2)
        .group_by(r.step_id, r.item_code)
        .cte("deltas")
    )
    progress = (
        select(deltas.c.step_id, func.avg(deltas.c.gain).label("gain"))
        .group_by(deltas.c.step_id)
        .cte("progress")
    )

    e, g = exits.c, progress.c
    postgres = dialect == "postgresql"
    source = cohort.outerjoin(exits, e.step_id == c.step_id).outerjoin(progress, g.step_id == c.step_id)
    repeat_flags = []
    if postgres:
        repeats = _repeats(cohort)
        source = source.outerjoin(repeats, repeats.c.step_id == c.step_id)
        repeat_flags = [func.coalesce(repeats.c[f"r_{dim}"], 0).label(f"r_{dim}") for dim in DIMENSIONS]
    features = (
        select(
            c.person_id,
            c.partner_id,
            c.service_id,
            c.agreement_id,
            c.bassin,
            c.period,
            c.score,
            c.is_completed,
            c.is_dropped,
            c.is_ended,
            case((e.exit_on.is_not(None), 1), else_=0).label("is_positive"),
            case(
                (e.exit_on.is_(None), null()),
                (e.exit_on <= c.ended_on, 0),
                else_=days_between(c.ended_on, e.exit_on),
            ).label("days_to_exit"),
            g.gain,
            case((g.gain.is_(None), null()), (g.gain > 0, 1), else_=0).label("improved"),
            *repeat_flags,
        )
        .select_from(source)
        .cte("features")
    )
    if postgres:
        return _grouping_sets(features)
    return _union_all(features)


def _sums(f) -> list:
    return [
        func.sum(f.is_completed).label("completed"),
        func.sum(f.is_dropped).label("dropped_out"),
        func.sum(f.is_ended).label("ended"),
        func.sum(f.is_positive).label("positive_exits"),
        func.sum(f.days_to_exit).label("days_sum"),
        func.count(f.days_to_exit).label("days_n"),
        func.sum(f.gain).label("gain_sum"),
        func.count(f.gain).label("gain_n"),
        func.sum(f.improved).label("improved"),
    ]


def _union_all(features) -> CompoundSelect:
    """Portable: one ``GROUP BY`` per dimension with ``COUNT(DISTINCT person_id)``, ``UNION ALL``."""
    f = features.c
    selects = []
    for dim, keys in DIMENSIONS.items():
        key_cols = [
            getattr(f, col).label(col) if col in keys else cast(null(), KEY_TYPES[col]).label(col)
            for col in KEY_COLUMNS
        ]
        selects.append(
            select(
                literal(dim).label("dim"),
                *key_cols,
                f.score,
                func.count().label("entries"),
                func.count(f.person_id.distinct()).label("people"),
                *_sums(f),
            ).group_by(*(getattr(f, col) for col in keys), f.score)
        )
    return union_all(*selects)


def grouping_mask(dim: str) -> int:
    """``GROUPING(partner_id, service_id, agreement_id, bassin, period)`` of a dimension's grouping set: one
    bit per key column, most significant first, set when the column is aggregated away."""
    return sum(
        1 << (len(KEY_COLUMNS) - 1 - i) for i, col in enumerate(KEY_COLUMNS) if col not in DIMENSIONS[dim]
    )


def _repeats(cohort) -> CTE:
    """PostgreSQL: per cohort step with an earlier step (lower id) of the same person, one 0/1 flag per
    dimension: 1 if one of those earlier steps falls in the same cell. Distinct people in a cell are then its
    steps minus its flagged steps: exact, with no ``COUNT(DISTINCT)`` (a sort per group) on the big pass.
    People average about two cohort steps each, so this self-join on ``person_id`` stays small."""
    r, o = cohort.alias("r"), cohort.alias("o")
    same = {
        "partner_id": o.c.partner_id == r.c.partner_id,
        "service_id": o.c.service_id.is_not_distinct_from(r.c.service_id),
        "agreement_id": o.c.agreement_id.is_not_distinct_from(r.c.agreement_id),
        "bassin": o.c.bassin.is_not_distinct_from(r.c.bassin),
        "period": o.c.period == r.c.period,
    }
    flags = []
    for dim, keys in DIMENSIONS.items():
        condition = and_(true(), *(same[col] for col in keys))
        flags.append(func.max(case((condition, 1), else_=0)).label(f"r_{dim}"))
    return (
        select(r.c.step_id, *flags)
        .select_from(r.join(o, and_(o.c.person_id == r.c.person_id, o.c.step_id < r.c.step_id)))
        .group_by(r.c.step_id)
        .cte("repeats")
    )


def _grouping_sets(features) -> Select:
    """PostgreSQL: every dimension in one hashed ``GROUP BY GROUPING SETS`` pass over the step features."""
    f = features.c
    keys = [getattr(f, col) for col in KEY_COLUMNS]
    mask = func.grouping(*keys)
    people = func.count() - case(
        *((mask == grouping_mask(dim), func.sum(f[f"r_{dim}"])) for dim in DIMENSIONS), else_=0
    )
    sets = [tuple_(*(getattr(f, col) for col in cols), f.score) for cols in DIMENSIONS.values()]
    return select(
        case(*((mask == grouping_mask(dim), literal(dim)) for dim in DIMENSIONS)).label("dim"),
        *(k.label(col) for k, col in zip(keys, KEY_COLUMNS, strict=True)),
        f.score,
        func.count().label("entries"),
        people.label("people"),
        *_sums(f),
    ).group_by(func.grouping_sets(*sets))
