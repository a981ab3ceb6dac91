"""The list predicate selects exactly the persons the single-file gate allows (issue 16).

Random worlds (seeded, so a failure is reproducible): Forem and CPAS organisations and partners, people
with current and ended mandate assertions, referent links held by a user or a team (active or ended),
consents to random organisations for random sections (in force, expired, not yet valid, withdrawn, given
for a referral that was refused, is overdue or is still running), and the people themselves. For every
principal (each role, teams included) and every section, the set selected by
:func:`coordination.access.filter.readable` equals the set of persons for which ``check_sections`` allows,
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from coordination.access.filter import readable
from coordination.access.gate import check_sections
from coordination.access.models import ConsentEvent, ConsentEventKind, MandateKind
from coordination.access.policy import FILE_SECTIONS
from coordination.clock import brussels_day
from coordination.db.base import utcnow
from coordination.directory.models import OrganisationKind, Role
from coordination.dossier.models import Person
from coordination.factories import ServiceFactory
from coordination.referral.models import Referral
from tests.fixtures.world import World, make_world
from tests.integration.access import seed

SECTIONS = [s.value for s in FILE_SECTIONS] + ["journal", "consents"]
WORLDS = 4
PEOPLE = 18


def _referral(session, rnd, person, partner, service, sender, forem, consent_id, state: str) -> None:
    today = brussels_day(utcnow())
    status, deadline = {
        "running": ("sent", today + timedelta(days=3)),
        "overdue": ("sent", today - timedelta(days=1)),
        "refused": ("refused", today + timedelta(days=3)),
        "accepted": ("accepted", today + timedelta(days=3)),
    }[state]
    session.add(
        Referral(
            person_id=person.id,
            from_user_id=sender.id,
            from_organisation_id=forem.id,
            service_id=service.id,
            to_organisation_id=partner.id,
            reason_category="other",
            reason="Orientation de test",
            requested_sections=["identity", "plan"],
            person_first_name="Prénom",
            consent_state="given",
            consent_id=consent_id,
            consent_expires_at=utcnow() + timedelta(days=90),
            status=status,
            deadline=deadline,
            rules_version="test",
            refusal_reason="Complet" if status == "refused" else None,
            agreed_start_date=today if status == "accepted" else None,
        )
    )


ORGANISATIONS = {
    **{f"forem{i}": (f"Forem {i}", OrganisationKind.FOREM) for i in range(2)},
    **{f"cpas{i}": (f"CPAS {i}", OrganisationKind.CPAS) for i in range(2)},
    **{f"partner{i}": (f"Partenaire {i}", OrganisationKind.PARTNER) for i in range(3)},
    "region": ("Région", OrganisationKind.REGULATOR),
}
USERS = {
    "forem_referent": ("Référente", Role.FOREM_REFERENT, "forem0"),
    "forem_eadviser_team": ("E-conseillère en équipe", Role.FOREM_EADVISER, "forem0", {"team": "equipe-a"}),
    "forem_eadviser_alone": ("E-conseillère seule", Role.FOREM_EADVISER, "forem1"),
    "cpas_a": ("Assistante A", Role.CPAS_SOCIAL_WORKER, "cpas0"),
    "cpas_b": ("Assistante B", Role.CPAS_SOCIAL_WORKER, "cpas1"),
    "partner_op": ("Opératrice", Role.PARTNER_OPERATOR, "partner0"),
    "partner_mgr": ("Responsable", Role.PARTNER_MANAGER, "partner0"),
    "partner_other": ("Opérateur d'ailleurs", Role.PARTNER_OPERATOR, "partner1"),
    "regulator": ("Régulatrice", Role.REGULATOR, "region"),
    "dpo": ("DPO", Role.DPO, "region"),
    "admin": ("Administratrice", Role.ADMIN, None),
}


@pytest.fixture
async def world(database, settings) -> World:
    """The shared world with this file's organisations and one user of each kind of caller (no one else)."""
    return await make_world(database, settings, ORGANISATIONS, USERS, bassin=None, subject_prefix="eq")


