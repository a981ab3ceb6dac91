"""The dossier's only way through the access gate.

Every handler touching a file declares ``opt={"section": …, "action": …}`` and calls :func:`guard` first;
the gate journals the decision in the request's transaction and raises 403 on a denial, so the handler's
final ``commit()`` stores the journal row with the change. :func:`allowed_sections` asks section by
section for views that show several parts (full file, timeline, export) and keeps only what the reader
may see; each decision, allowed or denied, is journaled.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal


def _request_id(request: Request) -> str:
    return request.scope.get("state", {}).get("request_id", "") or ""


async def guard(
    request: Request,
    session: AsyncSession,
    person_id: UUID,
    *,
    section: str | None = None,
    action: str | None = None,
    document_id: UUID | None = None,
):
    """Ask the gate for (section, action) on this person's file; 403 (journaled) when refused."""
    from coordination.access.gate import check_access

    opt = request.route_handler.opt
    section = section or opt["section"]
    if isinstance(section, tuple | list):
        raise TypeError("guard() needs one section; use allowed_sections() for several")
    principal: Principal = request.user
    return await check_access(
        session,
        principal,
        person_id=person_id,
        section=section,
        action=action or opt["action"],
        request_id=_request_id(request),
        document_id=document_id,
    )


async def allowed_sections(
    request: Request,
    session: AsyncSession,
    person_id: UUID,
    sections: Iterable[str],
    *,
    action: str = "read",
) -> set[str]:
    """The sections of ``sections`` the reader may ``action`` (each decision journaled, none raising)."""
    from coordination.access.gate import check_sections

    decisions = await check_sections(
        session,
        request.user,
        person_id=person_id,
        sections=list(sections),
        action=action,
        request_id=_request_id(request),
    )
    return {section for section, decision in decisions.items() if decision.allowed}
