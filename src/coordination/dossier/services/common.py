"""Helpers every dossier service uses: loading rows of one person, stale-write mapping, timeline events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from coordination import clock
from coordination.access.principal import Principal
from coordination.dossier.models import FileEvent, Person
from coordination.dossier.rules import RuleViolation, check_transition
from coordination.errors import NotFound, PreconditionFailed, Unprocessable

T = TypeVar("T")
S = TypeVar("S", bound=msgspec.Struct)

VersionCheck = Callable[[int], None]
"""Raises when the version the client read is not the row's current one (the API's ``If-Match``: 428
without it, 412 when stale; the page's hidden field: 409)."""

STALE_DETAIL = (
    "Ce contenu a été modifié par quelqu'un d'autre depuis votre lecture : rechargez-le avant de réessayer."
)


async def get_person(session: AsyncSession, person_id: UUID) -> Person:
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound("Dossier introuvable.", "person-not-found")
    return person


async def get_owned(session: AsyncSession, model: type[T], row_id: UUID, person_id: UUID, what: str) -> T:
    """A row of ``model`` that belongs to this person's file (an id from another file is a 404)."""
    row = await session.get(model, row_id)
    if row is None or row.person_id != person_id:  # type: ignore[attr-defined]
        raise NotFound(f"{what} introuvable dans ce dossier.", "not-found")
    return row


async def rows_of_person(session: AsyncSession, model: type[T], person_id: UUID, *order_by: Any) -> list[T]:
    """All rows of ``model`` in this person's file, in the given order (the caller has passed the gate)."""
    query = select(model).where(model.person_id == person_id).order_by(*order_by)  # type: ignore[attr-defined]
    return list((await session.scalars(query)).all())


async def flush_versioned(session: AsyncSession, awaitable: Awaitable[Any] | None = None) -> None:
    """Flush, turning the optimistic-lock miss of a concurrent writer into a 412 (nothing written)."""
    try:
        if awaitable is not None:
            await awaitable
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(STALE_DETAIL) from exc


def rule_error(exc: RuleViolation) -> Unprocessable:
    return Unprocessable(str(exc), exc.code)


def sent_fields(data: msgspec.Struct) -> dict[str, Any]:
    """The fields a partial update carries: those the client left out (``UNSET``) are not changes."""
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}


def checked_changes(data: msgspec.Struct, kind: str, current_status: str) -> dict[str, Any]:
    """The fields a partial update carries, a new ``status`` checked against the transitions allowed from
    ``current_status`` for this kind of row (a forbidden one is a 422, before anything is changed)."""
    changes = sent_fields(data)
    if "status" in changes:
        try:
            check_transition(kind, current_status, changes["status"])
        except RuleViolation as exc:
            raise rule_error(exc) from exc
    return changes


def out_of(schema: type[S], row: Any, **computed: Any) -> S:
    """The response ``schema`` filled from the row's attributes of the same names, ``computed`` giving the
    fields the row does not hold (labels, renamed or nested fields): one copy of columns to the API, so a
    field added to both cannot be forgotten in between (a name neither holds is an error, not a gap)."""
    copied = {f: getattr(row, f) for f in schema.__struct_fields__ if f not in computed}
    return schema(**copied, **computed)


def record_event(
    session: AsyncSession,
    principal: Principal | None,
    *,
    person_id: UUID,
    section: str,
    kind: str,
    summary: str,
    subject_id: UUID | None = None,
) -> FileEvent:
    """Append a timeline event in the caller's transaction (it commits or vanishes with the change)."""
    event = FileEvent(
        person_id=person_id,
        section=section,
        kind=kind,
        summary=summary[:300],
        subject_id=subject_id,
        actor_user_id=principal.user_id if principal else None,
        actor_organisation_id=principal.organisation_id if principal else None,
    )
    session.add(event)
    return event


def record_about(
    session: AsyncSession, principal: Principal | None, row: Any, section: str, kind: str, summary: str
) -> FileEvent:
    """A timeline event about one row of the file: the person and the subject are the row's own
    (``row.person_id``, ``row.id``), so a caller cannot pair an event with another file's row."""
    return record_event(
        session,
        principal,
        person_id=row.person_id,
        section=section,
        kind=kind,
        summary=summary,
        subject_id=row.id,
    )


async def add_recorded(
    session: AsyncSession, principal: Principal, row: Any, section: str, kind: str, summary: str
) -> None:
    """A new row of the file and its timeline event (:func:`record_about`), the row flushed first so the
    event names its id."""
    session.add(row)
    await session.flush()
    record_about(session, principal, row, section, kind, summary)


async def write_changes(session: AsyncSession, row: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """Set the attributes that differ; when any did, stamp ``updated_at`` and flush (a concurrent writer's
    newer version: 412, nothing written). Returns the previous values of those that changed (for the
    history and the timeline; empty: nothing to record)."""
    before: dict[str, Any] = {}
    for name, value in changes.items():
        old = getattr(row, name)
        if old != value:
            before[name] = old
            setattr(row, name, value)
    if before:
        row.updated_at = clock.now()
        await flush_versioned(session)
    return before


def jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Dates and UUIDs as strings, for JSON history columns."""
    out = {}
    for key, value in values.items():
        out[key] = value if value is None or isinstance(value, bool | int | float | str) else str(value)
    return out
