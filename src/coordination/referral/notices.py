"""Who is told what when a referral changes, in plain French: the subscribers of the referral's events
(:mod:`coordination.referral.events`, wired in :mod:`coordination.wiring`). The services record what
happened and never call the inbox; these functions run in the same transaction, so a change and its
messages commit or roll back together.

Never a NISS, never a last name to a partner before consent: the partner's messages carry the first name
and the service only. The workers' items name the person, so they carry ``about_person_id``: the inbox
journals each showing on the person's chain (the sender's through the gate; the partner's on the basis
``referral``, like its cards). Dates are Brussels days in words (« 6 décembre 2026 »)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.cadastre.models import Service
from coordination.directory.models import Organisation, User
from coordination.formatting import day_fr
from coordination.inbox.services import notify, notify_organisation, notify_users
from coordination.referral import events, rules
from coordination.referral.models import Referral, ReferralHistory

PARTNER_ROLES = tuple(sorted(rules.PARTNER_ROLES))


# Links lead to the web pages (the inbox page follows them; the API has the same resources under
# /api/v1/me/referrals, /api/v1/referrals and /api/v1/referrals/received).


def person_link(referral: Referral) -> str:
    return f"/mon-espace/orientations#orientation-{referral.id}"


def worker_link(referral: Referral) -> str:
    return f"/orientations/{referral.id}"


def partner_link(referral: Referral) -> str:
    return f"/orientations/recues/{referral.id}"


def access_ended_fr(org_name: str) -> str:
    return f" Votre accord pour {org_name} prend fin avec elle : {org_name} n'a plus accès à votre dossier."


@dataclass(frozen=True)
class About:
    """What a message names: the referral, its service and the partner organisation."""

    referral: Referral
    service: str
    organisation: str

    @property
    def first_name(self) -> str:
        return self.referral.person_first_name


async def _about(session: AsyncSession, event: events.ReferralEvent) -> About:
    referral = await session.get(Referral, event.referral_id)
    if referral is None:  # recorded by the service that holds it: never missing in its transaction
        raise LookupError(f"referral {event.referral_id} of a {event.kind} event")
    service = await session.scalar(select(Service.name).where(Service.id == referral.service_id))
    org = await session.scalar(
        select(Organisation.name).where(Organisation.id == referral.to_organisation_id)
    )
    return About(referral, service or "", org or "")


async def _actor_name(session: AsyncSession, user_id: UUID | None) -> str:
    name = await session.scalar(select(User.display_name).where(User.id == user_id)) if user_id else None
    return name or "Un professionnel"


async def _note_of(session: AsyncSession, referral_id: UUID, event: str) -> str | None:
    """The note of the referral's latest history row of that kind (a free text stays in its row)."""
    return await session.scalar(
        select(ReferralHistory.note)
        .where(ReferralHistory.referral_id == referral_id, ReferralHistory.event == event)
        .order_by(ReferralHistory.at.desc(), ReferralHistory.id.desc())
        .limit(1)
    )


# --- the three addressees ----------------------------------------------------------------------------


def _message(referral: Referral, kind: str, title: str, body: str, link: str) -> dict[str, Any]:
    """The inbox item itself, whoever it goes to: about this referral, with the link its addressee follows."""
    return {"kind": kind, "title_fr": title, "body_fr": body, "link": link, "subject_id": referral.id}


async def to_person(session: AsyncSession, referral: Referral, kind: str, title: str, body: str) -> None:
    await notify(
        session, person_id=referral.person_id, **_message(referral, kind, title, body, person_link(referral))
    )


async def to_sender(
    session: AsyncSession, referral: Referral, kind: str, title: str, body: str, *, actor: UUID | None
) -> None:
    await notify_users(
        session,
        [referral.from_user_id],
        exclude_user_id=actor,
        about_person_id=referral.person_id,
        **_message(referral, kind, title, body, worker_link(referral)),
    )


async def to_partner(
    session: AsyncSession, referral: Referral, kind: str, title: str, body: str, *, actor: UUID | None
) -> None:
    await notify_organisation(
        session,
        referral.to_organisation_id,
        roles=PARTNER_ROLES,
        exclude_user_id=actor,
        about_person_id=referral.person_id,
        about_basis="referral",
        **_message(referral, kind, title, body, partner_link(referral)),
    )


# --- subscribers -------------------------------------------------------------------------------------


