"""``create_app(settings)``: the one place where plugins, routes, guards and middleware are wired."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request, Response, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.declared import provide_access
from coordination.access.principal import provide_principal as provide_token_principal
from coordination.db.engine import Database, kept_on_failure
from coordination.errors import problem_for_exception
from coordination.health.controllers import HealthController
from coordination.logging_config import configure_logging
from coordination.metrics.controller import metrics
from coordination.middleware import RequestIdMiddleware, guard_request_body
from coordination.openapi_problems import document_problem_details
from coordination.openapi_truth import SCHEMA_PLUGINS, complete_document, complete_serialised
from coordination.settings import Settings, get_settings
from coordination.web.errors import WEB_EXCEPTION_HANDLERS, html_error_response, wants_html_page
from coordination.web.session import provide_principal as provide_session_principal
from coordination.wiring import wire

API_MODULES = (
    "coordination.access.controllers",
    "coordination.access.mandate_api",
    "coordination.dossier.controllers",
    "coordination.referent.controllers",
    "coordination.visa.controllers",
    "coordination.cadastre.controllers",
    "coordination.cadastre.proposal_controllers",
    "coordination.referral.controllers",
    "coordination.inbox.controllers",
    "coordination.partner.controllers",
)
"""Each exports ``ROUTES``; they are mounted behind the token middleware."""
WEB_MODULES = ("coordination.web.routes",)
"""Server-rendered pages: they authenticate through the cookie themselves."""


def handle_exception(request: Request, exc: Exception) -> Response:
    """App-wide handler: problem details, or a French HTML page for a browser outside the API. Composed
    here, where the web pages are wired, so that ``coordination.errors`` never imports ``web``."""
    if wants_html_page(request):
        return html_error_response(request, exc)
    return problem_for_exception(request, exc)


EXCEPTION_HANDLERS: dict[int | type[Exception], Any] = {Exception: handle_exception}


def _collect_routes(modules: tuple[str, ...]) -> list:
    return [route for name in modules for route in importlib.import_module(name).ROUTES]


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    """One session per request, committed when the handler succeeds and rolled back when it fails:
    handlers never commit, except where work follows the commit (a streamed upload, an object deletion).

    The commit matters for reads too: the access gate appends its journal row to this session, and an
    allowed read whose journal row were lost would be an access nobody can see. A refusal is committed
    too, although the request fails with it: the gate asks for it (:func:`keep_on_failure`). Litestar
    runs this clean-up before the response is sent, so a failing commit still becomes an error response.
    """
    async with state.db.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            if kept_on_failure(session):
                await session.commit()
            else:
                await session.rollback()
            raise
        if session.in_transaction():
            await session.commit()


def provide_settings(state: State) -> Settings:
    return state.settings


def provide_request_id(request: Request) -> str:
    return request.scope.get("state", {}).get("request_id", "")


def _state(settings: Settings, database: Database | None, store) -> State:
    """What handlers reach through ``app.state``: the settings, the database, the document store and the
    identity (token verifier, and the development issuer when no OIDC provider is configured)."""
    from coordination.access.auth import build_identity
    from coordination.storage.factory import build_store

    db = database or Database(
        settings.effective_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    return State(
        {
            "settings": settings,
            "db": db,
            "store": store or build_store(settings),
            "identity": build_identity(settings),
        }
    )


def rebind_app(app: Litestar, settings: Settings, *, database: Database, store=None) -> Litestar:
    """Give an app made by ``create_app(..., database=...)`` fresh state for ``settings`` and ``database``,
    exactly what ``create_app`` would have built, without registering the routes again (about 0.2 s on a
    quiet machine, a second on a loaded one): the test suite builds one app per run and rebinds it per
    test. ``settings`` must differ from the app's only in places read through the state (paths, the
    database URL, keys); the caller checks it (``tests/integration/conftest.py``)."""
    configure_logging(settings.log_level)
    fresh = _state(settings, database, store)
    for key in list(app.state):  # what a previous test added goes too
        del app.state[key]
    for key, value in fresh.dict().items():
        app.state[key] = value
    return app


def create_app(settings: Settings | None = None, *, database: Database | None = None, store=None) -> Litestar:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    wire()

    from coordination.access.auth import build_auth_middleware

    state = _state(settings, database, store)
    db = state.db

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if database is None:
                await db.dispose()

    api_routes = _collect_routes(API_MODULES)
    if settings.is_production:  # the development login does not exist in production, not even as a 404
        api_routes = [r for r in api_routes if not str(getattr(r, "path", "")).startswith("/api/v1/dev")]
    api = Router(
        path="/",
        route_handlers=api_routes,
        middleware=[build_auth_middleware(settings)],
        dependencies={"principal": Provide(provide_token_principal, sync_to_thread=False)},
    )
    pages = Router(
        path="/",
        route_handlers=_collect_routes(WEB_MODULES),
        dependencies={"principal": Provide(provide_session_principal)},
        exception_handlers=WEB_EXCEPTION_HANDLERS,  # a page's error is a page, not a problem document
        include_in_schema=False,  # the OpenAPI document describes the API only
    )
    app = Litestar(
        route_handlers=[HealthController, metrics, api, pages],
        dependencies={
            "db_session": Provide(provide_db_session),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "request_id": Provide(provide_request_id, sync_to_thread=False),
            "access": Provide(provide_access),
        },
        state=state,
        exception_handlers=EXCEPTION_HANDLERS,
        plugins=SCHEMA_PLUGINS,
        before_request=guard_request_body,
        lifespan=[lifespan],
        request_max_body_size=settings.max_request_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Coordination",
            version="0.1.0",
            description="API du dossier unique, de l'accès par consentement, du référent unique, "
            "du visa juridique et du cadastre des partenariats.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
            components=Components(
                security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")}
            ),
            security=[{"bearer": []}],
        ),
        debug=False,
        logging_config=None,  # ours (JSON lines, NISS masked) is configured above; keep it
    )
    # Outside Litestar's per-route middleware, so unmatched routes (404/405) get a request id too.
    app.asgi_handler = RequestIdMiddleware(app.asgi_handler)
    document_problem_details(app)
    complete_document(app)
    complete_serialised(app)
    return app
