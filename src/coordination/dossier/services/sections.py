"""Project, social and health parts: one versioned row each, created on first write.

A part never written reads as empty content with version 0, so the first write sends ``If-Match: "0"``
and two first writers cannot both succeed (the unique (person, section) constraint decides).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.access.principal import Principal
from coordination.dossier import schemas
from coordination.dossier.models import ProfileSection
from coordination.dossier.services.common import STALE_DETAIL, flush_versioned, record_about
from coordination.errors import PreconditionFailed

SECTION_LABELS = {
    "project": "Projet professionnel",
    "social": "Situation sociale (CPAS)",
    "health": "Santé et constats psycho-médico-sociaux",
}


async def load(session: AsyncSession, person_id, section: str) -> ProfileSection | None:
    return await session.scalar(
        select(ProfileSection).where(ProfileSection.person_id == person_id, ProfileSection.section == section)
    )


def out(person_id, section: str, row: ProfileSection | None) -> schemas.SectionOut:
    return schemas.SectionOut(
        person_id=person_id,
        section=section,
        label=SECTION_LABELS[section],
        content=dict(row.content) if row else {},
        version=row.version if row else 0,
        updated_at=row.updated_at if row else None,
    )


async def write(
    session: AsyncSession,
    principal: Principal,
    person_id,
    section: str,
    content: dict,
    row: ProfileSection | None,
) -> ProfileSection:
    """``row`` is what the caller loaded and checked against If-Match (None = never written)."""
    if row is None:
        row = ProfileSection(
            person_id=person_id,
            section=section,
            content=content,
            updated_by=principal.user_id,
            organisation_id=principal.organisation_id,
        )
        session.add(row)
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError as exc:
            raise PreconditionFailed(STALE_DETAIL) from exc
    else:
        row.content = content
        row.updated_by = principal.user_id
        row.organisation_id = principal.organisation_id
        row.updated_at = clock.now()
        await flush_versioned(session)
    record_about(
        session, principal, row, section, "section_updated", f"{SECTION_LABELS[section]} mis à jour."
    )
    return row
