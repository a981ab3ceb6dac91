"""How long the outbox keeps an event, and which old events it must keep anyway.

Why a limit: the outbox is not the record of what happened to a person (the journal and the inbox are);
it carries each event to the subscribers in the recording transaction and leaves a dated trace for a
future publisher. Kept forever, it would become a second, unplanned history of every file. So the daily
tasks delete events older than :data:`OUTBOX_RETENTION`.

Why exceptions: some sweeps use the outbox as their "already announced" mark (a first contact overdue is
told once per referent link). Deleting the mark while its subject is still pending would announce it
again; the caller names, per event kind, the subjects whose mark is still needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, Select, and_, delete, not_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.events.models import DomainEvent

OUTBOX_RETENTION = timedelta(days=90)
"""Long enough to look into a recent incident (a notice not received), short enough that the outbox stays
a transport, not an archive."""


async def purge_outbox(
    session: AsyncSession, now: datetime, still_needed: Mapping[str, Select] | None = None
) -> int:
    """Delete the events recorded before ``now - OUTBOX_RETENTION``, except, for each kind in
    ``still_needed``, those whose subject is in the given selection of ids. Returns how many went."""
    kept = [
        and_(DomainEvent.kind == kind, DomainEvent.subject_id.in_(subjects))
        for kind, subjects in (still_needed or {}).items()
    ]
    condition = DomainEvent.occurred_at < now - OUTBOX_RETENTION
    if kept:
        condition = and_(condition, not_(or_(*kept)))
    result = cast(CursorResult, await session.execute(delete(DomainEvent).where(condition)))
    return result.rowcount or 0