async def tell_sent(session: AsyncSession, event: events.ReferralSent) -> None:
    about = await _about(session, event)
    r, category = about.referral, event.reason_category_label.lower()
    await to_partner(
        session,
        r,
        "referral_received",
        f"Nouvelle orientation : {about.first_name}",
        f"{about.first_name} ({r.person_bassin or 'bassin non précisé'}) vous est orienté·e vers "
        f"« {about.service} » — motif : {category}. Merci de répondre au plus tard le {day_fr(r.deadline)}.",
        actor=event.actor_user_id,
    )
    sender = await _actor_name(session, event.actor_user_id)
    await to_person(
        session,
        r,
        "referral_sent",
        f"Nouvelle orientation vers {about.organisation}",
        f"{sender} vous propose le service « {about.service} » de {about.organisation}. "
        f"Motif : {category}. Vous pouvez suivre la réponse dans votre espace et retirer cette "
        "orientation à tout moment.",
    )


async def tell_consent_requested(session: AsyncSession, event: events.ReferralConsentRequested) -> None:
    about = await _about(session, event)
    r, org = about.referral, about.organisation
    await to_person(
        session,
        r,
        "consent_requested",
        f"Votre accord est demandé pour {org}",
        f"Pour vous accueillir, {org} a besoin de voir ces parties de votre dossier : "
        f"{rules.section_labels_fr(list(r.requested_sections))}, jusqu'au {day_fr(r.consent_expires_at)}. Sans votre "
        "accord, le partenaire ne voit que votre prénom, votre bassin et le type de demande. Vous pouvez "
        "accepter ou refuser dans votre espace, et retirer votre accord plus tard.",
    )


async def tell_consent_given(session: AsyncSession, event: events.ReferralConsentGiven) -> None:
    about = await _about(session, event)
    r, labels = about.referral, rules.section_labels_fr(list(about.referral.requested_sections))
    await to_partner(
        session,
        r,
        "consent_given",
        f"Consentement donné : {about.first_name}",
        f"{about.first_name} a donné son accord : vous pouvez consulter {labels} pour l'orientation "
        f"vers « {about.service} ».",
        actor=event.actor_user_id,
    )
    await to_sender(
        session,
        r,
        "consent_given",
        "Consentement donné",
        f"Le consentement pour l'orientation vers « {about.service} » ({about.organisation}) est donné.",
        actor=event.actor_user_id,
    )


async def tell_consent_declined(session: AsyncSession, event: events.ReferralConsentDeclined) -> None:
    about = await _about(session, event)
    r = about.referral
    msg = f"{about.first_name} n'a pas donné son accord : l'orientation vers « {about.service} » est retirée."
    await to_partner(session, r, "referral_withdrawn", "Orientation retirée", msg, actor=None)
    await to_sender(session, r, "referral_withdrawn", "Accord refusé, orientation retirée", msg, actor=None)


async def tell_consent_withdrawn(session: AsyncSession, event: events.ReferralConsentWithdrawn) -> None:
    """The partner and the sender (the person is told by the access package when someone else recorded
    the withdrawal)."""
    about = await _about(session, event)
    r = about.referral
    await to_partner(
        session,
        r,
        "consent_withdrawn",
        f"Consentement retiré : {about.first_name}",
        f"L'accord de {about.first_name} est retiré : vous n'avez plus accès à son dossier.",
        actor=event.actor_user_id,
    )
    await to_sender(
        session,
        r,
        "consent_withdrawn",
        "Consentement retiré",
        f"Le consentement pour l'orientation vers « {about.service} » ({about.organisation}) a été retiré.",
        actor=event.actor_user_id,
    )


def _answer_words(about: About, event: events.ReferralAnswered) -> tuple[tuple[str, str], tuple[str, str]]:
    """(title, body) for the person, then for the sender, of the partner's answer."""
    org, service, r = about.organisation, about.service, about.referral
    if event.answer == rules.ACCEPTED:
        start = day_fr(r.agreed_start_date)
        return (
            (f"{org} a dit oui", f"{org} accepte votre venue pour « {service} ». Début prévu le {start}."),
            ("Orientation acceptée", f"{org} accepte l'orientation vers « {service} » ; début le {start}."),
        )
    if event.answer == rules.REFUSED:
        label = event.refusal_label or ""
        return (
            (
                f"{org} ne peut pas vous accueillir",
                f"{org} a répondu non pour « {service} » ({label.lower()}). Votre référent·e vous proposera "
                "une autre piste." + (access_ended_fr(org) if event.access_ended else ""),
            ),
            (
                "Orientation refusée",
                f"{org} refuse l'orientation vers « {service} » : {label}."
                + (f" {r.refusal_text}" if r.refusal_text else ""),
            ),
        )
    return (
        (
            f"Liste d'attente chez {org}",
            f"{org} vous inscrit sur sa liste d'attente pour « {service} ». Vous serez prévenu·e dès qu'une "
            "place se libère.",
        ),
        ("Orientation en liste d'attente", f"{org} met l'orientation vers « {service} » en liste d'attente."),
    )


