"""``GET /metrics``: the Prometheus text exposition, for the scrape token only (see the package docstring)."""

from __future__ import annotations

import hmac
import logging

from litestar import Request, Response, get
from litestar.datastructures import State

from coordination.errors import NotFound, ProblemError
from coordination.metrics.registry import TaskRunsCollector, render

logger = logging.getLogger(__name__)


def _authorised(request: Request, token: str) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


@get(
    "/metrics",
    include_in_schema=False,
    opt={"public": "métriques d'exploitation : jeton de collecte exigé, aucune donnée de dossier"},
)
async def metrics(request: Request, state: State) -> Response[bytes]:
    """Every worker's samples (multiprocess) plus the daily task runs read from the database."""
    token = state.settings.metrics_token
    if not token:
        raise NotFound()
    if not _authorised(request, token):
        raise ProblemError(
            401,
            "unauthenticated",
            "Jeton de collecte des métriques absent ou invalide.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    from coordination.task_runs import run_summary

    extras = []
    try:
        async with state.db.sessionmaker() as session:
            extras.append(TaskRunsCollector(await run_summary(session)))
    except Exception as exc:
        logger.warning("task runs unreadable for /metrics: %s", type(exc).__name__)
    body, content_type = render(extras)
    return Response(body, media_type=content_type)
