"""Request ids, the access log and the request metrics (ASGI middleware, cheap enough for every request).

The metrics are labelled by the route *template* Litestar matched (``scope["path_template"]``, set on the
shared scope by its router), never by the path: a path carries ids, and a label per id would grow without
bound.
"""

from __future__ import annotations

import logging
import re
import time

from litestar.constants import RESERVED_KWARGS
from litestar.params import ParameterKwarg
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


# --- request bodies: capped, and no NUL character (issue 20) --------------------------------------------

_CAPPED_TYPES = ("application/json", "application/x-www-form-urlencoded", "text/plain")
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
NUL_DETAIL = (
    "Les données envoyées contiennent un caractère interdit (caractère nul) : rien n'a été enregistré."
)


def _counting_receive(receive, ceiling: int, too_large: Exception):
    """The request's ``receive`` that counts body bytes and raises ``too_large`` past ``ceiling``: the
    parser (or the upload stream) never gets the bytes beyond it."""
    received = 0

    async def counted():
        nonlocal received
        message = await receive()
        if message.get("type") == "http.request":
            received += len(message.get("body", b""))
            if received > ceiling:
                raise too_large
        return message

    return counted


def _nul_in_query(query: bytes) -> bool:
    return b"%00" in query or b"\x00" in query


def _repeated_single_parameter(request) -> str | None:
    """The name of an API query parameter given more than once although the route takes one value
    (``?name=a&name=b``), or None. Litestar would keep the last value silently: the caller could not know
    which filter was applied. Names the route does not take are left alone, as they are when given once."""
    query = request.query_params
    repeated = {key for key in query if len(query.getall(key)) > 1}
    if not repeated:
        return None
    handler = request.route_handler
    not_query = RESERVED_KWARGS | set(handler.resolve_dependencies())  # the body, the request, ``ctx``...
    for name, field in handler.parsed_fn_signature.parameters.items():
        declared = field.kwarg_definition
        if isinstance(declared, ParameterKwarg) and (declared.header or declared.cookie):
            continue
        key = getattr(declared, "query", None) or name
        if key in repeated and name not in not_query and not field.is_non_string_sequence:
            return key
    return None


async def guard_request_body(request) -> None:
    """``before_request`` of the whole app: an API query parameter that takes one value and is given twice is
    refused (400, ``repeated-parameter``); a NUL character anywhere in the query or in a JSON or form body
    is refused (400; PostgreSQL cannot store it, SQLite would, so the two must not differ), and JSON and
    url-encoded form bodies are capped at ``max_request_body_bytes`` on every route, including the upload
    routes whose own ceiling is the document limit (a 400 MB form would otherwise be read into memory
    before any check). Document bodies (``application/octet-stream``, ``multipart/form-data``) are not
    read here: they stream to the store under the document limit.
    """
    from litestar.utils.scope.state import ScopeState

    from coordination.errors import BadRequest, ProblemError

    if _nul_in_query(request.scope.get("query_string", b"")):
        raise BadRequest(NUL_DETAIL, code="nul-character")
    if request.scope.get("path", "").startswith("/api/") and (name := _repeated_single_parameter(request)):
        raise BadRequest(
            f"Le paramètre « {name} » est donné plusieurs fois : donnez-le une seule fois.",
            code="repeated-parameter",
        )
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not content_type.startswith(_CAPPED_TYPES) and not content_type.endswith("+json"):
        # Document bodies (a multipart form parsed by Litestar's streaming parser into a spooled temporary
        # file, or the raw bytes of a file) stream; memory stays bounded. Their size is capped at the
        # document limit plus the form's overhead: an announced size above it is refused before reading,
        # and a body without a length (chunked transfer encoding) is counted as it arrives and refused as
        # soon as it passes the ceiling, whatever the route's own ceiling says.
        settings = request.app.state.settings
        ceiling = settings.max_upload_bytes + settings.max_request_body_bytes
        too_large = ProblemError(
            413,
            "request-too-large",
            f"Le formulaire ou le document dépasse la taille autorisée ({ceiling // 1048576} Mo).",
        )
        announced = request.headers.get("content-length", "")
        if announced.isdigit() and int(announced) > ceiling:
            raise too_large
        request.receive = _counting_receive(request.receive, ceiling, too_large)
        return
    limit = request.app.state.settings.max_request_body_bytes
    too_large = ProblemError(
        413, "request-too-large", f"Le corps de la requête dépasse la taille autorisée ({limit // 1024} Ko)."
    )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise too_large
    state = ScopeState.from_scope(request.scope)
    if isinstance(state.body, bytes):
        body = state.body
    else:
        pieces, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large
            pieces.append(chunk)
        body = b"".join(pieces)
        state.body = body  # the handler's request reads it from here
        request._body = body
    nul = b"\x00" in body or (
        b"%00" in body if content_type == "application/x-www-form-urlencoded" else _JSON_NUL.search(body)
    )
    if nul:
        raise BadRequest(NUL_DETAIL, code="nul-character")
