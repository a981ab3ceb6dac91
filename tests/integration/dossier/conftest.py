"""Dossier integration fixtures: organisations, users with DevIssuer tokens, a person with a consent.

Tokens are minted by the access package's development issuer from the same settings as the app, so the
app verifies them exactly as in the embedded default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from sqlalchemy import func, select

from coordination.access.identity import DevIssuer
from coordination.access.models import Consent, ConsentChannel
from coordination.directory.models import Organisation, OrganisationKind, Role, User

VALID_NISS = "85071412330"  # 850714 123, check 97 - (850714123 % 97)
OTHER_NISS = "90021500195"


def niss_for(birth: str, serial: str) -> str:
    base = int(birth + serial)
    return f"{birth}{serial}{97 - base % 97:02d}"


def direct(database):
    """Sessions for the test's own reads and writes, on a pool-less engine: the app runs in the test
    client's event loop, and an asyncpg connection must never be shared between loops."""
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlalchemy.pool import NullPool

    engine = create_async_engine(database.url, poolclass=NullPool)
    return async_sessionmaker(engine, expire_on_commit=False)


@dataclass
class World:
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}


@pytest.fixture
async def world(database, settings) -> World:
    issuer = DevIssuer.from_settings(settings)
    w = World()
    async with direct(database)() as s:
        for key, name, kind in [
            ("forem", "Le Forem – Charleroi", OrganisationKind.FOREM),
            ("cpas", "CPAS de Charleroi", OrganisationKind.CPAS),
            ("cisp", "CISP Les Ateliers du Pays Noir", OrganisationKind.PARTNER),
            ("mire", "MIRE Charleroi", OrganisationKind.PARTNER),
        ]:
            w.orgs[key] = Organisation(name=name, kind=kind, bassin="Charleroi")
            s.add(w.orgs[key])
        await s.flush()
        for key, name, role, org in [
            ("referent", "Sophie Lambert", Role.FOREM_REFERENT, "forem"),
            ("cpas", "Marc Dubois", Role.CPAS_SOCIAL_WORKER, "cpas"),
            ("cisp", "Nadia Benali", Role.PARTNER_OPERATOR, "cisp"),
            ("mire", "Thomas Renard", Role.PARTNER_OPERATOR, "mire"),
        ]:
            w.users[key] = User(
                subject=f"test-{key}", display_name=name, role=role, organisation_id=w.orgs[org].id
            )
            s.add(w.users[key])
        await s.commit()
    for key, user in w.users.items():
        user.organisation_kind = next(o.kind for o in w.orgs.values() if o.id == user.organisation_id)
        w.tokens[key] = issuer.issue(user)
    w.issuer = issuer
    return w


async def create_person(client, world: World, niss: str = VALID_NISS, **extra) -> dict:
    body = {
        "niss": niss,
        "first_name": "Julie",
        "last_name": "Martin",
        "forem_registered": True,
        "bassin": "Charleroi",
    }
    ris_cpas_id = extra.pop("ris_cpas_id", None)
    body.update(extra)
    response = await client.post("/api/v1/persons", json=body, headers=world.headers("referent"))
    assert response.status_code == 201, response.text
    if ris_cpas_id is None:
        return response.json()
    # the CPAS paying the RIS asserts it itself (the referent may not)
    assert ris_cpas_id == str(world.orgs["cpas"].id)
    person_id = response.json()["id"]
    asserted = await client.post(
        f"/api/v1/persons/{person_id}/mandates",
        json={"kind": "ris", "started_on": "2025-01-01", "ground": "Décision d'octroi du RIS"},
        headers=world.headers("cpas"),
    )
    assert asserted.status_code == 201, asserted.text
    response = await client.get(f"/api/v1/persons/{person_id}", headers=world.headers("referent"))
    assert response.status_code == 200, response.text
    return response.json()


async def give_consent(database, world: World, person_id: str, org: str, sections: list[str]) -> None:
    async with direct(database)() as s:
        s.add(
            Consent(
                person_id=UUID(person_id),
                recipient_organisation_id=world.orgs[org].id,
                sections=sections,
                purpose="Suivi de la formation",
                given_at=datetime.now(UTC) - timedelta(minutes=1),
                expires_at=datetime.now(UTC) + timedelta(days=180),
                recorded_by_user_id=world.users["referent"].id,
                channel=ConsentChannel.INTERVIEW,
            )
        )
        await s.commit()


async def count(database, model) -> int:
    async with direct(database)() as s:
        return int(await s.scalar(select(func.count()).select_from(model)))


