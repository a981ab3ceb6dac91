"""Documents: streaming upload (raw body, never read whole), versions, download, pre-signed URL, deletion.

Upload protocol: ``POST …/documents?filename=cv.pdf&title=…&category=cv`` with the file as the raw body
(any ``Content-Type``). Raw rather than multipart so the bytes flow from the socket to the store without
a spooled temporary copy; the configured limit (``max_upload_bytes``) is enforced while streaming (413),
the route's own ceiling being only a backstop above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import Stream

from coordination import clock
from coordination.access.declared import Access
from coordination.db.engine import keep_on_failure
from coordination.dossier import schemas
from coordination.dossier.context import DOSSIER_CONTEXT, FileRequest
from coordination.dossier.controllers.common import with_etag
from coordination.dossier.models import Document, DocumentVersion
from coordination.dossier.services import documents
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
from coordination.errors import Conflict, ProblemError
from coordination.storage.base import MAX_PRESIGNED_EXPIRY, StorageError

RAW_BODY_EXPECTED = (
    "Envoyez le fichier lui-même comme corps de la requête (avec son type, par exemple application/pdf) et "
    "son nom dans l'adresse (?filename=cv.pdf) : un formulaire multipart/form-data n'est pas accepté ici."
)


def _incoming(request: Request, filename: str) -> Incoming:
    """The raw body as the document's bytes. A multipart form is refused (415) before anything is read:
    its envelope would otherwise be stored as the file, or refused as a file that is not what its name says."""
    if request.headers.get("content-type", "").lower().startswith("multipart/"):
        raise ProblemError(415, "raw-body-expected", RAW_BODY_EXPECTED)
    return Incoming(filename, request.stream(), request.headers.get("content-length"))


@dataclass(frozen=True)
class Wanted:
    """The version a download asks for (the current one by default), and whether the reader confirms
    one no antivirus analysed (``?confirm=true``)."""

    version: int | None
    confirm: bool


def provide_wanted(version: Annotated[int | None, Parameter(ge=1)] = None, confirm: bool = False) -> Wanted:
    return Wanted(version, confirm)


READ = {"section": ("documents", "contracts"), "action": "read", "gate": BY_DOCUMENT}
UPLOAD = {"section": "documents", "action": "upload", "gate": BY_DOCUMENT}


class DocumentController(Controller):
    path = "/api/v1/persons/{person_id:uuid}/documents"
    tags = ["Documents"]
    dependencies = {**DOSSIER_CONTEXT, "wanted": Provide(provide_wanted, sync_to_thread=False)}

    @get("/", opt={"section": ("documents", "contracts"), "action": "read"})
    async def list(self, ctx: FileRequest, access: Access, person_id: UUID) -> list[schemas.DocumentOut]:
        rows = await documents.list_documents(ctx.session, person_id, set(access.sections))
        return [documents.document_out(d, v, ctx.dossier.retention) for d, v in rows]

    @post("/", opt=UPLOAD, request_max_body_size=ROUTE_BODY_CEILING)
    async def upload(
        self,
        request: Request,
        ctx: FileRequest,
        person_id: UUID,
        filename: Annotated[str, Parameter(max_length=200)],
        category: str = "other",
        title: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> Response[schemas.DocumentOut]:
        document, versions = await upload_document(
            ctx, person_id, _incoming(request, filename), category=category, title=title
        )
        return _document(ctx, document, versions, 201)

    @post("/{document_id:uuid}/versions", opt=UPLOAD, request_max_body_size=ROUTE_BODY_CEILING)
    async def upload_version(
        self,
        request: Request,
        ctx: FileRequest,
        person_id: UUID,
        document_id: UUID,
        filename: Annotated[str, Parameter(max_length=200)],
    ) -> Response[schemas.DocumentOut]:
        incoming = _incoming(request, filename)
        document, versions = await upload_version(ctx, person_id, document_id, incoming, ctx.if_match)
        return _document(ctx, document, versions, 201)

    @get("/{document_id:uuid}", opt=READ)
    async def read(
        self, ctx: FileRequest, person_id: UUID, document_id: UUID
    ) -> Response[schemas.DocumentOut]:
        document = await gated_document(ctx, person_id, document_id, "read")
        return _document(ctx, document, await documents.versions_of(ctx.session, document_id))

    @get("/{document_id:uuid}/content", opt=READ)
    async def content(self, ctx: FileRequest, person_id: UUID, document_id: UUID, wanted: Wanted) -> Stream:
        """Streamed through the app: the object is never loaded whole.

        The object (file or S3 response) is released at the end, on a store error mid-stream (the stream
        closes itself, then the error aborts the response) and when the client goes away: Litestar then
        cancels the body, and the background task, which runs after it, closes the stream. Closing twice
        is harmless.
        """
        row = await _readable_version(ctx, person_id, document_id, wanted)
        stream = await open_object(ctx.io.store, row.object_key)
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

    @get("/{document_id:uuid}/url", opt=READ)
    async def presigned(
        self, ctx: FileRequest, person_id: UUID, document_id: UUID, wanted: Wanted
    ) -> schemas.PresignedOut:
        """A direct download link valid a few minutes (S3 store only)."""
        row = await _readable_version(ctx, person_id, document_id, wanted)
        expires = min(timedelta(minutes=ctx.settings.presigned_url_minutes), MAX_PRESIGNED_EXPIRY)
        try:
            url = await ctx.io.store.presigned_url(row.object_key, expires, download_name=row.filename)
        except StorageError as exc:
            raise store_down(exc) from exc
        if url is None:
            keep_on_failure(ctx.session)  # the read was allowed and journaled: its row stays
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
        ctx: FileRequest,
        person_id: UUID,
        document_id: UUID,
        reason: Annotated[str, Parameter(min_length=3, max_length=500)],
    ) -> Response[schemas.DocumentOut]:
        """Deletion is an event kept on the row (who, when, why, which retention rule); bytes removed after."""
        document, versions = await remove_document(ctx, person_id, document_id, reason, ctx.if_match)
        return _document(ctx, document, versions)


def _document(
    ctx: FileRequest, document: Document, versions: list[DocumentVersion], status_code: int = 200
) -> Response[schemas.DocumentOut]:
    out = documents.document_out(document, versions, ctx.dossier.retention)
    return with_etag(out, document.version, status_code)


async def _readable_version(
    ctx: FileRequest, person_id: UUID, document_id: UUID, wanted: Wanted
) -> DocumentVersion:
    """The version to download, after the gate; an unscanned one asks for a confirmation (409), the
    allowed read staying in the journal."""
    document = await gated_document(ctx, person_id, document_id, "read")
    row = await documents.version_for_download(ctx.session, document, wanted.version)
    # a 409 below (confirmation asked) keeps the journal row of the allowed read
    keep_on_failure(ctx.session)
    confirm_unscanned(ctx.principal, row, wanted.confirm)
    return row


async def _open(request: Request, key: str):
    """Kept for ``visa.controllers`` until it calls :func:`~coordination.dossier.services.document_access.
    open_object` with the app's store (remove then)."""
    return await open_object(request.app.state.store, key)
