"""People: create and find by NISS (keyed hash, unique), identity updates, search and filtered lists."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import func, literal, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.access import mandates
from coordination.access.filter import Readable, bases_of, journal_shown
from coordination.access.models import Mandate, MandateKind
from coordination.access.principal import Principal
from coordination.db.base import Base
from coordination.dossier import schemas
from coordination.dossier.models import FileEvent, Person
from coordination.dossier.niss import InvalidNiss, mask, niss_hash, normalise_niss
from coordination.dossier.services.common import (
    out_of,
    record_event,
    sent_fields,
    write_changes,
)
from coordination.errors import BadRequest, Forbidden

IDENTITY_FIELDS = tuple(f for f in schemas.PersonUpdate.__struct_fields__)


def parse_niss(raw: str) -> str:
    try:
        return normalise_niss(raw)
    except InvalidNiss as exc:
        raise BadRequest(str(exc), "invalid-niss") from exc


async def find_by_niss(session: AsyncSession, raw_niss: str, key: bytes) -> Person | None:
    digits = parse_niss(raw_niss)
    return await session.scalar(select(Person).where(Person.niss_hash == niss_hash(digits, key)))


DEFAULT_CREATION_GROUND = "Déclaré à l'ouverture du dossier"
MANDATE_FIELDS = ("forem_registered", "forem_registered_on", "ris_cpas_id")


def _creation_assertions(principal: Principal, data: schemas.PersonCreate) -> list[tuple[MandateKind, date]]:
    """The mandates the creating worker asserts with the file, checked BEFORE anything is written: only a
    Forem worker asserts a Forem registration, only a worker of CPAS X that X pays the RIS."""
    wanted: list[tuple[MandateKind, date | None, UUID | None]] = []
    if data.forem_registered:
        wanted.append((MandateKind.FOREM_REGISTRATION, data.forem_registered_on, None))
    elif data.forem_registered_on is not None:
        raise BadRequest(
            "Une date d'inscription au Forem n'a de sens que si la personne est inscrite.", "mandate-date"
        )
    if data.ris_cpas_id is not None:
        wanted.append((MandateKind.RIS, None, data.ris_cpas_id))
    if not wanted:
        return []
    asserter = mandates.Asserter.of(principal)
    result = []
    for kind, since, organisation_id in wanted:
        mandates.check_asserter(asserter, kind, organisation_id or asserter.organisation_id)
        result.append((kind, since or clock.today()))
    return result


def check_creation(principal: Principal, data: schemas.PersonCreate) -> None:
    """What can be refused from the request alone, before the database is read (so the answer never
    depends on whether the NISS has a file): the NISS's form and the mandates claimed with the file."""
    parse_niss(data.niss)
    _creation_assertions(principal, data)


async def create_person(
    session: AsyncSession, principal: Principal, data: schemas.PersonCreate, key: bytes
) -> Person:
    """One person, one file. The caller must then pass the gate on the new file (see the controller).

    A NISS that already has a file is NOT answered here: the controller decides, through the gate on that
    file, whether the caller may learn it (409) or gets the very refusal of a caller without mandate (403),
    so the answer never tells a stranger whether a person is followed."""
    digits = parse_niss(data.niss)
    assertions = _creation_assertions(principal, data)
    hashed = niss_hash(digits, key)
    values = msgspec.structs.asdict(data)
    for name in (*MANDATE_FIELDS, "niss", "mandate_ground"):
        values.pop(name)
    person = Person(niss=digits, niss_hash=hashed, **values)
    session.add(person)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent creation won the race
        raise DuplicatePerson(hashed) from exc
    record_event(
        session,
        principal,
        person_id=person.id,
        section="identity",
        kind="person_created",
        summary="Ouverture du dossier.",
        subject_id=person.id,
    )
    if assertions:
        asserter = mandates.Asserter.of(principal)
        for kind, since in assertions:
            await mandates.assert_mandate(
                session,
                asserter,
                person.id,
                kind=kind,
                started_on=since,
                ground=data.mandate_ground or DEFAULT_CREATION_GROUND,
            )
    return person


class DuplicatePerson(Exception):
    """A file exists for this NISS (its keyed hash is ``niss_hash``): the controller decides the answer."""

    def __init__(self, niss_hash: str) -> None:
        super().__init__("duplicate person")
        self.niss_hash = niss_hash


async def update_identity(
    session: AsyncSession, principal: Principal, person: Person, data: schemas.PersonUpdate
) -> Person:
    changes = sent_fields(data)
    forged = sorted(set(changes) & set(MANDATE_FIELDS))
    if forged:
        raise Forbidden(
            "L'inscription au Forem et le CPAS qui paie le revenu d'intégration ne se modifient pas ici : "
            "ce sont des mandats, déclarés ou clos par l'organisme mandaté lui-même "
            "(POST /api/v1/persons/{id}/mandates).",
            "mandate-not-editable",
            fields=forged,
        )
    before = await write_changes(session, person, changes)
    if before:
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


