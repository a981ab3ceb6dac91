"""The person's own space: their file, their plan, their timeline, their export.

Consents (give/withdraw) and the access journal are served by the access package under
``/api/v1/persons/{person_id}/consents`` and ``…/journal``; ``GET /api/v1/me`` tells the person their id.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Response, get

from coordination.access.declared import Access
from coordination.dossier import schemas
from coordination.dossier.context import DOSSIER_CONTEXT, FileRequest
from coordination.dossier.export_response import EXPORT_SECTIONS, export_response
from coordination.dossier.services import fileview, plan
from coordination.errors import NotFound


def own_file(access: Access) -> UUID:
    """The person's own file, found by the ``access`` dependency of an ``own`` route (which refuses a
    caller without one: this 404 is only the type's other case)."""
    if access.person_id is None:
        raise NotFound("Aucun dossier personnel n'est associé à votre compte.", "no-own-file")
    return access.person_id


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["Mon espace"]
    dependencies = DOSSIER_CONTEXT

    @get("/file", opt={"section": fileview.FILE_SECTIONS, "action": "read", "own": True})
    async def file(self, ctx: FileRequest, access: Access) -> dict[str, Any]:
        return await fileview.file_builtins(ctx.session, own_file(access), set(access.sections), ctx.dossier)

    @get("/plan", opt={"section": "plan", "action": "read", "own": True})
    async def my_plan(self, ctx: FileRequest, access: Access) -> schemas.PlanOut:
        return await plan.read_plan(ctx.session, own_file(access))

    @get("/timeline", opt={"section": fileview.FILE_SECTIONS, "action": "read", "own": True})
    async def my_timeline(self, ctx: FileRequest, access: Access) -> list[schemas.EventOut]:
        return await fileview.timeline(ctx.session, own_file(access), set(access.sections), limit=200)

    @get("/export", opt={"section": EXPORT_SECTIONS, "action": "export", "own": True})
    async def my_export(self, ctx: FileRequest, access: Access, format: str = "json") -> Response:
        return await export_response(ctx.session, ctx.dossier, own_file(access), format, set(access.sections))
