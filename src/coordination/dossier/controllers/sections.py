"""Project, social and health parts: read and write, each gated as its own section."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, put
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.declared import Access
from coordination.access.principal import Principal
from coordination.dossier import schemas
from coordination.dossier.controllers.common import DOSSIER_API, with_etag
from coordination.dossier.services import sections
from coordination.dossier.services.common import VersionCheck, get_person

PROFILE = ("project", "social", "health")


class SectionController(Controller):
    path = "/api/v1/persons/{person_id:uuid}/sections"
    tags = ["Dossier"]
    dependencies = DOSSIER_API

    @get("/{section:str}", opt={"section": PROFILE, "action": "read"})
    async def read(
        self, db_session: AsyncSession, access: Access, person_id: UUID, section: str
    ) -> Response[schemas.SectionOut]:
        await get_person(db_session, person_id)
        row = await sections.load(db_session, person_id, section)
        return with_etag(sections.out(person_id, section, row), row.version if row else 0)

    @put("/{section:str}", opt={"section": PROFILE, "action": "write"})
    async def write(
        self,
        if_match: VersionCheck,
        db_session: AsyncSession,
        access: Access,
        principal: Principal,
        person_id: UUID,
        section: str,
        data: schemas.SectionWrite,
    ) -> Response[schemas.SectionOut]:
        await get_person(db_session, person_id)
        row = await sections.load(db_session, person_id, section)
        if_match(row.version if row else 0)
        row = await sections.write(db_session, principal, person_id, section, data.content, row)
        return with_etag(sections.out(person_id, section, row), row.version)
