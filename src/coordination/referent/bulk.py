"""Bulk assignment against the database: who is waiting, who has room, the optimal plan, and applying it.

Waiting = a file without an active referent. Its track is the latest orientation's chosen track, or the
one computed from the file's score and digital autonomy; a file with neither cannot be placed and is
reported. The previous referent (continuity) is the adviser of the person's most recent ended link.
Applying writes one link per assigned person (a handover when they had a referent before), in the
caller's transaction, all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.db.base import utcnow
from coordination.dossier.models import Person
from coordination.referent import assignment as model
from coordination.referent.models import Adviser, Orientation, ReferentLink
from coordination.referent.policies import ReferentPolicies
from coordination.referent.services import open_link, portfolio_sizes

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
    people: dict[UUID, Person]
    applied: int = 0
    stats: dict[str, int] = field(default_factory=dict)


async def waiting_people(session: AsyncSession, readable: ColumnElement[bool] | None = None) -> list[Person]:
    """People without an active referent; ``readable``: the gate's predicate (only files the caller may
    handle), applied in the same query rather than person by person."""
    active = select(ReferentLink.person_id).where(ReferentLink.ended_at.is_(None))
    query = select(Person).where(Person.id.not_in(active))
    if readable is not None:
        query = query.where(readable)
    rows = await session.scalars(query.order_by(Person.created_at))
    return list(rows)


IN_CHUNK = 10_000
"""Ids per ``IN (…)``: a PostgreSQL statement takes at most 32,767 parameters (asyncpg refuses more), and
a bulk assignment reads 50,000 people and more."""


def _chunks(ids: Collection[UUID]) -> list[list[UUID]]:
    ordered = list(ids)
    return [ordered[i : i + IN_CHUNK] for i in range(0, len(ordered), IN_CHUNK)]


async def _latest_orientations(session: AsyncSession, ids: Collection[UUID]) -> dict[UUID, Orientation]:
    result: dict[UUID, Orientation] = {}
    for chunk in _chunks(ids):  # a person's rows are all in her chunk: the latest still wins
        rows = await session.scalars(
            select(Orientation)
            .where(Orientation.person_id.in_(chunk))
            .order_by(Orientation.created_at, Orientation.id)
        )
        for row in rows:
            result[row.person_id] = row
    return result


async def _previous_advisers(session: AsyncSession, ids: Collection[UUID]) -> dict[UUID, UUID]:
    result: dict[UUID, UUID] = {}
    for chunk in _chunks(ids):
        rows = await session.execute(
            select(ReferentLink.person_id, ReferentLink.adviser_id)
            .where(ReferentLink.person_id.in_(chunk), ReferentLink.ended_at.is_not(None))
            .order_by(ReferentLink.ended_at)
        )
        for person_id, adviser_id in rows:
            if adviser_id is not None:
                result[person_id] = adviser_id
    return result


async def plan(
    session: AsyncSession,
    policies: ReferentPolicies,
    *,
    people: list[Person],
    weights: model.Weights = model.Weights(),
    progress: model.Progress | None = None,
) -> BulkPlan:
    ids = [p.id for p in people]
    orientations = await _latest_orientations(session, ids) if ids else {}
    previous = await _previous_advisers(session, ids) if ids else {}
    advisers = {a.id: a for a in await session.scalars(select(Adviser).where(Adviser.active.is_(True)))}
    loads = await portfolio_sizes(session)
    unassigned: dict[UUID, str] = {}
    candidates: list[model.Candidate] = []
    for person in people:
        orientation = orientations.get(person.id)
        if orientation is not None:
            track, cluster = orientation.chosen_track, orientation.cluster
        elif person.proximity_score is not None and person.digital_autonomy is not None:
            track, cluster = (
                policies.matrix.track_for(person.proximity_score, person.digital_autonomy).value,
                None,
            )
        else:
            unassigned[person.id] = NOT_ORIENTED
            continue
        candidates.append(
            model.Candidate(
                id=person.id,
                track=track,
                language=person.language or "fr",
                bassin=person.bassin,
                cluster=cluster,
                previous_adviser=previous.get(person.id),
            )
        )
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
    for person_id, reason in result.unassigned.items():
        unassigned[person_id] = str(reason)
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
    now = now or utcnow()
    total = len(bulk.result.assignments)
    for done, (person_id, adviser_id) in enumerate(bulk.result.assignments.items(), start=1):
        person, adviser = bulk.people[person_id], bulk.advisers[adviser_id]
        had_referent = bool(
            await session.scalar(select(ReferentLink.id).where(ReferentLink.person_id == person_id).limit(1))
        )
        await open_link(
            session,
            principal,
            person,
            adviser,
            policies,
            reason=BULK_REASON,
            note=(
                "Reprise du suivi après la fin du précédent référent (attribution en masse)."
                if had_referent
                else None
            ),
            now=now,
            event="referent_handover" if had_referent else "referent_assigned",
        )
        if on_each:
            on_each(done, total)
    bulk.applied = total
    return total
