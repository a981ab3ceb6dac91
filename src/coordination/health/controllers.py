"""Probes. ``/health/live``: the process answers. ``/health/ready``: it can serve, which needs the database
and nothing else. ``/health/dependencies``: the document store and the antivirus, reported separately.

Why readiness checks only the database: a pod that cannot reach S3 or ClamAV still serves consents, files,
pages and journals; taking every pod out of the load balancer for that would turn a degraded service into
an outage. While S3 or ClamAV is down, uploads are refused with a 503 that says so (they fail closed) and
``/health/dependencies`` and ``coordination_dependency_up`` in ``/metrics`` say which one, for alerting.
A pod that cannot reach the database can serve nothing: it leaves the load balancer.

Details name the failed service in French, never its address (a probe's answer can end up in a ticket).
"""

from __future__ import annotations

import anyio
from litestar import Controller, Response, get
from litestar.datastructures import State
from sqlalchemy import text

from coordination.errors import PROBLEM_JSON
from coordination.metrics.registry import record_dependency
from coordination.storage.factory import app_scanner

CHECK_TIMEOUT = 5.0
_LABELS = {
    "database": "base de données",
    "document_store": "stockage des documents",
    "antivirus": "antivirus",
}


async def _probe(name: str, check) -> str:
    try:
        with anyio.fail_after(CHECK_TIMEOUT):
            await check()
        up = True
    except Exception:
        up = False
    record_dependency(name, up)
    return "ok" if up else "injoignable"


def _answer(checks: dict[str, str], *, code: str, title: str, lead: str) -> Response[dict]:
    failed = [name for name, value in checks.items() if value != "ok"]
    if not failed:
        return Response({"status": "ok", "checks": checks})
    body = {
        "type": f"https://coordination.wallonie.example/problems/{code}",
        "title": title,
        "status": 503,
        "detail": f"{lead} : " + ", ".join(_LABELS[name] for name in failed) + " injoignable.",
        "checks": checks,
    }
    return Response(body, status_code=503, media_type=PROBLEM_JSON)


class HealthController(Controller):
    path = "/health"
    tags = ["Santé"]
    include_in_schema = True

    @get("/live", summary="Le processus répond")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready", summary="Le service peut servir (base de données joignable)")
    async def ready(self, state: State) -> Response[dict]:
        async def database() -> None:
            async with state.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        checks = {"database": await _probe("database", database)}
        return _answer(checks, code="not-ready", title="Service pas prêt", lead="Service pas prêt")

    @get("/dependencies", summary="Stockage des documents et antivirus (service dégradé s'ils manquent)")
    async def dependency_health(self, state: State) -> Response[dict]:
        checks = {
            "document_store": await _probe("document_store", state.store.check),
            "antivirus": await _probe("antivirus", app_scanner(state, state.settings).check),
        }
        return _answer(
            checks,
            code="degraded",
            title="Service dégradé",
            lead="Service dégradé (dépôt de documents refusé)",
        )
