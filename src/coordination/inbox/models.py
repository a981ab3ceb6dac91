"""Notifications: what changed on a person's file or on a worker's work, addressed to one user or to
one person (the person's own account may not exist yet; their notifications wait for them)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coordination.db.base import Entity
from coordination.db.types import GUID, DateTimeUTC


class Notification(Entity):
    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(
            "recipient_user_id IS NOT NULL OR recipient_person_id IS NOT NULL", name="has_recipient"
        ),
        Index("ix_notifications_user_created", "recipient_user_id", "created_at"),
        Index("ix_notifications_person_created", "recipient_person_id", "created_at"),
    )

    recipient_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    recipient_person_id: Mapped[UUID | None] = mapped_column(ForeignKey("persons.id"), nullable=True)
    """For the person themself: whichever account is theirs (``users.person_id``) reads it."""
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    title_fr: Mapped[str] = mapped_column(String(200), nullable=False)
    body_fr: Mapped[str] = mapped_column(Text, nullable=False)
    link: Mapped[str | None] = mapped_column(String(300), nullable=True)
    subject_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    """The thing the notification is about (a referral, a consent, a visa …), for grouping."""
    read_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    about_person_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    """For a worker's notification that carries a person's data (their name, a handover): whose. Showing it is
    a read of that person's file: it goes through the gate and is journaled on that person's chain. No
    foreign key, like the journal: an erased file keeps its notifications redacted, not dangling."""
    about_basis: Mapped[str | None] = mapped_column(String(16), nullable=True)
    """When the recipient reads the item on a basis the gate does not decide (``referral``: the referral card
    sent to a partner, first name only): journaled on that basis instead of asking the gate."""
