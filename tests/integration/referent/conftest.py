"""The referent tests' world: the shared world (``tests.fixtures.world``) with Forem and a CPAS in Liège,
advisers, registered job seekers and their tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

import pytest

from coordination.directory.models import OrganisationKind, Role
from coordination.dossier.models import Person
from coordination.factories import (
    AdviserFactory,
    nth_niss,
)
from coordination.referent.models import Adviser
from tests.fixtures.world import World as SharedWorld
from tests.fixtures.world import make_world


@dataclass
class World(SharedWorld):
    """The shared world (``tests.fixtures.world``) with the referents' advisers and people by name."""

    app: object = None
    advisers: dict[str, Adviser] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)

    def pid(self, name: str) -> UUID:
        return self.persons[name].id


ORGANISATIONS = {
    "forem": ("Forem Liège", OrganisationKind.FOREM),
    "cpas": ("CPAS de Liège", OrganisationKind.CPAS),
    "partner": ("CISP Horizon", OrganisationKind.PARTNER),
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
    # key: (display name, role, organisation key, other values)
    "anna": ("Anna Conseillère", Role.FOREM_REFERENT, "forem", {"team": "grappe-industrie"}),
    "bob": ("Bob Conseiller", Role.FOREM_REFERENT, "forem"),
    "eva": ("Eva e-conseil", Role.FOREM_EADVISER, "forem", {"team": "econseil-liege"}),
    "admin": ("Admin", Role.ADMIN, "forem"),
    "nadia": ("Nadia AS", Role.CPAS_SOCIAL_WORKER, "cpas"),
    "paul": ("Paul CISP", Role.PARTNER_OPERATOR, "partner"),
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
async def world(app, database, settings) -> World:
    """Forem and a CPAS in Liège, a partner; five people, all registered job seekers since 2025-01-10
    except Rita, whose RIS the CPAS pays; Léa has her own account; four advisers' portfolios."""
    w = await make_world(
        database, settings, ORGANISATIONS, USERS, cls=World, bassin=None, subject_prefix="t", app=app
    )
    for key, (n, score, digital, extra) in PEOPLE.items():
        w.persons[key] = await w.add_person(
            registered_at=None if key == "rita" else "forem", ris_at="cpas" if key == "rita" else None,
            mandates_from=date(2025, 1, 10), niss=nth_niss(n), first_name=key.capitalize(), last_name="Test",
            bassin="Liège", proximity_score=score, digital_autonomy=digital,
            **{"birth_date": date(1985, 5, 5), **extra},
        )  # fmt: skip
    await w.add_beneficiary(w.persons["lea"].id, key="lea", display_name="Léa", subject="t-lea-self")
    w.advisers = _advisers(w)
    await w.add(*w.advisers.values())
    return w
