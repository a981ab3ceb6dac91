"""HTTP API of the partner's worklist."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import msgspec
from litestar import Controller, get
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.partner.worklist import WorklistLine, partner_worklist


class StepOut(msgspec.Struct, kw_only=True):
    id: UUID
    kind: str
    title: str | None
    status: str
    start: date | None


class WorklistLineOut(msgspec.Struct, kw_only=True):
    person_id: UUID
    name: str
    open_sections: list[str]
    consent_needed: bool
    """No consent opens the identity section: a minimal card; « consentement à demander »."""
    can_record_progress: bool
    steps: list[StepOut]
    referral_id: UUID | None


def line_out(line: WorklistLine) -> WorklistLineOut:
    """The computed line as it is, its steps checked into :class:`StepOut`."""
    return msgspec.convert(line, WorklistLineOut, from_attributes=True)


class PartnerWorklistController(Controller):
    path = "/api/v1/partners/me"
    tags = ["Partenaires"]

    @get("/worklist", opt={"section": "identity", "action": "read", "list": True})
    async def my_worklist(
        self, db_session: AsyncSession, principal: Principal, request_id: str
    ) -> list[WorklistLineOut]:
        """The people with an active step or an accepted referral at the caller's organisation, each with
        the sections a consent opens, or a minimal card where none opens identity. Each line journaled."""
        return [line_out(line) for line in await partner_worklist(db_session, principal, request_id)]


ROUTES = [PartnerWorklistController]
