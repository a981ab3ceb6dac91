"""What happens to a referral, as domain events (see :mod:`coordination.events`).

The referral services record these; the messages to the partner, the sender and the person are their
subscribers (:mod:`coordination.referral.notices`, wired in :mod:`coordination.wiring`). Identifiers and
plain values only: a subscriber reads the names, the service and the free-text notes from the rows, so
no person's data is copied into the outbox. Labels from the rule file (a reason category, a refusal
reason) travel as values because the subscriber has no rules at hand."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from coordination.events import Event


class ReferralEvent(Event, frozen=True, kw_only=True):
    """Base of the referral's events: about one referral (its id is the outbox row's subject)."""

    subject_field: ClassVar[str | None] = "referral_id"
    referral_id: UUID
    actor_user_id: UUID | None = None
    """Who acted (not told of what they did themself); ``None`` for the daily sweep or the person."""


class ReferralSent(ReferralEvent, frozen=True, kw_only=True):
    kind: ClassVar[str] = "referral_sent"
    reason_category_label: str


class ReferralConsentRequested(ReferralEvent, frozen=True, kw_only=True):
    """The person is asked, in her space, to share the sections the partner needs."""

    kind: ClassVar[str] = "referral_consent_requested"


class ReferralConsentGiven(ReferralEvent, frozen=True, kw_only=True):
    kind: ClassVar[str] = "referral_consent_given"


class ReferralConsentDeclined(ReferralEvent, frozen=True, kw_only=True):
    """The person declined to share: the referral is withdrawn with it."""

    kind: ClassVar[str] = "referral_consent_declined"


class ReferralConsentWithdrawn(ReferralEvent, frozen=True, kw_only=True):
    kind: ClassVar[str] = "referral_consent_withdrawn"


class ReferralAnswered(ReferralEvent, frozen=True, kw_only=True):
    """The partner accepted, refused or put the person on its waiting list."""

    kind: ClassVar[str] = "referral_answered"
    answer: str  # rules.ACCEPTED, rules.REFUSED or rules.WAITING_LIST
    refusal_label: str | None = None
    access_ended: bool = False
    """The consent given for the referral ended with it (a refusal): the messages say so."""


class ReferralWithdrawn(ReferralEvent, frozen=True, kw_only=True):
    """By the person herself (``by_person``) or by a worker of the sending organisation."""

    kind: ClassVar[str] = "referral_withdrawn"
    by_person: bool
    access_ended: bool = False
    """A consent of the referral ended (the worker withdrew) or was withdrawn with it (the person did)."""


class ReferralReminded(ReferralEvent, frozen=True, kw_only=True):
    kind: ClassVar[str] = "referral_reminded"
    working_days_left: int


class ReferralExpired(ReferralEvent, frozen=True, kw_only=True):
    kind: ClassVar[str] = "referral_expired"
    access_ended: bool = False
