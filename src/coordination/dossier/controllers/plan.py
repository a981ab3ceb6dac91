"""The action plan: objectives, reciprocal commitments, history."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, patch, post

from coordination.access.declared import Access
from coordination.dossier import schemas
from coordination.dossier.context import DOSSIER_CONTEXT, FileRequest
from coordination.dossier.controllers.common import with_etag
from coordination.dossier.models import PlanCommitment, PlanObjective
from coordination.dossier.services import plan
from coordination.dossier.services.common import get_owned

READ = {"section": "plan", "action": "read"}
WRITE = {"section": "plan", "action": "write"}


class PlanController(Controller):
    path = "/api/v1/persons/{person_id:uuid}/plan"
    tags = ["Plan d'action"]
    dependencies = DOSSIER_CONTEXT

    @get("/", opt=READ)
    async def read(self, ctx: FileRequest, access: Access, person_id: UUID) -> schemas.PlanOut:
        return await plan.read_plan(ctx.session, person_id)

    @get("/history", opt=READ)
    async def history(
        self, ctx: FileRequest, access: Access, person_id: UUID
    ) -> list[schemas.PlanHistoryOut]:
        return await plan.read_history(ctx.session, person_id)

    @post("/objectives", opt=WRITE)
    async def create_objective(
        self, ctx: FileRequest, access: Access, person_id: UUID, data: schemas.ObjectiveCreate
    ) -> Response[schemas.ObjectiveOut]:
        objective = await plan.create_objective(ctx.session, ctx.principal, person_id, data)
        return with_etag(await plan.read_objective(ctx.session, objective), objective.version, 201)

    @get("/objectives/{objective_id:uuid}", opt=READ)
    async def read_objective(
        self, ctx: FileRequest, access: Access, person_id: UUID, objective_id: UUID
    ) -> Response[schemas.ObjectiveOut]:
        objective = await _objective(ctx, person_id, objective_id)
        return with_etag(await plan.read_objective(ctx.session, objective), objective.version)

    @patch("/objectives/{objective_id:uuid}", opt=WRITE)
    async def update_objective(
        self,
        ctx: FileRequest,
        access: Access,
        person_id: UUID,
        objective_id: UUID,
        data: schemas.ObjectiveUpdate,
    ) -> Response[schemas.ObjectiveOut]:
        objective = await _objective(ctx, person_id, objective_id)
        ctx.if_match(objective.version)
        await plan.update_objective(ctx.session, ctx.principal, objective, data)
        return with_etag(await plan.read_objective(ctx.session, objective), objective.version)

    @post("/objectives/{objective_id:uuid}/commitments", opt=WRITE)
    async def add_commitment(
        self,
        ctx: FileRequest,
        access: Access,
        person_id: UUID,
        objective_id: UUID,
        data: schemas.CommitmentCreate,
    ) -> Response[schemas.CommitmentOut]:
        objective = await _objective(ctx, person_id, objective_id)
        commitment = await plan.add_commitment(ctx.session, ctx.principal, objective, data)
        return with_etag(plan.commitment_out(commitment), commitment.version, 201)

    @patch("/commitments/{commitment_id:uuid}", opt=WRITE)
    async def update_commitment(
        self,
        ctx: FileRequest,
        access: Access,
        person_id: UUID,
        commitment_id: UUID,
        data: schemas.CommitmentUpdate,
    ) -> Response[schemas.CommitmentOut]:
        commitment = await get_owned(ctx.session, PlanCommitment, commitment_id, person_id, "Engagement")
        ctx.if_match(commitment.version)
        objective = await _objective(ctx, person_id, commitment.objective_id)
        await plan.update_commitment(ctx.session, ctx.principal, objective, commitment, data)
        return with_etag(plan.commitment_out(commitment), commitment.version)


async def _objective(ctx: FileRequest, person_id: UUID, objective_id: UUID) -> PlanObjective:
    return await get_owned(ctx.session, PlanObjective, objective_id, person_id, "Objectif")
