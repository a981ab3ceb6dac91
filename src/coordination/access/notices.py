"""The person is told, in her inbox, what others changed in who may see her file: consents recorded,
withdrawn, renewed or ended on her behalf, consents about to end, mandates declared or closed.

These are the subscribers of :mod:`coordination.access.events` (wired in :mod:`coordination.wiring`): the
services that change consents and mandates record an event and never have to remember to tell her."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.events import ConsentChanged, ConsentEnded, ConsentExpiring, MandateChanged
from coordination.access.mandates import KIND_LABELS_FR
from coordination.access.models import Consent, Mandate
from coordination.access.policy import SECTION_LABELS_FR, Section
from coordination.directory.models import Organisation, User
from coordination.formatting import day_fr
from coordination.inbox.services import notify

OWN_SPACE = "/mon-espace"

WITHDRAWABLE_NOTICES = ("consent_given", "consent_renewed")
"""Kinds of the person's notifications about a consent recorded on her behalf; their ``subject_id`` is the
consent, and the inbox offers to withdraw it in one click."""


def consent_anchor(consent_id) -> str:
    return f"{OWN_SPACE}#consentement-{consent_id}"


async def _organisation_name(session: AsyncSession, organisation_id) -> str:
    name = await session.scalar(select(Organisation.name).where(Organisation.id == organisation_id))
    return name or "un organisme"


async def _tell(session: AsyncSession, consent: Consent, kind: str, title: str, body: str) -> None:
    await notify(
        session,
        person_id=consent.person_id,
        kind=kind,
        title_fr=title,
        body_fr=body,
        link=consent_anchor(consent.id),
        subject_id=consent.id,
    )


def _consent_words(change: str, who: str, org_name: str, sections: str, until: str, reason: str | None):
    if change == "given":
        return (
            "consent_given",
            f"Un accord a été enregistré en votre nom pour {org_name}",
            (
                f"{who} a enregistré votre accord signé sur papier (le formulaire est dans votre dossier) : "
                f"{org_name} peut consulter {sections} jusqu'au {until}. Si vous n'avez pas signé cet accord, ou "
                "si vous changez d'avis, retirez-le en un clic : l'accès s'arrête immédiatement."
            ),
        )
    if change == "withdrawn":
        because = f" Motif : {reason}" if reason else ""
        return (
            "consent_withdrawn",
            f"Votre accord pour {org_name} a été retiré",
            (
                f"{who} a enregistré le retrait de votre accord, sur votre demande signée (elle est dans votre "
                f"dossier) : {org_name} ne voit plus votre dossier.{because}"
            ),
        )
    if change == "renewed":
        return (
            "consent_renewed",
            f"Votre accord pour {org_name} a été renouvelé",
            (
                f"{who} a enregistré le renouvellement de votre accord, signé sur papier : {org_name} peut "
                f"consulter {sections} jusqu'au {until}. Vous pouvez le retirer en un clic, à tout moment."
            ),
        )
    raise ValueError(f"unknown consent change: {change}")


async def tell_consent_changed(session: AsyncSession, event: ConsentChanged) -> None:
    """Someone else recorded, withdrew or renewed a consent on her behalf: she is told at once. A
    ``given``/``renewed`` notice carries the consent as its subject: her inbox offers to withdraw it in one
    click. Nothing when she acted herself."""
    consent = await session.get(Consent, event.consent_id)
    if consent is None or event.actor_person_id == consent.person_id:
        return
    actor = await session.get(User, event.actor_user_id) if event.actor_user_id else None
    org_name = await _organisation_name(session, consent.recipient_organisation_id)
    sections = ", ".join(SECTION_LABELS_FR[Section(s)] for s in consent.sections)
    kind, title, body = _consent_words(
        event.change,
        actor.display_name if actor else "Un professionnel",
        org_name,
        sections,
        day_fr(consent.expires_at),
        event.reason,
    )
    await _tell(session, consent, kind, title, body)


async def _tell_about(
    session: AsyncSession, consent_id: UUID, words: Callable[[Consent, str], tuple[str, str, str]]
) -> None:
    """Tell the person about one of her consents (gone since the event: nothing to say); ``words(consent,
    recipient's name)`` gives the notice's kind, title and body."""
    consent = await session.get(Consent, consent_id)
    if consent is None:
        return
    kind, title, body = words(consent, await _organisation_name(session, consent.recipient_organisation_id))
    await _tell(session, consent, kind, title, body)


def _ended_words(reason: str) -> Callable[[Consent, str], tuple[str, str, str]]:
    def words(consent: Consent, org_name: str) -> tuple[str, str, str]:
        return (
            "consent_ended",
            f"Votre accord pour {org_name} a pris fin",
            f"Votre accord pour {org_name} a pris fin : {reason} {org_name} n'a plus accès à votre dossier.",
        )

    return words


def _expiring_words(consent: Consent, org_name: str) -> tuple[str, str, str]:
    return (
        "consent_expiring",
        f"Votre accord pour {org_name} prend fin bientôt",
        f"Votre accord permettant à {org_name} de consulter votre dossier prend fin le "
        f"{day_fr(consent.expires_at)}. Si vous voulez qu'il continue, renouvelez-le dans votre espace ; "
        "sinon, vous n'avez rien à faire.",
    )


async def tell_consent_ended(session: AsyncSession, event: ConsentEnded) -> None:
    if not event.told_by_caller:
        await _tell_about(session, event.consent_id, _ended_words(event.reason))


async def tell_consent_expiring(session: AsyncSession, event: ConsentExpiring) -> None:
    await _tell_about(session, event.consent_id, _expiring_words)


async def tell_mandate_changed(session: AsyncSession, event: MandateChanged) -> None:
    mandate = await session.get(Mandate, event.mandate_id)
    if mandate is None:
        return
    org_name = await _organisation_name(session, mandate.organisation_id)
    label = KIND_LABELS_FR[mandate.kind]
    if event.change == "asserted":
        kind, title = "mandate_asserted", f"{org_name} a déclaré un mandat sur votre dossier"
        body = (
            f"{mandate.asserted_by_name} ({org_name}) a déclaré : {label}, depuis le "
            f"{day_fr(mandate.started_on)} (fondement : {mandate.ground}). {org_name} peut donc consulter "
            "votre dossier dans le cadre de sa mission légale. Si c'est inexact, contactez le délégué à la "
            "protection des données."
        )
    else:
        kind, title = "mandate_ended", f"{org_name} a clos son mandat sur votre dossier"
        body = (
            f"{mandate.ended_by_name} ({org_name}) a clos : {label}, au {day_fr(mandate.ended_on)} "
            f"(motif : {mandate.end_ground}). Sans autre base (référent, consentement), {org_name} ne voit "
            "plus votre dossier."
        )
    await notify(
        session,
        person_id=mandate.person_id,
        kind=kind,
        title_fr=title,
        body_fr=body,
        link=OWN_SPACE,
        subject_id=mandate.id,
    )
