"""The person is told, in her inbox, that someone else put a document in her file (the person first: she
always knows). Plain French, the document's title and who added it, a link to her own space; never the
document's content.

The subscriber of :class:`coordination.dossier.events.DocumentAdded` (wired in :mod:`coordination.wiring`):
the document service records the event and never imports the inbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.models import Organisation, User
from coordination.dossier.events import DocumentAdded
from coordination.dossier.models import Document
from coordination.inbox.services import notify

OWN_SPACE = "/mon-espace"
CATEGORY_WORDS = {
    "cv": "un CV",
    "certificate": "une attestation",
    "contract": "un contrat ou une convention",
    "consent_form": "un formulaire de consentement signé",
    "identity": "une pièce d'identité",
    "payslip": "un justificatif de revenus",
    "other": "un document",
}


async def _who(session: AsyncSession, event: DocumentAdded) -> str:
    """« Name (Organisation) », the name alone without an organisation, « Un service » without an actor."""
    if event.actor_user_id is None:
        return "Un service"
    user = await session.get(User, event.actor_user_id)
    name = user.display_name if user is not None else "Un professionnel"
    org = (
        await session.get(Organisation, event.actor_organisation_id) if event.actor_organisation_id else None
    )
    return f"{name} ({org.name})" if org is not None else name


def _words(document: Document, who: str, new_version: bool) -> tuple[str, str]:
    if new_version:
        return (
            "Nouvelle version d'un document de votre dossier",
            f"{who} a déposé une nouvelle version du document « {document.title} » dans votre dossier.",
        )
    what = CATEGORY_WORDS.get(document.category, "un document")
    return (
        "Nouveau document dans votre dossier",
        f"{who} a ajouté {what} à votre dossier : « {document.title} ».",
    )


async def tell_document_added(session: AsyncSession, event: DocumentAdded) -> None:
    """One inbox entry for the person, unless she added it herself or the caller's notice names it."""
    if event.told_by_caller:
        return
    document = await session.get(Document, event.document_id)
    if document is None or event.actor_person_id == document.person_id:
        return
    title, body = _words(document, await _who(session, event), event.new_version)
    await notify(
        session,
        person_id=document.person_id,
        kind="document_added",
        title_fr=title,
        body_fr=body + " Vous pouvez le consulter dans votre espace.",
        link=OWN_SPACE,
        subject_id=document.id,
    )
