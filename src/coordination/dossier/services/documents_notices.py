"""Telling the person that a document was added to their file (the person first: they always know when
someone else put something in their file). Plain French, the title of the document and who added it, a
link to their own space; never the document's content."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.directory.models import Organisation
from coordination.dossier.models import Document

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


async def tell_person(
    session: AsyncSession, principal: Principal | None, document: Document, *, new_version: bool
) -> bool:
    """One inbox entry for the person, unless they added it themself. Returns whether one was written."""
    from coordination.inbox.services import notify

    if principal is not None and principal.person_id == document.person_id:
        return False
    who = "Un service"
    if principal is not None:
        who = principal.display_name
        org = (
            await session.get(Organisation, principal.organisation_id) if principal.organisation_id else None
        )
        if org is not None:
            who = f"{principal.display_name} ({org.name})"
    what = CATEGORY_WORDS.get(document.category, "un document")
    if new_version:
        title = "Nouvelle version d'un document de votre dossier"
        body = f"{who} a déposé une nouvelle version du document « {document.title} » dans votre dossier."
    else:
        title = "Nouveau document dans votre dossier"
        body = f"{who} a ajouté {what} à votre dossier : « {document.title} »."
    await notify(
        session,
        person_id=document.person_id,
        kind="document_added",
        title_fr=title,
        body_fr=body + " Vous pouvez le consulter dans votre espace.",
        link=OWN_SPACE,
        subject_id=document.id,
    )
    return True
