"""The whole file as one document, limited to the sections a reader may see: the full-file view, the
person's own space, the right-of-access export (JSON and PDF), and the timeline."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.dossier import schemas
from coordination.dossier.context import DossierContext
from coordination.dossier.models import FileEvent, Person
from coordination.dossier.services import documents as documents_service
from coordination.dossier.services import plan as plan_service
from coordination.dossier.services import sections as sections_service
from coordination.dossier.services import trajectory as trajectory_service
from coordination.dossier.services.common import get_person, out_of
from coordination.dossier.services.persons import read_person_out

FILE_SECTIONS = (
    "identity",
    "project",
    "plan",
    "trajectory",
    "progress",
    "social",
    "health",
    "documents",
    "contracts",
)


async def read_file(
    session: AsyncSession, person: Person, sections: set[str], dossier: DossierContext
) -> dict[str, Any]:
    """Every allowed section of the file; a section the reader may not see is simply absent."""
    out: dict[str, Any] = {"person_id": str(person.id), "sections": sorted(sections)}
    if "identity" in sections:
        out["identity"] = await read_person_out(session, person)
    for section in ("project", "social", "health"):
        if section in sections:
            row = await sections_service.load(session, person.id, section)
            out[section] = sections_service.out(person.id, section, row)
    if "plan" in sections:
        out["plan"] = await plan_service.read_plan(session, person.id)
    if "trajectory" in sections:
        out["trajectory"] = [
            trajectory_service.step_out(s) for s in await trajectory_service.read_steps(session, person.id)
        ]
    if "progress" in sections:
        out["progress"] = await trajectory_service.read_progress(session, person.id, dossier.icf)
    doc_sections = sections & {"documents", "contracts"}
    if doc_sections:
        out["documents"] = [
            documents_service.document_out(d, v, dossier.retention)
            for d, v in await documents_service.list_documents(session, person.id, doc_sections)
        ]
    return out


async def timeline(
    session: AsyncSession, person_id: UUID, sections: set[str], *, limit: int, before=None, after=None
) -> list[schemas.EventOut]:
    """Newest first. ``after``: the (occurred_at, id) of the last event already shown (keyset pagination:
    events of the same instant are neither repeated nor skipped)."""
    query = select(FileEvent).where(FileEvent.person_id == person_id, FileEvent.section.in_(sections))
    if before is not None:
        query = query.where(FileEvent.occurred_at < before)
    if after is not None:
        columns = (FileEvent.occurred_at, FileEvent.id)
        key = tuple_(*(literal(v, type_=c.type) for v, c in zip(after, columns, strict=True)))
        query = query.where(tuple_(*columns) < key)
    rows = (
        await session.scalars(query.order_by(FileEvent.occurred_at.desc(), FileEvent.id.desc()).limit(limit))
    ).all()
    return [out_of(schemas.EventOut, e) for e in rows]


def to_builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)


async def file_builtins(
    session: AsyncSession, person_id: UUID, sections: set[str], dossier: DossierContext
) -> dict[str, Any]:
    """The full file of ``GET …/file`` and ``GET /api/v1/me/file``, as plain JSON values."""
    person = await get_person(session, person_id)
    return to_builtins(await read_file(session, person, sections, dossier))
