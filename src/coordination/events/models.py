"""The outbox: one row per domain event, written in the transaction of the change it describes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from coordination.db.base import Entity
from coordination.db.types import GUID, DateTimeUTC


class DomainEvent(Entity):
    __tablename__ = "domain_events"
    __table_args__ = (
        Index("ix_domain_events_kind_occurred", "kind", "occurred_at"),
        Index("ix_domain_events_kind_subject", "kind", "subject_id"),
        Index("ix_domain_events_unpublished", "published_at"),
    )

    kind: Mapped[str] = mapped_column(String(60), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False)
    person_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    """Whose file the event is about, if any (no foreign key: like the journal, an erased file's events
    stay, and their payload holds identifiers only, never names or NISS numbers)."""
    subject_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    """The thing the event is about (a consent, a referral…), so sweeps can ask whether it was announced."""
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    """Set by a publisher that forwards events outside the process (none yet: in-process subscribers run
    in the recording transaction and need no mark)."""
