"""Hardening fixtures: a small world of several roles and two files, one of which almost nobody may read.

``seed_world(database, settings)`` builds it through the real API (so NISS hashing, the gate and the journal
run as in production) plus a few direct rows for facts the API sets elsewhere (consents, referent links):

* person **A** — a registered job seeker: the Forem referent reads it by mandate, the partner (CISP) by a
  consent naming plan/trajectory/progress, the person themself (``beneficiary``) by ``self``;
* person **B** — the "secret" file: opened by the Forem referent, then de-registered, so only the CPAS
  paying B's RIS (``cpas_owner``) holds a mandate; it has an objective, a commitment, a trajectory step, a
  document, a consent (to MIRE) and a visa request. Every other caller must get 403/404 on all of them.

The organisations, users, tokens, consents and the beneficiary's account come from the shared world
(``tests.fixtures.world.make_world``, built with ``coordination.factories``); tokens are minted by the
development issuer from the app's settings.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from coordination import clock
from coordination.access.models import AccessJournalEntry, Mandate, MandateKind
from coordination.db.engine import Database, PerLoopPool
from coordination.directory.models import OrganisationKind, Role
from coordination.factories import ReferentLinkFactory, niss_from
from coordination.settings import Settings
from tests.fixtures.apps import app_for as shared_app_for
from tests.fixtures.world import World, make_world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def niss_for(birth: str, serial: str) -> str:
    """The valid NISS (``coordination.factories.niss_from``) of someone born on ``yymmdd`` before 2000."""
    return niss_from(date(1900 + int(birth[:2]), int(birth[2:4]), int(birth[4:])), int(serial))


@dataclass
class HardeningWorld(World):
    """The shared world (``tests.fixtures.world``) with the two files and the ids of what they hold."""

    person_a: str = ""
    person_b: str = ""
    b_ids: dict[str, str] = field(default_factory=dict)
    """Identifiers of objects in B's file: objective, commitment, step, document, consent, visa."""
    a_ids: dict[str, str] = field(default_factory=dict)


ORGANISATIONS = {
    "forem": ("Le Forem – Charleroi", OrganisationKind.FOREM),
    "cpas": ("CPAS de Charleroi", OrganisationKind.CPAS),
    "cpas2": ("CPAS de Namur", OrganisationKind.CPAS),
    "cisp": ("CISP Les Ateliers du Pays Noir", OrganisationKind.PARTNER),
    "mire": ("MIRE Charleroi", OrganisationKind.PARTNER),
    "spw": ("SPW Économie Emploi Recherche", OrganisationKind.REGULATOR),
}

ROLES = {
    # key: (role, organisation key)
    "referent": (Role.FOREM_REFERENT, "forem"),
    "cpas": (Role.CPAS_SOCIAL_WORKER, "cpas"),
    "cpas_owner": (Role.CPAS_SOCIAL_WORKER, "cpas2"),
    "partner": (Role.PARTNER_OPERATOR, "cisp"),
    "partner_manager": (Role.PARTNER_MANAGER, "cisp"),
    "regulator": (Role.REGULATOR, "spw"),
    "dpo": (Role.DPO, "forem"),
    "admin": (Role.ADMIN, "forem"),
}
"""Professional callers; ``beneficiary`` (person A themself) is added once A exists."""
USERS = {key: (f"Utilisateur {key}", role, org) for key, (role, org) in ROLES.items()}


def _contract() -> dict[str, Any]:
    """A valid visa contract body, from the visa package's own test builders."""
    import sys

    builders = Path(__file__).resolve().parents[2] / "unit" / "visa"
    if str(builders) not in sys.path:
        sys.path.insert(0, str(builders))
    from visa_builders import base  # type: ignore[import-not-found]

    return msgspec.to_builtins(base())


def _expect(response, *status: int) -> dict:
    assert response.status_code in status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    return response.json()


_BUILT_APPS: dict[str, Any] = {}
"""Apps built for the hardening tests in this process, by settings shape (``rebind_app`` gives them each
test's settings and database): a build is about a second of CPU, a rebinding a few milliseconds."""


def app_for(database: Database, settings: Settings, built: dict[str, Any] | None = None):
    """The app ``create_app(settings, database=database)`` would build, built once per settings shape in
    this process and rebound to this test's settings and database (``tests/integration/conftest.py``).
    ``built``: the apps to share (a test passes the run's ``built_apps``, those of the ``app`` fixture).

    The test client runs the app in its own event loop, and a connection must never cross loops. The
    tests' databases keep connections per loop (``PerLoopPool``): the app is built once and given this
    one. Any other database (a fault test's own, pooled) is left alone: the app owns its engine (same
    URL), created and disposed in the client's loop by its lifespan."""
    from coordination.app import create_app

    if not isinstance(database.engine.pool, PerLoopPool):
        return create_app(settings.replace(database_url=database.url))
    return shared_app_for(_BUILT_APPS if built is None else built, settings, database=database)


