"""The action plan: objectives, reciprocal commitments, history."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, patch, post
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.declared import Access
from coordination.access.principal import Principal
from coordination.dossier import schemas
from coordination.dossier.controllers.common import DOSSIER_API, with_etag
from coordination.dossier.models import PlanCommitment, PlanObjective
from coordination.dossier.services import plan
from coordination.dossier.services.common import VersionCheck, get_owned


class PlanController(Controller):
    path = "/api/v1/persons/{person_id:uuid}/plan"
    tags = ["Plan d'action"]
    dependencies = DOSSIER_API

    @get("/", opt={"section": "plan", "action": "read"})
    async def read(self, db_session: AsyncSession, access: Access, person_id: UUID) -> schemas.PlanOut:
        return await plan.read_plan(db_session, person_id)

    @get("/history", opt={"section": "plan", "action": "read"})
    async def history(
        self, db_session: AsyncSession, access: Access, person_id: UUID
    ) -> list[schemas.PlanHistoryOut]:
        return await plan.read_history(db_session, person_id)

    @post("/objectives", opt={"section": "plan", "action": "write"})
    async def create_objective(
        self,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        person_id: UUID,
        data: schemas.ObjectiveCreate,
    ) -> Response[schemas.ObjectiveOut]:
        objective = await plan.create_objective(db_session, principal, person_id, data)
        return with_etag(await plan.read_objective(db_session, objective), objective.version, 201)

    @get("/objectives/{objective_id:uuid}", opt={"section": "plan", "action": "read"})
    async def read_objective(
        self, db_session: AsyncSession, access: Access, person_id: UUID, objective_id: UUID
    ) -> Response[schemas.ObjectiveOut]:
        objective = await get_owned(db_session, PlanObjective, objective_id, person_id, "Objectif")
        return with_etag(await plan.read_objective(db_session, objective), objective.version)

    @patch("/objectives/{objective_id:uuid}", opt={"section": "plan", "action": "write"})
    async def update_objective(
        self,
        if_match: VersionCheck,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        person_id: UUID,
        objective_id: UUID,
        data: schemas.ObjectiveUpdate,
    ) -> Response[schemas.ObjectiveOut]:
        objective = await get_owned(db_session, PlanObjective, objective_id, person_id, "Objectif")
        if_match(objective.version)
        await plan.update_objective(db_session, principal, objective, data)
        return with_etag(await plan.read_objective(db_session, objective), objective.version)

    @post("/objectives/{objective_id:uuid}/commitments", opt={"section": "plan", "action": "write"})
    async def add_commitment(
        self,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        person_id: UUID,
        objective_id: UUID,
        data: schemas.CommitmentCreate,
    ) -> Response[schemas.CommitmentOut]:
        objective = await get_owned(db_session, PlanObjective, objective_id, person_id, "Objectif")
        commitment = await plan.add_commitment(db_session, principal, objective, data)
        return with_etag(plan.commitment_out(commitment), commitment.version, 201)

    @patch("/commitments/{commitment_id:uuid}", opt={"section": "plan", "action": "write"})
    async def update_commitment(
        self,
        if_match: VersionCheck,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        person_id: UUID,
        commitment_id: UUID,
        data: schemas.CommitmentUpdate,
    ) -> Response[schemas.CommitmentOut]:
        commitment = await get_owned(db_session, PlanCommitment, commitment_id, person_id, "Engagement")
        if_match(commitment.version)
        objective = await get_owned(db_session, PlanObjective, commitment.objective_id, person_id, "Objectif")
        await plan.update_commitment(db_session, principal, objective, commitment, data)
        return with_etag(plan.commitment_out(commitment), commitment.version)
