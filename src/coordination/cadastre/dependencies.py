"""What every registry handler is given, declared once per controller (API and pages alike): one
:class:`RegistryContext` (``ctx``) with the request's session, the caller, the Brussels day, the
positive-exit policy and the request's ``If-Match`` check; the NISS key only where people are found by
NISS (the step import).

Why: each handler used to list these one by one (``db_session``, ``principal``, ``today``, ``policy``,
``request``…) and rebuild the version check; one context says once what "today" and "the policy in force"
mean for the whole registry, and a handler reads: parse, call one service, return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from litestar import Request
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.access.principal import Principal
from coordination.access.scope import RequestScope
from coordination.cadastre.policy import PositiveExitPolicy, load_policy
from coordination.cadastre.services import Edit
from coordination.dossier.niss import NISS_KEY
from coordination.http_utils import require_if_match
from coordination.settings import Settings


@dataclass(frozen=True)
class RegistryContext(RequestScope):
    """One request to the registry: who asks (the scope the gate journals), on which Brussels day, under
    which rules."""

    today: date
    """The Brussels day of the request: agreements' expiry and alerts are read on it."""
    settings: Settings
    request: Request

    @property
    def policy(self) -> PositiveExitPolicy:
        """The positive-exit definition in force (``policies/positive_exit.toml``, cached by path)."""
        return load_policy(self.settings.policies_dir)

    def if_match(self, version: int) -> None:
        """A write's precondition: the client's ``If-Match`` names the version it read."""
        require_if_match(self.request, version)

    @property
    def edit(self) -> Edit:
        """A change made by this request: its caller and day, under its ``If-Match``."""
        return Edit(self.session, self.principal, self.today, self.if_match)

    @property
    def own_organisation(self) -> UUID | None:
        """A partner manager's alerts are about their own organisation; everyone else sees them all."""
        principal = self.principal
        return principal.organisation_id if principal.role.value == "partner_manager" else None


def provide_context(
    request: Request, db_session: AsyncSession, principal: Principal, settings: Settings, request_id: str
) -> RegistryContext:
    """Of the router's ``principal`` (the token's on the API, the signed-in reader on the pages)."""
    return RegistryContext(
        session=db_session,
        principal=principal,
        today=clock.today(),
        settings=settings,
        request=request,
        request_id=request_id,
    )


CONTEXT = {"ctx": Provide(provide_context, sync_to_thread=False)}
"""The registry's context: what the API controllers and the pages both declare."""

__all__ = ["CONTEXT", "NISS_KEY", "RegistryContext"]
