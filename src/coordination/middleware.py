"""Request ids, the access log and the request metrics (ASGI middleware, cheap enough for every request).

The metrics are labelled by the route *template* Litestar matched (``scope["path_template"]``, set on the
shared scope by its router), never by the path: a path carries ids, and a label per id would grow without
bound.
"""

from __future__ import annotations

import logging
import re
import time

from uuid_utils.compat import uuid7

from coordination.logging_config import looks_like_niss
from coordination.metrics.registry import record_request

access_logger = logging.getLogger("coordination.access_log")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives each request an id (the caller's ``X-Request-ID`` if well-formed), echoes it and logs the request."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        # The request id is logged unmasked (an operator greps for it): one that could carry a NISS is
        # replaced, so a caller cannot smuggle a number into the logs through the header.
        valid = _VALID_ID.match(incoming) and not looks_like_niss(incoming)
        request_id = incoming if valid else str(uuid7())
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers") or [])
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            record_request(
                scope.get("method", ""), scope.get("path_template"), status_holder["status"], elapsed
            )
            access_logger.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status_holder["status"],
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )
