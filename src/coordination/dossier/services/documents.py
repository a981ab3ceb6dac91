"""Documents: streaming upload with type sniffing and size limit, antivirus scan failing closed, versions,
download, deletion as an event, and the orphan sweep.

Order of operations (object first, row second):

1. the request body streams into the store and through clamd at the same time (:func:`store_and_scan`);
   the first bytes are sniffed (magic bytes + extension) and the size limit is enforced while streaming;
   the store computes size and SHA-256 on the way;
2. infected → the object is deleted, 422; scanner unreachable or failing → the object is deleted, 503
   (never recorded as clean);
3. only then are the rows added and flushed: a document is never downloadable before a clean verdict. If
   the transaction does not commit, the caller deletes the object (:func:`discard_object`), and the sweep
   removes whatever a crash left behind.

Nothing in this module holds a whole document in memory.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from coordination import clock, events
from coordination.access.principal import Principal
from coordination.dossier import schemas
from coordination.dossier.events import DocumentAdded
from coordination.dossier.models import DOCUMENT_CATEGORIES, Document, DocumentVersion
from coordination.dossier.rules import RetentionPolicy, RuleViolation
from coordination.dossier.services.common import flush_versioned, out_of, record_about, rule_error
from coordination.dossier.sniff import SNIFF_BYTES, RejectedType, check_type
from coordination.errors import (
    BadRequest,
    Conflict,
    NotFound,
    ProblemError,
    ServiceUnavailable,
    Unprocessable,
)
from coordination.formatting import day_fr
from coordination.storage.antivirus import ScanFailed, Scanner, ScannerError, ScanStatus
from coordination.storage.base import DocumentStore, StorageError, TooLarge
from coordination.storage.tee import tee

KEY_PREFIX = "persons/"
SWEEP_GRACE = timedelta(hours=1)
"""An object younger than this may belong to an upload whose row is not committed yet: the sweep spares it."""

CATEGORY_LABELS = {
    "cv": "CV",
    "certificate": "Attestation ou certificat",
    "contract": "Contrat ou convention",
    "consent_form": "Formulaire de consentement signé",
    "identity": "Pièce d'identité",
    "payslip": "Justificatif de revenus",
    "other": "Autre document",
}


def section_for(category: str) -> str:
    """Contracts are gated as their own section; every other document under ``documents``."""
    return "contracts" if category == "contract" else "documents"


def _document_event(
    session: AsyncSession, principal: Principal | None, document: Document, kind: str, summary: str
) -> None:
    """A timeline event about a document, in the section that gates it (documents or contracts)."""
    record_about(session, principal, document, document.section, kind, summary)


def check_category(category: str) -> str:
    if category not in DOCUMENT_CATEGORIES:
        raise BadRequest(
            f"Catégorie de document inconnue : « {category} ». Catégories : {', '.join(DOCUMENT_CATEGORIES)}.",
            "unknown-category",
        )
    return category


def clean_filename(filename: str | None) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?')[:200]
    if not name:
        raise BadRequest("Le nom du fichier est obligatoire (paramètre « filename »).", "missing-filename")
    return name


class TypeRejected(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(415, "unsupported-document-type", detail)


def too_large(max_size: int) -> ProblemError:
    return ProblemError(413, "document-too-large", str(TooLarge(max_size)), max_bytes=max_size)


async def sniffed(chunks: AsyncIterable[bytes], filename: str, found: list) -> AsyncIterator[bytes]:
    """Pass the chunks through, checking the type on the first :data:`SNIFF_BYTES` before any is released."""
    head = bytearray()
    checked = False
    async for chunk in chunks:
        if not chunk:
            continue
        if checked:
            yield chunk
            continue
        head += chunk
        if len(head) >= SNIFF_BYTES:
            found.append(check_type(filename, bytes(head)))
            checked = True
            yield bytes(head)
            head = bytearray()
    if not checked:
        found.append(check_type(filename, bytes(head)))
        if head:
            yield bytes(head)


def object_key(person_id: UUID, document_id: UUID, number: int) -> str:
    return f"{KEY_PREFIX}{person_id}/{document_id}/v{number}-{uuid7().hex}"


async def discard_object(store: DocumentStore, key: str) -> None:
    """Best effort: when the store itself is what failed, the orphan sweep removes the object later."""
    with contextlib.suppress(StorageError):
        await store.delete(key)


async def capped(chunks: AsyncIterable[bytes], max_size: int) -> AsyncIterator[bytes]:
    """Stop reading the body as soon as it exceeds ``max_size`` (the store checks it again)."""
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_size:
            raise TooLarge(max_size)
        yield chunk


async def store_and_scan(
    store: DocumentStore,
    scanner: Scanner,
    key: str,
    chunks: AsyncIterable[bytes],
    filename: str,
    max_size: int,
) -> tuple[str, int, str, str, str | None]:
    """Stream into the store and through the scanner at once. Returns (media_type, size, sha256,
    scan_status, signature).

    Why at once (:func:`coordination.storage.tee.tee`): scanning after storing read the whole object back
    from the store; side by side, an upload takes about as long as the slower of the two, with memory
    bounded by a few chunks per side. The verdict is still known before this returns, hence before any row
    exists. A scanner that answers "clean" without having read every byte is not believed (fail closed).

    On any refusal the object is gone before the error leaves this function.
    """
    found: list = []
    try:
        (stored, _), (result, scanned_all) = await tee(
            capped(sniffed(chunks, filename, found), max_size),
            lambda branch: store.put(key, branch, content_type="application/octet-stream", max_size=max_size),
            scanner.scan,
        )
        if result.status is ScanStatus.CLEAN and not scanned_all:
            raise ScanFailed("L'antivirus a rendu son verdict sans avoir reçu tout le document.")
    except TooLarge as exc:
        await discard_object(store, key)
        raise too_large(max_size) from exc
    except RejectedType as exc:
        await discard_object(store, key)
        raise TypeRejected(str(exc)) from exc
    except StorageError as exc:
        await discard_object(store, key)
        logging.getLogger(__name__).warning("document store unavailable: %s", exc)
        raise ServiceUnavailable(
            "Le stockage des documents est momentanément indisponible : le document n'a pas été "
            "enregistré. Réessayez plus tard.",
            "store-unavailable",
        ) from exc
    except ScannerError as exc:
        await discard_object(store, key)
        raise ServiceUnavailable(
            "L'analyse antivirus est indisponible : le document n'a pas été enregistré. Réessayez plus tard.",
            "antivirus-unavailable",
        ) from exc
    except BaseException:
        await discard_object(store, key)
        raise
    if result.status is ScanStatus.INFECTED:
        await discard_object(store, key)
        raise Unprocessable(
            "Le document contient un virus ou un contenu malveillant ; il a été refusé et supprimé.",
            "infected-document",
            signature=result.signature,
        )
    status = "clean" if result.status is ScanStatus.CLEAN else "not_scanned"
    return found[0].media_type, stored.size, stored.sha256, status, result.signature


async def create_document(
    session: AsyncSession,
    principal: Principal,
    *,
    person_id: UUID,
    title: str,
    category: str,
    filename: str,
    stored: tuple[str, int, str, str, str | None],
    key: str,
    document_id: UUID,
    retention: RetentionPolicy,
    today: date,
    notify_person: bool = True,
) -> Document:
    """The document's rows (the object is already stored and scanned). Unless the person uploaded it
    themself (or ``notify_person`` is false, when the caller tells them otherwise), the person is told in
    their inbox that a document was added to their file (the :class:`DocumentAdded` event's subscriber)."""
    try:
        rule = retention.for_category(category)
    except RuleViolation as exc:
        raise rule_error(exc) from exc
    document = Document(
        id=document_id,
        person_id=person_id,
        title=title[:200],
        category=category,
        section=section_for(category),
        retention_rule=rule.code,
        retain_until=retention.retain_until(category, today),
        organisation_id=principal.organisation_id,
        created_by=principal.user_id,
        current_version=1,
    )
    session.add(document)
    await session.flush()
    _add_version(session, principal, document, 1, key, filename, stored)
    await session.flush()
    summary = f"Document déposé : « {document.title} » ({CATEGORY_LABELS[category]})."
    _document_event(session, principal, document, "document_added", summary)
    await events.record(session, _added(principal, document, new_version=False, told=not notify_person))
    return document


def _added(principal: Principal, document: Document, *, new_version: bool, told: bool) -> DocumentAdded:
    """The event the person's notice subscribes to (:mod:`coordination.dossier.notices`)."""
    return DocumentAdded(
        person_id=document.person_id,
        document_id=document.id,
        new_version=new_version,
        actor_user_id=principal.user_id,
        actor_organisation_id=principal.organisation_id,
        actor_person_id=principal.person_id,
        told_by_caller=told,
    )


def _add_version(session, principal, document, number, key, filename, stored) -> DocumentVersion:
    media_type, size, sha256, status, signature = stored
    version = DocumentVersion(
        document_id=document.id,
        person_id=document.person_id,
        number=number,
        object_key=key,
        sha256=sha256,
        size=size,
        media_type=media_type,
        filename=filename,
        scan_status=status,
        scan_signature=signature,
        scanned_at=clock.now() if status == "clean" else None,
        uploaded_by=principal.user_id,
    )
    session.add(version)
    return version


async def add_version(
    session: AsyncSession,
    principal: Principal,
    document: Document,
    number: int,
    key: str,
    filename: str,
    stored,
) -> Document:
    _add_version(session, principal, document, number, key, filename, stored)
    document.current_version = number
    document.updated_at = clock.now()
    await flush_versioned(session)
    summary = f"Nouvelle version ({number}) du document « {document.title} »."
    _document_event(session, principal, document, "document_version_added", summary)
    await events.record(session, _added(principal, document, new_version=True, told=False))
    return document


async def find_document(session: AsyncSession, person_id: UUID, document_id: UUID) -> Document | None:
    document = await session.get(Document, document_id)
    return document if document is not None and document.person_id == person_id else None


async def get_document(session: AsyncSession, person_id: UUID, document_id: UUID) -> Document:
    document = await find_document(session, person_id, document_id)
    if document is None:
        raise NotFound("Document introuvable dans ce dossier.", "document-not-found")
    return document


async def versions_of(session: AsyncSession, document_id: UUID) -> list[DocumentVersion]:
    return list(
        (
            await session.scalars(
                select(DocumentVersion)
                .where(DocumentVersion.document_id == document_id)
                .order_by(DocumentVersion.number)
            )
        ).all()
    )


def downloadable(version: DocumentVersion) -> bool:
    """Clean (or unscanned in development, where no antivirus is configured) and not purged."""
    return version.purged_at is None and version.scan_status in ("clean", "not_scanned")


async def version_for_download(
    session: AsyncSession, document: Document, number: int | None
) -> DocumentVersion:
    if document.deleted_at is not None:
        raise ProblemError(410, "document-deleted", "Ce document a été supprimé.")
    versions = await versions_of(session, document.id)
    wanted = number or document.current_version
    version = next((v for v in versions if v.number == wanted), None)
    if version is None:
        raise NotFound("Version du document introuvable.", "version-not-found")
    if not downloadable(version):
        raise Conflict(
            "Ce document n'est pas disponible : l'analyse antivirus ne l'a pas déclaré sain.", "not-clean"
        )
    return version


async def delete_document(
    session: AsyncSession, principal: Principal, document: Document, reason: str, retention: RetentionPolicy
) -> list[str]:
    """Record the deletion (who, when, why, under which rule) and mark versions purged.

    Returns the object keys to remove AFTER the commit: a row never points to a missing object, and an
    object left by a failed removal is an orphan the sweep will find.
    """
    if document.deleted_at is not None:
        raise ProblemError(410, "document-deleted", "Ce document a déjà été supprimé.")
    now = clock.now()
    document.deleted_at = now
    document.deleted_by = principal.user_id
    document.deletion_reason = reason
    document.deletion_rule = document.retention_rule
    document.updated_at = now
    versions = await versions_of(session, document.id)
    for version in versions:
        version.purged_at = now
    await flush_versioned(session)
    rule = retention.rules.get(document.retention_rule)
    summary = (
        f"Document « {document.title} » supprimé (règle de conservation : "
        f"{rule.label if rule else document.retention_rule}). Motif : {reason}"
    )
    _document_event(session, principal, document, "document_deleted", summary)
    return [v.object_key for v in versions]


def document_out(
    document: Document, versions: list[DocumentVersion], retention: RetentionPolicy
) -> schemas.DocumentOut:
    rule = retention.rules.get(document.retention_rule)
    return out_of(
        schemas.DocumentOut,
        document,
        retention_label=rule.label if rule else document.retention_rule,
        versions=[out_of(schemas.DocumentVersionOut, v, available=downloadable(v)) for v in versions],
    )


async def list_documents(
    session: AsyncSession, person_id: UUID, sections: set[str]
) -> list[tuple[Document, list[DocumentVersion]]]:
    documents = (
        await session.scalars(
            select(Document)
            .where(Document.person_id == person_id, Document.section.in_(sections))
            .order_by(Document.created_at)
        )
    ).all()
    if not documents:
        return []
    versions = (
        await session.scalars(
            select(DocumentVersion)
            .where(DocumentVersion.document_id.in_([d.id for d in documents]))
            .order_by(DocumentVersion.number)
        )
    ).all()
    by_doc: dict[UUID, list[DocumentVersion]] = {}
    for v in versions:
        by_doc.setdefault(v.document_id, []).append(v)
    return [(d, by_doc.get(d.id, [])) for d in documents]


def _key_time(key: str) -> datetime | None:
    """The UUIDv7 suffix of a key carries its creation time (milliseconds)."""
    try:
        tail = key.rsplit("-", 1)[1]
        return datetime.fromtimestamp(int(tail[:12], 16) / 1000, UTC)
    except (IndexError, ValueError):
        return None


async def sweep_orphans(
    session: AsyncSession, store: DocumentStore, *, now: datetime | None = None, dry_run: bool = False
) -> list[str]:
    """Delete objects no live version row points to (failed commits, crashes, purged versions).

    Objects younger than :data:`SWEEP_GRACE` are spared: their upload may still be committing.
    """
    now = now or clock.now()
    live = set(
        (
            await session.scalars(
                select(DocumentVersion.object_key).where(DocumentVersion.purged_at.is_(None))
            )
        ).all()
    )
    removed = []
    async for key in store.list_keys(KEY_PREFIX):
        if key in live:
            continue
        created = _key_time(key)
        if created is not None and now - created < SWEEP_GRACE:
            continue
        if not dry_run:
            await store.delete(key)
        removed.append(key)
    if not dry_run:
        await store.sweep_incomplete(now - SWEEP_GRACE)
    return removed


RETENTION_ENDED = "Durée de conservation échue"


async def purge_expired(
    session: AsyncSession, retention: RetentionPolicy, today: date, *, limit: int = 500
) -> tuple[int, list[str]]:
    """Erase the documents whose retention ended before ``today``: their version rows go, the document row
    stays as a dated tombstone (who may ask "where is my payslip?" reads why it went), and an event in the
    file says which rule ended it. Returns ``(documents erased, object keys to delete AFTER the commit)``.

    Idempotent: a document already erased has no version row left and is not selected again. A document
    deleted earlier by hand (versions marked purged, rows kept) loses its rows when its retention ends. An
    object whose deletion fails after the commit is an orphan the sweep removes on the next run.
    ``limit`` bounds one transaction; the next run continues.
    """
    has_versions = select(DocumentVersion.id).where(DocumentVersion.document_id == Document.id).exists()
    due = (
        await session.scalars(
            select(Document)
            .where(Document.retain_until.is_not(None), Document.retain_until < today)
            .where(or_(Document.deleted_at.is_(None), has_versions))
            .order_by(Document.retain_until, Document.id)
            .limit(limit)
        )
    ).all()
    if not due:
        return 0, []
    versions = (
        await session.scalars(
            select(DocumentVersion).where(DocumentVersion.document_id.in_([d.id for d in due]))
        )
    ).all()
    keys = [v.object_key for v in versions]
    now = clock.now()
    for document in due:
        rule = retention.rules.get(document.retention_rule)
        label = rule.label if rule else document.retention_rule
        if document.deleted_at is None:
            document.deleted_at = now
            document.deleted_by = None
            document.deletion_reason = (
                f"{RETENTION_ENDED} ({label}, jusqu'au {day_fr(document.retain_until)})."
            )
            document.deletion_rule = document.retention_rule
            document.updated_at = now
        summary = (
            f"Document « {document.title} » effacé : durée de conservation échue le "
            f"{day_fr(document.retain_until)} (règle : {label}, version {retention.version})."
        )
        _document_event(session, None, document, "document_retention_ended", summary)
    await flush_versioned(session)
    await session.execute(delete(DocumentVersion).where(DocumentVersion.id.in_([v.id for v in versions])))
    return len(due), keys
