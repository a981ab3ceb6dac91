"""People: create and find by NISS (keyed hash, unique), identity updates, search and filtered lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.directory.models import Organisation, OrganisationKind
from coordination.dossier import schemas
from coordination.dossier.models import FileEvent, Person
from coordination.dossier.niss import InvalidNiss, mask, niss_hash, normalise_niss
from coordination.dossier.services.common import apply_changes, flush_versioned, record_event
from coordination.errors import BadRequest, Conflict

IDENTITY_FIELDS = tuple(f for f in schemas.PersonUpdate.__struct_fields__)


def parse_niss(raw: str) -> str:
    try:
        return normalise_niss(raw)
    except InvalidNiss as exc:
        raise BadRequest(str(exc), "invalid-niss") from exc


async def _check_cpas(session: AsyncSession, cpas_id: UUID | None) -> None:
    if cpas_id is None:
        return
    org = await session.get(Organisation, cpas_id)
    if org is None or org.kind is not OrganisationKind.CPAS:
        raise BadRequest("Le CPAS indiqué pour le revenu d'intégration est inconnu.", "unknown-cpas")


async def find_by_niss(session: AsyncSession, raw_niss: str, key: bytes) -> Person | None:
    digits = parse_niss(raw_niss)
    return await session.scalar(select(Person).where(Person.niss_hash == niss_hash(digits, key)))


async def create_person(
    session: AsyncSession, principal: Principal, data: schemas.PersonCreate, key: bytes
) -> Person:
    """One person, one file: a second creation with the same NISS is a 409 (the unique hash decides)."""
    digits = parse_niss(data.niss)
    await _check_cpas(session, data.ris_cpas_id)
    hashed = niss_hash(digits, key)
    if await session.scalar(select(Person.id).where(Person.niss_hash == hashed)):
        raise Conflict("Un dossier existe déjà pour ce numéro NISS.", "duplicate-person")
    values = msgspec.structs.asdict(data)
    values.pop("niss")
    person = Person(niss=digits, niss_hash=hashed, **values)
    session.add(person)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent creation won the race
        raise Conflict("Un dossier existe déjà pour ce numéro NISS.", "duplicate-person") from exc
    record_event(
        session,
        principal,
        person_id=person.id,
        section="identity",
        kind="person_created",
        summary="Ouverture du dossier.",
        subject_id=person.id,
    )
    return person


async def update_identity(
    session: AsyncSession, principal: Principal, person: Person, data: schemas.PersonUpdate
) -> Person:
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    if "ris_cpas_id" in changes:
        await _check_cpas(session, changes["ris_cpas_id"])
    before = apply_changes(person, changes)
    if before:
        person.updated_at = datetime.now(UTC)
        await flush_versioned(session)
        record_event(
            session,
            principal,
            person_id=person.id,
            section="identity",
            kind="identity_updated",
            summary="Identité ou situation mise à jour (" + ", ".join(sorted(before)) + ").",
            subject_id=person.id,
        )
    return person


def person_out(person: Person) -> schemas.PersonOut:
    return schemas.PersonOut(
        id=person.id,
        niss=person.niss,
        niss_masked=mask(person.niss),
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date,
        email=person.email,
        phone=person.phone,
        address=person.address,
        language=person.language,
        bassin=person.bassin,
        statuses=schemas.Statuses(
            forem_registered=person.forem_registered,
            forem_registered_on=person.forem_registered_on,
            ris_cpas_id=person.ris_cpas_id,
            inami_return_to_work=person.inami_return_to_work,
        ),
        proximity_score=person.proximity_score,
        digital_autonomy=person.digital_autonomy,
        version=person.version,
        created_at=person.created_at,
        updated_at=person.updated_at,
    )


def summary_out(person: Person, last_activity: datetime | None) -> schemas.PersonSummary:
    return schemas.PersonSummary(
        id=person.id,
        niss_masked=mask(person.niss),
        first_name=person.first_name,
        last_name=person.last_name,
        bassin=person.bassin,
        forem_registered=person.forem_registered,
        ris=person.ris_cpas_id is not None,
        proximity_score=person.proximity_score,
        last_activity_at=last_activity,
    )


class ListFilters(msgspec.Struct, kw_only=True):
    """Filters of the worker's list. ``status``: ``forem`` (registered), ``ris``, ``inami``."""

    name: str | None = None
    bassin: str | None = None
    status: str | None = None
    track: str | None = None
    referent_user_id: UUID | None = None
    stale_days: int | None = None


def _name_clause(name: str) -> Any:
    words = [w for w in name.lower().split() if w]
    clauses = []
    for word in words[:4]:
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        clauses.append(
            or_(func.lower(Person.first_name).like(pattern), func.lower(Person.last_name).like(pattern))
        )
    return clauses


async def candidate_query(session: AsyncSession, filters: ListFilters, now: datetime) -> Any:
    """The SELECT of people matching the filters, with their last timeline activity; no gate yet."""
    last = (
        select(FileEvent.person_id, func.max(FileEvent.occurred_at).label("last_at"))
        .group_by(FileEvent.person_id)
        .subquery()
    )
    query = select(Person, last.c.last_at).outerjoin(last, last.c.person_id == Person.id)
    if filters.name:
        for clause in _name_clause(filters.name):
            query = query.where(clause)
    if filters.bassin:
        query = query.where(Person.bassin == filters.bassin)
    if filters.status == "forem":
        query = query.where(Person.forem_registered.is_(True))
    elif filters.status == "ris":
        query = query.where(Person.ris_cpas_id.is_not(None))
    elif filters.status == "inami":
        query = query.where(Person.inami_return_to_work.is_(True))
    elif filters.status:
        raise BadRequest("Filtre de statut inconnu : forem, ris ou inami attendu.", "unknown-filter")
    if filters.stale_days is not None:
        cutoff = now - timedelta(days=filters.stale_days)
        query = query.where(or_(last.c.last_at.is_(None), last.c.last_at < cutoff))
    if filters.referent_user_id is not None or filters.track is not None:
        query = _referent_filters(query, filters)
    return query.order_by(Person.last_name, Person.first_name, Person.id)


def _referent_filters(query: Any, filters: ListFilters) -> Any:
    """Referent and track filters read the referent package's tables when they exist."""
    from coordination.db.base import Base

    links = Base.metadata.tables.get("referent_links")
    if filters.referent_user_id is not None:
        if links is None:
            raise BadRequest("Le filtre par référent n'est pas disponible.", "unknown-filter")
        query = query.where(
            Person.id.in_(
                select(links.c.person_id).where(
                    links.c.referent_user_id == filters.referent_user_id, links.c.ended_at.is_(None)
                )
            )
        )
    if filters.track is not None:
        orientations = Base.metadata.tables.get("orientations")
        if orientations is None or "chosen_track" not in orientations.c:
            raise BadRequest("Le filtre par trajet n'est pas disponible.", "unknown-filter")
        # Orientations are append-only: the person's current track is the one of their latest decision.
        latest = (
            select(orientations.c.person_id, func.max(orientations.c.created_at).label("at"))
            .group_by(orientations.c.person_id)
            .subquery()
        )
        current = select(orientations.c.person_id).join(
            latest,
            (latest.c.person_id == orientations.c.person_id) & (latest.c.at == orientations.c.created_at),
        )
        query = query.where(Person.id.in_(current.where(orientations.c.chosen_track == filters.track)))
    return query
