"""What happens to a person's referent, as domain events (see :mod:`coordination.events`).

Identifiers only: the subscribers (:mod:`coordination.referent.notices`) read names, reasons and the
handover note themselves, so no person's data is copied into the outbox."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from coordination.events import Event


class ReferentHandedOver(Event, frozen=True, kw_only=True):
    """The active link ``former_link_id`` ended and ``new_link_id`` took over (a documented handover).
    ``actor_user_id``: who made it (not told what they just did)."""

    kind: ClassVar[str] = "referent_handed_over"
    subject_field: ClassVar[str | None] = "new_link_id"
    former_link_id: UUID
    new_link_id: UUID
    actor_user_id: UUID | None = None


class FirstContactOverdue(Event, frozen=True, kw_only=True):
    """An active link's first contact is past its due date with no contact recorded (the daily sweep;
    once per link: the sweep asks the outbox whether this link was already announced). The kind is the
    one migration 0022 gave to the announcements made before the outbox existed."""

    kind: ClassVar[str] = "first_contact_overdue"
    subject_field: ClassVar[str | None] = "link_id"
    link_id: UUID
    today: date
    """The sweep's Brussels day: the notice counts the days of delay from it."""
