"""A small world for the referent tests: Forem and a CPAS, advisers, registered job seekers, tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from uuid import UUID

import pytest

from coordination.access.mandates import seed_mandate
from coordination.access.models import MandateKind
from coordination.directory.models import Organisation, OrganisationKind, Role, User
from coordination.dossier.models import Person
from coordination.referent.models import Adviser


@dataclass
class World:
    app: object
    database: object
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    advisers: dict[str, Adviser] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)

    def headers(self, subject: str) -> dict[str, str]:
        user = self.users[subject]
        org = self.orgs.get(_ORG_OF[subject])
        principal_like = SimpleNamespace(
            id=user.id,
            display_name=user.display_name,
            role=user.role,
            organisation_id=user.organisation_id,
            organisation_kind=org.kind if org else None,
            team=user.team,
            person_id=user.person_id,
        )
        token = self.app.state.identity.dev_issuer.issue(principal_like)
        return {"Authorization": f"Bearer {token}"}

    def pid(self, name: str) -> UUID:
        return self.persons[name].id


_ORG_OF = {
    "anna": "forem",
    "bob": "forem",
    "eva": "forem",
    "admin": "forem",
    "nadia": "cpas",
    "paul": "partner",
    "lea": None,
}


def _person(key: str, n: int, **kw) -> Person:
    values = dict(
        niss_hash=f"{n:064d}",
        niss=f"{90010100000 + n:011d}",
        first_name=key.capitalize(),
        last_name="Test",
        language="fr",
        bassin="Liège",
        birth_date=date(1985, 5, 5),
    )
    values.update(kw)
    return Person(**values)


@pytest.fixture
async def world(app, database) -> World:
    w = World(app=app, database=database)
    async with database.sessionmaker() as s:
        w.orgs = {
            "forem": Organisation(name="Forem Liège", kind=OrganisationKind.FOREM),
            "cpas": Organisation(name="CPAS de Liège", kind=OrganisationKind.CPAS),
            "partner": Organisation(name="CISP Horizon", kind=OrganisationKind.PARTNER),
        }
        s.add_all(w.orgs.values())
        await s.flush()
        w.persons = {
            "lea": _person("lea", 1, proximity_score=5, digital_autonomy=False),
            "marc": _person("marc", 2, proximity_score=8, digital_autonomy=True),
            "nina": _person("nina", 3, proximity_score=2, digital_autonomy=True, birth_date=date(2004, 1, 1)),
            "omar": _person("omar", 4, proximity_score=None, digital_autonomy=None),
            "rita": _person("rita", 5, proximity_score=9, digital_autonomy=False),
        }
        s.add_all(w.persons.values())
        await s.flush()
        # everyone is a registered job seeker since 2025-01-10, except Rita, whose RIS the CPAS pays
        for key, person in w.persons.items():
            if key == "rita":
                seed_mandate(s, person.id, MandateKind.RIS, w.orgs["cpas"].id, started_on=date(2025, 1, 10))
            else:
                seed_mandate(
                    s,
                    person.id,
                    MandateKind.FOREM_REGISTRATION,
                    w.orgs["forem"].id,
                    started_on=date(2025, 1, 10),
                )
        forem, cpas = w.orgs["forem"].id, w.orgs["cpas"].id
        w.users = {
            "anna": User(
                subject="t-anna",
                display_name="Anna Conseillère",
                role=Role.FOREM_REFERENT,
                organisation_id=forem,
                team="grappe-industrie",
            ),
            "bob": User(
                subject="t-bob",
                display_name="Bob Conseiller",
                role=Role.FOREM_REFERENT,
                organisation_id=forem,
            ),
            "eva": User(
                subject="t-eva",
                display_name="Eva e-conseil",
                role=Role.FOREM_EADVISER,
                organisation_id=forem,
                team="econseil-liege",
            ),
            "admin": User(subject="t-admin", display_name="Admin", role=Role.ADMIN, organisation_id=forem),
            "nadia": User(
                subject="t-nadia", display_name="Nadia AS", role=Role.CPAS_SOCIAL_WORKER, organisation_id=cpas
            ),
            "paul": User(
                subject="t-paul",
                display_name="Paul CISP",
                role=Role.PARTNER_OPERATOR,
                organisation_id=w.orgs["partner"].id,
            ),
            "lea": User(
                subject="t-lea-self", display_name="Léa", role=Role.BENEFICIARY, person_id=w.persons["lea"].id
            ),
        }
        s.add_all(w.users.values())
        await s.flush()
        w.advisers = {
            "anna": Adviser(
                kind="forem_adviser",
                user_id=w.users["anna"].id,
                organisation_id=forem,
                display_name="Anna Conseillère",
                capacity=3,
                cluster="industrie",
                bassins=["Liège"],
                languages=["fr"],
                tracks=["sectoral", "socio_professional"],
            ),
            "bob": Adviser(
                kind="forem_adviser",
                user_id=w.users["bob"].id,
                organisation_id=forem,
                display_name="Bob Conseiller",
                capacity=1,
                cluster="services",
                bassins=["Namur"],
                languages=["fr"],
                tracks=["sectoral", "socio_professional"],
            ),
            "team": Adviser(
                kind="eadviser_team",
                team="econseil-liege",
                organisation_id=forem,
                display_name="Équipe e-conseil Liège",
                capacity=100,
                bassins=["Liège"],
                languages=["fr"],
                tracks=["digital", "e_adviser"],
            ),
            "nadia": Adviser(
                kind="cpas_social_worker",
                user_id=w.users["nadia"].id,
                organisation_id=cpas,
                display_name="Nadia AS",
                capacity=5,
                bassins=["Liège"],
                languages=["fr"],
                tracks=["socio_professional"],
            ),
        }
        s.add_all(w.advisers.values())
        await s.commit()
    return w