async def seed_world(database: Database, settings: Settings, app=None) -> HardeningWorld:
    """``app``: the test's own, if it has one (see :func:`app_for` otherwise)."""
    w = await make_world(
        database, settings, ORGANISATIONS, USERS, cls=HardeningWorld, subject_prefix="hardening"
    )

    await database.engine.dispose()
    if app is None:
        app = app_for(database, settings)
    async with AsyncTestClient(app=app) as client:
        person_a = _expect(
            await client.post(
                "/api/v1/persons",
                json={
                    "niss": niss_for("850714", "123"),
                    "first_name": "Julie",
                    "last_name": "Martin",
                    "forem_registered": True,
                    "bassin": "Charleroi",
                },
                headers=w.headers("referent"),
            ),
            201,
        )
        person_b = _expect(
            await client.post(
                "/api/v1/persons",
                json={
                    "niss": niss_for("900215", "001"),
                    "first_name": "Karim",
                    "last_name": "Secret",
                    "forem_registered": True,
                    "bassin": "Namur",
                },
                headers=w.headers("referent"),
            ),
            201,
        )
        w.person_a, w.person_b = person_a["id"], person_b["id"]
        # the CPAS that pays B's RIS says so itself (a mandate is asserted by the mandated organisation)
        _expect(
            await client.post(
                f"/api/v1/persons/{w.person_b}/mandates",
                json={"kind": "ris", "started_on": "2025-01-01", "ground": "Décision RIS"},
                headers=w.headers("cpas_owner"),
            ),
            201,
        )
        for pid, ids in ((w.person_a, w.a_ids), (w.person_b, w.b_ids)):
            base = f"/api/v1/persons/{pid}"
            objective = _expect(
                await client.post(
                    f"{base}/plan/objectives",
                    json={
                        "title": "Trouver une formation",
                        "commitments": [
                            {
                                "party": "forem",
                                "organisation_id": str(w.orgs["forem"].id),
                                "description": "Proposer trois offres",
                            }
                        ],
                    },
                    headers=w.headers("referent"),
                ),
                201,
            )
            ids["objective"] = objective["id"]
            ids["commitment"] = objective["commitments"][0]["id"]
            step = _expect(
                await client.post(
                    f"{base}/trajectory/steps",
                    json={"kind": "training", "organisation_id": str(w.orgs["cisp"].id), "title": "Soudure"},
                    headers=w.headers("referent"),
                ),
                201,
            )
            ids["step"] = step["id"]
            document = _expect(
                await client.post(
                    f"{base}/documents",
                    params={"filename": "cv.pdf", "category": "cv"},
                    content=PDF,
                    headers=w.headers("referent"),
                ),
                201,
            )
            ids["document"] = document["id"]
        visa = _expect(
            await client.post(
                f"/api/v1/persons/{w.person_b}/visas", json=_contract(), headers=w.headers("cpas_owner")
            ),
            201,
        )
        w.b_ids["visa"] = visa["id"]
    await database.engine.dispose()
    async with w.session() as s:
        # B leaves the Forem register: only the CPAS paying B's RIS keeps a mandate.
        await s.execute(
            update(Mandate)
            .where(Mandate.person_id == UUID(w.person_b), Mandate.kind == MandateKind.FOREM_REGISTRATION)
            .values(ended_at=clock.now(), ended_on=date(2025, 6, 1), end_ground="Sortie du registre")
        )
        await s.commit()
    for pid, org, sections, ids in (
        (w.person_a, "cisp", ["plan", "trajectory", "progress"], w.a_ids),
        (w.person_b, "mire", ["plan", "trajectory", "progress", "documents"], w.b_ids),
    ):
        ids["consent"] = str((await w.add_consent(pid, org, sections)).id)
    await w.add_beneficiary(w.person_a)
    async with w.session() as s:
        await ReferentLinkFactory.add(
            s,
            person_id=UUID(w.person_a),
            referent_user_id=w.users["referent"].id,
            organisation_id=w.orgs["forem"].id,
            reason="orientation",
        )
        await s.commit()
    await database.engine.dispose()
    return w


async def journal_rows(database: Database, person_id: str | UUID, **where: Any) -> int:
    """How many journal rows this person's chain holds (optionally filtered: decision="deny", …)."""
    async with database.sessionmaker() as s:
        query = (
            select(func.count())
            .select_from(AccessJournalEntry)
            .where(AccessJournalEntry.person_id == UUID(str(person_id)))
        )
        for name, value in where.items():
            query = query.where(getattr(AccessJournalEntry, name) == value)
        return int(await s.scalar(query))


def fake_niss_hash() -> str:
    return hashlib.sha256(uuid4().bytes).hexdigest()
