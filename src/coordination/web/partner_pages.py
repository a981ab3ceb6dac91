"""The partner operator's home: the people in her organisation's hands (``/mes-suivis``)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.errors import Forbidden
from coordination.partner.controllers import PARTNER_ROLES
from coordination.partner.worklist import sections_fr, worklist
from coordination.web.errors import WEB_EXCEPTION_HANDLERS
from coordination.web.filedata import request_id_of
from coordination.web.render import page
from coordination.web.session import require_user

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
    async def my_people(self, request: Request, db_session: AsyncSession) -> Response:
        principal = await require_user(request)
        if principal.role not in PARTNER_ROLES:
            raise Forbidden("Cette page est réservée aux organismes partenaires.")
        lines = await worklist(db_session, principal, request_id_of(request))
        await db_session.commit()
        return page(
            request,
            "partner_worklist.html",
            lines=lines,
            sections_fr=sections_fr,
            step_kind=lambda k: STEP_KINDS_FR.get(k, k),
            step_status=lambda s: STEP_STATUS_FR.get(s, s),
        )
