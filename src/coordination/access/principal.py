"""Who is calling: the verified identity every decision is made about."""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from coordination.directory.models import OrganisationKind, Role


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID
    display_name: str
    role: Role
    organisation_id: UUID | None = None
    organisation_kind: OrganisationKind | None = None
    person_id: UUID | None = None
    """For a beneficiary: the person they are."""
    team: str | None = None

    @property
    def is_beneficiary(self) -> bool:
        return self.role is Role.BENEFICIARY


def provide_principal(request: Request[Principal, str, State]) -> Principal:
    """The ``principal`` dependency of the API controllers: the verified token's (the auth middleware's).
    Declared once, for every route, in :mod:`coordination.app`; page controllers override it with the
    signed-in user of the web session (``coordination.web.session.WEB_PRINCIPAL``)."""
    return request.user


API_PRINCIPAL = {"principal": Provide(provide_principal, sync_to_thread=False)}
