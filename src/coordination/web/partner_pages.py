"""The partner operator's home: the people in her organisation's hands (``/mes-suivis``)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.dossier.rules import STATUS_LABELS, STEP_KIND_LABELS
from coordination.partner.worklist import partner_worklist, sections_fr
from coordination.web.render import page


class PartnerPages(Controller):
    path = "/"

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
            step_kind=lambda k: STEP_KIND_LABELS.get(k, k),
            step_status=lambda s: STATUS_LABELS.get(s, s),
        )
