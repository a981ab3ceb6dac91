"""Jinja rendering of the pages: one autoescaping environment, French formatting filters, safe headers.

The pages are rendered with Jinja directly (not through an app-level ``TemplateConfig``) so the web
package stays self-contained: ``app.py`` only collects :data:`coordination.web.routes.ROUTES`.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Request, Response

BRUSSELS = ZoneInfo("Europe/Brussels")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
"""Pages hold personal data: never cached, never framed, no third-party script or style."""

_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def date_fr(value: date | datetime | str | None) -> str:
    """« 3 mars 2026 »; datetimes are shown in Europe/Brussels."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.astimezone(BRUSSELS) if value.tzinfo else value
        return f"{value.day} {_MONTHS[value.month - 1]} {value.year} à {value:%H:%M}"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def day_fr(value: date | datetime | str | None) -> str:
    """Only the day, even for a datetime."""
    if isinstance(value, datetime):
        value = (value.astimezone(BRUSSELS) if value.tzinfo else value).date()
    return date_fr(value)


def number_fr(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")
    return text


def percent_fr(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else number_fr(value * 100, digits) + "\u00a0%"


def yes_no(value: bool | None) -> str:
    return "—" if value is None else ("oui" if value else "non")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("coordination.web", "templates"),
        autoescape=select_autoescape(["html", "svg", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        date_fr=date_fr, day_fr=day_fr, number_fr=number_fr, percent_fr=percent_fr, yes_no=yes_no
    )
    return env


def render_text(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def current_nav(items: list[tuple[str, str]], path: str) -> str | None:
    """The one navigation entry the page belongs to: the longest href equal to the path or a parent of
    it (« Mes orientations » under « Mon espace » marks only itself)."""
    found = [href for href, _ in items if path == href or (href != "/" and path.startswith(href + "/"))]
    return max(found, key=len, default=None)


def page(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    cookies: list | None = None,
    **context: Any,
) -> Response[str]:
    """Render ``template`` with the common context (user, CSRF token, current path)."""
    from coordination.web.csrf import csrf_token_for
    from coordination.web.inbox_pages import unread_of
    from coordination.web.nav import ROLE_NAMES, nav_items
    from coordination.web.session import user_or_none

    token, new_cookie = csrf_token_for(request)
    user = user_or_none(request)
    base = {
        "user": user,
        "role_name": ROLE_NAMES.get(user.role, "") if user else "",
        "nav": nav_items(user),
        "csrf_token": token,
        "current_path": request.url.path,
        "dev_login": not request.app.state.settings.is_production,
        "unread": (unread_of(request) or 0) if user else 0,
        "current_nav": current_nav(nav_items(user), request.url.path),
    }
    base.update(context)
    html = render_text(template, **base)
    response = Response(
        html,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers={**SECURITY_HEADERS, **(headers or {})},
        cookies=[*(cookies or []), *([new_cookie] if new_cookie else [])],
    )
    return response
