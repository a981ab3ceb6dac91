"""The person's own space: their file, their plan, their timeline, their export.

Consents (give/withdraw) and the access journal are served by the access package under
``/api/v1/persons/{person_id}/consents`` and ``…/journal``; ``GET /api/v1/me`` tells the person their id.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.dossier import schemas
from coordination.dossier.controllers.common import icf, retention
from coordination.dossier.controllers.export import EXPORT_SECTIONS, export_response
from coordination.dossier.guard import allowed_sections, guard
from coordination.dossier.services import fileview, plan
from coordination.dossier.services.common import get_person
from coordination.errors import Forbidden, NotFound
from coordination.settings import Settings


def _own_person(request: Request) -> UUID:
    person_id = request.user.person_id
    if person_id is None:
        raise NotFound("Aucun dossier personnel n'est associé à votre compte.", "no-own-file")
    return person_id


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["Mon espace"]

    @get("/file", opt={"section": fileview.FILE_SECTIONS, "action": "read"})
    async def file(self, request: Request, db_session: AsyncSession, settings: Settings) -> dict[str, Any]:
        person_id = _own_person(request)
        sections = await allowed_sections(request, db_session, person_id, fileview.FILE_SECTIONS)
        if not sections:
            await db_session.commit()
            raise Forbidden("Accès refusé.", "access-denied")
        person = await get_person(db_session, person_id)
        result = await fileview.read_file(db_session, person, sections, icf(settings), retention(settings))
        await db_session.commit()
        return fileview.to_builtins(result)

    @get("/plan", opt={"section": "plan", "action": "read"})
    async def my_plan(self, request: Request, db_session: AsyncSession) -> schemas.PlanOut:
        person_id = _own_person(request)
        await guard(request, db_session, person_id)
        result = await plan.read_plan(db_session, person_id)
        await db_session.commit()
        return result

    @get("/timeline", opt={"section": fileview.FILE_SECTIONS, "action": "read"})
    async def my_timeline(self, request: Request, db_session: AsyncSession) -> list[schemas.EventOut]:
        person_id = _own_person(request)
        sections = await allowed_sections(request, db_session, person_id, fileview.FILE_SECTIONS)
        events = await fileview.timeline(db_session, person_id, sections, limit=200) if sections else []
        await db_session.commit()
        return events

    @get("/export", opt={"section": EXPORT_SECTIONS, "action": "export"})
    async def my_export(
        self, request: Request, db_session: AsyncSession, settings: Settings, format: str = "json"
    ) -> Response:
        return await export_response(request, db_session, settings, _own_person(request), format)
