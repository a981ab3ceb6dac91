"""An organisation's registry entry: its directory row with its partner profile.

Shared by :mod:`.services` and :mod:`.proposals` (which the services import: neither may import the
other for it)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.cadastre.models import PartnerProfile
from coordination.directory.models import Organisation
from coordination.errors import NotFound


async def registry_entry(
    session: AsyncSession, organisation_id: UUID, code: str = "not-found"
) -> tuple[Organisation, PartnerProfile]:
    """The entry, or 404 (``code``: the problem's type)."""
    row = (
        await session.execute(
            select(Organisation, PartnerProfile)
            .join(PartnerProfile, PartnerProfile.organisation_id == Organisation.id)
            .where(Organisation.id == organisation_id)
        )
    ).first()
    if row is None:
        raise NotFound("Cette organisation ne figure pas au cadastre.", code)
    return row[0], row[1]
