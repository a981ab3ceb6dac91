"""The partner operator's home: the people in her organisation's hands (``/mes-suivis``)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.partner.worklist import partner_worklist, sections_fr
from coordination.web.errors import WEB_EXCEPTION_HANDLERS
from coordination.web.render import page

STEP_KINDS_FR = {
    "orientation": "orientation",
    "training": "formation",
    "immersion": "immersion",
    "mentoring": "mentorat",
    "pfi": "FPI",
    "art60": "article 60",
    "art61": "article 61",
    "job": "emploi",
    "other": "autre",
}
STEP_STATUS_FR = {"planned": "prévue", "ongoing": "en cours"}


class PartnerPages(Controller):
    path = "/"
    exception_handlers = WEB_EXCEPTION_HANDLERS
    include_in_schema = False

    @get("/mes-suivis", opt={"section": "identity", "action": "read", "list": True})
    async def my_people(
        self, request: Request, db_session: AsyncSession, principal: Principal, request_id: str
    ) -> Response:
        lines = await partner_worklist(db_session, principal, request_id)
        return page(
            request,
            "partner_worklist.html",
            lines=lines,
            sections_fr=sections_fr,
            step_kind=lambda k: STEP_KINDS_FR.get(k, k),
            step_status=lambda s: STEP_STATUS_FR.get(s, s),
        )
