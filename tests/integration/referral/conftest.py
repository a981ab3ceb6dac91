"""Referral fixtures: Forem, a CPAS, two partners with services and agreements, their users, and a
person opened through the API by the Forem referent, with their own beneficiary account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import func, select

from coordination.cadastre.models import Agreement, Service
from coordination.clock import today as brussels_today
from coordination.directory.models import OrganisationKind, Role
from coordination.factories import AgreementFactory, ServiceFactory, UserFactory, add_all
from tests.fixtures.world import ORGANISATIONS as SHARED_ORGANISATIONS
from tests.fixtures.world import USERS as SHARED_USERS
from tests.fixtures.world import World as SharedWorld
from tests.fixtures.world import make_world

NISS = "85071412330"
API = "/api/v1"


@dataclass
class World(SharedWorld):
    """The shared world, a closed partner, a CISP manager, services and agreements, and Julie opened
    through the API by the Forem referent, with her own account (``person``)."""

    services: dict[str, Service] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    person_id: str = ""

    def h(self, who: str) -> dict[str, str]:
        return self.headers(who)

    def sid(self, key: str) -> str:
        return str(self.services[key].id)


ORGANISATIONS = {
    **{k: v for k, v in SHARED_ORGANISATIONS.items() if k != "region"},
    "closed": ("ALE Fermée", OrganisationKind.PARTNER),
    "regulator": ("SPW Économie Emploi", OrganisationKind.REGULATOR),
}
USERS = {
    **{k: v for k, v in SHARED_USERS.items() if k != "regulator"},
    "cisp_manager": ("Paul Lejeune", Role.PARTNER_MANAGER, "cisp"),
    "regulator": ("Anne Colin", Role.REGULATOR, "regulator"),
}
SERVICES = {
    # key: (organisation key, name, values other than the factory's)
    "cisp": ("cisp", "Formation maçonnerie", {}),
    "cisp_full": ("cisp", "Formation carrelage", {"capacity": 0}),
    "mire_namur": (
        "mire",
        "Job coaching Namur",
        {"service_areas": ["Namur"], "description": "Coaching emploi"},
    ),
    "closed": ("closed", "Titres-services", {}),
}
AGREEMENTS = {
    # key: (reference, days from today to the start and to the end, status)
    "cisp": ("CISP-1", -200, 400, "active"),
    "mire": ("MIRE-1", -200, 400, "active"),
    "closed": ("ALE-1", -400, -10, "closed"),
}


@pytest.fixture
async def world(database, settings, client) -> World:
    w = await make_world(database, settings, ORGANISATIONS, USERS, cls=World)
    today = brussels_today()
    w.services = {
        key: ServiceFactory.build(
            organisation_id=w.orgs[org].id, name=name, publics=["demandeurs d'emploi"],
            **{"description": "Formation qualifiante aux métiers de la construction", **extra},
        )
        for key, (org, name, extra) in SERVICES.items()
    }  # fmt: skip
    w.agreements = {
        key: AgreementFactory.build(
            reference=ref, title=f"Convention {ref}", organisation_id=w.orgs[key].id, funder_id=w.orgs["forem"].id,
            start_date=today + timedelta(days=start), end_date=today + timedelta(days=end), status=status,
        )
        for key, (ref, start, end, status) in AGREEMENTS.items()
    }  # fmt: skip
    async with w.session() as s:
        await add_all(s, [*w.services.values(), *w.agreements.values()])
        await s.commit()
    response = await client.post(
        f"{API}/persons",
        json={
            "niss": NISS,
            "first_name": "Julie",
            "last_name": "Martin",
            "forem_registered": True,
            "bassin": "Charleroi",
        },
        headers=w.h("referent"),
    )
    assert response.status_code == 201, response.text
    w.person_id = response.json()["id"]
    async with w.session() as s:
        person_user = await UserFactory.add(
            s,
            subject="person-julie",
            display_name="Julie Martin",
            role=Role.BENEFICIARY,
            person_id=UUID(w.person_id),
        )
        await s.commit()
    w.users["person"] = person_user
    w.tokens["person"] = w.issuer.issue(person_user)
    return w


async def count_rows(database, model, **where) -> int:
    async with database.sessionmaker() as s:
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return int(await s.scalar(stmt))


async def send(client, w: World, service: str = "cisp", who: str = "referent", **extra):
    body = {
        "service_id": w.sid(service),
        "reason_category": "training",
        "reason": "Julie veut se former à la maçonnerie ; elle a déjà travaillé sur chantier.",
        "sections": ["project", "plan"],
    }
    body.update(extra)
    return await client.post(f"{API}/persons/{w.person_id}/referrals", json=body, headers=w.h(who))


SIGNED_FORM = {"file": ("formulaire-signe.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "application/pdf")}


async def send_recorded(
    client, w: World, service: str = "cisp", who: str = "referent", files=SIGNED_FORM, **extra
):
    """Send with the consent the person signed on paper: the referral as JSON in the ``referral`` part,
    the signed form in ``file`` (multipart, one request)."""
    import json

    body = {
        "service_id": w.sid(service),
        "reason_category": "training",
        "reason": "Julie veut se former à la maçonnerie ; elle a déjà travaillé sur chantier.",
        "sections": ["project", "plan"],
        "consent": {"mode": "record", "channel": "paper"},
    }
    body.update(extra)
    return await client.post(
        f"{API}/persons/{w.person_id}/referrals/recorded",
        data={"referral": json.dumps(body)},
        files=files,
        headers=w.h(who),
    )


async def inbox(client, w: World, who: str) -> list[dict]:
    response = await client.get(f"{API}/inbox", headers=w.h(who), params={"limit": 200})
    assert response.status_code == 200, response.text
    return response.json()["items"]
