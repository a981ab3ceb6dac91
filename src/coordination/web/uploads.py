"""Document upload from the file page, through the dossier's own streaming services and the gate.

Two ways in, same checks:

* with JavaScript (progress bar): the file is the raw request body (``XMLHttpRequest.send(file)``), the
  title, category and file name in the query string and the CSRF token in ``X-CSRF-Token``; the bytes
  flow from the socket to the store as in ``POST /api/v1/persons/{id}/documents``;
* without JavaScript: an ordinary ``multipart/form-data`` form (CSRF token as a field); Litestar spools
  the part to a temporary file, which is then streamed to the store.

Object first, row second: the object is deleted if the row cannot be committed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from coordination.access.gate import check_access
from coordination.access.principal import Principal
from coordination.dossier.controllers.common import retention, today
from coordination.dossier.services import documents
from coordination.dossier.services.common import get_person
from coordination.errors import BadRequest
from coordination.settings import Settings
from coordination.storage.factory import build_scanner
from coordination.web.csrf import check_header, checked_form
from coordination.web.filedata import request_id_of

CATEGORY_CHOICES = {k: v for k, v in documents.CATEGORY_LABELS.items() if k != "contract"}
"""Contracts arrive with a visa submission (section « contrats »), not through this form."""
CHUNK = 64 * 1024


def _scanner(request: Request, settings: Settings):
    scanner = request.app.state.get("scanner")
    if scanner is None:
        scanner = build_scanner(settings)
        request.app.state["scanner"] = scanner
    return scanner


async def _file_chunks(upload: Any) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


async def receive_upload(
    request: Request, db_session: AsyncSession, settings: Settings, principal: Principal, person_id: UUID
) -> None:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await checked_form(request)
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read") or not getattr(upload, "filename", ""):
            raise BadRequest("Choisissez le fichier à déposer.")
        filename, chunks = upload.filename, _file_chunks(upload)
        category, title = str(form.get("category") or "other"), str(form.get("title") or "")
    else:
        check_header(request)
        query = request.query_params
        filename, chunks = query.get("filename", ""), request.stream()
        category, title = query.get("category") or "other", query.get("title") or ""
    if category not in CATEGORY_CHOICES:
        raise BadRequest("Catégorie de document inconnue.")
    name = documents.clean_filename(filename)
    await check_access(
        db_session,
        principal,
        person_id=person_id,
        section=documents.section_for(category),
        action="upload",
        request_id=request_id_of(request),
    )
    await get_person(db_session, person_id)
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > settings.max_upload_bytes + 64 * 1024:
        raise documents.too_large(settings.max_upload_bytes)
    await db_session.commit()  # keep the gate's journal row; hold no transaction while streaming
    document_id = uuid7()
    key = documents.object_key(person_id, document_id, 1)
    store = request.app.state.store
    stored = await documents.store_and_scan(
        store, _scanner(request, settings), key, chunks, name, settings.max_upload_bytes
    )
    try:
        await documents.create_document(
            db_session,
            principal,
            person_id=person_id,
            title=title.strip() or name,
            category=category,
            filename=name,
            stored=stored,
            key=key,
            document_id=document_id,
            retention=retention(settings),
            today=today(),
        )
        await db_session.commit()
    except BaseException:
        await store.delete(key)
        raise
