"""Registry fixtures: Forem, a CPAS, a regulator, and tokens minted by the development issuer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from uuid import UUID, uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.models import Organisation, OrganisationKind, Role


@dataclass
class World:
    app: object
    forem: Organisation
    cpas: Organisation
    region: Organisation
    _tokens: dict = field(default_factory=dict)

    def headers(
        self, role: Role, org: Organisation | UUID | None, name: str = "Test", **extra
    ) -> dict[str, str]:
        if isinstance(org, str):
            org = UUID(org)
        org_id = org if isinstance(org, UUID) or org is None else org.id
        kind = None
        if isinstance(org, Organisation):
            kind = org.kind
        elif org is not None:
            kind = OrganisationKind.PARTNER
        user = SimpleNamespace(
            id=uuid4(),
            display_name=name,
            role=role,
            organisation_id=org_id,
            organisation_kind=kind,
            team=None,
            person_id=extra.pop("person_id", None),
        )
        token = self.app.state.identity.dev_issuer.issue(user)
        return {"Authorization": f"Bearer {token}", **extra}

    @property
    def keeper(self) -> dict[str, str]:
        return self.headers(Role.ADMIN, self.forem, "Gestionnaire Forem")

    @property
    def regulator(self) -> dict[str, str]:
        return self.headers(Role.REGULATOR, self.region, "Régulatrice")

    def manager(self, organisation_id: UUID | str) -> dict[str, str]:
        return self.headers(Role.PARTNER_MANAGER, organisation_id, "Responsable partenaire")


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
async def world(app, database, client) -> World:
    async with direct_session(database) as session:
        forem = Organisation(name="Forem", kind=OrganisationKind.FOREM, bassin="Charleroi")
        cpas = Organisation(name="CPAS de Charleroi", kind=OrganisationKind.CPAS, bassin="Charleroi")
        region = Organisation(name="SPW EER", kind=OrganisationKind.REGULATOR)
        session.add_all([forem, cpas, region])
        await session.commit()
    return World(app=app, forem=forem, cpas=cpas, region=region)


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
