"""Hardening fixtures: a small world of several roles and two files, one of which almost nobody may read.

``seed_world(database, settings)`` builds it through the real API (so NISS hashing, the gate and the journal
run as in production) plus a few direct rows for facts the API sets elsewhere (consents, referent links):

* person **A** — a registered job seeker: the Forem referent reads it by mandate, the partner (CISP) by a
  consent naming plan/trajectory/progress, the person themself (``beneficiary``) by ``self``;
* person **B** — the "secret" file: opened by the Forem referent, then de-registered, so only the CPAS
  paying B's RIS (``cpas_owner``) holds a mandate; it has an objective, a commitment, a trajectory step, a
  document, a consent (to MIRE) and a visa request. Every other caller must get 403/404 on all of them.

Tokens are minted by the app's development issuer; user rows exist so consent foreign keys hold.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from coordination import clock
from coordination.access.models import AccessJournalEntry, Consent, ConsentChannel, Mandate, MandateKind
from coordination.db.engine import Database
from coordination.directory.models import Organisation, OrganisationKind, Role, User
from coordination.referent.models import ReferentLink
from coordination.settings import Settings

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def niss_for(birth: str, serial: str) -> str:
    """A NISS with a valid mod-97 check (born before 2000)."""
    base = int(birth + serial)
    return f"{birth}{serial}{97 - base % 97:02d}"


@dataclass
class World:
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    person_a: str = ""
    person_b: str = ""
    b_ids: dict[str, str] = field(default_factory=dict)
    """Identifiers of objects in B's file: objective, commitment, step, document, consent, visa."""
    a_ids: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}


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


async def seed_world(database: Database, settings: Settings) -> World:
    from coordination.access.identity import DevIssuer
    from coordination.app import create_app

    issuer = DevIssuer.from_settings(settings)
    w = World()
    async with database.sessionmaker() as s:
        for key, name, kind in [
            ("forem", "Le Forem – Charleroi", OrganisationKind.FOREM),
            ("cpas", "CPAS de Charleroi", OrganisationKind.CPAS),
            ("cpas2", "CPAS de Namur", OrganisationKind.CPAS),
            ("cisp", "CISP Les Ateliers du Pays Noir", OrganisationKind.PARTNER),
            ("mire", "MIRE Charleroi", OrganisationKind.PARTNER),
            ("spw", "SPW Économie Emploi Recherche", OrganisationKind.REGULATOR),
        ]:
            w.orgs[key] = Organisation(name=name, kind=kind, bassin="Charleroi")
            s.add(w.orgs[key])
        await s.flush()
        for key, (role, org) in ROLES.items():
            w.users[key] = User(
                subject=f"hardening-{key}",
                display_name=f"Utilisateur {key}",
                role=role,
                organisation_id=w.orgs[org].id,
            )
            s.add(w.users[key])
        await s.commit()
    kinds = {o.id: o.kind for o in w.orgs.values()}
    for key, user in w.users.items():
        w.tokens[key] = issuer.issue(
            SimpleNamespace(**_user_claims(user), organisation_kind=kinds[user.organisation_id])
        )

    # The test client runs the app in its own event loop: pooled asyncpg connections must not cross loops,
    # so the seeding app owns its engine (same URL), created and disposed in that loop by its lifespan.
    await database.engine.dispose()
    app = create_app(settings.replace(database_url=database.url))
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
    async with database.sessionmaker() as s:
        # B leaves the Forem register: only the CPAS paying B's RIS keeps a mandate.
        await s.execute(
            update(Mandate)
            .where(Mandate.person_id == UUID(w.person_b), Mandate.kind == MandateKind.FOREM_REGISTRATION)
            .values(ended_at=clock.now(), ended_on=date(2025, 6, 1), end_ground="Sortie du registre")
        )
        now = clock.now()
        for pid, org, sections, ids in (
            (w.person_a, "cisp", ["plan", "trajectory", "progress"], w.a_ids),
            (w.person_b, "mire", ["plan", "trajectory", "progress", "documents"], w.b_ids),
        ):
            consent = Consent(
                person_id=UUID(pid),
                recipient_organisation_id=w.orgs[org].id,
                sections=sections,
                purpose="Suivi de la formation",
                given_at=now - timedelta(minutes=1),
                expires_at=now + timedelta(days=180),
                recorded_by_user_id=w.users["referent"].id,
                channel=ConsentChannel.INTERVIEW,
            )
            s.add(consent)
            await s.flush()
            ids["consent"] = str(consent.id)
        beneficiary = User(
            subject=f"person-{w.person_a}",
            display_name="Julie Martin",
            role=Role.BENEFICIARY,
            person_id=UUID(w.person_a),
        )
        s.add(beneficiary)
        s.add(
            ReferentLink(
                person_id=UUID(w.person_a),
                referent_user_id=w.users["referent"].id,
                organisation_id=w.orgs["forem"].id,
                started_at=now,
                reason="orientation",
            )
        )
        await s.commit()
    await database.engine.dispose()
    w.users["beneficiary"] = beneficiary
    w.tokens["beneficiary"] = issuer.issue(
        SimpleNamespace(**_user_claims(beneficiary), organisation_kind=None)
    )
    w.issuer = issuer  # type: ignore[attr-defined]
    return w


def _user_claims(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "display_name": user.display_name,
        "role": user.role,
        "organisation_id": user.organisation_id,
        "team": user.team,
        "person_id": user.person_id,
    }


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
