"""What happens to a person's consents and mandates, as domain events (see :mod:`coordination.events`).

Identifiers only: the subscribers (:mod:`coordination.access.notices`) read names and terms themselves."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from coordination.events import Event


class ConsentChanged(Event, frozen=True, kw_only=True):
    """A consent was given, withdrawn or renewed (``consent_id``: for a renewal, the NEW consent).
    ``actor_person_id`` is set when the person acted herself: she is not told what she just did."""

    kind: ClassVar[str] = "consent_changed"
    subject_field: ClassVar[str | None] = "consent_id"
    unstored: ClassVar[frozenset[str]] = frozenset({"reason"})
    consent_id: UUID
    change: str  # "given", "withdrawn" or "renewed"
    actor_user_id: UUID | None = None
    actor_person_id: UUID | None = None
    reason: str | None = None


class ConsentEnded(Event, frozen=True, kw_only=True):
    """A consent lost its purpose (its referral is over). ``told_by_caller``: the caller's own message
    already says so (the referral's notice), so the person gets one message, not two."""

    kind: ClassVar[str] = "consent_ended"
    subject_field: ClassVar[str | None] = "consent_id"
    unstored: ClassVar[frozenset[str]] = frozenset({"reason"})
    consent_id: UUID
    reason: str
    told_by_caller: bool = False


class ConsentExpiring(Event, frozen=True, kw_only=True):
    """A consent in force reaches its end date soon (the daily sweep; once per consent)."""

    kind: ClassVar[str] = "consent_expiring"
    subject_field: ClassVar[str | None] = "consent_id"
    consent_id: UUID


class MandateChanged(Event, frozen=True, kw_only=True):
    """An organisation declared (``asserted``) or closed (``ended``) a mandate on the person's file."""

    kind: ClassVar[str] = "mandate_changed"
    subject_field: ClassVar[str | None] = "mandate_id"
    mandate_id: UUID
    change: str  # "asserted" or "ended"
