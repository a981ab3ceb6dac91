"""Who is calling: the verified identity every decision is made about."""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import Request
from litestar.datastructures import State

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
    """The ``principal`` of every API route: the verified token's (the auth middleware's). Declared once,
    on the API router, in :mod:`coordination.app`; the pages' router declares the web session's user
    (:func:`coordination.web.session.provide_principal`) under the same name."""
    return request.user
