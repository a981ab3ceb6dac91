"""What a handler of the access, mandate and inbox routes hands its service: the request's session, who
calls, the request id (a :class:`~coordination.access.scope.RequestScope`, which asks the gate), the
settings.

Built once per request by :func:`provide_context` and declared once per controller
(``dependencies = CONTEXT_DEPENDENCIES``), so a handler reads: parse, call one service, return. The
``principal`` it is built from is the router's (:mod:`coordination.app`): the verified token's on the API,
the signed-in user's on the pages. The declared gate (``access``) stays a parameter of its own: the
handlers that need it keep taking it, and ``coordination policy check`` sees it.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.access.scope import RequestScope
from coordination.settings import Settings


@dataclass(frozen=True)
class Context(RequestScope):
    """The session, who calls, which request (the scope the gate journals), which settings."""

    settings: Settings


def provide_context(
    db_session: AsyncSession, principal: Principal, request_id: str, settings: Settings
) -> Context:
    return Context(db_session, principal, request_id, settings)


CONTEXT_DEPENDENCIES = {"ctx": Provide(provide_context, sync_to_thread=False)}
"""Declared on each controller; the session, the request id and the settings are the app's."""
