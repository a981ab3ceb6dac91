"""Bulk assignment against the database: who is waiting, who has room, the optimal plan, and applying it.

Waiting = a file without an active referent. Its track is the latest orientation's chosen track, or the
one computed from the file's score and digital autonomy; a file with neither cannot be placed and is
reported. The previous referent (continuity) is the adviser of the person's most recent ended link.
Applying writes one link per assigned person (a handover when they had a referent before), in the
caller's transaction, all or nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, cast
from uuid import UUID

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.access.filter import bases_of, journal_shown, require_readable
from coordination.access.principal import Principal
from coordination.dossier.models import Person
from coordination.referent import assignment as model
from coordination.referent import schemas
from coordination.referent.models import Adviser, Orientation, ReferentLink
from coordination.referent.policies import ReferentPolicies
from coordination.referent.roles import FOREM_ROLES, require_role
from coordination.referent.services import SECTION, Opening, open_link, portfolio_sizes

NOT_ORIENTED = "not_oriented"
REASONS_FR = {
    **{str(k): v for k, v in model.REASONS_FR.items()},
    NOT_ORIENTED: "Pas d'orientation : le score de proximité ou l'autonomie numérique manque.",
}
BULK_REASON = "Attribution en masse (optimisation)"


@dataclass
class BulkPlan:
    result: model.AssignmentResult
    greedy: model.AssignmentResult
    unassigned: dict[UUID, str]
    """person → reason code (see :data:`REASONS_FR`)."""
    advisers: dict[UUID, Adviser]
    people: dict[UUID, Waiting]
    applied: int = 0
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def assignments(self) -> dict[UUID, UUID]:
        """Person → adviser of the plan (the solver keeps the ids it was given: database ids here)."""
        return cast(dict[UUID, UUID], self.result.assignments)


class Waiting(NamedTuple):
    """What the solver needs of one waiting person, read in the same query as the list itself. The
    query's rows have these columns in this order and are used as they come (building 50,000 objects
    from them cost more than the query): this class names them for readers and the type checker."""

    id: UUID
    first_name: str
    last_name: str
    language: str | None
    bassin: str | None
    proximity_score: int | None
    digital_autonomy: bool | None
    track: str | None
    """The latest orientation's chosen track (None: not oriented yet)."""
    cluster: str | None
    previous_adviser: UUID | None
    """The adviser of the person's most recent ended link (continuity)."""


def _waiting_query():
    latest = (
        select(Orientation.chosen_track, Orientation.cluster)
        .where(Orientation.person_id == Person.id)
        .order_by(Orientation.created_at.desc(), Orientation.id.desc())
        .limit(1)
        .correlate(Person)
    )
    previous = (
        select(ReferentLink.adviser_id)
        .where(
            ReferentLink.person_id == Person.id,
            ReferentLink.ended_at.is_not(None),
            ReferentLink.adviser_id.is_not(None),
        )
        .order_by(ReferentLink.ended_at.desc())
        .limit(1)
        .correlate(Person)
        .scalar_subquery()
    )
    return select(
        Person.id,
        Person.first_name,
        Person.last_name,
        Person.language,
        Person.bassin,
        Person.proximity_score,
        Person.digital_autonomy,
        latest.with_only_columns(Orientation.chosen_track).scalar_subquery().label("track"),
        latest.with_only_columns(Orientation.cluster).scalar_subquery().label("cluster"),
        previous.label("previous_adviser"),
    )


async def waiting_people(
    session: AsyncSession,
    readable: ColumnElement[bool] | None = None,
    *,
    among: Collection[UUID] | None = None,
) -> list[Waiting]:
    """People without an active referent (``among``: only those ids), with their latest orientation and
    previous adviser, in ONE query and as plain rows: 50,000 people are read in a fraction of a second,
    where loading them as ORM objects and looking up their orientations by ``IN`` lists took seconds.
    ``readable``: the gate's predicate (only files the caller may handle), in the same query."""
    active = select(ReferentLink.person_id).where(ReferentLink.ended_at.is_(None))
    query = _waiting_query().where(Person.id.not_in(active))
    if readable is not None:
        query = query.where(readable)
    if among is None:
        return cast(list[Waiting], list(await session.execute(query.order_by(Person.created_at, Person.id))))
    found: list[Waiting] = []
    for chunk in _chunks(among):
        rows = await session.execute(query.where(Person.id.in_(chunk)).order_by(Person.created_at, Person.id))
        found.extend(cast(list[Waiting], list(rows)))
    return found


