"""Demo organisations and users, one per role, named so a visitor recognises who is who."""

from __future__ import annotations

from dataclasses import dataclass

from coordination.directory.models import Organisation, OrganisationKind, Role, User
from coordination.factories import OrganisationFactory, UserFactory

ROLE_LABELS = {
    Role.FOREM_REFERENT: "conseiller·ère de référence Forem",
    Role.FOREM_EADVISER: "e-conseiller Forem",
    Role.CPAS_SOCIAL_WORKER: "assistant·e social·e CPAS",
    Role.PARTNER_OPERATOR: "opérateur partenaire",
    Role.PARTNER_MANAGER: "responsable partenaire",
    Role.REGULATOR: "régulateur régional",
    Role.BENEFICIARY: "personne accompagnée",
    Role.DPO: "délégué à la protection des données",
    Role.ADMIN: "administrateur",
}


@dataclass(frozen=True)
class DemoUser:
    subject: str
    display_name: str
    role: Role
    organisation: str | None
    team: str | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


DEMO_ORGANISATIONS = {
    "forem": ("Forem — Direction régionale de Charleroi", OrganisationKind.FOREM, "Charleroi"),
    "cpas-charleroi": ("CPAS de Charleroi", OrganisationKind.CPAS, "Charleroi"),
    "cpas-liege": ("CPAS de Liège", OrganisationKind.CPAS, "Liège"),
    "region": ("SPW Économie, Emploi, Recherche", OrganisationKind.REGULATOR, None),
}

DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("sophie", "Sophie Lambert", Role.FOREM_REFERENT, "forem", "grappe-industrie"),
    DemoUser("karim", "Karim Benali", Role.FOREM_REFERENT, "forem", "grappe-services"),
    DemoUser("econseil", "Équipe e-conseil Charleroi", Role.FOREM_EADVISER, "forem", "econseil-charleroi"),
    DemoUser("nadia", "Nadia Dubois", Role.CPAS_SOCIAL_WORKER, "cpas-charleroi"),
    # Nadia's colleague: a visa is never decided by whoever submitted it (four eyes), so the CPAS needs two
    DemoUser("thomas", "Thomas Leclercq", Role.CPAS_SOCIAL_WORKER, "cpas-charleroi"),
    DemoUser("luc", "Luc Marchal", Role.CPAS_SOCIAL_WORKER, "cpas-liege"),
    DemoUser("regis", "Régis Lemaire", Role.REGULATOR, "region"),
    DemoUser("dpo", "Claire Renard", Role.DPO, "forem"),
    DemoUser("admin", "Administrateur", Role.ADMIN, "forem"),
)


PARTNER_USERS = (
    # subject, name, role, key of the cadastre demo's partner organisation (None: a beneficiary)
    DemoUser("paul", "Paul Henrard", Role.PARTNER_OPERATOR, "cisp-envol"),
    DemoUser("marc", "Marc Dupont", Role.PARTNER_MANAGER, "cisp-envol"),
    DemoUser("ines", "Inès Moreau", Role.PARTNER_OPERATOR, "duo-mentorat"),
    DemoUser("julie", "Julie Martin", Role.BENEFICIARY, None),
)
"""Accounts of the partners created by the cadastre's demo, and of a person accompanied (the dossier
demo links the beneficiary account to the first demo file)."""


@dataclass
class DemoDirectory:
    organisations: dict[str, Organisation]
    users: dict[str, User]


def _user(demo: DemoUser, organisations: dict[str, Organisation]) -> User:
    org = organisations[demo.organisation] if demo.organisation else None
    return UserFactory.build(
        subject=demo.subject,
        display_name=demo.display_name,
        role=demo.role,
        organisation_id=org.id if org else None,
        team=demo.team,
    )


async def seed_directory(session) -> DemoDirectory:
    organisations = {
        key: OrganisationFactory.build(name=name, kind=kind, bassin=bassin)
        for key, (name, kind, bassin) in DEMO_ORGANISATIONS.items()
    }
    session.add_all(organisations.values())
    await session.flush()
    users = {demo.subject: _user(demo, organisations) for demo in DEMO_USERS}
    session.add_all(users.values())
    await session.flush()
    return DemoDirectory(organisations=organisations, users=users)


async def seed_partner_users(session, partners: dict[str, Organisation]) -> dict[str, User]:
    users = {demo.subject: _user(demo, partners) for demo in PARTNER_USERS}
    session.add_all(users.values())
    await session.flush()
    return users
