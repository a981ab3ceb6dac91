"""A decided visa's certificate as a document of the person's file: filed once, served from storage.

Why served from storage: the certificate is evidence of what was signed on the day; rendering it again on
each download cost a WeasyPrint run every time and could differ (fonts, template) from the copy the person
received in her documents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import anyio
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from coordination import clock
from coordination.access.principal import Principal
from coordination.dossier.models import Document, DocumentVersion
from coordination.dossier.services import documents
from coordination.errors import Conflict, Unprocessable
from coordination.formatting import day_fr
from coordination.storage.base import DocumentStore
from coordination.visa import certificate
from coordination.visa.context import VisaContext
from coordination.visa.labels import DECISION_LABELS_FR, kind_label
from coordination.visa.models import VisaRequest, VisaStatus

CERTIFICATE_CATEGORY = "contract"
CERTIFICATE_RENDER_SECONDS = 20


async def render_pdf(visa: VisaRequest) -> bytes:
    """The certificate's PDF, rendered off the event loop and bounded in time; a French 422 when it
    cannot be produced (too many pages, too large, too slow)."""
    try:
        with anyio.fail_after(CERTIFICATE_RENDER_SECONDS):
            pdf, _pages = await anyio.to_thread.run_sync(certificate.render_pdf, visa)
    except (certificate.CertificateError, TimeoutError) as exc:
        raise Unprocessable("Le certificat ne peut pas être produit.", code="certificate-render") from exc
    return pdf


def certificate_filename(visa: VisaRequest) -> str:
    return f"visa-{visa.id}.pdf"


async def file_certificate(
    session: AsyncSession,
    visa: VisaRequest,
    actor: Principal,
    context: VisaContext,
    today: date | None = None,
) -> tuple[Document, str]:
    """Render the signed certificate of a decided visa and store it as a document of the person's file
    (category ``contract``, section ``contracts``), through the dossier's own document path: stored,
    scanned, then the rows. Returns (document, object key): the caller commits through
    :func:`commit_or_discard`, which removes the object if the commit fails; the orphan sweep is the
    backstop.

    Called after the decision, by a caller that passed the gate for the ``contracts`` section, which
    covers filing the decision's own certificate. The person is not told twice: the visa notice already
    says the certificate is in their documents."""
    if visa.status is not VisaStatus.DECIDED:
        raise Conflict("Seul un visa décidé a un certificat.", code="visa-not-decided")
    pdf = await render_pdf(visa)
    document_id = uuid7()
    filename = certificate_filename(visa)
    key = documents.object_key(visa.person_id, document_id, 1)

    async def chunks() -> AsyncIterator[bytes]:
        yield pdf

    store = context.store
    stored = await documents.store_and_scan(store, context.scanner, key, chunks(), filename, context.max_size)
    try:
        label = DECISION_LABELS_FR[visa.decision] if visa.decision else "Visa"
        decided_at = visa.decided_at or clock.now()
        document = await documents.create_document(
            session,
            actor,
            person_id=visa.person_id,
            title=f"Certificat de visa : {label.lower()} ({kind_label(visa.contract)}, {day_fr(decided_at)})",
            category=CERTIFICATE_CATEGORY,
            filename=filename,
            stored=stored,
            key=key,
            document_id=document_id,
            retention=context.retention,
            today=today or clock.brussels_day(decided_at),
            notify_person=False,
        )
        visa.certificate_document_id = document.id
        await session.flush()
    except BaseException:
        await documents.discard_object(store, key)
        raise
    return document, key


async def commit_or_discard(session: AsyncSession, store: DocumentStore, object_key: str | None) -> None:
    """Commit a transaction that filed a certificate; if the commit fails, remove the stored object (its
    rows are gone with the transaction). Without a filed object there is nothing to do here: the request's
    session commits at the end as for any write."""
    if object_key is None:
        return
    try:
        # commit: the certificate's object is stored before its rows; a failed commit must remove it
        await session.commit()
    except BaseException:
        await documents.discard_object(store, object_key)
        raise


async def stored_certificate(session: AsyncSession, visa: VisaRequest) -> DocumentVersion | None:
    """The stored version of a decided visa's certificate, or ``None`` when the visa was decided before
    certificates were kept (then it is filed once: :func:`file_certificate`)."""
    if visa.certificate_document_id is None:
        return None
    document = await documents.find_document(session, visa.person_id, visa.certificate_document_id)
    if document is None:
        return None
    return await documents.version_for_download(session, document, None)
