"""``/health/live`` says the process answers; ``/health/ready`` says the database and the document store do.

Readiness names what failed, so an operator reading a probe knows which service to look at.
"""

from __future__ import annotations

import anyio
from litestar import Controller, Response, get
from litestar.datastructures import State
from sqlalchemy import text

from coordination.errors import PROBLEM_JSON


class HealthController(Controller):
    path = "/health"
    tags = ["Santé"]
    include_in_schema = True

    @get("/live", summary="Le processus répond")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready", summary="Base de données et stockage des documents joignables")
    async def ready(self, state: State) -> Response[dict]:
        checks: dict[str, str] = {}
        try:
            with anyio.fail_after(5):
                async with state.db.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception:
            checks["database"] = "injoignable"
        try:
            with anyio.fail_after(5):
                await state.store.check()
            checks["document_store"] = "ok"
        except Exception:
            checks["document_store"] = "injoignable"
        failed = [name for name, value in checks.items() if value != "ok"]
        if failed:
            body = {
                "type": "https://coordination.wallonie.example/problems/not-ready",
                "title": "Service pas prêt",
                "status": 503,
                "detail": "Service pas prêt : "
                + ", ".join(_LABELS[name] for name in failed)
                + " injoignable.",
                "checks": checks,
            }
            return Response(body, status_code=503, media_type=PROBLEM_JSON)
        return Response({"status": "ok", "checks": checks})


_LABELS = {"database": "base de données", "document_store": "stockage des documents"}
