"""A uvicorn factory for the two-process test: the real app (access routes) plus one gated probe route
standing for any read of a file section (the dossier package's routes are tested in their own suite)."""

from __future__ import annotations

from uuid import UUID

from litestar import Request, get
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.gate import check_access


@get("/api/v1/persons/{person_id:uuid}/probe/plan", opt={"section": "plan", "action": "read"})
async def probe(request: Request, db_session: AsyncSession, request_id: str, person_id: UUID) -> dict:
    decision = await check_access(
        db_session, request.user, person_id=person_id, section="plan", action="read", request_id=request_id
    )
    await db_session.commit()
    return {"basis": decision.basis.value if decision.basis else None}


ROUTES = [probe]


def create():
    import coordination.app as app_module

    app_module.API_MODULES = ("coordination.access.controllers", "tests.integration.access.probe_app")
    app_module.WEB_MODULES = ()
    return app_module.create_app()
