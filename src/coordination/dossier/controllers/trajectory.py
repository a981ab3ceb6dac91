"""Trajectory steps, and the progress notes and assessments partners write on their own steps."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Request, Response, get, patch, post
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.declared import Access
from coordination.dossier import schemas
from coordination.dossier.controllers.common import icf, today, with_etag
from coordination.dossier.models import TrajectoryStep
from coordination.dossier.services import trajectory
from coordination.dossier.services.common import get_owned, get_person
from coordination.http_utils import require_if_match
from coordination.settings import Settings


class TrajectoryController(Controller):
    path = "/api/v1/persons/{person_id:uuid}"
    tags = ["Parcours"]

    @get("/trajectory", opt={"section": "trajectory", "action": "read"})
    async def read(
        self, request: Request, db_session: AsyncSession, access: Access, person_id: UUID
    ) -> list[schemas.StepOut]:
        steps = await trajectory.read_steps(db_session, person_id)
        await db_session.commit()
        return [trajectory.step_out(s) for s in steps]

    @post("/trajectory/steps", opt={"section": "trajectory", "action": "write"})
    async def create_step(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        person_id: UUID,
        data: schemas.StepCreate,
    ) -> Response[schemas.StepOut]:
        await get_person(db_session, person_id)
        step = await trajectory.create_step(db_session, request.user, person_id, data)
        await db_session.commit()
        return with_etag(trajectory.step_out(step), step.version, 201)

    @get("/trajectory/steps/{step_id:uuid}", opt={"section": "trajectory", "action": "read"})
    async def read_step(
        self, request: Request, db_session: AsyncSession, access: Access, person_id: UUID, step_id: UUID
    ) -> Response[schemas.StepOut]:
        step = await get_owned(db_session, TrajectoryStep, step_id, person_id, "Étape")
        await db_session.commit()
        return with_etag(trajectory.step_out(step), step.version)

    @patch("/trajectory/steps/{step_id:uuid}", opt={"section": "trajectory", "action": "write"})
    async def update_step(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        person_id: UUID,
        step_id: UUID,
        data: schemas.StepUpdate,
    ) -> Response[schemas.StepOut]:
        step = await get_owned(db_session, TrajectoryStep, step_id, person_id, "Étape")
        require_if_match(request, step.version)
        await trajectory.update_step(db_session, request.user, step, data)
        await db_session.commit()
        return with_etag(trajectory.step_out(step), step.version)

    @get("/progress", opt={"section": "progress", "action": "read"})
    async def progress(
        self, request: Request, db_session: AsyncSession, access: Access, settings: Settings, person_id: UUID
    ) -> schemas.ProgressView:
        view = await trajectory.read_progress(db_session, person_id, icf(settings))
        await db_session.commit()
        return view

    @post("/trajectory/steps/{step_id:uuid}/progress", opt={"section": "progress", "action": "write"})
    async def add_progress(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        person_id: UUID,
        step_id: UUID,
        data: schemas.ProgressCreate,
    ) -> Response[schemas.ProgressOut]:
        step = await get_owned(db_session, TrajectoryStep, step_id, person_id, "Étape")
        entry = await trajectory.add_progress(db_session, request.user, step, data)
        await db_session.commit()
        return Response(trajectory.progress_out(entry), status_code=201)

    @post("/trajectory/steps/{step_id:uuid}/assessments", opt={"section": "progress", "action": "write"})
    async def add_assessments(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        settings: Settings,
        person_id: UUID,
        step_id: UUID,
        data: schemas.AssessmentCreate,
    ) -> Response[list[schemas.AssessmentOut]]:
        step = await get_owned(db_session, TrajectoryStep, step_id, person_id, "Étape")
        catalogue = icf(settings)
        rows = await trajectory.add_assessments(db_session, request.user, step, data, catalogue, today())
        await db_session.commit()
        return Response([trajectory.assessment_out(a, catalogue) for a in rows], status_code=201)
