"""Role guards for the registry routes.

Registry routes never touch a person's file, so they are not routed through the access gate
(``coordination.access.gate.check_access``): they are guarded on role only and declare
``opt={"public": "<why>"}`` as :mod:`coordination.access.policy` asks of routes outside any file ("public"
means "no person's file here", not "no login": every ``/api/`` path still needs a token).
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from coordination.access.principal import Principal
from coordination.cadastre import rules
from coordination.errors import Forbidden, ProblemError

READ = {"public": "cadastre des partenariats (lecture) : aucun dossier de personne, garde par rôle"}
WRITE = {"public": "cadastre des partenariats (gestion) : aucun dossier de personne, garde par rôle"}
EVALUATE = {
    "public": "indicateurs agrégés et anonymisés du cadastre : aucun dossier de personne, garde par rôle"
}


def principal_of(connection: ASGIConnection) -> Principal:
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise ProblemError(401)
    return user


def registry_reader(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if principal_of(connection).role not in rules.READER_ROLES:
        raise Forbidden("Le cadastre des partenariats est réservé aux professionnels.")


def registry_writer(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Coarse filter (keeper or partner manager); the service then checks the row (own entry only)."""
    principal = principal_of(connection)
    if not (rules.is_keeper(principal) or principal.role.value == "partner_manager"):
        raise Forbidden("Seuls le Forem et les responsables partenaires modifient le cadastre.")


def registry_keeper(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not rules.is_keeper(principal_of(connection)):
        raise Forbidden("Réservé au Forem, gestionnaire du cadastre.")


def evaluator(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if principal_of(connection).role not in rules.EVALUATION_ROLES:
        raise Forbidden("Les indicateurs d'efficacité sont réservés aux régulateurs et au Forem.")
