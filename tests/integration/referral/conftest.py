"""Referral fixtures: Forem, a CPAS, two partners with services and agreements, their users, and a
person opened through the API by the Forem referent, with their own beneficiary account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

import pytest
from sqlalchemy import func, select

from coordination.access.identity import DevIssuer
from coordination.cadastre.models import Agreement, Service
from coordination.clock import today as brussels_today
from coordination.directory.models import Organisation, OrganisationKind, Role, User

NISS = "85071412330"
API = "/api/v1"


@dataclass
class World:
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    issuer: DevIssuer | None = None
    person_id: str = ""

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def sid(self, key: str) -> str:
        return str(self.services[key].id)


def _service(org: Organisation, name: str, **extra) -> Service:
    values = {
        "organisation_id": org.id,
        "name": name,
        "status": "active",
        "publics": ["demandeurs d'emploi"],
        "service_areas": ["Charleroi"],
        "languages": ["fr"],
        "capacity": 12,
        "description": "Formation qualifiante aux métiers de la construction",
    }
    values.update(extra)
    return Service(**values)


def _agreement(org: Organisation, funder: Organisation, ref: str, *, start: date, end: date, status="active"):
    return Agreement(
        reference=ref,
        title=f"Convention {ref}",
        organisation_id=org.id,
        funder_id=funder.id,
        kind="partnership",
        start_date=start,
        end_date=end,
        status=status,
        territory=["Charleroi"],
        publics=[],
    )


@pytest.fixture
async def world(database, settings, client) -> World:
    w = World(issuer=DevIssuer.from_settings(settings))
    today = brussels_today()
    async with database.sessionmaker() as s:
        for key, name, kind in [
            ("forem", "Le Forem – Charleroi", OrganisationKind.FOREM),
            ("cpas", "CPAS de Charleroi", OrganisationKind.CPAS),
            ("cisp", "CISP Les Ateliers du Pays Noir", OrganisationKind.PARTNER),
            ("mire", "MIRE Charleroi", OrganisationKind.PARTNER),
            ("closed", "ALE Fermée", OrganisationKind.PARTNER),
            ("regulator", "SPW Économie Emploi", OrganisationKind.REGULATOR),
        ]:
            w.orgs[key] = Organisation(name=name, kind=kind, bassin="Charleroi")
            s.add(w.orgs[key])
        await s.flush()
        for key, name, role, org in [
            ("referent", "Sophie Lambert", Role.FOREM_REFERENT, "forem"),
            ("cpas", "Marc Dubois", Role.CPAS_SOCIAL_WORKER, "cpas"),
            ("cisp", "Nadia Benali", Role.PARTNER_OPERATOR, "cisp"),
            ("cisp_manager", "Paul Lejeune", Role.PARTNER_MANAGER, "cisp"),
            ("mire", "Thomas Renard", Role.PARTNER_OPERATOR, "mire"),
            ("regulator", "Anne Colin", Role.REGULATOR, "regulator"),
        ]:
            w.users[key] = User(
                subject=f"test-{key}", display_name=name, role=role, organisation_id=w.orgs[org].id
            )
            s.add(w.users[key])
        w.services["cisp"] = _service(w.orgs["cisp"], "Formation maçonnerie")
        w.services["cisp_full"] = _service(w.orgs["cisp"], "Formation carrelage", capacity=0)
        w.services["mire_namur"] = _service(
            w.orgs["mire"], "Job coaching Namur", service_areas=["Namur"], description="Coaching emploi"
        )
        w.services["closed"] = _service(w.orgs["closed"], "Titres-services")
        for svc in w.services.values():
            s.add(svc)
        w.agreements["cisp"] = _agreement(
            w.orgs["cisp"],
            w.orgs["forem"],
            "CISP-1",
            start=today - timedelta(days=200),
            end=today + timedelta(days=400),
        )
        w.agreements["mire"] = _agreement(
            w.orgs["mire"],
            w.orgs["forem"],
            "MIRE-1",
            start=today - timedelta(days=200),
            end=today + timedelta(days=400),
        )
        w.agreements["closed"] = _agreement(
            w.orgs["closed"],
            w.orgs["forem"],
            "ALE-1",
            start=today - timedelta(days=400),
            end=today - timedelta(days=10),
            status="closed",
        )
        for a in w.agreements.values():
            s.add(a)
        await s.commit()
    for user in w.users.values():
        user.organisation_kind = next(o.kind for o in w.orgs.values() if o.id == user.organisation_id)
        w.tokens[next(k for k, u in w.users.items() if u is user)] = w.issuer.issue(user)

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
    async with database.sessionmaker() as s:
        person_user = User(
            subject="person-julie",
            display_name="Julie Martin",
            role=Role.BENEFICIARY,
            person_id=UUID(w.person_id),
        )
        s.add(person_user)
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
