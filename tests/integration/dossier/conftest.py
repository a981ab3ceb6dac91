"""Dossier helpers over the shared ``world`` (tests/fixtures/world.py): a person opened through the API,
a consent, a file with every section filled by whoever may fill it, and ``trust`` (a second CPAS)."""

from __future__ import annotations

from uuid import UUID

import pytest
from sqlalchemy import func, select

from coordination.directory.models import OrganisationKind, Role
from coordination.factories import ConsentFactory, UserFactory
from tests.fixtures.world import World

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
        await ConsentFactory.add(
            s,
            person_id=UUID(person_id),
            recipient_organisation_id=world.orgs[org].id,
            sections=sections,
            recorded_by_user_id=world.users["referent"].id,
        )
        await s.commit()


async def count(database, model) -> int:
    async with direct(database)() as s:
        return int(await s.scalar(select(func.count()).select_from(model)))


async def beneficiary_token(database, world: World, person_id: str) -> str:
    async with direct(database)() as s:
        user = await UserFactory.add(
            s,
            subject=f"person-{person_id}",
            display_name="Julie Martin",
            role=Role.BENEFICIARY,
            person_id=UUID(person_id),
        )
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
async def trust(world: World) -> World:
    """The world plus a second CPAS (Namur) with its worker; the regulator is the world's."""
    await world.add_organisations({"cpas2": ("CPAS de Namur", OrganisationKind.CPAS)}, bassin="Namur")
    await world.add_users({"cpas2": ("Lucie Marchal", Role.CPAS_SOCIAL_WORKER, "cpas2")})
    return world
