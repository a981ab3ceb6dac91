"""Demo referents: advisers' portfolios for the demo users, then every demo person gets one referent.

Through the package's own services: orientation from each file's score and digital autonomy, the exact
bulk assignment for Forem's job seekers, the CPAS social worker for RIS beneficiaries of her CPAS, one
documented handover and one recorded contact so the history and the worklist have something to show.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from coordination.access import mandates
from coordination.clock import now as clock_now
from coordination.directory.models import User
from coordination.dossier.models import Person
from coordination.factories import AdviserFactory
from coordination.referent import bulk, services
from coordination.referent.models import Adviser, ReferentLink
from coordination.referent.policies import referent_policies
from coordination.settings import get_settings

ALL_BASSINS = ["Charleroi", "Liège", "Namur", "Mons"]
ASSIGNED_DAYS_AGO = 70
"""The demo's referents took their people over 70 days ago (relative to the clock, so the demo has work
waiting whatever the day): past every first-contact deadline (one or two months), so the worklist shows
overdue first contacts, except for the person handed over and contacted since."""
CONTACTS = {
    # subject: professional phone and e-mail shown to the people followed
    "sophie": ("071 20 61 11", "sophie.lambert@forem.example"),
    "karim": ("071 20 61 12", "karim.benali@forem.example"),
    "econseil": ("0800 93 947", "e-conseil@forem.example"),
    "nadia": ("071 23 45 60", "nadia.service-social@cpas.example"),
    "luc": ("04 220 60 00", "luc.service-social@cpas.example"),
}
PROFILES = {
    # subject: (kind, capacity, cluster, tracks)
    "sophie": ("forem_adviser", 40, "industrie", ["sectoral", "socio_professional"]),
    "karim": ("forem_adviser", 40, "services", ["sectoral", "socio_professional"]),
    "econseil": ("eadviser_team", 500, None, ["digital", "e_adviser"]),
    "nadia": ("cpas_social_worker", 30, None, ["socio_professional"]),
    "luc": ("cpas_social_worker", 30, None, ["socio_professional"]),
}


def _users(users) -> dict[str, User]:
    """Accepts the demo directory (``.users``) or a ``{subject: User}`` mapping."""
    return dict(getattr(users, "users", users))


async def _advisers(session, users: dict[str, User]) -> dict[str, Adviser]:
    advisers: dict[str, Adviser] = {}
    for subject, (kind, capacity, cluster, tracks) in PROFILES.items():
        user = users.get(subject)
        if user is None or user.organisation_id is None:
            continue
        team = user.team if kind == "eadviser_team" else None
        advisers[subject] = AdviserFactory.build(
            kind=kind,
            user_id=None if team else user.id,
            team=team,
            organisation_id=user.organisation_id,
            display_name=user.display_name,
            capacity=capacity,
            cluster=cluster,
            bassins=ALL_BASSINS if kind == "eadviser_team" else ALL_BASSINS[:2],
            languages=["fr", "nl"] if subject == "karim" else ["fr"],
            tracks=tracks,
            phone=CONTACTS.get(subject, (None, None))[0],
            email=CONTACTS.get(subject, (None, None))[1],
        )
    session.add_all(advisers.values())
    await session.flush()
    return advisers


async def seed_referent_demo(session, users) -> None:
    policies = referent_policies(get_settings().policies_dir)
    users = _users(users)
    advisers = await _advisers(session, users)
    now = clock_now()
    started = now - timedelta(days=ASSIGNED_DAYS_AGO)
    people = list(await session.scalars(select(Person).order_by(Person.created_at)))
    cpas_workers = {a.organisation_id: a for a in advisers.values() if a.kind == "cpas_social_worker"}
    forem_people = []
    status = await mandates.statuses(session, [p.id for p in people])
    for person in people:
        await services.ensure_orientation(session, person, policies, now)
        ris_cpas_id = status[person.id].ris_cpas_id
        worker = cpas_workers.get(ris_cpas_id) if ris_cpas_id else None
        if worker is not None and not status[person.id].forem_registered:
            reason = "Bénéficiaire du RIS : suivi par le CPAS (PIIS)"
            await services.assign(
                session, None, policies, services.Opening(person, worker, reason, at=started)
            )
        else:
            forem_people.append(person)
    if forem_people:
        waiting = await bulk.waiting_people(session, among=[p.id for p in forem_people])
        plan = await bulk.plan(session, policies, people=waiting)
        await bulk.apply(session, None, plan, policies, now=started)
    await _one_handover_and_contact(session, advisers, policies, now)


async def _one_handover_and_contact(session, advisers: dict[str, Adviser], policies, now) -> None:
    sophie, karim = advisers.get("sophie"), advisers.get("karim")
    if sophie is None or karim is None:
        return
    link = await session.scalar(
        select(ReferentLink)
        .where(ReferentLink.adviser_id == sophie.id, ReferentLink.ended_at.is_(None))
        .limit(1)
    )
    if link is None:
        return
    person = await session.get(Person, link.person_id)
    if person is None or await services.portfolio_size(session, karim.id) >= karim.capacity:
        return
    await services.handover(
        session,
        None,
        person,
        karim,
        policies,
        reason="Projet réorienté vers les métiers des services",
        note="Entretien de bilan fait ; la personne vise l'aide à domicile, formation qualifiante à envisager.",
        now=now - timedelta(days=10),
    )
    await services.record_contact(
        session, None, person.id, at=now - timedelta(days=9), note="Premier entretien"
    )