def person_out(person: Person, current: list[Mandate]) -> schemas.PersonOut:
    """``current``: the person's current mandate assertions (:func:`mandates.current_mandates`)."""
    status = mandates.status_of(current)
    return out_of(
        schemas.PersonOut,
        person,
        niss_masked=mask(person.niss),
        statuses=schemas.Statuses(
            forem_registered=status.forem_registered,
            forem_registered_on=status.forem_registered_on,
            ris_cpas_id=status.ris_cpas_id,
            inami_return_to_work=person.inami_return_to_work,
            mandates=[mandates.mandate_out(m, None) for m in current],
        ),
    )


async def read_person_out(session: AsyncSession, person: Person) -> schemas.PersonOut:
    current = (await mandates.current_mandates(session, [person.id]))[person.id]
    return person_out(person, current)


def summary_out(
    person: Person, last_activity: datetime | None, status: mandates.MandateStatus
) -> schemas.PersonSummary:
    return out_of(
        schemas.PersonSummary,
        person,
        niss_masked=mask(person.niss),
        forem_registered=status.forem_registered,
        ris=status.ris_cpas_id is not None,
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
        # ILIKE (not ``lower() LIKE``): PostgreSQL answers it from the trigram indexes (migration 0016)
        clauses.append(or_(Person.first_name.ilike(pattern), Person.last_name.ilike(pattern)))
    return clauses


def _last_activity():
    """The person's last timeline event, read per row shown (index ``ix_file_events_person_at``)."""
    return (
        select(func.max(FileEvent.occurred_at))
        .where(FileEvent.person_id == Person.id)
        .correlate(Person)
        .scalar_subquery()
        .label("last_at")
    )


def filtered_query(filters: ListFilters, readable: Readable, now: datetime) -> Any:
    """The SELECT of people matching the filters AMONG those the reader may read (the gate's predicate),
    in a stable order (last name, first name, id) for keyset pagination. No Python loop: the database
    selects, orders and cuts the page."""
    query = select(Person, _last_activity()).where(readable.where)
    if filters.name:
        for clause in _name_clause(filters.name):
            query = query.where(clause)
    if filters.bassin:
        query = query.where(func.lower(Person.bassin) == filters.bassin.strip().lower())
    if filters.status == "forem":
        query = query.where(mandates.current_clause(Person.id, MandateKind.FOREM_REGISTRATION))
    elif filters.status == "ris":
        query = query.where(mandates.current_clause(Person.id, MandateKind.RIS))
    elif filters.status == "inami":
        query = query.where(Person.inami_return_to_work.is_(True))
    elif filters.status:
        raise BadRequest("Filtre de statut inconnu : forem, ris ou inami attendu.", "unknown-filter")
    if filters.stale_days is not None:
        cutoff = now - timedelta(days=filters.stale_days)
        recent = select(FileEvent.id).where(FileEvent.person_id == Person.id, FileEvent.occurred_at >= cutoff)
        query = query.where(~recent.exists())
    if filters.referent_user_id is not None or filters.track is not None:
        query = _referent_filters(query, filters)
    return query


ORDER = (Person.last_name, Person.first_name, Person.id)


def encode_cursor(person: Person) -> str:
    raw = json.dumps([person.last_name, person.first_name, str(person.id)], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def after_cursor(query: Any, cursor: str | None) -> Any:
    """Keyset pagination: the rows after the cursor's (last name, first name, id), in that order."""
    if not cursor:
        return query.order_by(*ORDER)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        last, first, person_id = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        key = (str(last), str(first), UUID(str(person_id)))
    except (ValueError, TypeError) as exc:
        raise BadRequest(
            "Curseur de pagination invalide : reprenez la liste depuis le début.", "bad-cursor"
        ) from exc
    return query.where(
        tuple_(*ORDER) > tuple_(*(literal(v, type_=c.type) for v, c in zip(key, ORDER, strict=True)))
    ).order_by(*ORDER)


async def visible_page(
    session: AsyncSession,
    principal: Principal,
    request_id: str,
    query: Any,
    readable: Readable,
    *,
    cursor: str | None,
    page_size: int,
) -> schemas.PersonPage:
    """One page of a list: the rows after ``cursor``, their mandate summaries, and ONE journal row per file
    shown (action ``list``), in the request's transaction; files not shown are not touched."""
    rows = (await session.execute(after_cursor(query, cursor).limit(page_size + 1))).all()
    shown = rows[:page_size]
    ids = [person.id for person, _ in shown]
    status = await mandates.statuses(session, ids)
    bases = await bases_of(session, readable, ids)
    await journal_shown(session, principal, request_id, [(pid, *bases.get(pid, (None, None))) for pid in ids])
    items = [summary_out(person, last_at, status[person.id]) for person, last_at in shown]
    has_more = len(rows) > page_size
    return schemas.PersonPage(
        items=items,
        page_size=page_size,
        has_more=has_more,
        next_cursor=encode_cursor(shown[-1][0]) if has_more and shown else None,
    )


def _referent_filters(query: Any, filters: ListFilters) -> Any:
    """Referent and track filters read the referent package's tables when they exist."""
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