IN_CHUNK = 10_000
"""Ids per ``IN (…)``: a PostgreSQL statement takes at most 32,767 parameters (asyncpg refuses more)."""


def _chunks(ids: Collection[UUID]) -> list[list[UUID]]:
    ordered = list(ids)
    return [ordered[i : i + IN_CHUNK] for i in range(0, len(ordered), IN_CHUNK)]


async def plan(
    session: AsyncSession,
    policies: ReferentPolicies,
    *,
    people: list[Waiting],
    weights: model.Weights = model.Weights(),
    progress: model.Progress | None = None,
) -> BulkPlan:
    advisers = {a.id: a for a in await session.scalars(select(Adviser).where(Adviser.active.is_(True)))}
    loads = await portfolio_sizes(session)
    unassigned: dict[UUID, str] = {}
    candidates: list[model.Candidate] = []
    track_for = functools.cache(lambda score, autonomy: policies.matrix.track_for(score, autonomy).value)
    # rows unpacked as tuples (in the order of :class:`Waiting`): 50,000 attribute look-ups each on a
    # database row cost more than the solver
    for person_id, _first, _last, language, bassin, score, autonomy, track, cluster, previous in people:
        if track is None:
            if score is None or autonomy is None:
                unassigned[person_id] = NOT_ORIENTED
                continue
            track, cluster = track_for(score, autonomy), None
        candidates.append(model.Candidate(person_id, track, language or "fr", bassin, cluster, previous))
    pool = [
        model.Adviser(
            id=a.id,
            tracks=frozenset(a.tracks or ()),
            capacity=a.capacity,
            load=loads.get(a.id, 0),
            cluster=a.cluster,
            bassins=frozenset(a.bassins or ()),
            languages=frozenset(a.languages or ()),
        )
        for a in advisers.values()
    ]
    result = model.solve_exact(candidates, pool, weights, progress=progress)
    greedy = model.solve_greedy(candidates, pool, weights)
    for unplaced, reason in result.unassigned.items():
        unassigned[cast(UUID, unplaced)] = str(reason)
    return BulkPlan(
        result=result,
        greedy=greedy,
        unassigned=unassigned,
        advisers=advisers,
        people={p.id: p for p in people},
        stats=result.stats,
    )


async def apply(
    session: AsyncSession,
    principal: Principal | None,
    bulk: BulkPlan,
    policies: ReferentPolicies,
    *,
    now: datetime | None = None,
    on_each: Callable[[int, int], None] | None = None,
) -> int:
    """Write the plan's links (one flush per person); the caller commits once at the end."""
    now = now or clock.now()
    total = len(bulk.result.assignments)
    assignments = bulk.assignments
    persons: dict[UUID, Person] = {}
    for chunk in _chunks(assignments):
        persons.update((p.id, p) for p in await session.scalars(select(Person).where(Person.id.in_(chunk))))
    for done, (person_id, adviser_id) in enumerate(assignments.items(), start=1):
        person, adviser = persons[person_id], bulk.advisers[adviser_id]
        had_referent = bool(
            await session.scalar(select(ReferentLink.id).where(ReferentLink.person_id == person_id).limit(1))
        )
        note = "Reprise du suivi après la fin du précédent référent (attribution en masse)."
        opening = Opening(person, adviser, BULK_REASON, note if had_referent else None, now)
        await open_link(session, principal, policies, opening)
        if on_each:
            on_each(done, total)
    bulk.applied = total
    return total


def _weights(data: schemas.BulkIn) -> model.Weights:
    if data.weights is None:
        return model.Weights()
    return model.Weights(**{f: getattr(data.weights, f) for f in data.weights.__struct_fields__})


async def run(
    session: AsyncSession,
    principal: Principal,
    policies: ReferentPolicies,
    data: schemas.BulkIn,
    request_id: str,
) -> BulkPlan:
    """Optimal assignment of the people without a referent that the caller may handle; a dry run unless
    ``data.apply``. The people are selected by the gate's predicate in the same query; a dry run shows
    opaque ids and advisers only, so nothing is journaled; applying journals each assignment."""
    require_role(principal, FOREM_ROLES)
    action = "write" if data.apply else "read"
    readable = require_readable(session, principal, SECTION, action)
    people = await waiting_people(session, readable.where)
    result = await plan(session, policies, people=people, weights=_weights(data))
    if data.apply:
        await apply(session, principal, result, policies)
        assigned = list(result.assignments)
        bases = await bases_of(session, readable, assigned)
        shown = [(i, *bases[i]) for i in assigned]
        await journal_shown(session, principal, request_id, shown, sections=(SECTION,), action="write")
    return result
