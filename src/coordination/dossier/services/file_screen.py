"""The file as a screen shows it: the sections the reader may see, read with the dossier's services, the
refused ones with the gate's French reason (so the page can say plainly which basis is missing), the
timeline and the organisations' names. One composed read for the worker's file page and the person's
own space."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.gate import check_sections
from coordination.access.principal import Principal
from coordination.directory.models import Organisation
from coordination.dossier.context import DossierContext
from coordination.dossier.services import fileview
from coordination.dossier.services.common import get_person


@dataclass
class FileView:
    person_id: UUID
    allowed: set[str]
    denied: dict[str, str]
    data: dict[str, Any]
    timeline: list[Any] = field(default_factory=list)
    org_names: dict[UUID, str] = field(default_factory=dict)

    @property
    def name(self) -> str | None:
        identity = self.data.get("identity")
        return f"{identity.first_name} {identity.last_name}" if identity else None


async def organisation_names(session: AsyncSession) -> dict[UUID, str]:
    rows = await session.execute(select(Organisation.id, Organisation.name))
    return {row.id: row.name for row in rows}


async def file_view(
    session: AsyncSession,
    person_id: UUID,
    ctx: DossierContext,
    *,
    allowed: set[str],
    refusals: dict[str, str],
    timeline_limit: int = 30,
) -> FileView:
    """Read what the gate allowed (``allowed``, decided by the route's ``access`` dependency); the
    refused sections are listed with what is missing."""
    data: dict[str, Any] = {}
    events: list[Any] = []
    if allowed:
        person = await get_person(session, person_id)
        data = await fileview.read_file(session, person, allowed, ctx)
        events = await fileview.timeline(session, person_id, allowed, limit=timeline_limit)
    return FileView(person_id, allowed, dict(refusals), data, events, await organisation_names(session))


async def own_file_view(
    session: AsyncSession, principal: Principal, person_id: UUID, ctx: DossierContext, *, request_id: str
) -> FileView:
    """For the person's own space: ask the gate for every section (each decision journaled), then
    :func:`file_view`."""
    decisions = await check_sections(
        session,
        principal,
        person_id=person_id,
        sections=list(fileview.FILE_SECTIONS),
        action="read",
        request_id=request_id,
    )
    allowed = {s for s, d in decisions.items() if d.allowed}
    refusals = {s: d.reason or "Accès refusé." for s, d in decisions.items() if not d.allowed}
    return await file_view(session, person_id, ctx, allowed=allowed, refusals=refusals)
