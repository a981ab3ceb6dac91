"""Who is looking at the page: the HttpOnly cookie holding the bearer token, verified like the API's.

The authentication middleware leaves the pages (paths outside ``/api/``) to this module: a page without
a valid cookie redirects to the sign-in page instead of answering 401 JSON. The token is verified by the
same :class:`coordination.access.identity.Identity` the API uses.
"""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request
from litestar.datastructures import Cookie

from coordination.access.auth import TOKEN_COOKIE
from coordination.access.principal import Principal
from coordination.directory.admin import refuse_if_deactivated
from coordination.errors import ProblemError

_SCOPE_KEY = "web_principal"
SESSION_MAX_AGE = 8 * 3600
"""Seconds the sign-in cookie lives (the development tokens live as long)."""


class LoginRequired(Exception):
    """Raised by :func:`require_user`; the web exception handler turns it into a redirect."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


async def load_user(request: Request) -> Principal | None:
    """Verify the cookie once per request; an invalid or expired token counts as signed out."""
    state = request.scope.setdefault("state", {})
    if _SCOPE_KEY in state:
        return state[_SCOPE_KEY]
    token = request.cookies.get(TOKEN_COOKIE)
    principal = None
    if token:
        try:
            principal = await request.app.state.identity.authenticate(token)
            await refuse_if_deactivated(request.app.state.db, principal)
        except ProblemError:
            principal = None
    state[_SCOPE_KEY] = principal
    if principal is not None:
        request.scope["user"] = principal
        from coordination.web.inbox_pages import load_unread

        await load_unread(request, principal)
    return principal


def user_or_none(request: Request) -> Principal | None:
    """The principal already loaded in this request (templates)."""
    return request.scope.get("state", {}).get(_SCOPE_KEY)


async def require_user(request: Request) -> Principal:
    principal = await load_user(request)
    if principal is None:
        raise LoginRequired(request.url.path)
    return principal


async def provide_principal(request: Request) -> Principal:
    """The ``principal`` of every page: the signed-in user (an anonymous visitor is sent to the sign-in
    page). Declared once, on the pages' router, in :mod:`coordination.app`."""
    return await require_user(request)


def login_url(next_path: str | None) -> str:
    if next_path and safe_next(next_path) and next_path != "/":
        return "/connexion?suivant=" + quote(next_path, safe="/")
    return "/connexion"


def safe_next(value: str | None) -> str | None:
    """Only local paths: no open redirect to another site after sign-in."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if value.startswith(("/connexion", "/deconnexion")):
        return None
    return value


def session_cookie(request: Request, token: str, max_age: int = SESSION_MAX_AGE) -> Cookie:
    return Cookie(
        key=TOKEN_COOKIE,
        value=token,
        path="/",
        max_age=max_age,
        httponly=True,
        secure=bool(request.app.state.settings.is_production),
        samesite="lax",
    )


def cleared_session_cookie(request: Request) -> Cookie:
    return Cookie(
        key=TOKEN_COOKIE,
        value="",
        path="/",
        max_age=0,
        httponly=True,
        secure=bool(request.app.state.settings.is_production),
        samesite="lax",
    )
