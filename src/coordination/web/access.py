"""The web pages' ``access`` dependency: the same declared gate as the API
(:func:`coordination.access.declared.decide`), with the principal of the signed-in session."""

from __future__ import annotations

from litestar import Request
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.declared import Access, decide
from coordination.web.csrf import checked_form
from coordination.web.session import require_user


async def provide_web_access(request: Request, db_session: AsyncSession, request_id: str) -> Access:
    """The signed-in user, then (for a form sent) its CSRF token, then the gate: a forged cross-site post
    is refused before it can leave a row in anyone's journal."""
    principal = await require_user(request)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        await checked_form(request)  # parsed once: Litestar keeps the form for the handler
    return await decide(request, db_session, principal, request_id)


WEB_ACCESS = {"access": Provide(provide_web_access)}
"""Controller-level ``dependencies`` of every web page controller."""
