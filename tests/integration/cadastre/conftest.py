"""Registry fixtures: the shared world (tests/fixtures/world.py) with Forem, a CPAS and a regulator only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.models import Organisation, OrganisationKind, Role
from tests.fixtures.world import World as SharedWorld
from tests.fixtures.world import make_world


@dataclass
class World(SharedWorld):
    """The shared world with the registry's three public bodies only (no partner: the tests create them
    through the API) and the roles the registry tests sign in as, made up per request."""

    app: object = None

    @property
    def forem(self) -> Organisation:
        return self.orgs["forem"]

    @property
    def cpas(self) -> Organisation:
        return self.orgs["cpas"]

    @property
    def region(self) -> Organisation:
        return self.orgs["region"]

    @property
    def keeper(self) -> dict[str, str]:
        return self.headers(Role.ADMIN, self.forem, "Gestionnaire Forem")

    @property
    def regulator(self) -> dict[str, str]:
        return self.headers(Role.REGULATOR, self.region, "Régulatrice")

    def manager(self, organisation_id: UUID | str) -> dict[str, str]:
        return self.headers(Role.PARTNER_MANAGER, organisation_id, "Responsable partenaire")


REGISTRY_BODIES = {
    "forem": ("Forem", OrganisationKind.FOREM),
    "cpas": ("CPAS de Charleroi", OrganisationKind.CPAS),
    "region": ("SPW EER", OrganisationKind.REGULATOR),
}


@asynccontextmanager
async def direct_session(database) -> AsyncIterator[AsyncSession]:
    """A session outside the app. The test client serves the app from another event loop, and asyncpg
    connections belong to the loop that opened them: the pool is emptied before and after."""
    await database.engine.dispose()
    try:
        async with database.sessionmaker() as session:
            yield session
    finally:
        await database.engine.dispose()


@pytest.fixture
async def world(app, database, settings, client) -> World:
    return await make_world(database, settings, REGISTRY_BODIES, {}, cls=World, app=app)


def org_payload(name: str = "CISP L'Envol", bce: str = "0403170701", **extra) -> dict:
    return {"name": name, "partner_kind": "cisp", "tax_id": bce, "bassin": "Charleroi", **extra}


def agreement_payload(org_id, funder_id, reference: str = "AAP-2025-001", **extra) -> dict:
    return {
        "reference": reference,
        "title": "Préformation métiers de la logistique",
        "organisation_id": str(org_id),
        "funder_id": str(funder_id),
        "kind": "call_for_projects",
        "start_date": "2025-01-01",
        "end_date": "2026-12-31",
        "funding_amount": "120000.00",
        "target_entrants": 40,
        "territory": ["Charleroi"],
        "publics": ["NEET"],
        **extra,
    }


__all__ = ["Role", "World", "agreement_payload", "direct_session", "org_payload"]
