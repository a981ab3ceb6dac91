"""Reaching one document of a file: through the gate for its own section, then its stored bytes.

Shared by the API (``/api/v1/persons/{id}/documents/…``), the file page's document forms and the visa
certificate download, so a document is found, gated and opened the same way everywhere.
"""

from __future__ import annotations

import logging
from uuid import UUID

from coordination.access.principal import Principal
from coordination.dossier.context import FileRequest
from coordination.dossier.models import Document, DocumentVersion
from coordination.dossier.services.documents import find_document
from coordination.errors import Conflict, NotFound, ServiceUnavailable
from coordination.storage.base import DocumentStore, NotFoundInStore, ObjectStream, StorageError

BY_DOCUMENT = "la section (documents ou contrats) dépend du document : le gate est appelé par gated_document"
"""The ``opt["gate"]`` of a route whose section is the document's (``coordination policy check``)."""


async def gated_document(ctx: FileRequest, person_id: UUID, document_id: UUID, action: str) -> Document:
    """The document, after the gate said yes for its section. An id that designates no document of this
    file is refused by the gate first (journaled 403) to whoever may not read the file's documents: only
    a reader who could see it learns that it does not exist (404)."""
    document = await find_document(ctx.session, person_id, document_id)
    if document is None:
        await ctx.require(person_id, "documents", action)
    else:
        await ctx.require(person_id, document.section, action, document_id=document_id)
    if document is None:
        raise NotFound("Document introuvable dans ce dossier.", "document-not-found")
    return document


def needs_confirmation(principal: Principal, row: DocumentVersion) -> bool:
    """A document no antivirus analysed (no scanner configured: development) is downloaded by anyone but
    its uploader only after an explicit confirmation (``?confirm=true``), never silently (issue 20)."""
    return row.scan_status == "not_scanned" and row.uploaded_by != principal.user_id


def confirm_unscanned(principal: Principal, row: DocumentVersion, confirm: bool) -> None:
    if not confirm and needs_confirmation(principal, row):
        raise Conflict(
            "Ce document n'a été analysé par aucun antivirus (non analysé) : ne l'ouvrez que si vous "
            "faites confiance à sa provenance, et confirmez le téléchargement.",
            "not-scanned",
        )


def store_down(exc: StorageError) -> ServiceUnavailable:
    """A neutral detail: the store's address and bucket are for the operator's log, not the caller."""
    logging.getLogger(__name__).warning("document store unavailable: %s", exc)
    return ServiceUnavailable(
        "Le stockage des documents est momentanément indisponible. Réessayez plus tard.", "store-unavailable"
    )


async def open_object(store: DocumentStore, key: str) -> ObjectStream:
    """The stored object, or a clear problem: a store down is a 503, bytes gone behind our back a 404."""
    try:
        return await store.open(key)
    except NotFoundInStore as exc:
        raise NotFound(
            "Le contenu de ce document est introuvable dans le stockage ; signalez-le à l'administrateur.",
            "document-content-missing",
        ) from exc
    except StorageError as exc:
        raise store_down(exc) from exc
