"""Authentication middleware: every non-public request carries a verified token → ``request.user``.

``app.py`` calls :func:`build_identity` once and :func:`build_auth_middleware` to wire it. The token is
read from ``Authorization: Bearer …`` or, for the server-rendered pages, from the HttpOnly cookie
:data:`TOKEN_COOKIE`. Authentication only says *who* is calling; what they may see is decided per person
and section by :func:`coordination.access.gate.check_access`.

The middleware guards the API router only (see ``app.py``); inside it, :data:`PUBLIC_PATHS` lists the
only paths served without a token (the development login, only registered outside production). A
handler cannot opt out of authentication through ``opt``: only this list decides, so it is reviewed in
one place.
"""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware

from coordination.access.csrf_names import CSRF_COOKIE, CSRF_DETAIL, CSRF_HEADER
from coordination.access.identity import Identity, InvalidToken, build_identity_from_settings
from coordination.directory.admin import refuse_if_deactivated
from coordination.errors import Forbidden
from coordination.settings import Settings

TOKEN_COOKIE = "coordination_token"  # noqa: S105 - a cookie name, not a secret
"""HttpOnly cookie holding the same bearer token, for the web pages."""

PUBLIC_PATHS: tuple[str, ...] = (
    r"^/api/v1/dev/",  # development login/token; not even registered in production
)
"""API paths served without a token. The middleware is mounted on the API router only: health probes,
the OpenAPI schema, static files and the web pages (which read the cookie themselves) never reach it."""


class TokenAuthMiddleware(AbstractAuthenticationMiddleware):
    """Bearer token (header, else cookie) → :class:`~coordination.access.principal.Principal`."""

    def __init__(self, app, exclude: list[str] | None = None) -> None:
        super().__init__(
            app=app,
            exclude=exclude,
            exclude_from_auth_key="",  # no per-handler opt-out: PUBLIC_PATHS is the only list
            exclude_http_methods=["OPTIONS"],  # CORS pre-flight carries no credentials; HEAD does
        )

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        token = bearer_token(connection)
        if not token:
            raise InvalidToken("Authentification requise : jeton absent.", "missing-token")
        # The verifier lives in app state, not in this middleware: Litestar deep-copies routers and
        # their middleware, and the JWKS cache holds a lock that must stay one per process.
        identity: Identity = connection.app.state.identity
        principal = await identity.authenticate(token)
        await refuse_if_deactivated(connection.app.state.db, principal)
        return AuthenticationResult(user=principal, auth=token)


def bearer_token(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise InvalidToken(
                "En-tête Authorization invalide : « Bearer <jeton> » attendu.", "malformed-token"
            )
        return value.strip()
    token = connection.cookies.get(TOKEN_COOKIE) or None
    if token and connection.scope.get("method") not in _SAFE_METHODS:
        _check_csrf(connection)
    return token


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _check_csrf(connection: ASGIConnection) -> None:
    """A write authenticated by the cookie must carry the pages' CSRF token in ``X-CSRF-Token`` (issue 20).

    A browser sends the cookie with any cross-site request, including a JSON body sent as ``text/plain``
    (no CORS pre-flight); another site cannot read the CSRF cookie, so it cannot forge the header.
    Bearer-token callers are not concerned: nothing sends that header for them.
    """
    header = connection.headers.get(CSRF_HEADER, "")
    cookie = connection.cookies.get(CSRF_COOKIE, "")
    if not (header and cookie and hmac.compare_digest(header.encode(), cookie.encode())):
        raise Forbidden(CSRF_DETAIL, code="csrf")


def build_identity(settings: Settings) -> Identity:
    """The process's token verifier (and development issuer in the embedded default)."""
    return build_identity_from_settings(settings)


def build_auth_middleware(settings: Settings) -> DefineMiddleware:
    """The token middleware; it reads the verifier from ``app.state.identity`` (see ``create_app``)."""
    return DefineMiddleware(TokenAuthMiddleware, exclude=list(PUBLIC_PATHS))
