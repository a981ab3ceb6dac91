"""Who is told what about a person's referent: a handover (the person, the former and the new referent)
and a first contact gone overdue (the referent).

These are the subscribers of :mod:`coordination.referent.events` (wired in :mod:`coordination.wiring`):
the referent services record an event and never call the inbox themselves. They run in the transaction
that recorded the event, so a handover and its notices commit or roll back together."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.models import User
from coordination.dossier.models import Person
from coordination.formatting import day_fr
from coordination.inbox.services import notify, notify_users
from coordination.referent.events import FirstContactOverdue, ReferentHandedOver
from coordination.referent.models import Adviser, ReferentLink
from coordination.referent.services import KIND_LABELS_FR, link_users

OWN_SPACE = "/mon-espace"
PORTFOLIO = "/portefeuille"


def file_link(person_id: UUID) -> str:
    """The worker's page of the person's file (web)."""
    return f"/dossiers/{person_id}"


async def _adviser_name(session: AsyncSession, link: ReferentLink, default: str) -> str:
    adviser = await session.get(Adviser, link.adviser_id) if link.adviser_id else None
    return adviser.display_name if adviser else default


async def tell_handover(session: AsyncSession, event: ReferentHandedOver) -> None:
    """The person (always), the former and the new referent (not the one who made the handover) are told.
    The person reads who their referent is now and why; only the new referent reads the handover note: it
    was written for them, and the former referent has just lost the file it is about. The referents' items
    name the person, so they carry ``about_person_id``: the inbox shows them through the gate and journals
    each showing on the person's chain."""
    former = await session.get(ReferentLink, event.former_link_id)
    new = await session.get(ReferentLink, event.new_link_id)
    if former is None or new is None:
        return
    person = await session.get(Person, new.person_id)
    if person is None:
        return
    actor = await session.get(User, event.actor_user_id) if event.actor_user_id else None
    former_name = await _adviser_name(session, former, "votre ancien·ne référent·e")
    new_name = await _adviser_name(session, new, new.team or "—")
    since = day_fr(new.started_at)  # its Brussels day
    reason = new.reason
    full_name = f"{person.first_name} {person.last_name}"
    who = f" par {actor.display_name}" if actor else ""
    await notify(
        session,
        person_id=person.id,
        kind="referent_handover",
        title_fr="Changement de référent",
        body_fr=(
            f"Depuis le {since}, votre référent·e est {new_name} "
            f"({KIND_LABELS_FR.get(new.kind, 'référent·e')}), à la place de {former_name}. Motif : {reason}. "
            "Vous retrouvez ses coordonnées dans votre espace."
        ),
        link=OWN_SPACE,
        subject_id=new.id,
    )
    await _tell_holders(
        session,
        former,
        event,
        title=f"Passation : {person.first_name} est suivi·e par {new_name}",
        body=(
            f"Le suivi de {full_name} passe à {new_name} depuis le {since} (passation faite{who}). "
            f"Motif : {reason}. La note de passation est transmise au nouveau référent."
        ),
        link=PORTFOLIO,
    )
    await _tell_holders(
        session,
        new,
        event,
        title=f"Nouvelle personne suivie : {full_name}",
        body=(
            f"Vous êtes le ou la référent·e de {full_name} depuis le {since}, à la suite de {former_name}{who}. "
            f"Motif : {reason}. Note de passation : {new.handover_note or ''}"
        ),
        link=file_link(person.id),
    )


async def _tell_holders(
    session: AsyncSession,
    holders_of: ReferentLink,
    event: ReferentHandedOver,
    *,
    title: str,
    body: str,
    link: str,
) -> None:
    """A handover notice to the holders of one of its two links (not the one who made it): it names the
    person, so it is about her and shows through the gate; its subject is the new link."""
    await notify_users(
        session,
        await link_users(session, holders_of),
        exclude_user_id=event.actor_user_id,
        kind="referent_handover",
        title_fr=title,
        body_fr=body,
        link=link,
        subject_id=event.new_link_id,
        about_person_id=holders_of.person_id,
    )


async def tell_first_contact_overdue(session: AsyncSession, event: FirstContactOverdue) -> None:
    """The link's holders (the named referent, or every member of the e-adviser team) are told the first
    contact is late, counted in Brussels days on the day the event was recorded."""
    link = await session.get(ReferentLink, event.link_id)
    if link is None or link.first_contact_due is None:
        return
    person = await session.get(Person, link.person_id)
    if person is None:
        return
    name = f"{person.first_name} {person.last_name}"
    late = (event.today - link.first_contact_due).days
    await notify_users(
        session,
        await link_users(session, link),
        kind="first_contact_overdue",
        title_fr=f"Premier contact en retard : {name}",
        body_fr=(
            f"Le premier contact avec {name} était prévu au plus tard le {day_fr(link.first_contact_due)} "
            f"({late} jour(s) de retard). Prenez contact et notez-le dans le dossier."
        ),
        link=file_link(link.person_id),
        about_person_id=link.person_id,
        subject_id=link.id,
    )
