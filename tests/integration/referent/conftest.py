"""A small world for the referent tests: Forem and a CPAS, advisers, registered job seekers, tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from uuid import UUID

import pytest

from coordination.access.models import MandateKind
from coordination.directory.models import Organisation, OrganisationKind, Role, User
from coordination.dossier.models import Person
from coordination.factories import (
    AdviserFactory,
    MandateFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    add_all,
    nth_niss,
)
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


PEOPLE = {
    # key: (n-th invented NISS, proximity score, digital autonomy, extra values)
    "lea": (1, 5, False, {}),
    "marc": (2, 8, True, {}),
    "nina": (3, 2, True, {"birth_date": date(2004, 1, 1)}),  # young: shorter first-contact deadlines
    "omar": (4, None, None, {}),  # not oriented yet
    "rita": (5, 9, False, {}),
}
USERS = {
    # key: (display name, role, organisation key, team)
    "anna": ("Anna Conseillère", Role.FOREM_REFERENT, "forem", "grappe-industrie"),
    "bob": ("Bob Conseiller", Role.FOREM_REFERENT, "forem", None),
    "eva": ("Eva e-conseil", Role.FOREM_EADVISER, "forem", "econseil-liege"),
    "admin": ("Admin", Role.ADMIN, "forem", None),
    "nadia": ("Nadia AS", Role.CPAS_SOCIAL_WORKER, "cpas", None),
    "paul": ("Paul CISP", Role.PARTNER_OPERATOR, "partner", None),
}
ADVISERS = {
    # key: (user key or None for a team, organisation key, kind, capacity, cluster, bassins, tracks)
    "anna": ("anna", "forem", "forem_adviser", 3, "industrie", ["Liège"], ["sectoral", "socio_professional"]),
    "bob": ("bob", "forem", "forem_adviser", 1, "services", ["Namur"], ["sectoral", "socio_professional"]),
    "team": (None, "forem", "eadviser_team", 100, None, ["Liège"], ["digital", "e_adviser"]),
    "nadia": ("nadia", "cpas", "cpas_social_worker", 5, None, ["Liège"], ["socio_professional"]),
}  # fmt: skip


def _advisers(w: World) -> dict[str, Adviser]:
    made = {}
    for key, (user_key, org, kind, capacity, cluster, bassins, tracks) in ADVISERS.items():
        user = w.users.get(user_key) if user_key else None
        made[key] = AdviserFactory.build(
            kind=kind, user_id=user.id if user else None, team=None if user else "econseil-liege",
            organisation_id=w.orgs[org].id, display_name=user.display_name if user else "Équipe e-conseil Liège",
            capacity=capacity, cluster=cluster, bassins=bassins, tracks=tracks,
        )  # fmt: skip
    return made


@pytest.fixture
async def world(app, database) -> World:
    """Forem and a CPAS in Liège, a partner; five people, all registered job seekers since 2025-01-10
    except Rita, whose RIS the CPAS pays; Léa has her own account; four advisers' portfolios."""
    w = World(app=app, database=database)
    w.orgs = {
        "forem": OrganisationFactory.build(name="Forem Liège", kind=OrganisationKind.FOREM, bassin=None),
        "cpas": OrganisationFactory.build(name="CPAS de Liège", kind=OrganisationKind.CPAS, bassin=None),
        "partner": OrganisationFactory.build(name="CISP Horizon", kind=OrganisationKind.PARTNER, bassin=None),
    }
    w.persons = {
        key: PersonFactory.build(
            niss=nth_niss(n), first_name=key.capitalize(), last_name="Test", bassin="Liège",
            proximity_score=score, digital_autonomy=digital, **{"birth_date": date(1985, 5, 5), **extra},
        )
        for key, (n, score, digital, extra) in PEOPLE.items()
    }  # fmt: skip
    mandates = [
        MandateFactory.build(
            person_id=person.id, started_on=date(2025, 1, 10),
            kind=MandateKind.RIS if key == "rita" else MandateKind.FOREM_REGISTRATION,
            organisation_id=w.orgs["cpas" if key == "rita" else "forem"].id,
        )
        for key, person in w.persons.items()
    ]  # fmt: skip
    w.users = {
        key: UserFactory.build(
            subject=f"t-{key}", display_name=name, role=role, organisation_id=w.orgs[org].id, team=team
        )
        for key, (name, role, org, team) in USERS.items()
    }
    w.users["lea"] = UserFactory.build(
        subject="t-lea-self", display_name="Léa", role=Role.BENEFICIARY, person_id=w.persons["lea"].id
    )
    w.advisers = _advisers(w)
    async with database.sessionmaker() as s:
        await add_all(
            s, [*w.orgs.values(), *w.persons.values(), *mandates, *w.users.values(), *w.advisers.values()]
        )
        await s.commit()
    return w
