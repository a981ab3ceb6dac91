"""HTTP API of the partner's worklist."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.partner.schemas import WorklistLineOut, line_out
from coordination.partner.worklist import partner_worklist
from coordination.referral.dependencies import provide_api_principal


class PartnerWorklistController(Controller):
    path = "/api/v1/partners/me"
    tags = ["Partenaires"]
    dependencies = {"principal": Provide(provide_api_principal, sync_to_thread=False)}

    @get("/worklist", opt={"section": "identity", "action": "read", "list": True})
    async def my_worklist(
        self, db_session: AsyncSession, principal: Principal, request_id: str
    ) -> list[WorklistLineOut]:
        """The people with an active step or an accepted referral at the caller's organisation, each with
        the sections a consent opens, or a minimal card where none opens identity. Each line journaled."""
        return [line_out(line) for line in await partner_worklist(db_session, principal, request_id)]


ROUTES = [PartnerWorklistController]
