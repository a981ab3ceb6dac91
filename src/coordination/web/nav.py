"""The main navigation, by role: each person sees the few places their work happens."""

from __future__ import annotations

from coordination.access.principal import Principal
from coordination.directory.models import Role

ROLE_NAMES = {
    Role.FOREM_REFERENT: "Conseiller·ère de référence (Forem)",
    Role.FOREM_EADVISER: "E-conseiller·ère (Forem)",
    Role.CPAS_SOCIAL_WORKER: "Assistant·e social·e (CPAS)",
    Role.PARTNER_OPERATOR: "Opérateur partenaire",
    Role.PARTNER_MANAGER: "Responsable partenaire",
    Role.REGULATOR: "Régulateur régional",
    Role.BENEFICIARY: "Personne accompagnée",
    Role.DPO: "Délégué·e à la protection des données",
    Role.ADMIN: "Administrateur",
}

WORKERS = {Role.FOREM_REFERENT, Role.FOREM_EADVISER, Role.CPAS_SOCIAL_WORKER}
PARTNERS = {Role.PARTNER_OPERATOR, Role.PARTNER_MANAGER}
VISA_ROLES = {Role.FOREM_REFERENT, Role.FOREM_EADVISER, Role.CPAS_SOCIAL_WORKER, *PARTNERS}
CADASTRE_ROLES = {Role.REGULATOR, Role.FOREM_REFERENT, Role.FOREM_EADVISER, Role.PARTNER_MANAGER, Role.ADMIN}


def nav_items(principal: Principal | None) -> list[tuple[str, str]]:
    if principal is None:
        return []
    role = principal.role
    items: list[tuple[str, str]] = []
    if role is Role.BENEFICIARY:
        return [
            ("/mon-espace", "Mon espace"),
            ("/mon-espace/orientations", "Mes orientations"),
            ("/mon-espace/journal", "Qui a consulté mon dossier"),
        ]
    if role in WORKERS:
        items.append(("/portefeuille", "Mes personnes"))
    if role in PARTNERS:
        items.append(("/mes-suivis", "Personnes suivies"))
        items.append(("/orientations/recues", "Orientations reçues"))
    if role in WORKERS or role in PARTNERS or role is Role.DPO:
        items.append(("/dossiers", "Rechercher un dossier"))
    if role in VISA_ROLES:
        items.append(("/visa", "Visa juridique"))
    if role in CADASTRE_ROLES:
        items.append(("/cadastre", "Cadastre des partenariats"))
    if role is Role.DPO:
        items.append(("/journal", "Journal des accès"))
    if role is Role.ADMIN:
        items.append(("/annuaire", "Annuaire"))
    return items


def home_for(principal: Principal) -> str:
    """Where « Accueil » leads each role."""
    role = principal.role
    if role is Role.BENEFICIARY:
        return "/mon-espace"
    if role in WORKERS:
        return "/portefeuille"
    if role is Role.REGULATOR:
        return "/cadastre"
    if role is Role.DPO:
        return "/journal"
    if role in PARTNERS:
        return "/mes-suivis"
    return "/cadastre"
