"""CSRF protection for the pages' forms: a double-submit token.

The server sets a random token in the HttpOnly cookie :data:`CSRF_COOKIE` (SameSite=Strict) and writes
the same value in every form (hidden field :data:`CSRF_FIELD`) and, for HTMX and ``fetch`` calls, in the
``X-CSRF-Token`` header (``hx-headers`` on ``<body>``). A state-changing request is accepted only when
the submitted value equals the cookie (constant-time comparison). Another site can make the browser send
the cookie, but cannot read it, so it cannot forge the field.

Every unsafe handler of the web package calls :func:`checked_form` (or :func:`check_header`) before
doing anything; a test enumerates those routes and posts to each without a token.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from coordination.access.csrf_names import CSRF_COOKIE, CSRF_DETAIL, CSRF_FIELD, CSRF_HEADER
from coordination.errors import Forbidden

_SCOPE_KEY = "web_csrf_token"
_VALID = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def _secure(request: Request) -> bool:
    return bool(request.app.state.settings.is_production)


def csrf_cookie(request: Request, value: str) -> Cookie:
    return Cookie(
        key=CSRF_COOKIE,
        value=value,
        path="/",
        httponly=True,
        secure=_secure(request),
        samesite="strict",
    )


def csrf_token_for(request: Request) -> tuple[str, Cookie | None]:
    """The token to put in this page's forms, and the cookie to set when the browser has none yet."""
    state = request.scope.setdefault("state", {})
    if _SCOPE_KEY in state:
        return state[_SCOPE_KEY], None
    current = request.cookies.get(CSRF_COOKIE, "")
    if _VALID.match(current):
        state[_SCOPE_KEY] = current
        return current, None
    token = secrets.token_urlsafe(32)
    state[_SCOPE_KEY] = token
    return token, csrf_cookie(request, token)


def _matches(request: Request, submitted: str | None) -> bool:
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not submitted or not _VALID.match(expected):
        return False
    return hmac.compare_digest(expected.encode(), str(submitted).encode())


def check_header(request: Request) -> None:
    """For ``fetch``/HTMX calls whose body is not a form we parse (streamed uploads)."""
    if not _matches(request, request.headers.get(CSRF_HEADER)):
        raise Forbidden(CSRF_DETAIL, code="csrf-failed")


async def checked_form(request: Request) -> dict[str, Any]:
    """Parse the submitted form and refuse it (403) unless its CSRF token matches the cookie.

    Returns a plain dict: single values as strings, repeated fields (checkboxes) as lists.
    """
    form = await request.form()
    submitted = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not _matches(request, submitted):
        raise Forbidden(CSRF_DETAIL, code="csrf-failed")
    values: dict[str, Any] = {}
    for key in form:
        items = form.getall(key)
        values[key] = items if len(items) > 1 else items[0]
    values.pop(CSRF_FIELD, None)
    return values


def as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
