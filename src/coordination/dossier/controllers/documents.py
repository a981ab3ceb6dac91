"""Documents: streaming upload (raw body, never read whole), versions, download, pre-signed URL, deletion.

Upload protocol: ``POST …/documents?filename=cv.pdf&title=…&category=cv`` with the file as the raw body
(any ``Content-Type``). Raw rather than multipart so the bytes flow from the socket to the store without
a spooled temporary copy; the configured limit (``max_upload_bytes``) is enforced while streaming (413),
the route's own ceiling being only a backstop above it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import Parameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from coordination.access.declared import Access
from coordination.dossier import schemas
from coordination.dossier.controllers.common import retention, today, with_etag
from coordination.dossier.guard import guard
from coordination.dossier.models import Document
from coordination.dossier.services import documents
from coordination.dossier.services.common import get_person
from coordination.errors import Conflict, NotFound, ProblemError, ServiceUnavailable
from coordination.http_utils import require_if_match
from coordination.settings import Settings
from coordination.storage.antivirus import Scanner
from coordination.storage.base import (
    MAX_PRESIGNED_EXPIRY,
    DocumentStore,
    NotFoundInStore,
    ObjectStream,
    StorageError,
)
from coordination.storage.factory import build_scanner

ROUTE_BODY_CEILING = 4 * 1024 * 1024 * 1024
"""Litestar's per-route ceiling: far above any configured upload limit, which is enforced while streaming."""


def _store(request: Request) -> DocumentStore:
    return request.app.state.store


def _scanner(request: Request, settings: Settings) -> Scanner:
    scanner = request.app.state.get("scanner")
    if scanner is None:
        scanner = build_scanner(settings)
        request.app.state["scanner"] = scanner
    return scanner


async def _open(request: Request, key: str) -> ObjectStream:
    """The stored object, or a clear problem: a store down is a 503, bytes gone behind our back a 404."""
    try:
        return await _store(request).open(key)
    except NotFoundInStore as exc:
        raise NotFound(
            "Le contenu de ce document est introuvable dans le stockage ; signalez-le à l'administrateur.",
            "document-content-missing",
        ) from exc
    except StorageError as exc:
        raise _store_down(exc) from exc


def _needs_confirmation(request: Request, row) -> bool:
    """A document no antivirus analysed (no scanner configured: development) is downloaded by anyone but
    its uploader only after an explicit confirmation (``?confirm=true``), never silently (issue 20)."""
    return row.scan_status == "not_scanned" and row.uploaded_by != request.user.user_id


def _confirm_unscanned(request: Request, row, confirm: bool) -> None:
    if not confirm and _needs_confirmation(request, row):
        raise Conflict(
            "Ce document n'a été analysé par aucun antivirus (non analysé) : ne l'ouvrez que si vous "
            "faites confiance à sa provenance, et confirmez le téléchargement.",
            "not-scanned",
        )


def _store_down(exc: StorageError) -> ServiceUnavailable:
    """A neutral detail: the store's address and bucket are for the operator's log, not the caller."""
    logging.getLogger(__name__).warning("document store unavailable: %s", exc)
    return ServiceUnavailable(
        "Le stockage des documents est momentanément indisponible. Réessayez plus tard.", "store-unavailable"
    )


def _precheck_length(request: Request, max_size: int) -> None:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_size:
        raise documents.too_large(max_size)


async def _receive(
    request: Request, settings: Settings, person_id: UUID, document_id: UUID, number: int, filename: str
):
    key = documents.object_key(person_id, document_id, number)
    stored = await documents.store_and_scan(
        _store(request),
        _scanner(request, settings),
        key,
        request.stream(),
        filename,
        settings.max_upload_bytes,
    )
    return key, stored


async def _commit_or_discard(request: Request, db_session: AsyncSession, key: str) -> None:
    """Row second: if the commit fails, the object just stored is removed (the sweep is the backstop)."""
    try:
        await db_session.commit()
    except BaseException:
        await documents.discard_object(_store(request), key)
        raise


