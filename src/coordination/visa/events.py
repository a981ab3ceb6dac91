"""What happens to a visa request, as domain events (see :mod:`coordination.events`).

Identifiers only (and the few plain values a notice cannot read back): the subscribers
(:mod:`coordination.visa.notices`) read the visa, the people and the hours themselves."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from coordination.events import Event


class VisaDecided(Event, frozen=True, kw_only=True):
    """A visa was decided (approved, approved with reservations or refused; a return for correction is
    not a decision). ``actor_user_id``: the decider, never told of what they just did."""

    kind: ClassVar[str] = "visa_decided"
    subject_field: ClassVar[str | None] = "visa_id"
    visa_id: UUID
    actor_user_id: UUID


class VisaDecisionAsked(Event, frozen=True, kw_only=True):
    """The submitter asked a named colleague to decide a request (four eyes). ``note``: the few words
    the submitter wrote to the colleague (a message between workers, not read back from anywhere)."""

    kind: ClassVar[str] = "visa_decision_asked"
    subject_field: ClassVar[str | None] = "visa_id"
    unstored: ClassVar[frozenset[str]] = frozenset({"note"})
    visa_id: UUID
    colleague_user_id: UUID
    actor_user_id: UUID
    note: str | None = None


class HoursOverContract(Event, frozen=True, kw_only=True):
    """A period of attendance, once ended, shows more hours worked than the approved contract pays,
    beyond the tolerance (``tolerance_hours_per_week``: the rule the comparison used)."""

    kind: ClassVar[str] = "visa_hours_over_contract"
    subject_field: ClassVar[str | None] = "attendance_id"
    attendance_id: UUID
    visa_id: UUID
    tolerance_hours_per_week: float
