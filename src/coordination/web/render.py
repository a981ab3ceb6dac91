"""Jinja rendering of the pages: one autoescaping environment, French formatting filters, safe headers.

The pages are rendered with Jinja directly (not through an app-level ``TemplateConfig``) so the web
package stays self-contained: ``app.py`` only collects :data:`coordination.web.routes.ROUTES`.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Request, Response

from coordination.formatting import (  # re-exported: pages and tests format through these
    BRUSSELS,
    FILTERS,
    date_fr,
    day_fr,
    number_fr,
    percent_fr,
    yes_no,
)

__all__ = [
    "BRUSSELS",
    "SECURITY_HEADERS",
    "date_fr",
    "day_fr",
    "environment",
    "fields_of",
    "number_fr",
    "page",
    "percent_fr",
    "render_text",
    "yes_no",
]

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


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("coordination.web", "templates"),
        autoescape=select_autoescape(["html", "svg", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # one French format everywhere (coordination.formatting): ``date_fr`` (« 6 décembre 2026 à 00:10 »
    # for an instant, « 6 décembre 2026 » for a day), ``day_fr`` (the day only), ``period_fr``,
    # ``number_fr``, ``percent_fr``, ``euro_fr``, ``yes_no``
    env.filters.update(FILTERS)
    # the keys of free-form sections as words (« metier_vise » → « Métier visé »), as in the export
    from coordination.dossier.services.export_labels import content_label, content_value

    env.filters.update(field_label=content_label, field_value=content_value)
    return env


def render_text(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def current_nav(items: list[tuple[str, str]], path: str) -> str | None:
    """The one navigation entry the page belongs to: the longest href equal to the path or a parent of
    it (« Mes orientations » under « Mon espace » marks only itself)."""
    found = [href for href, _ in items if path == href or (href != "/" and path.startswith(href + "/"))]
    return max(found, key=len, default=None)


def fields_of(view: Any) -> dict[str, Any]:
    """A use case's answer (a dataclass) as a page's context, one name per field: the template reads the
    same names the service gives, so a field added there is not forgotten in between (shallow, unlike
    :func:`dataclasses.asdict`, so nested rows keep their attributes)."""
    return {f.name: getattr(view, f.name) for f in dataclasses.fields(view)}


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