async def tell_answered(session: AsyncSession, event: events.ReferralAnswered) -> None:
    about = await _about(session, event)
    (person_title, person_body), (sender_title, sender_body) = _answer_words(about, event)
    await to_person(session, about.referral, "referral_answered", person_title, person_body)
    await to_sender(
        session, about.referral, "referral_answered", sender_title, sender_body, actor=event.actor_user_id
    )


async def tell_withdrawn(session: AsyncSession, event: events.ReferralWithdrawn) -> None:
    about = await _about(session, event)
    r, org, service = about.referral, about.organisation, about.service
    await to_partner(
        session,
        r,
        "referral_withdrawn",
        f"Orientation retirée : {about.first_name}",
        f"L'orientation de {about.first_name} vers « {service} » est retirée. Aucune réponse n'est plus "
        "attendue." + (" Vous n'avez plus accès à son dossier." if event.access_ended else ""),
        actor=event.actor_user_id,
    )
    if event.by_person:
        await to_sender(
            session,
            r,
            "referral_withdrawn",
            "Orientation retirée par la personne",
            f"La personne a retiré l'orientation vers « {service} » ({org}).",
            actor=event.actor_user_id,
        )
        return
    reason = await _note_of(session, r.id, "withdrawn")
    await to_person(
        session,
        r,
        "referral_withdrawn",
        f"Orientation vers {org} retirée",
        f"{await _actor_name(session, event.actor_user_id)} a retiré l'orientation vers « {service} »."
        + (f" Raison : {reason}" if reason else "")
        + (access_ended_fr(org) if event.access_ended else ""),
    )


async def tell_reminded(session: AsyncSession, event: events.ReferralReminded) -> None:
    about = await _about(session, event)
    r = about.referral
    await to_partner(
        session,
        r,
        "referral_reminder",
        f"Rappel : orientation de {about.first_name}",
        f"Merci de répondre à l'orientation de {about.first_name} vers « {about.service} » avant le "
        f"{day_fr(r.deadline)} ({event.working_days_left} jour(s) ouvrable(s)).",
        actor=None,
    )


async def tell_expired(session: AsyncSession, event: events.ReferralExpired) -> None:
    about = await _about(session, event)
    r, org, service = about.referral, about.organisation, about.service
    await to_partner(
        session,
        r,
        "referral_expired",
        f"Orientation sans réponse : {about.first_name}",
        f"Le délai pour répondre à l'orientation de {about.first_name} vers « {service} » est dépassé "
        f"(échéance le {day_fr(r.deadline)})."
        + (" Vous n'avez plus accès à son dossier." if event.access_ended else ""),
        actor=None,
    )
    await to_sender(
        session,
        r,
        "referral_expired",
        "Orientation sans réponse",
        f"{org} n'a pas répondu à l'orientation vers « {service} » dans le délai. Vous pouvez relancer ou "
        "orienter ailleurs.",
        actor=None,
    )
    await to_person(
        session,
        r,
        "referral_expired",
        f"Pas de réponse de {org}",
        f"{org} n'a pas répondu dans le délai pour « {service} ». Votre référent·e vous proposera une "
        "suite." + (access_ended_fr(org) if event.access_ended else ""),
    )


SUBSCRIBERS = (
    (events.ReferralSent, tell_sent),
    (events.ReferralConsentRequested, tell_consent_requested),
    (events.ReferralConsentGiven, tell_consent_given),
    (events.ReferralConsentDeclined, tell_consent_declined),
    (events.ReferralConsentWithdrawn, tell_consent_withdrawn),
    (events.ReferralAnswered, tell_answered),
    (events.ReferralWithdrawn, tell_withdrawn),
    (events.ReferralReminded, tell_reminded),
    (events.ReferralExpired, tell_expired),
)
"""Every referral event and its subscriber (:func:`coordination.wiring.wire` subscribes them)."""
