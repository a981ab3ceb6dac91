"""Documents: streaming upload (raw body, never read whole), versions, download, pre-signed URL, deletion.

Upload protocol: ``POST …/documents?filename=cv.pdf&title=…&category=cv`` with the file as the raw body
(any ``Content-Type``). Raw rather than multipart so the bytes flow from the socket to the store without
a spooled temporary copy; the configured limit (``max_upload_bytes``) is enforced while streaming (413),
the route's own ceiling being only a backstop above it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import Parameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.access.declared import Access
from coordination.access.principal import Principal
from coordination.db.engine import keep_on_failure
from coordination.dossier import schemas
from coordination.dossier.context import DocumentIO, DossierContext
from coordination.dossier.controllers.common import DOSSIER_API, with_etag
from coordination.dossier.services import documents
from coordination.dossier.services.common import VersionCheck
from coordination.dossier.services.document_access import (
    BY_DOCUMENT,
    confirm_unscanned,
    gated_document,
    open_object,
    store_down,
)
from coordination.dossier.services.document_uploads import (
    ROUTE_BODY_CEILING,
    Incoming,
    remove_document,
    upload_document,
    upload_version,
)
from coordination.errors import Conflict
from coordination.settings import Settings
from coordination.storage.base import MAX_PRESIGNED_EXPIRY, StorageError


def _incoming(request: Request, filename: str) -> Incoming:
    return Incoming(filename, request.stream(), request.headers.get("content-length"))


class DocumentController(Controller):
    path = "/api/v1/persons/{person_id:uuid}/documents"
    tags = ["Documents"]
    dependencies = DOSSIER_API

    @get("/", opt={"section": ("documents", "contracts"), "action": "read"})
    async def list(
        self, db_session: AsyncSession, access: Access, dossier: DossierContext, person_id: UUID
    ) -> list[schemas.DocumentOut]:
        rows = await documents.list_documents(db_session, person_id, set(access.sections))
        return [documents.document_out(d, v, dossier.retention) for d, v in rows]

    @post(
        "/",
        opt={"section": "documents", "action": "upload", "gate": BY_DOCUMENT},
        request_max_body_size=ROUTE_BODY_CEILING,
    )
    async def upload(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        dossier: DossierContext,
        document_io: DocumentIO,
        request_id: str,
        person_id: UUID,
        filename: Annotated[str, Parameter(max_length=200)],
        category: str = "other",
        title: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> Response[schemas.DocumentOut]:
        document, versions = await upload_document(
            db_session,
            principal,
            document_io,
            dossier,
            person_id,
            _incoming(request, filename),
            category=category,
            title=title,
            request_id=request_id,
        )
        out = documents.document_out(document, versions, dossier.retention)
        return with_etag(out, document.version, 201)

    @post(
        "/{document_id:uuid}/versions",
        opt={"section": "documents", "action": "upload", "gate": BY_DOCUMENT},
        request_max_body_size=ROUTE_BODY_CEILING,
    )
    async def upload_version(
        self,
        request: Request,
        if_match: VersionCheck,
        db_session: AsyncSession,
        principal: Principal,
        dossier: DossierContext,
        document_io: DocumentIO,
        request_id: str,
        person_id: UUID,
        document_id: UUID,
        filename: Annotated[str, Parameter(max_length=200)],
    ) -> Response[schemas.DocumentOut]:
        document, versions = await upload_version(
            db_session,
            principal,
            document_io,
            person_id,
            document_id,
            _incoming(request, filename),
            check_version=if_match,
            request_id=request_id,
        )
        out = documents.document_out(document, versions, dossier.retention)
        return with_etag(out, document.version, 201)

    @get(
        "/{document_id:uuid}",
        opt={"section": ("documents", "contracts"), "action": "read", "gate": BY_DOCUMENT},
    )
    async def read(
        self,
        db_session: AsyncSession,
        principal: Principal,
        dossier: DossierContext,
        request_id: str,
        person_id: UUID,
        document_id: UUID,
    ) -> Response[schemas.DocumentOut]:
        document = await gated_document(
            db_session, principal, person_id, document_id, "read", request_id=request_id
        )
        versions = await documents.versions_of(db_session, document_id)
        return with_etag(documents.document_out(document, versions, dossier.retention), document.version)

    @get(
        "/{document_id:uuid}/content",
        opt={"section": ("documents", "contracts"), "action": "read", "gate": BY_DOCUMENT},
    )
    async def content(
        self,
        db_session: AsyncSession,
        principal: Principal,
        document_io: DocumentIO,
        request_id: str,
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
        row = await _readable_version(
            db_session, principal, person_id, document_id, version, confirm, request_id
        )
        stream = await open_object(document_io.store, row.object_key)
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
        db_session: AsyncSession,
        principal: Principal,
        document_io: DocumentIO,
        settings: Settings,
        request_id: str,
        person_id: UUID,
        document_id: UUID,
        version: Annotated[int | None, Parameter(ge=1)] = None,
        confirm: bool = False,
    ) -> schemas.PresignedOut:
        """A direct download link valid a few minutes (S3 store only)."""
        row = await _readable_version(
            db_session, principal, person_id, document_id, version, confirm, request_id
        )
        expires = min(timedelta(minutes=settings.presigned_url_minutes), MAX_PRESIGNED_EXPIRY)
        try:
            url = await document_io.store.presigned_url(row.object_key, expires, download_name=row.filename)
        except StorageError as exc:
            raise store_down(exc) from exc
        if url is None:
            keep_on_failure(db_session)  # the read was allowed and journaled: its row stays
            raise Conflict(
                "Ce stockage ne délivre pas de lien direct : téléchargez le document par l'application.",
                "no-presigned-url",
            )
        return schemas.PresignedOut(url=url, expires_at=clock.now() + expires)

    @delete(
        "/{document_id:uuid}",
        opt={"section": ("documents", "contracts"), "action": "delete", "gate": BY_DOCUMENT},
        status_code=200,
    )
    async def remove(
        self,
        if_match: VersionCheck,
        db_session: AsyncSession,
        principal: Principal,
        dossier: DossierContext,
        document_io: DocumentIO,
        request_id: str,
        person_id: UUID,
        document_id: UUID,
        reason: Annotated[str, Parameter(min_length=3, max_length=500)],
    ) -> Response[schemas.DocumentOut]:
        """Deletion is an event kept on the row (who, when, why, which retention rule); bytes removed after."""
        document, versions = await remove_document(
            db_session,
            principal,
            document_io,
            dossier,
            person_id,
            document_id,
            reason,
            check_version=if_match,
            request_id=request_id,
        )
        return with_etag(documents.document_out(document, versions, dossier.retention), document.version)


async def _readable_version(
    db_session: AsyncSession,
    principal: Principal,
    person_id: UUID,
    document_id: UUID,
    version: int | None,
    confirm: bool,
    request_id: str,
):
    """The version to download, after the gate; an unscanned one asks for a confirmation (409), the
    allowed read staying in the journal."""
    document = await gated_document(
        db_session, principal, person_id, document_id, "read", request_id=request_id
    )
    row = await documents.version_for_download(db_session, document, version)
    keep_on_failure(db_session)  # a 409 below (confirmation asked) keeps the journal row of the allowed read
    confirm_unscanned(principal, row, confirm)
    return row


async def _open(request: Request, key: str):
    """Kept for ``visa.controllers`` until it calls :func:`~coordination.dossier.services.document_access.
    open_object` with the app's store (remove then)."""
    return await open_object(request.app.state.store, key)
