"""Document upload from the file page, through the dossier's own streaming services and the gate.

Two ways in, same checks:

* with JavaScript (progress bar): the file is the raw request body (``XMLHttpRequest.send(file)``), the
  title, category and file name in the query string and the CSRF token in ``X-CSRF-Token``; the bytes
  flow from the socket to the store as in ``POST /api/v1/persons/{id}/documents``;
* without JavaScript: an ordinary ``multipart/form-data`` form (CSRF token as a field); Litestar spools
  the part to a temporary file, which is then streamed to the store.

Both call :func:`coordination.dossier.services.document_uploads.upload_document`, the API's use case:
the gate, object first and row second (the object is deleted if the row cannot be committed).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from litestar import Request

from coordination.dossier.context import FileRequest
from coordination.dossier.services import documents
from coordination.dossier.services.document_uploads import Incoming, upload_document
from coordination.errors import BadRequest
from coordination.web.csrf import check_header, checked_form

CATEGORY_CHOICES = {k: v for k, v in documents.CATEGORY_LABELS.items() if k != "contract"}
"""Contracts arrive with a visa submission (section « contrats »), not through this form."""
CHUNK = 64 * 1024
MULTIPART_OVERHEAD = 64 * 1024
"""Room for the form's other fields and boundaries above the document limit in ``Content-Length``."""


async def file_chunks(upload: Any) -> AsyncIterator[bytes]:
    """A spooled multipart file, read in chunks (never whole)."""
    while chunk := await upload.read(CHUNK):
        yield chunk


def uploaded_file(form: dict[str, Any], missing: str) -> Any:
    """The form's ``file`` part, or a French 400 (``missing``) when none was chosen."""
    upload = form.get("file")
    if upload is None or not hasattr(upload, "read") or not getattr(upload, "filename", ""):
        raise BadRequest(missing)
    return upload


async def _incoming(request: Request) -> tuple[Incoming, str, str]:
    """The file, its category and title, from a multipart form or from a raw body and its query."""
    length = request.headers.get("content-length")
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await checked_form(request)
        upload = uploaded_file(form, "Choisissez le fichier à déposer.")
        incoming = Incoming(upload.filename, file_chunks(upload), length, MULTIPART_OVERHEAD)
        return incoming, str(form.get("category") or "other"), str(form.get("title") or "")
    check_header(request)
    query = request.query_params
    incoming = Incoming(query.get("filename", ""), request.stream(), length, MULTIPART_OVERHEAD)
    return incoming, query.get("category") or "other", query.get("title") or ""


async def receive_upload(request: Request, ctx: FileRequest, person_id: UUID) -> None:
    incoming, category, title = await _incoming(request)
    if category not in CATEGORY_CHOICES:
        raise BadRequest("Catégorie de document inconnue.")
    await upload_document(ctx, person_id, incoming, category=category, title=title)
