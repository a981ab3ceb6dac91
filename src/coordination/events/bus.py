"""Recording an event and running its subscribers, in the caller's transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar
from uuid import UUID

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.events.models import DomainEvent


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every domain event: identifiers and plain values only (the payload is stored as JSON; a
    subscriber reads names and texts itself, so no person's data is copied into the outbox)."""

    kind: ClassVar[str]
    subject_field: ClassVar[str | None] = None
    """The field naming the thing the event is about (stored as ``subject_id``, so a daily sweep can ask
    "was this consent already announced?" without reading payloads)."""
    unstored: ClassVar[frozenset[str]] = frozenset()
    """Fields the subscribers receive but the outbox does not keep: words a worker typed (a reason, a
    note) go to the people they are written for, never into a second store."""
    person_id: UUID | None = None

    @property
    def subject_id(self) -> UUID | None:
        return getattr(self, self.subject_field) if self.subject_field else None


E = TypeVar("E", bound=Event)
Subscriber = Callable[[AsyncSession, Any], Awaitable[None]]

_subscribers: dict[type[Event], list[Subscriber]] = defaultdict(list)
_wired = False


def subscribe(event_type: type[E], subscriber: Callable[[AsyncSession, E], Awaitable[None]]) -> None:
    """Register ``subscriber`` for ``event_type`` (called by :func:`coordination.wiring.wire`). Idempotent,
    so wiring twice (the app and a task runner in one process) does not notify twice."""
    if subscriber not in _subscribers[event_type]:
        _subscribers[event_type].append(subscriber)


def subscribers_of(event_type: type[Event]) -> tuple[Subscriber, ...]:
    return tuple(_subscribers.get(event_type, ()))


def mark_wired() -> None:
    global _wired
    _wired = True


def wired() -> bool:
    return _wired


async def record(session: AsyncSession, event: Event) -> None:
    """Write ``event`` to the outbox and run its subscribers, all in ``session``'s transaction.

    Refuses to run before the subscribers are wired: an event recorded then would silently tell nobody."""
    if not _wired:
        raise RuntimeError("domain events recorded before coordination.wiring.wire() ran")
    payload = {k: v for k, v in msgspec.to_builtins(event).items() if k not in event.unstored}
    session.add(
        DomainEvent(
            kind=event.kind,
            occurred_at=clock.now(),
            person_id=event.person_id,
            subject_id=event.subject_id,
            payload=payload,
        )
    )
    for subscriber in _subscribers.get(type(event), ()):
        await subscriber(session, event)
