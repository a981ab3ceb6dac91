"""The action plan: objectives, reciprocal commitments, history."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Request, Response, get, patch, post
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.declared import Access
from coordination.dossier import schemas
from coordination.dossier.controllers.common import with_etag
from coordination.dossier.models import PlanCommitment, PlanObjective
from coordination.dossier.services import plan
from coordination.dossier.services.common import get_owned, get_person
from coordination.http_utils import require_if_match


async def _objective_out(db_session, objective: PlanObjective) -> schemas.ObjectiveOut:
    from sqlalchemy import select

    commitments = (
        await db_session.scalars(
            select(PlanCommitment)
            .where(PlanCommitment.objective_id == objective.id)
            .order_by(PlanCommitment.created_at)
        )
    ).all()
    return plan.objective_out(objective, list(commitments))


class PlanController(Controller):
    path = "/api/v1/persons/{person_id:uuid}/plan"
    tags = ["Plan d'action"]

    @get("/", opt={"section": "plan", "action": "read"})
    async def read(
        self, request: Request, db_session: AsyncSession, access: Access, person_id: UUID
    ) -> schemas.PlanOut:
        result = await plan.read_plan(db_session, person_id)
        await db_session.commit()
        return result

    @get("/history", opt={"section": "plan", "action": "read"})
    async def history(
        self, request: Request, db_session: AsyncSession, access: Access, person_id: UUID
    ) -> list[schemas.PlanHistoryOut]:
        result = await plan.read_history(db_session, person_id)
        await db_session.commit()
        return result

    @post("/objectives", opt={"section": "plan", "action": "write"})
    async def create_objective(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        person_id: UUID,
        data: schemas.ObjectiveCreate,
    ) -> Response[schemas.ObjectiveOut]:
        await get_person(db_session, person_id)
        objective = await plan.create_objective(db_session, request.user, person_id, data)
        out = await _objective_out(db_session, objective)
        await db_session.commit()
        return with_etag(out, objective.version, 201)

    @get("/objectives/{objective_id:uuid}", opt={"section": "plan", "action": "read"})
    async def read_objective(
        self, request: Request, db_session: AsyncSession, access: Access, person_id: UUID, objective_id: UUID
    ) -> Response[schemas.ObjectiveOut]:
        objective = await get_owned(db_session, PlanObjective, objective_id, person_id, "Objectif")
        out = await _objective_out(db_session, objective)
        await db_session.commit()
        return with_etag(out, objective.version)

    @patch("/objectives/{objective_id:uuid}", opt={"section": "plan", "action": "write"})
    async def update_objective(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        person_id: UUID,
        objective_id: UUID,
        data: schemas.ObjectiveUpdate,
    ) -> Response[schemas.ObjectiveOut]:
        objective = await get_owned(db_session, PlanObjective, objective_id, person_id, "Objectif")
        require_if_match(request, objective.version)
        await plan.update_objective(db_session, request.user, objective, data)
        out = await _objective_out(db_session, objective)
        await db_session.commit()
        return with_etag(out, objective.version)

    @post("/objectives/{objective_id:uuid}/commitments", opt={"section": "plan", "action": "write"})
    async def add_commitment(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        person_id: UUID,
        objective_id: UUID,
        data: schemas.CommitmentCreate,
    ) -> Response[schemas.CommitmentOut]:
        objective = await get_owned(db_session, PlanObjective, objective_id, person_id, "Objectif")
        commitment = await plan.add_commitment(db_session, request.user, objective, data)
        await db_session.commit()
        return with_etag(plan.commitment_out(commitment), commitment.version, 201)

    @patch("/commitments/{commitment_id:uuid}", opt={"section": "plan", "action": "write"})
    async def update_commitment(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        person_id: UUID,
        commitment_id: UUID,
        data: schemas.CommitmentUpdate,
    ) -> Response[schemas.CommitmentOut]:
        commitment = await get_owned(db_session, PlanCommitment, commitment_id, person_id, "Engagement")
        require_if_match(request, commitment.version)
        objective = await db_session.get(PlanObjective, commitment.objective_id)
        await plan.update_commitment(db_session, request.user, objective, commitment, data)
        await db_session.commit()
        return with_etag(plan.commitment_out(commitment), commitment.version)
