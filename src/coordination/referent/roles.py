"""Who may use the referent functions that are not about one person's file (a portfolio, the bulk
assignment, the advisers' directory): a role check, the same for the API and the pages."""

from __future__ import annotations

from coordination.access.principal import Principal
from coordination.directory.models import Role
from coordination.errors import Forbidden

FOREM_ROLES = (Role.FOREM_REFERENT, Role.FOREM_EADVISER)
ADVISER_ROLES = (*FOREM_ROLES, Role.CPAS_SOCIAL_WORKER)


def require_role(principal: Principal, roles: tuple[Role, ...]) -> None:
    if principal.role not in roles:
        raise Forbidden("Accès refusé : cette fonction est réservée aux conseillers.", "access-denied")