async def _world(session, world: World, rnd: random.Random):
    """The random part: people, their mandates, referent links, consents and referrals, on the world."""
    forem = [world.orgs[f"forem{i}"] for i in range(2)]
    cpas = [world.orgs[f"cpas{i}"] for i in range(2)]
    partners = [world.orgs[f"partner{i}"] for i in range(3)]
    users = dict(world.users)
    services = [
        ServiceFactory.build(
            organisation_id=p.id,
            name=f"Service {i}",
            status="active",
            publics=[],
            service_areas=[],
            languages=[],
        )
        for i, p in enumerate(partners)
    ]
    session.add_all(services)
    await session.flush()
    people = []
    for _ in range(PEOPLE):
        person = seed.person(session)
        people.append(person)
    await session.flush()
    for person in people:
        if rnd.random() < 0.4:
            m = seed.mandate(session, person, MandateKind.FOREM_REGISTRATION, rnd.choice(forem).id)
            if rnd.random() < 0.3:
                m.ended_at = utcnow()
        if rnd.random() < 0.4:
            m = seed.mandate(session, person, MandateKind.RIS, rnd.choice(cpas).id)
            if rnd.random() < 0.3:
                m.ended_at = utcnow()
        if rnd.random() < 0.4:
            org = rnd.choice([forem[0], forem[1], cpas[0]])
            holder = rnd.choice(
                [users["forem_referent"], users["forem_eadviser_alone"], users["cpas_a"], None]
            )
            link = seed.referent_link(
                session,
                person.id,
                org.id,
                user_id=holder.id if holder else None,
                team=None if holder else "equipe-a",
            )
            if rnd.random() < 0.25:
                link.started_at = utcnow() - timedelta(days=30)
                link.ended_at = utcnow() - timedelta(days=1)
        for _ in range(rnd.randrange(0, 3)):
            recipient = rnd.choice([*partners, *forem, *cpas])
            sections = rnd.sample(SECTIONS[:9], rnd.randrange(1, 5))
            state = rnd.choice(["active", "active", "expired", "withdrawn", "future"])
            consent = seed.consent(
                session,
                person.id,
                recipient.id,
                sections,
                users["admin"].id,
                state="expired" if state == "expired" else "active",
            )
            if state == "withdrawn":
                session.add(ConsentEvent(consent_id=consent.id, kind=ConsentEventKind.WITHDRAWN, at=utcnow()))
            if state == "future":
                consent.given_at = utcnow() + timedelta(days=2)
            if recipient in partners and rnd.random() < 0.5:
                await session.flush()
                _referral(
                    session,
                    rnd,
                    person,
                    recipient,
                    services[partners.index(recipient)],
                    users["forem_referent"],
                    forem[0],
                    consent.id,
                    rnd.choice(["running", "overdue", "refused", "accepted"]),
                )
    principals = {key: world.principal(key) for key in users}
    # two people have their own accounts
    for person in people[:2]:
        principals[f"person-{person.id}"] = seed.principal_of(
            seed.user(session, Role.BENEFICIARY, None, person_id=person.id), None
        )
    await session.commit()
    return principals, [p.id for p in people]


@pytest.mark.parametrize("world_seed", range(WORLDS))
async def test_the_predicate_selects_exactly_what_the_gate_allows(database, world, world_seed) -> None:
    rnd = random.Random(1600 + world_seed)
    async with database.sessionmaker() as session:
        principals, people = await _world(session, world, rnd)
        dialect = session.get_bind().dialect.name
        mismatches, compared = [], defaultdict(int)
        for key, principal in principals.items():
            allowed: dict[str, set] = defaultdict(set)
            for person_id in people:
                decisions = await check_sections(
                    session, principal, person_id=person_id, sections=SECTIONS, action="read", request_id="eq"
                )
                for section, decision in decisions.items():
                    if decision.allowed:
                        allowed[section].add(person_id)
            await session.commit()
            for section in SECTIONS:
                found = readable(principal, section, "read", dialect=dialect)
                selected = set()
                if found is not None:
                    selected = set(
                        (
                            await session.scalars(select(Person.id).where(found.where, Person.id.in_(people)))
                        ).all()
                    )
                compared[bool(selected)] += 1
                if selected != allowed[section]:
                    mismatches.append(
                        (
                            key,
                            section,
                            sorted(map(str, selected - allowed[section])),
                            sorted(map(str, allowed[section] - selected)),
                        )
                    )
                # the basis given per shown row is the one the gate journals
                if found is not None and selected:
                    bases = dict(
                        (
                            await session.execute(
                                select(Person.id, found.basis).where(Person.id.in_(selected))
                            )
                        ).all()
                    )
                    assert None not in bases.values(), (key, section)
        assert not mismatches, mismatches[:10]
        assert compared[True] >= 20 and compared[False] >= 20, compared  # the worlds are not trivial