async def beneficiary_token(database, world: World, person_id: str) -> str:
    async with direct(database)() as s:
        user = User(
            subject=f"person-{person_id}",
            display_name="Julie Martin",
            role=Role.BENEFICIARY,
            person_id=UUID(person_id),
        )
        s.add(user)
        await s.commit()
    return world.issuer.issue(user)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def build_rich_file(client, database, world: World, niss: str = VALID_NISS, **extra) -> dict:
    """A file with every section filled through the API, by the people allowed to fill each one.

    The person is a registered job seeker (Forem mandate) paid a RIS by the world's CPAS (CPAS mandate,
    social part), and consented to the CISP for identity, trajectory, progress and health (the partner
    writes its step's progress and the health part). Returns the ids created.
    """
    person = await create_person(client, world, niss, ris_cpas_id=str(world.orgs["cpas"].id), **extra)
    pid = person["id"]
    base = f"/api/v1/persons/{pid}"
    await give_consent(database, world, pid, "cisp", ["identity", "trajectory", "progress", "health"])

    async def ok(response, status: int = 200) -> dict:
        assert response.status_code == status, response.text
        return response.json()

    first = {"If-Match": '"0"'}
    await ok(
        await client.put(
            f"{base}/sections/project",
            json={"content": {"metier_vise": "Soudeur", "freins": "Mobilité"}},
            headers=world.headers("referent", **first),
        )
    )
    await ok(
        await client.put(
            f"{base}/sections/social",
            json={"content": {"situation": "Isolé, revenu d'intégration"}},
            headers=world.headers("cpas", **first),
        )
    )
    objective = await ok(
        await client.post(
            f"{base}/plan/objectives",
            json={
                "title": "Obtenir un certificat de soudure",
                "status": "agreed",
                "commitments": [
                    {"party": "person", "description": "Suivre la formation jusqu'au bout"},
                    {
                        "party": "forem",
                        "organisation_id": str(world.orgs["forem"].id),
                        "description": "Financer le transport",
                    },
                ],
            },
            headers=world.headers("referent"),
        ),
        201,
    )
    step = await ok(
        await client.post(
            f"{base}/trajectory/steps",
            json={
                "kind": "training",
                "organisation_id": str(world.orgs["cisp"].id),
                "title": "Formation soudure semi-automatique",
                "start_date": "2025-01-06",
                "status": "ongoing",
                "training_qualifying": True,
            },
            headers=world.headers("referent"),
        ),
        201,
    )
    await ok(
        await client.post(
            f"{base}/trajectory/steps/{step['id']}/progress",
            json={"note": "Assidu et appliqué.", "attendance_hours": 18, "milestone": "Module 1 validé"},
            headers=world.headers("cisp"),
        ),
        201,
    )
    await ok(
        await client.post(
            f"{base}/trajectory/steps/{step['id']}/assessments",
            json={"items": [{"item_code": "confiance", "qualifier": 2}], "assessed_on": "2025-02-03"},
            headers=world.headers("cisp"),
        ),
        201,
    )
    await ok(
        await client.put(
            f"{base}/sections/health",
            json={"content": {"constat": "Port de charges lourdes déconseillé"}},
            headers=world.headers("cisp", **first),
        )
    )
    document = await ok(
        await client.post(
            f"{base}/documents",
            params={"filename": "cv.pdf", "category": "cv", "title": "CV 2025"},
            content=PDF,
            headers=world.headers("referent"),
        ),
        201,
    )
    return {"person": person, "objective": objective, "step": step, "document": document}


@pytest.fixture
async def trust(world, database, settings):
    """The dossier world plus a second CPAS with its worker, a regulator, and tokens for them."""
    issuer = DevIssuer.from_settings(settings)
    async with direct(database)() as s:
        world.orgs["cpas2"] = Organisation(name="CPAS de Namur", kind=OrganisationKind.CPAS)
        world.orgs["region"] = Organisation(name="SPW Emploi", kind=OrganisationKind.REGULATOR)
        s.add_all([world.orgs["cpas2"], world.orgs["region"]])
        await s.flush()
        for key, name, role, org in [
            ("cpas2", "Lucie Marchal", Role.CPAS_SOCIAL_WORKER, "cpas2"),
            ("regulator", "Paul Régis", Role.REGULATOR, "region"),
        ]:
            world.users[key] = User(
                subject=f"test-{key}", display_name=name, role=role, organisation_id=world.orgs[org].id
            )
            s.add(world.users[key])
        await s.commit()
    for key in ("cpas2", "regulator"):
        user = world.users[key]
        user.organisation_kind = next(o.kind for o in world.orgs.values() if o.id == user.organisation_id)
        world.tokens[key] = issuer.issue(user)
    world.issuer = issuer
    return world
