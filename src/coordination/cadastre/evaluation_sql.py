"""The evaluation's SQL: step-level facts computed once, then aggregated per dimension, in the database.

Nothing is looped over in Python: the database returns one row per (dimension, key, proximity score) with
sums; :mod:`.evaluation` adds the rows of every statement up into cells and turns these few thousand rows
into figures. Shapes:

* ``steps``: one pass over the steps table, keeping those that may be in the cohort or be an outcome;
* ``cohort``: steps run by a registry organisation, of the evaluated kinds, begun in the year and actually
  started; with the person's bassin (else the partner's), quarter and proximity score at the step's start
  (from the dated orientations; -1 = none dated on or before it);
* ``outcomes``: steps that would be positive exits under the policy (qualifying job / training);
* ``exits``: per ended cohort step, the first outcome in its window (``MIN``);
* ``ranked``/``deltas``/``progress``: per cohort step, the mean over ICF items of (first qualifier − last
  qualifier) for items assessed at least twice on that step (positive = fewer problems; several assessments
  on the same first or last day are averaged); one pass over the assessments, with window functions;
* ``repeated``: per cell, the steps whose person already has an earlier step in that cell, so that
  distinct people = entries − repeated, exactly.

Every statement answers rows ``(dim, partner_id, service_id, agreement_id, bassin, period, score, …)``
with the :data:`SUMMED_COLUMNS`; the rows of several statements (shares of people) add up.

* PostgreSQL: one statement per share of the people (:class:`person_part`), meant to run at the same time
  on their own connections sharing one snapshot (:func:`coordination.db.concurrent.run_concurrently`).
  Each sums its steps per finest cell, then per dimension; the repeats come from a self-join of the cohort
  on the person, so no ``COUNT(DISTINCT)`` (one sort per group) is needed.
* Elsewhere (SQLite): one statement, one ``GROUP BY`` per dimension, ``UNION ALL``; the repeats come from
  ``ROW_NUMBER()`` per person and cell.

Distinct people: a person is counted once per cell, in the score row of their first step there (lowest
id); the score rows of a cell add up to its distinct people.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import (
    CTE,
    ColumnElement,
    CompoundSelect,
    Float,
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
    union_all,
)
from sqlalchemy.sql import Select

from coordination.cadastre.models import PartnerProfile
from coordination.cadastre.policy import PositiveExitPolicy
from coordination.cadastre.sqlfuncs import add_months, days_between, person_part, quarter_key
from coordination.db.types import GUID
from coordination.directory.models import Organisation
from coordination.dossier.models import Assessment, Person, TrajectoryStep
from coordination.referent.models import Orientation

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
SUMMED_COLUMNS = (
    "entries",
    "repeated",
    "completed",
    "dropped_out",
    "ended",
    "positive_exits",
    "days_sum",
    "days_n",
    "gain_sum",
    "gain_n",
    "improved",
)
ENDED_STATUSES = ("completed", "dropped_out")
STARTED_STATUSES = ("ongoing", "completed", "dropped_out")
CELL_COLUMNS = (*KEY_COLUMNS, "score")


def evaluation_statements(
    policy: PositiveExitPolicy, year_start: date, year_end: date, dialect: str = "sqlite", parts: int = 1
) -> list[Select | CompoundSelect]:
    """The statements for ``dialect``, whose rows add up to the evaluation's cells. On PostgreSQL, ``parts``
    statements, each over its own share of the people (see :func:`person_part`)."""
    if dialect == "postgresql":
        return [
            _one_part(policy, year_start, year_end, (part, parts) if parts > 1 else None)
            for part in range(parts)
        ]
    return [_portable(policy, year_start, year_end)]


def in_share(person_id, part: tuple[int, int] | None) -> list[ColumnElement]:
    """The filter keeping one share's people (none without shares). Written as the function ``int4eq(…)``
    rather than the operator ``=``: with no statistics on the expression, PostgreSQL assumes that 0.5 % of
    the rows pass an equality but a third pass a boolean function; planned for a few hundred steps instead
    of tens of thousands, it would pick index loops and sorts everywhere."""
    if part is None:
        return []
    return [func.int4eq(person_part(person_id, part[1]), part[0])]


def _cohort_filter(s, policy: PositiveExitPolicy, year_start: date, year_end: date) -> ColumnElement:
    return and_(
        s.c.kind.in_(policy.cohort_kinds),
        s.c.status.in_(STARTED_STATUSES),
        s.c.start_date >= year_start,
        s.c.start_date <= year_end,
    )


def _outcome_rules(x, policy: PositiveExitPolicy) -> tuple[ColumnElement, ColumnElement]:
    """(is an outcome, is a job outcome) for the step ``x``."""
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
    is_job = case((job_rule, 1), else_=0) if policy.job_enabled else literal(0)
    return and_(x.c.status.in_(policy.outcome_statuses), or_(*rules)), is_job


def _steps(
    policy: PositiveExitPolicy, year_start: date, year_end: date, part: tuple[int, int] | None = None
) -> CTE:
    """One pass over the steps table: the (share's) steps that may be in the cohort or be an outcome.
    Outcomes are bounded by their start only (an outcome starts on or after the step it follows, so not
    before the year): a step begun in the year may end, and find work, years later."""
    t = TrajectoryStep.__table__.alias("t")
    in_cohort = _cohort_filter(t, policy, year_start, year_end)
    is_outcome, is_job = _outcome_rules(t, policy)
    return (
        select(
            # the two tests as columns, so that they are not written (and estimated) twice: filtering this
            # WITH query's rows again by the same conditions, the planner would multiply their selectivities
            # and plan for a handful of rows
            in_cohort.label("in_cohort"),
            is_outcome.label("is_outcome"),
            is_job.label("is_job"),
            t.c.id,
            t.c.person_id,
            t.c.organisation_id,
            t.c.service_id,
            t.c.agreement_id,
            t.c.kind,
            t.c.status,
            t.c.start_date,
            t.c.end_date,
            t.c.exit_date,
            t.c.job_duration_months,
            t.c.job_contract_kind,
            t.c.training_qualifying,
        )
        .where(t.c.start_date >= year_start, or_(in_cohort, is_outcome), *in_share(t.c.person_id, part))
        .cte("steps")
        .prefix_with("MATERIALIZED")
    )


def score_history(part: tuple[int, int] | None = None) -> CTE:
    """Each orientation's score with the day it was superseded (the next orientation's ``start_on``; ties on
    a day go to the later one): the score in force on a day is the row whose ``[start_on, until)`` holds it.
    Joined to the steps on the person by hashing (no index probe per step, no sort of the steps)."""
    o = Orientation.__table__.alias("o")
    return (
        select(
            o.c.person_id,
            o.c.proximity_score,
            o.c.start_on,
            func.lead(o.c.start_on)
            .over(partition_by=o.c.person_id, order_by=(o.c.start_on, o.c.created_at, o.c.id))
            .label("until"),
        )
        .where(*in_share(o.c.person_id, part))
        .cte("score_history")
    )


def _cohort(steps: CTE, part: tuple[int, int] | None = None) -> CTE:
    """The steps evaluated, with their cell: the person's bassin (else the partner's), quarter, and the
    proximity score in force when the step began (from the dated orientations, -1 if none was dated on or
    before it). Never the person's current score: re-scoring people after they found work must not change
    how their partner is judged."""
    s = steps.alias("s")
    h = score_history(part).alias("h")
    p = Person.__table__.alias("p")
    o = Organisation.__table__.alias("o")
    cp = PartnerProfile.__table__.alias("cp")
    ended_on = func.coalesce(s.c.exit_date, s.c.end_date)
    is_ended = and_(s.c.status.in_(ENDED_STATUSES), ended_on.is_not(None))
    return (
        select(
            s.c.id.label("step_id"),
            s.c.person_id,
            s.c.organisation_id.label("partner_id"),
            s.c.service_id,
            s.c.agreement_id,
            func.coalesce(p.c.bassin, o.c.bassin).label("bassin"),
            quarter_key(s.c.start_date).label("period"),
            func.coalesce(h.c.proximity_score, -1).label("score"),
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
        .outerjoin(
            h,
            and_(
                h.c.person_id == s.c.person_id,
                h.c.start_on <= s.c.start_date,
                or_(h.c.until.is_(None), h.c.until > s.c.start_date),
            ),
        )
        .where(s.c.in_cohort)
        .cte("cohort")
        # computed once, read by several parts of the statement
        .prefix_with("MATERIALIZED")
    )


def _outcomes(steps: CTE, policy: PositiveExitPolicy) -> CTE:
    """Steps that count as a positive exit."""
    x = steps.alias("x")
    return (
        select(x.c.id.label("outcome_id"), x.c.person_id, x.c.start_date, x.c.is_job)
        .where(x.c.is_outcome)
        .cte("outcomes")
        # materialised: a hash join of the cohort to the (few) outcome steps, not one index probe per step
        .prefix_with("MATERIALIZED")
    )


def _exit_conditions(cohort: CTE, outcomes: CTE, policy: PositiveExitPolicy) -> list[ColumnElement]:
    """An outcome of the same person, not the step itself, begun from the step's start to the end of its
    window after the step ended."""
    c, oc = cohort.c, outcomes.c
    if policy.job_within_months == policy.training_within_months:
        window = oc.start_date <= add_months(c.ended_on, policy.job_within_months)
    else:
        window = or_(
            and_(oc.is_job == 1, oc.start_date <= add_months(c.ended_on, policy.job_within_months)),
            and_(oc.is_job == 0, oc.start_date <= add_months(c.ended_on, policy.training_within_months)),
        )
    return [c.is_ended == 1, oc.outcome_id != c.step_id, oc.start_date >= c.start_date, window]


def _progress(cohort: CTE, part: tuple[int, int] | None = None) -> CTE:
    """Per cohort step with an item assessed twice or more: its mean gain over those items."""
    a = Assessment.__table__.alias("a")
    c = cohort.c
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
        # a semi-join: the cohort's step ids are hashed (not the bigger assessments table); the share's
        # assessments only: an assessment's person is its step's (dossier.services.trajectory writes both)
        .where(a.c.step_id.in_(select(c.step_id)), *in_share(a.c.person_id, part))
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
    return (
        select(deltas.c.step_id, func.avg(deltas.c.gain).label("gain"))
        .group_by(deltas.c.step_id)
        .cte("progress")
    )


def _improved(gain) -> ColumnElement:
    return case((gain.is_(None), null()), (gain > 0, 1), else_=0)


def _days_to_exit(exit_on, ended_on) -> ColumnElement:
    return case((exit_on.is_(None), null()), (exit_on <= ended_on, 0), else_=days_between(ended_on, exit_on))


# --- PostgreSQL: one statement per share of the people -------------------------------------------------------


def _per_dimension(source, measures: Callable[[str], list]) -> CompoundSelect:
    """One ``GROUP BY`` per dimension (its keys and the score), ``UNION ALL``; ``measures(dim)`` gives the
    aggregated columns. Plain hashed groupings: PostgreSQL's planner, blind on ``WITH`` rows, would sort for
    ``GROUPING SETS``."""
    f = source.c
    return union_all(
        *(
            select(
                literal(dim).label("dim"),
                *(
                    f[col].label(col) if col in keys else cast(null(), KEY_TYPES[col]).label(col)
                    for col in KEY_COLUMNS
                ),
                f.score,
                *measures(dim),
            ).group_by(*(f[col] for col in keys), f.score)
            for dim, keys in DIMENSIONS.items()
        )
    )


def _one_part(
    policy: PositiveExitPolicy, year_start: date, year_end: date, part: tuple[int, int] | None
) -> CompoundSelect:
    """Every measure for one share of the people.

    Three streams of steps, each row carrying its step's cell, are stacked (``UNION ALL``):

    * the cohort joined to its progression: entries, completions, drop-outs, ended steps, gains;
    * ``exits``: per ended step with a positive exit, its delay;
    * ``repeats``: per cohort step with an earlier step (lower id) of the same person, one 0/1 flag per
      dimension: 1 if one of those earlier steps falls in the same cell (the person is already counted
      there). People average about two cohort steps each, so this self-join on the person stays small and
      no ``COUNT(DISTINCT)`` (one sort per group) is needed: people = entries − repeated.

    They are summed per finest cell in one hash table (``fine``), then every dimension is summed from those
    few thousand rows instead of from every step.
    """
    steps = _steps(policy, year_start, year_end, part)
    cohort, outcomes = _cohort(steps, part), _outcomes(steps, policy)
    progress = _progress(cohort, part)
    c, oc, g = cohort.c, outcomes.c, progress.c
    cell = [c[col] for col in CELL_COLUMNS]
    exits = (
        select(*cell, c.ended_on, func.min(oc.start_date).label("exit_on"))
        .select_from(cohort.join(outcomes, oc.person_id == c.person_id))
        .where(*_exit_conditions(cohort, outcomes, policy))
        .group_by(c.step_id, *cell, c.ended_on)
        .cte("exits")
    )
    r, o = cohort.alias("r"), cohort.alias("o")
    same = {
        "partner_id": o.c.partner_id == r.c.partner_id,
        "service_id": o.c.service_id.is_not_distinct_from(r.c.service_id),
        "agreement_id": o.c.agreement_id.is_not_distinct_from(r.c.agreement_id),
        "bassin": o.c.bassin.is_not_distinct_from(r.c.bassin),
        "period": o.c.period == r.c.period,
    }
    flags = [
        func.max(case((and_(true(), *(same[col] for col in keys)), 1), else_=0)).label(f"r_{dim}")
        for dim, keys in DIMENSIONS.items()
    ]
    r_cell = [r.c[col] for col in CELL_COLUMNS]
    repeats = (
        select(*r_cell, *flags)
        .select_from(r.join(o, and_(o.c.person_id == r.c.person_id, o.c.step_id < r.c.step_id)))
        .group_by(r.c.step_id, *r_cell)
        .cte("repeats")
    )
    e, rp = exits.c, repeats.c
    zero, nothing = literal(0), cast(null(), Integer)
    no_flags = [zero.label(f"r_{dim}") for dim in DIMENSIONS]
    stacked = union_all(
        select(*cell, literal(1).label("entry"), c.is_completed, c.is_dropped, c.is_ended,
               g.gain.label("gain"), _improved(g.gain).label("improved"), zero.label("positive"),
               nothing.label("days"), *no_flags)
        .select_from(cohort.outerjoin(progress, g.step_id == c.step_id)),
        select(*(e[col] for col in CELL_COLUMNS), zero, zero, zero, zero, cast(null(), Float), nothing,
               literal(1), _days_to_exit(e.exit_on, e.ended_on), *no_flags),
        select(*(rp[col] for col in CELL_COLUMNS), zero, zero, zero, zero, cast(null(), Float), nothing,
               zero, nothing, *(rp[f"r_{dim}"] for dim in DIMENSIONS)),
    ).cte("stacked")  # fmt: skip
    st = stacked.c
    fine = (
        select(
            *(st[col] for col in CELL_COLUMNS),
            func.sum(st.entry).label("entries"),
            func.sum(st.is_completed).label("completed"),
            func.sum(st.is_dropped).label("dropped_out"),
            func.sum(st.is_ended).label("ended"),
            func.sum(st.gain).label("gain_sum"),
            func.count(st.gain).label("gain_n"),
            func.sum(st.improved).label("improved"),
            func.sum(st.positive).label("positive_exits"),
            func.sum(st.days).label("days_sum"),
            func.count(st.days).label("days_n"),
            *(func.sum(st[f"r_{dim}"]).label(f"r_{dim}") for dim in DIMENSIONS),
        )
        .group_by(*(st[col] for col in CELL_COLUMNS))
        .cte("fine")
        .prefix_with("MATERIALIZED")
    )
    f = fine.c

    def total(column):
        # in double precision: exact for these integer counts (far below 2**53), and summed natively where
        # the bigints of ``fine`` would be summed as numeric
        return func.sum(cast(column, Float))

    summed = ("entries", "completed", "dropped_out", "ended", "gain_sum", "gain_n", "improved",
              "positive_exits", "days_sum", "days_n")  # fmt: skip
    return _per_dimension(
        fine, lambda dim: [*(total(f[n]).label(n) for n in summed), total(f[f"r_{dim}"]).label("repeated")]
    )


# --- elsewhere (SQLite): one statement ---------------------------------------------------------------------


def _portable(policy: PositiveExitPolicy, year_start: date, year_end: date) -> CompoundSelect:
    """One ``GROUP BY`` per dimension, ``UNION ALL``; repeats by ``ROW_NUMBER()`` per person and cell."""
    steps = _steps(policy, year_start, year_end)
    cohort, outcomes = _cohort(steps), _outcomes(steps, policy)
    c, oc = cohort.c, outcomes.c
    exits = (
        select(c.step_id, func.min(oc.start_date).label("exit_on"))
        .select_from(cohort.join(outcomes, oc.person_id == c.person_id))
        .where(*_exit_conditions(cohort, outcomes, policy))
        .group_by(c.step_id)
        .cte("exits")
    )
    progress = _progress(cohort)
    e, g = exits.c, progress.c
    features = (
        select(
            c.person_id,
            *(c[col] for col in CELL_COLUMNS),
            c.is_completed,
            c.is_dropped,
            c.is_ended,
            case((e.exit_on.is_not(None), 1), else_=0).label("is_positive"),
            _days_to_exit(e.exit_on, c.ended_on).label("days_to_exit"),
            g.gain,
            _improved(g.gain).label("improved"),
            # 1 on the person's first step (lowest id) in each dimension's cell: the person is counted in
            # the score row of that step, so the rows of a cell add up to its distinct people even when the
            # person's score at entry differs from one step to the next (as PostgreSQL's repeats do)
            *(
                case(
                    (
                        func.row_number().over(
                            partition_by=[c.person_id, *(c[col] for col in keys)], order_by=c.step_id
                        )
                        == 1,
                        1,
                    ),
                    else_=0,
                ).label(f"first_{dim}")
                for dim, keys in DIMENSIONS.items()
            ),
        )
        .select_from(
            cohort.outerjoin(exits, e.step_id == c.step_id).outerjoin(progress, g.step_id == c.step_id)
        )
        .cte("features")
    )
    f = features.c
    return _per_dimension(
        features,
        lambda dim: [
            func.count().label("entries"),
            (func.count() - func.sum(f[f"first_{dim}"])).label("repeated"),
            func.sum(f.is_completed).label("completed"),
            func.sum(f.is_dropped).label("dropped_out"),
            func.sum(f.is_ended).label("ended"),
            func.sum(f.is_positive).label("positive_exits"),
            func.sum(f.days_to_exit).label("days_sum"),
            func.count(f.days_to_exit).label("days_n"),
            func.sum(f.gain).label("gain_sum"),
            func.count(f.gain).label("gain_n"),
            func.sum(f.improved).label("improved"),
        ],
    )
