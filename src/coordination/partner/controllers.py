"""HTTP API of the partner's worklist."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import msgspec
from litestar import Controller, Request, get
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.models import Role
from coordination.errors import Forbidden
from coordination.partner.worklist import worklist

PARTNER_ROLES = (Role.PARTNER_OPERATOR, Role.PARTNER_MANAGER)


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


class PartnerWorklistController(Controller):
    path = "/api/v1/partners/me"
    tags = ["Partenaires"]

    @get("/worklist", opt={"section": "identity", "action": "read", "list": True})
    async def my_worklist(
        self, request: Request, db_session: AsyncSession, request_id: str
    ) -> list[WorklistLineOut]:
        """The people with an active step or an accepted referral at the caller's organisation, each with
        the sections a consent opens, or a minimal card where none opens identity. Each line journaled."""
        if request.user.role not in PARTNER_ROLES:
            raise Forbidden("Cette liste est réservée aux organismes partenaires.", code="access-denied")
        lines = await worklist(db_session, request.user, request_id)
        return [
            WorklistLineOut(
                person_id=line.person_id,
                name=line.name,
                open_sections=line.open_sections,
                consent_needed=line.consent_needed,
                can_record_progress=line.can_record_progress,
                steps=[StepOut(**s) for s in line.steps],
                referral_id=line.referral_id,
            )
            for line in lines
        ]


ROUTES = [PartnerWorklistController]
