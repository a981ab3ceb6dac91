"""A referent's portfolio worklist and alerts, computed from the active links at read time.

Order: overdue first contacts first (oldest deadline first), then by next due date, then by name. The
"next due date" is the first-contact deadline while no contact is recorded, else the digital track's
automatic move to e-conseil. A file is stale when nothing happened on it (no contact, no timeline event)
for ``stale_days`` days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.dossier.models import FileEvent, Person
from coordination.formatting import day_fr
from coordination.referent.models import Adviser, Orientation, ReferentLink
from coordination.referent.orientation import ReferentRules, Track, local_date
from coordination.referent.schemas import WorkItemOut

DUE_SOON_DAYS = 7


def _sort_key(item: WorkItemOut) -> tuple:
    return (
        not item.first_contact_overdue,
        item.next_due or date.max,
        item.last_name.lower(),
        item.first_name.lower(),
    )


async def portfolio(
    session: AsyncSession,
    adviser: Adviser,
    rules: ReferentRules,
    *,
    now: datetime,
    stale_days: int,
    track_label: Callable[[str | None], str | None],
    readable: ColumnElement[bool] | None = None,
) -> list[WorkItemOut]:
    """The adviser's active links, with each person's last activity and digital-track deadline, as the
    API and the page show them (``track_label``: the track's French name in the rule files).

    ``readable``: the gate's predicate on ``persons`` (:func:`coordination.access.filter.readable`); the
    portfolio keeps only the files the reader may read, in the same query. The last event and the latest
    orientation are read per person of the portfolio (indexed), never by grouping the whole tables."""
    today = local_date(now, rules)
    last_event = (
        select(func.max(FileEvent.occurred_at))
        .where(FileEvent.person_id == ReferentLink.person_id)
        .correlate(ReferentLink)
        .scalar_subquery()
    )
    latest_move_due = (
        select(Orientation.digital_move_due)
        .where(Orientation.person_id == ReferentLink.person_id)
        .correlate(ReferentLink)
        .order_by(Orientation.created_at.desc(), Orientation.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(ReferentLink, Person.first_name, Person.last_name, last_event, latest_move_due)
        .join(Person, Person.id == ReferentLink.person_id)
        .where(ReferentLink.adviser_id == adviser.id, ReferentLink.ended_at.is_(None))
    )
    if readable is not None:
        query = query.where(readable)
    rows = await session.execute(query)
    items: dict[UUID, WorkItemOut] = {}
    stale_before = now - timedelta(days=stale_days)
    for link, first, last, event_at, oriented_move_due in rows:
        contacted = link.last_contact_at is not None
        overdue = not contacted and link.first_contact_due is not None and link.first_contact_due < today
        move_due: date | None = oriented_move_due if link.chosen_track == Track.DIGITAL.value else None
        activity = max((t for t in (link.last_contact_at, event_at) if t is not None), default=None)
        next_due = link.first_contact_due if not contacted else None
        if move_due is not None:
            next_due = min(d for d in (next_due, move_due) if d is not None)
        items[link.person_id] = WorkItemOut(
            person_id=link.person_id,
            first_name=first,
            last_name=last,
            track=link.chosen_track,
            track_label=track_label(link.chosen_track),
            since=link.started_at,
            first_contact_due=link.first_contact_due,
            first_contact_overdue=overdue,
            digital_move_due=move_due,
            next_due=next_due,
            last_contact_at=link.last_contact_at,
            last_activity_at=activity,
            stale=(activity or link.started_at) < stale_before,
        )
    return sorted(items.values(), key=_sort_key)


@dataclass(frozen=True)
class Alert:
    kind: str
    message: str
    person_id: UUID | None = None
    due: date | None = None


def alerts(items: list[WorkItemOut], adviser: Adviser, *, today: date, stale_days: int) -> list[Alert]:
    result: list[Alert] = []
    if len(items) > adviser.capacity:
        result.append(
            Alert(
                "portfolio_over_capacity",
                f"Portefeuille au-delà de la capacité : {len(items)} personnes pour {adviser.capacity} places.",
            )
        )
    for item in items:
        name = f"{item.first_name} {item.last_name}"
        if item.first_contact_overdue:
            result.append(
                Alert(
                    "first_contact_overdue",
                    f"Premier contact en retard avec {name} (échéance : {day_fr(item.first_contact_due)}).",
                    item.person_id,
                    item.first_contact_due,
                )
            )
        elif (
            item.last_contact_at is None
            and item.first_contact_due is not None
            and item.first_contact_due <= today + timedelta(days=DUE_SOON_DAYS)
        ):
            result.append(
                Alert(
                    "first_contact_due_soon",
                    f"Premier contact à prendre avec {name} d'ici le {day_fr(item.first_contact_due)}.",
                    item.person_id,
                    item.first_contact_due,
                )
            )
        if item.digital_move_due is not None and item.digital_move_due <= today:
            result.append(
                Alert(
                    "digital_track_ended",
                    f"Le parcours digital de {name} est terminé depuis le {day_fr(item.digital_move_due)} : "
                    "passage en e-conseil à organiser.",
                    item.person_id,
                    item.digital_move_due,
                )
            )
        if item.stale:
            result.append(
                Alert(
                    "stale_file",
                    f"Aucune activité sur le dossier de {name} depuis {stale_days} jours.",
                    item.person_id,
                )
            )
    return result