async def _gated_document(
    request: Request, db_session: AsyncSession, person_id: UUID, document_id: UUID, action: str
) -> Document:
    """The document, after the gate said yes for its section. An id that designates no document of this
    file is refused by the gate first (journaled 403) to whoever may not read the file's documents: only
    a reader who could see it learns that it does not exist (404)."""
    document = await documents.find_document(db_session, person_id, document_id)
    if document is None:
        await guard(request, db_session, person_id, section="documents", action=action)
        raise NotFound("Document introuvable dans ce dossier.", "document-not-found")
    await guard(
        request, db_session, person_id, section=document.section, action=action, document_id=document_id
    )
    return document


BY_DOCUMENT = "la section (documents ou contrats) dépend du document : le gate est appelé par _gated_document"


class DocumentController(Controller):
    path = "/api/v1/persons/{person_id:uuid}/documents"
    tags = ["Documents"]

    @get("/", opt={"section": ("documents", "contracts"), "action": "read"})
    async def list(
        self, request: Request, db_session: AsyncSession, access: Access, settings: Settings, person_id: UUID
    ) -> list[schemas.DocumentOut]:
        sections = set(access.sections)
        rows = await documents.list_documents(db_session, person_id, sections)
        await db_session.commit()
        policy = retention(settings)
        return [documents.document_out(d, v, policy) for d, v in rows]

    @post(
        "/",
        opt={"section": "documents", "action": "upload", "gate": BY_DOCUMENT},
        request_max_body_size=ROUTE_BODY_CEILING,
    )
    async def upload(
        self,
        request: Request,
        db_session: AsyncSession,
        settings: Settings,
        person_id: UUID,
        filename: Annotated[str, Parameter(max_length=200)],
        category: str = "other",
        title: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> Response[schemas.DocumentOut]:
        documents.check_category(category)
        name = documents.clean_filename(filename)
        await guard(request, db_session, person_id, section=documents.section_for(category), action="upload")
        await get_person(db_session, person_id)
        _precheck_length(request, settings.max_upload_bytes)
        # End the gate's read transaction before the long upload: no lock or snapshot held while streaming.
        await db_session.commit()
        document_id = uuid7()
        key, stored = await _receive(request, settings, person_id, document_id, 1, name)
        try:
            document = await documents.create_document(
                db_session,
                request.user,
                person_id=person_id,
                title=title or name,
                category=category,
                filename=name,
                stored=stored,
                key=key,
                document_id=document_id,
                retention=retention(settings),
                today=today(),
            )
            versions = await documents.versions_of(db_session, document.id)
        except BaseException:
            await documents.discard_object(_store(request), key)
            raise
        out = documents.document_out(document, versions, retention(settings))
        await _commit_or_discard(request, db_session, key)
        return with_etag(out, document.version, 201)

    @post(
        "/{document_id:uuid}/versions",
        opt={"section": "documents", "action": "upload", "gate": BY_DOCUMENT},
        request_max_body_size=ROUTE_BODY_CEILING,
    )
    async def upload_version(
        self,
        request: Request,
        db_session: AsyncSession,
        settings: Settings,
        person_id: UUID,
        document_id: UUID,
        filename: Annotated[str, Parameter(max_length=200)],
    ) -> Response[schemas.DocumentOut]:
        name = documents.clean_filename(filename)
        document = await _gated_document(request, db_session, person_id, document_id, "upload")
        if document.deleted_at is not None:
            raise ProblemError(410, "document-deleted", "Ce document a été supprimé.")
        require_if_match(request, document.version)
        _precheck_length(request, settings.max_upload_bytes)
        expected_version, number = document.version, document.current_version + 1
        await db_session.commit()
        key, stored = await _receive(request, settings, person_id, document_id, number, name)
        try:
            document = await documents.get_document(db_session, person_id, document_id)
            if document.version != expected_version:
                raise Conflict(
                    "Une autre version a été déposée entre-temps : rechargez le document.", "stale"
                )
            await documents.add_version(db_session, request.user, document, number, key, name, stored)
            versions = await documents.versions_of(db_session, document.id)
        except BaseException:
            await documents.discard_object(_store(request), key)
            raise
        out = documents.document_out(document, versions, retention(settings))
        await _commit_or_discard(request, db_session, key)
        return with_etag(out, document.version, 201)

    @get(
        "/{document_id:uuid}",
        opt={"section": ("documents", "contracts"), "action": "read", "gate": BY_DOCUMENT},
    )
    async def read(
        self,
        request: Request,
        db_session: AsyncSession,
        settings: Settings,
        person_id: UUID,
        document_id: UUID,
    ) -> Response[schemas.DocumentOut]:
        document = await _gated_document(request, db_session, person_id, document_id, "read")
        versions = await documents.versions_of(db_session, document_id)
        await db_session.commit()
        return with_etag(documents.document_out(document, versions, retention(settings)), document.version)

    @get(
        "/{document_id:uuid}/content",
        opt={"section": ("documents", "contracts"), "action": "read", "gate": BY_DOCUMENT},
    )
    async def content(
        self,
        request: Request,
        db_session: AsyncSession,
        person_id: UUID,
        document_id: UUID,
        version: Annotated[int | None, Parameter(ge=1)] = None,
        confirm: bool = False,
    ) -> Stream:
        """Streamed through the app: the object is never loaded whole.

        The object (file or S3 response) is released at the end, on a store error mid-stream (the stream
        closes itself, then the error aborts the response) and when the client goes away: Litestar then
        cancels the body, and the background task, which runs after it, closes the stream. Closing twice
        is harmless.
        """
        document = await _gated_document(request, db_session, person_id, document_id, "read")
        row = await documents.version_for_download(db_session, document, version)
        await db_session.commit()
        _confirm_unscanned(request, row, confirm)
        stream = await _open(request, row.object_key)
        return Stream(
            stream,
            background=BackgroundTask(stream.aclose),
            media_type=row.media_type,
            headers={
                "Content-Length": str(stream.size),
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-store",
            },
        )

    @get(
        "/{document_id:uuid}/url",
        opt={"section": ("documents", "contracts"), "action": "read", "gate": BY_DOCUMENT},
    )
    async def presigned(
        self,
        request: Request,
        db_session: AsyncSession,
        settings: Settings,
        person_id: UUID,
        document_id: UUID,
        version: Annotated[int | None, Parameter(ge=1)] = None,
        confirm: bool = False,
    ) -> schemas.PresignedOut:
        """A direct download link valid a few minutes (S3 store only)."""
        document = await _gated_document(request, db_session, person_id, document_id, "read")
        row = await documents.version_for_download(db_session, document, version)
        if not confirm and _needs_confirmation(request, row):
            await db_session.commit()
        _confirm_unscanned(request, row, confirm)
        expires = min(timedelta(minutes=settings.presigned_url_minutes), MAX_PRESIGNED_EXPIRY)
        try:
            url = await _store(request).presigned_url(row.object_key, expires, download_name=row.filename)
        except StorageError as exc:
            raise _store_down(exc) from exc
        if url is None:
            await db_session.commit()
            raise Conflict(
                "Ce stockage ne délivre pas de lien direct : téléchargez le document par l'application.",
                "no-presigned-url",
            )
        await db_session.commit()
        return schemas.PresignedOut(url=url, expires_at=datetime.now(UTC) + expires)

    @delete(
        "/{document_id:uuid}",
        opt={"section": ("documents", "contracts"), "action": "delete", "gate": BY_DOCUMENT},
        status_code=200,
    )
    async def remove(
        self,
        request: Request,
        db_session: AsyncSession,
        settings: Settings,
        person_id: UUID,
        document_id: UUID,
        reason: Annotated[str, Parameter(min_length=3, max_length=500)],
    ) -> Response[schemas.DocumentOut]:
        """Deletion is an event kept on the row (who, when, why, which retention rule); bytes removed after."""
        document = await _gated_document(request, db_session, person_id, document_id, "delete")
        require_if_match(request, document.version)
        policy = retention(settings)
        keys = await documents.delete_document(db_session, request.user, document, reason, policy)
        versions = await documents.versions_of(db_session, document_id)
        out = documents.document_out(document, versions, policy)
        await db_session.commit()
        for key in keys:
            try:
                await documents.discard_object(_store(request), key)
            except Exception:  # noqa: S112 - the orphan sweep removes it later
                continue
        return with_etag(out, document.version)
