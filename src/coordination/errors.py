"""RFC 9457 problem details for every error, with a stable ``type`` code and a French ``detail``.

Handlers raise :class:`ProblemError` (or a subclass); Litestar's own HTTP errors (404, 405, 413, …) and
validation errors are translated here too, and anything unexpected becomes a 500 without a traceback
(logged server-side with the request id, never personal data).

This module knows nothing of the web pages: the app (``coordination.app``) composes the app-wide handler
that shows a browser a French page (``coordination.web.errors``) and everyone else these problem details.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from coordination.validation_messages import field_errors, french

logger = logging.getLogger("coordination.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://coordination.wallonie.example/problems/"

_DEFAULT_DETAILS = {
    400: ("bad-request", "Requête invalide.", "Requête invalide"),
    401: ("unauthenticated", "Authentification requise ou jeton invalide.", "Non authentifié"),
    403: ("forbidden", "Accès refusé.", "Accès refusé"),
    404: ("not-found", "Ressource introuvable.", "Introuvable"),
    405: ("method-not-allowed", "Méthode non autorisée pour cette adresse.", "Méthode non autorisée"),
    409: ("conflict", "Conflit avec l'état actuel de la ressource.", "Conflit"),
    412: (
        "precondition-failed",
        "La ressource a été modifiée entre-temps : rechargez-la.",
        "Version périmée",
    ),
    413: ("payload-too-large", "Le contenu envoyé dépasse la taille autorisée.", "Contenu trop volumineux"),
    415: ("unsupported-media-type", "Type de contenu non pris en charge.", "Type non pris en charge"),
    422: ("unprocessable", "Données invalides.", "Données invalides"),
    428: (
        "precondition-required",
        "L'en-tête If-Match est obligatoire pour modifier cette ressource.",
        "If-Match requis",
    ),
    429: ("too-many-requests", "Trop de requêtes : réessayez plus tard.", "Trop de requêtes"),
    500: ("internal-error", "Erreur interne. L'incident est enregistré.", "Erreur interne"),
    503: (
        "service-unavailable",
        "Service momentanément indisponible : réessayez plus tard.",
        "Service indisponible",
    ),
}


class ProblemError(Exception):
    """An error the client should see as problem details."""

    def __init__(self, status: int, code: str | None = None, detail: str | None = None, **extra: Any) -> None:
        default_code, default_detail, _ = _DEFAULT_DETAILS.get(status, ("error", "Erreur.", "Erreur"))
        self.status = status
        self.code = code or default_code
        self.detail = detail or default_detail
        self.extra = extra
        self.headers: dict[str, str] = extra.pop("headers", None) or {}
        super().__init__(self.detail)


class BadRequest(ProblemError):
    def __init__(self, detail: str, code: str = "bad-request", **extra: Any) -> None:
        super().__init__(400, code, detail, **extra)


class Unprocessable(ProblemError):
    def __init__(self, detail: str, code: str = "unprocessable", **extra: Any) -> None:
        super().__init__(422, code, detail, **extra)


class NotFound(ProblemError):
    def __init__(self, detail: str = "Ressource introuvable.", code: str = "not-found", **extra: Any) -> None:
        super().__init__(404, code, detail, **extra)


class Forbidden(ProblemError):
    def __init__(self, detail: str = "Accès refusé.", code: str = "forbidden", **extra: Any) -> None:
        super().__init__(403, code, detail, **extra)


class Conflict(ProblemError):
    def __init__(self, detail: str, code: str = "conflict", **extra: Any) -> None:
        super().__init__(409, code, detail, **extra)


class PreconditionFailed(ProblemError):
    def __init__(self, detail: str | None = None, code: str = "precondition-failed", **extra: Any) -> None:
        super().__init__(412, code, detail, **extra)


class ServiceUnavailable(ProblemError):
    def __init__(self, detail: str | None = None, code: str = "service-unavailable", **extra: Any) -> None:
        super().__init__(503, code, detail, **extra)


def problem_response(
    request: Request | None,
    status: int,
    code: str,
    detail: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    title = _DEFAULT_DETAILS.get(status, ("", "", "Erreur"))[2]
    body: dict[str, Any] = {"type": TYPE_BASE + code, "title": title, "status": status, "detail": detail}
    if request is not None:
        body["instance"] = request.url.path
        request_id = request.scope.get("state", {}).get("request_id")
        if request_id:
            body["request_id"] = request_id
    if extra:
        body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers or {})


def validation_problem(request: Request, exc: ValidationException, lead: str) -> Response[dict[str, Any]]:
    """Input refused before the handler ran: 400 ``validation-error``, ``lead`` then each field's French
    message in ``detail`` (five at most), and every one in ``errors`` as ``{field, message}``."""
    errors = field_errors(exc)
    summary = " ; ".join(e.sentence() for e in errors[:5]) or "format incorrect"
    return problem_response(
        request,
        400,
        "validation-error",
        f"{lead} : {summary}.",
        {"errors": [{"field": e.field, "message": e.message} for e in errors]},
    )


def problem_for_exception(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    """The problem-details response for any exception (a 500 without traceback for the unexpected)."""
    if isinstance(exc, ProblemError):
        return problem_response(request, exc.status, exc.code, exc.detail, exc.extra, exc.headers)
    if isinstance(exc, ValidationException):
        return validation_problem(request, exc, "Les données envoyées sont invalides")
    if isinstance(exc, NotAuthorizedException):
        return problem_response(
            request, 401, "unauthenticated", _DEFAULT_DETAILS[401][1], headers={"WWW-Authenticate": "Bearer"}
        )
    if isinstance(exc, HTTPException):
        status = exc.status_code
        code, detail, _ = _DEFAULT_DETAILS.get(status, ("error", "Erreur.", "Erreur"))
        if status == 400 and exc.detail:
            said = french(str(exc.detail))
            if said != str(exc.detail):  # msgspec's word on the body: « JSON incomplet », « JSON mal formé »
                detail = f"Le corps de la requête est illisible : {said} (JSON attendu)."
            elif "body" in str(exc.detail).lower():
                detail = "Le corps de la requête est illisible (JSON attendu)."
        headers = dict(exc.headers or {})
        return problem_response(request, status, code, detail, headers=headers)
    unavailable = _unavailable_detail(exc)
    if unavailable:
        # Hardening (issue 9): the database is down, restarting or saturated. Not the caller's fault and
        # not a bug: a 503 the client may retry; the transaction was rolled back, nothing half-written.
        logger.warning(
            "dependency unavailable: %s",
            type(exc).__name__,
            extra={"request_id": request.scope.get("state", {}).get("request_id"), "path": request.url.path},
        )
        return problem_response(
            request, 503, "database-unavailable", unavailable, headers={"Retry-After": "5"}
        )
    out_of_range = _out_of_range_detail(exc)
    if out_of_range:
        # Issue 20: a year 9999, an offset of 10^20, since=0001-01-01 overflowed Python's dates or the
        # database's integers: the caller's input, so a 400; the transaction rolled back.
        return problem_response(request, 400, "out-of-range", out_of_range)
    if isinstance(exc, RecursionError):
        # Hardening (issue 9): msgspec refuses a JSON body nested deeper than it can decode with a
        # RecursionError, raised before the handler runs: bad input, so a 400, never a 500.
        return problem_response(
            request, 400, "bad-request", "Le corps de la requête est illisible (imbrication trop profonde)."
        )
    logger.exception(
        "unhandled error",
        extra={"request_id": request.scope.get("state", {}).get("request_id"), "path": request.url.path},
    )
    return problem_response(
        request, HTTP_500_INTERNAL_SERVER_ERROR, "internal-error", _DEFAULT_DETAILS[500][1]
    )


_DB_DOWN = (
    "ConnectionDoesNotExistError",
    "CannotConnectNowError",
    "AdminShutdownError",
    "ConnectionFailureError",
    "TooManyConnectionsError",
)
"""asyncpg errors meaning "the server is down, restarting or full" (matched by name: no driver import)."""
_SHUTDOWN_STATES = frozenset({"57P01", "57P02", "57P03"})


def _causes(exc: BaseException, depth: int = 6) -> list[BaseException]:
    """``exc`` and what it wraps: SQLAlchemy's error, the dialect's adapted error (``orig``), the driver's
    own exception (its ``__cause__``), a few levels deep."""
    found: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(found) < depth:
        candidate = todo.pop(0)
        if candidate is None or any(candidate is seen for seen in found):
            continue
        found.append(candidate)
        todo += [getattr(candidate, "orig", None), candidate.__cause__]  # explicit wrapping only
    return found


def _unavailable_detail(exc: BaseException) -> str | None:
    """French detail when ``exc`` means the database cannot be reached or used right now, else ``None``.

    SQLAlchemy wraps driver errors: ``OperationalError``/``InterfaceError`` (connection refused, lost,
    server shutting down, SQLite locked), a ``DBAPIError`` that invalidated its connection, and the pool's
    ``TimeoutError``; a driver's own connection error can also escape while connecting.
    """
    from sqlalchemy import exc as sa_exc

    down = isinstance(exc, sa_exc.TimeoutError | sa_exc.OperationalError | sa_exc.InterfaceError) or (
        isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
    )
    for candidate in _causes(exc):
        sqlstate = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if (
            isinstance(candidate, ConnectionError)
            or type(candidate).__name__ in _DB_DOWN
            # connection exceptions (08…) and a server shutting down or starting (57P01-57P03)
            or (isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in _SHUTDOWN_STATES))
        ):
            down = True
    if down:
        return "La base de données est momentanément indisponible : rien n'a été enregistré. Réessayez."
    return None


def _out_of_range_detail(exc: BaseException) -> str | None:
    """French detail when ``exc`` means a value of the request is out of the range code or database can
    represent (Python date/int overflow, SQL data exceptions: class 22), else ``None``."""
    from sqlalchemy import exc as sa_exc

    for candidate in (exc, getattr(exc, "orig", None), exc.__cause__):
        if candidate is None:
            continue
        if isinstance(candidate, OverflowError | sa_exc.DataError):
            return _OUT_OF_RANGE
        sqlstate = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith("22"):
            return _OUT_OF_RANGE
        if type(candidate).__name__ == "DataError":  # asyncpg's own, raised before the query is sent
            return _OUT_OF_RANGE
    return None


_OUT_OF_RANGE = (
    "Une valeur envoyée est hors des limites acceptées (date trop lointaine, nombre trop grand ou "
    "caractère interdit) : rien n'a été enregistré."
)


__all__ = [
    "PROBLEM_JSON",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NotFound",
    "PreconditionFailed",
    "ProblemError",
    "ServiceUnavailable",
    "Unprocessable",
    "problem_for_exception",
    "problem_response",
    "validation_problem",
]
