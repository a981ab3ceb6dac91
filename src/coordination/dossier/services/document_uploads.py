"""The document use cases that move bytes: a new document, a new version, a deletion. One function each,
called by the API (raw body) and by the file page (raw body with JavaScript, multipart without).

These functions commit, unlike the other services, because work follows the commit (the documented
exception of the request pipeline, like :func:`coordination.access.recorded.with_signed_form`):

* before streaming, the gate's transaction ends (its journal row kept): no lock or snapshot is held while
  the bytes flow, which may take minutes;
* object first, row second: the row is committed after its object is stored, and if that commit fails the
  object is deleted (the orphan sweep is the backstop);
* a deletion removes the objects only once the rows saying so are committed.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from coordination.dossier.context import FileRequest
from coordination.dossier.models import Document, DocumentVersion
from coordination.dossier.services import documents
from coordination.dossier.services.common import VersionCheck, get_person
from coordination.dossier.services.document_access import gated_document
from coordination.errors import BadRequest, Conflict, ProblemError
from coordination.storage.base import DocumentStore

ROUTE_BODY_CEILING = 4 * 1024 * 1024 * 1024
"""Litestar's per-route ceiling of the upload routes (API and pages): far above any configured upload
limit, which is enforced while streaming."""


@dataclass(frozen=True)
class Incoming:
    """The bytes of an upload as they arrive: the file name typed by the client, the chunks, and the
    length the client announced (``Content-Length``; ``overhead``: room for a multipart envelope)."""

    filename: str
    chunks: AsyncIterable[bytes]
    announced: str | None = None
    overhead: int = 0

    def precheck(self, max_size: int) -> None:
        """Refuse (413) before streaming a body announced larger than a document may be."""
        length = self.announced
        if length and length.isdigit() and int(length) > max_size + self.overhead:
            raise documents.too_large(max_size)


@contextlib.asynccontextmanager
async def _discard_on_failure(store: DocumentStore, key: str) -> AsyncIterator[None]:
    """Row second: anything failing after the object is stored removes it."""
    try:
        yield
    except BaseException:
        await documents.discard_object(store, key)
        raise


async def _end_read_transaction(session: AsyncSession) -> None:
    # commit: the gate's journal row is kept, and no transaction is held while the upload streams
    await session.commit()


async def _commit_row(session: AsyncSession) -> None:
    # commit: row second; _discard_on_failure removes the stored object if this commit fails
    await session.commit()


async def upload_document(
    ctx: FileRequest, person_id: UUID, incoming: Incoming, *, category: str, title: str | None
) -> tuple[Document, list[DocumentVersion]]:
    """A new document in the file: gate (its section follows the category), store and scan, then rows."""
    session, io = ctx.session, ctx.io
    documents.check_category(category)
    name = documents.clean_filename(incoming.filename)
    await ctx.require(person_id, documents.section_for(category), "upload")
    await get_person(session, person_id)
    incoming.precheck(io.max_size)
    await _end_read_transaction(session)
    document_id = uuid7()
    key = documents.object_key(person_id, document_id, 1)
    stored = await documents.store_and_scan(io.store, io.scanner, key, incoming.chunks, name, io.max_size)
    async with _discard_on_failure(io.store, key):
        document = await documents.create_document(
            session,
            ctx.principal,
            person_id=person_id,
            title=(title or "").strip() or name,
            category=category,
            filename=name,
            stored=stored,
            key=key,
            document_id=document_id,
            retention=ctx.dossier.retention,
            today=ctx.dossier.today,
        )
        versions = await documents.versions_of(session, document.id)
        await _commit_row(session)
    return document, versions


async def upload_version(
    ctx: FileRequest, person_id: UUID, document_id: UUID, incoming: Incoming, check_version: VersionCheck
) -> tuple[Document, list[DocumentVersion]]:
    """A new version of a document: the previous ones stay. Refused (409) if another version arrived
    while this one was streaming."""
    session, principal, io = ctx.session, ctx.principal, ctx.io
    name = documents.clean_filename(incoming.filename)
    document = await gated_document(ctx, person_id, document_id, "upload")
    if document.deleted_at is not None:
        raise ProblemError(410, "document-deleted", "Ce document a été supprimé.")
    check_version(document.version)
    incoming.precheck(io.max_size)
    expected, number = document.version, document.current_version + 1
    await _end_read_transaction(session)
    key = documents.object_key(person_id, document_id, number)
    stored = await documents.store_and_scan(io.store, io.scanner, key, incoming.chunks, name, io.max_size)
    async with _discard_on_failure(io.store, key):
        document = await documents.get_document(session, person_id, document_id)
        if document.version != expected:
            raise Conflict("Une autre version a été déposée entre-temps : rechargez le document.", "stale")
        await documents.add_version(session, principal, document, number, key, name, stored)
        versions = await documents.versions_of(session, document.id)
        await _commit_row(session)
    return document, versions


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if not 3 <= len(reason) <= 500:
        raise BadRequest("Indiquez pourquoi ce document est supprimé (3 à 500 caractères).")
    return reason


async def remove_document(
    ctx: FileRequest, person_id: UUID, document_id: UUID, reason: str, check_version: VersionCheck
) -> tuple[Document, list[DocumentVersion]]:
    """Deletion is an event kept on the row (who, when, why, which retention rule); the bytes are removed
    once that is committed (a removal that fails leaves an orphan for the sweep, never a dangling row)."""
    session, io = ctx.session, ctx.io
    document = await gated_document(ctx, person_id, document_id, "delete")
    reason = check_reason(reason)
    check_version(document.version)
    keys = await documents.delete_document(session, ctx.principal, document, reason, ctx.dossier.retention)
    versions = await documents.versions_of(session, document_id)
    # commit: the objects are removed below, only once the rows saying so are stored
    await session.commit()
    for key in keys:
        try:
            await documents.discard_object(io.store, key)
        except Exception:  # noqa: S112 - the orphan sweep removes it later
            continue
    return document, versions
