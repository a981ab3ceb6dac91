"""Project, social and health parts: read and write, each gated as its own section."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, put

from coordination.access.declared import Access
from coordination.dossier import schemas
from coordination.dossier.context import DOSSIER_CONTEXT, FileRequest
from coordination.dossier.controllers.common import with_etag
from coordination.dossier.services import sections
from coordination.dossier.services.common import get_person

PROFILE = ("project", "social", "health")


class SectionController(Controller):
    path = "/api/v1/persons/{person_id:uuid}/sections"
    tags = ["Dossier"]
    dependencies = DOSSIER_CONTEXT

    @get("/{section:str}", opt={"section": PROFILE, "action": "read"})
    async def read(
        self, ctx: FileRequest, access: Access, person_id: UUID, section: str
    ) -> Response[schemas.SectionOut]:
        await get_person(ctx.session, person_id)
        row = await sections.load(ctx.session, person_id, section)
        return with_etag(sections.out(person_id, section, row), row.version if row else 0)

    @put("/{section:str}", opt={"section": PROFILE, "action": "write"})
    async def write(
        self, ctx: FileRequest, access: Access, person_id: UUID, section: str, data: schemas.SectionWrite
    ) -> Response[schemas.SectionOut]:
        await get_person(ctx.session, person_id)
        row = await sections.load(ctx.session, person_id, section)
        ctx.if_match(row.version if row else 0)
        row = await sections.write(ctx.session, ctx.principal, person_id, section, data.content, row)
        return with_etag(sections.out(person_id, section, row), row.version)
