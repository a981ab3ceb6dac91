"""The data-protection officer's journal of all files: every access decision (allowed or refused), newest
first, from the access package's journal (``read_journal(person_id=None)``), behind the same role check as
``GET /api/v1/journal``. It names who looked at which part of which file, never the file's content."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access import services as access
from coordination.access.gate import require_role_permission
from coordination.access.policy import Basis
from coordination.web.errors import WEB_EXCEPTION_HANDLERS
from coordination.web.render import page as render_page
from coordination.web.session import require_user

PAGE_SIZE = 100


class JournalPages(Controller):
    path = "/journal"
    exception_handlers = WEB_EXCEPTION_HANDLERS
    include_in_schema = False

    @get("/", opt={"section": "journal", "action": "read"})
    async def all_files(
        self,
        request: Request,
        db_session: AsyncSession,
        page: Annotated[int, Parameter(ge=1, le=100_000)] = 1,
    ) -> Response:
        principal = await require_user(request)
        require_role_permission(principal, "journal", "read", Basis.OVERSIGHT)
        items, total = await access.read_journal(
            db_session, person_id=None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        return render_page(
            request,
            "dpo_journal.html",
            items=items,
            total=total,
            page_number=page,
            has_more=page * PAGE_SIZE < total,
        )
