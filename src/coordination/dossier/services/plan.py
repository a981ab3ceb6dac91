"""The action plan: objectives negotiated with the person, reciprocal commitments, and their history."""

from __future__ import annotations

from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.directory.models import Organisation
from coordination.dossier import schemas
from coordination.dossier.models import PlanCommitment, PlanHistory, PlanObjective
from coordination.dossier.rules import (
    PARTY_LABELS,
    STATUS_LABELS,
    RuleViolation,
    check_commitment_party,
)
from coordination.dossier.services.common import (
    add_recorded,
    checked_changes,
    get_person,
    jsonable,
    out_of,
    record_about,
    rows_of_person,
    rule_error,
    write_changes,
)


async def _check_party(session: AsyncSession, data: schemas.CommitmentCreate) -> None:
    kind = None
    if data.organisation_id is not None:
        org = await session.get(Organisation, data.organisation_id)
        if org is None:
            raise rule_error(RuleViolation("L'organisation désignée est inconnue.", "unknown-organisation"))
        kind = org.kind.value
    try:
        check_commitment_party(data.party, kind)
    except RuleViolation as exc:
        raise rule_error(exc) from exc


def _history(session, principal, objective: PlanObjective, change, before, after, commitment=None) -> None:
    session.add(
        PlanHistory(
            person_id=objective.person_id,
            objective_id=objective.id,
            commitment_id=commitment.id if commitment else None,
            author_user_id=principal.user_id,
            change=change,
            before=jsonable(before) if before is not None else None,
            after=jsonable(after) if after is not None else None,
        )
    )


async def add_commitment(
    session: AsyncSession, principal: Principal, objective: PlanObjective, data: schemas.CommitmentCreate
) -> PlanCommitment:
    await _check_party(session, data)
    commitment = PlanCommitment(
        objective_id=objective.id, person_id=objective.person_id, **msgspec.structs.asdict(data)
    )
    summary = f"Engagement de {PARTY_LABELS[data.party]} ajouté à l'objectif « {objective.title} »."
    await add_recorded(session, principal, commitment, "plan", "commitment_added", summary)
    _history(
        session, principal, objective, "commitment_added", None, msgspec.structs.asdict(data), commitment
    )
    return commitment


async def create_objective(
    session: AsyncSession, principal: Principal, person_id: UUID, data: schemas.ObjectiveCreate
) -> PlanObjective:
    """A new objective of the file's plan with its commitments (from the API and the file page alike)."""
    await get_person(session, person_id)
    if data.status not in ("proposed", "agreed"):
        raise rule_error(RuleViolation("Un nouvel objectif est proposé ou convenu.", "invalid-transition"))
    for commitment in data.commitments:
        await _check_party(session, commitment)
    values = msgspec.structs.asdict(data)
    commitments = values.pop("commitments")
    objective = PlanObjective(person_id=person_id, created_by=principal.user_id, **values)
    summary = f"Objectif ajouté au plan d'action : « {objective.title} »."
    await add_recorded(session, principal, objective, "plan", "objective_created", summary)
    _history(session, principal, objective, "objective_created", None, values)
    for item in commitments:
        await add_commitment(session, principal, objective, item)
    return objective


async def update_objective(
    session: AsyncSession, principal: Principal, objective: PlanObjective, data: schemas.ObjectiveUpdate
) -> PlanObjective:
    changes = checked_changes(data, "objective", objective.status)
    before = await write_changes(session, objective, changes)
    if before:
        after = {k: changes[k] for k in before}
        _history(session, principal, objective, "objective_updated", before, after)
        summary = f"Objectif « {objective.title} » modifié"
        if "status" in before:
            summary += f" (statut : {STATUS_LABELS[objective.status]})"
        record_about(session, principal, objective, "plan", "objective_updated", summary + ".")
    return objective


async def update_commitment(
    session: AsyncSession,
    principal: Principal,
    objective: PlanObjective,
    commitment: PlanCommitment,
    data: schemas.CommitmentUpdate,
) -> PlanCommitment:
    changes = checked_changes(data, "commitment", commitment.status)
    before = await write_changes(session, commitment, changes)
    if before:
        _history(
            session,
            principal,
            objective,
            "commitment_updated",
            before,
            {k: changes[k] for k in before},
            commitment,
        )
        summary = (
            f"Engagement de {PARTY_LABELS[commitment.party]} mis à jour "
            f"(statut : {STATUS_LABELS[commitment.status]})."
        )
        record_about(session, principal, commitment, "plan", "commitment_updated", summary)
    return commitment


def commitment_out(c: PlanCommitment) -> schemas.CommitmentOut:
    return out_of(
        schemas.CommitmentOut, c, party_label=PARTY_LABELS[c.party], status_label=STATUS_LABELS[c.status]
    )


def objective_out(o: PlanObjective, commitments: list[PlanCommitment]) -> schemas.ObjectiveOut:
    return out_of(
        schemas.ObjectiveOut,
        o,
        status_label=STATUS_LABELS[o.status],
        commitments=[commitment_out(c) for c in commitments],
    )


async def read_objective(session: AsyncSession, objective: PlanObjective) -> schemas.ObjectiveOut:
    """One objective with its commitments, oldest first."""
    commitments = await session.scalars(
        select(PlanCommitment)
        .where(PlanCommitment.objective_id == objective.id)
        .order_by(PlanCommitment.created_at)
    )
    return objective_out(objective, list(commitments))


async def read_plan(session: AsyncSession, person_id: UUID) -> schemas.PlanOut:
    objectives = await rows_of_person(session, PlanObjective, person_id, PlanObjective.created_at)
    commitments = await rows_of_person(session, PlanCommitment, person_id, PlanCommitment.created_at)
    by_objective: dict[UUID, list[PlanCommitment]] = {}
    for c in commitments:
        by_objective.setdefault(c.objective_id, []).append(c)
    return schemas.PlanOut(
        person_id=person_id, objectives=[objective_out(o, by_objective.get(o.id, [])) for o in objectives]
    )


async def read_history(session: AsyncSession, person_id: UUID) -> list[schemas.PlanHistoryOut]:
    rows = await rows_of_person(session, PlanHistory, person_id, PlanHistory.created_at)
    return [out_of(schemas.PlanHistoryOut, h, at=h.created_at) for h in rows]
