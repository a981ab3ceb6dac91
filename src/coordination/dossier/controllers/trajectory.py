"""Trajectory steps, and the progress notes and assessments partners write on their own steps."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, patch, post

from coordination.access.declared import Access
from coordination.dossier import schemas
from coordination.dossier.context import DOSSIER_CONTEXT, FileRequest
from coordination.dossier.controllers.common import with_etag
from coordination.dossier.models import TrajectoryStep
from coordination.dossier.services import trajectory
from coordination.dossier.services.common import get_owned, get_person

READ = {"section": "trajectory", "action": "read"}
WRITE = {"section": "trajectory", "action": "write"}


class TrajectoryController(Controller):
    path = "/api/v1/persons/{person_id:uuid}"
    tags = ["Parcours"]
    dependencies = DOSSIER_CONTEXT

    @get("/trajectory", opt=READ)
    async def read(self, ctx: FileRequest, access: Access, person_id: UUID) -> list[schemas.StepOut]:
        return [trajectory.step_out(s) for s in await trajectory.read_steps(ctx.session, person_id)]

    @post("/trajectory/steps", opt=WRITE)
    async def create_step(
        self, ctx: FileRequest, access: Access, person_id: UUID, data: schemas.StepCreate
    ) -> Response[schemas.StepOut]:
        await get_person(ctx.session, person_id)
        step = await trajectory.create_step(ctx.session, ctx.principal, person_id, data)
        return with_etag(trajectory.step_out(step), step.version, 201)

    @get("/trajectory/steps/{step_id:uuid}", opt=READ)
    async def read_step(
        self, ctx: FileRequest, access: Access, person_id: UUID, step_id: UUID
    ) -> Response[schemas.StepOut]:
        step = await get_owned(ctx.session, TrajectoryStep, step_id, person_id, "Étape")
        return with_etag(trajectory.step_out(step), step.version)

    @patch("/trajectory/steps/{step_id:uuid}", opt=WRITE)
    async def update_step(
        self, ctx: FileRequest, access: Access, person_id: UUID, step_id: UUID, data: schemas.StepUpdate
    ) -> Response[schemas.StepOut]:
        step = await get_owned(ctx.session, TrajectoryStep, step_id, person_id, "Étape")
        ctx.if_match(step.version)
        await trajectory.update_step(ctx.session, ctx.principal, step, data)
        return with_etag(trajectory.step_out(step), step.version)

    @get("/progress", opt={"section": "progress", "action": "read"})
    async def progress(self, ctx: FileRequest, access: Access, person_id: UUID) -> schemas.ProgressView:
        return await trajectory.read_progress(ctx.session, person_id, ctx.dossier.icf)

    @post("/trajectory/steps/{step_id:uuid}/progress", opt={"section": "progress", "action": "write"})
    async def add_progress(
        self, ctx: FileRequest, access: Access, person_id: UUID, step_id: UUID, data: schemas.ProgressCreate
    ) -> Response[schemas.ProgressOut]:
        entry = await trajectory.add_progress(ctx.session, ctx.principal, person_id, step_id, data)
        return Response(trajectory.progress_out(entry), status_code=201)

    @post("/trajectory/steps/{step_id:uuid}/assessments", opt={"section": "progress", "action": "write"})
    async def add_assessments(
        self, ctx: FileRequest, access: Access, person_id: UUID, step_id: UUID, data: schemas.AssessmentCreate
    ) -> Response[list[schemas.AssessmentOut]]:
        rows = await trajectory.add_assessments(
            ctx.session, ctx.principal, person_id, step_id, data, ctx.dossier
        )
        return Response([trajectory.assessment_out(a, ctx.dossier.icf) for a in rows], status_code=201)
